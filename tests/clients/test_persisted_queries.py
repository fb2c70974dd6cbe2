"""Apollo's automatic persisted queries: hash first, PERSISTED_QUERY_NOT_FOUND, hash + query."""

from __future__ import annotations

import hashlib
import json
import secrets

import pytest

from config.settings import Settings
from graph.persisted.store import MemoryStore, RedisStore
from tests import services
from tests.api import Api, build_world
from tests.clients.conftest import AppFactory, asgi_client

QUERY = "query Me { me { email } }"
DIGEST = hashlib.sha256(QUERY.encode()).hexdigest()
HASH_ONLY = {"version": 1, "sha256Hash": DIGEST}
ME = {"me": {"email": "alice@a.example"}}


def extensions(digest: str = DIGEST) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_hash_first_then_hash_and_query_then_hash_alone(api: Api) -> None:
    unknown = await api.post({"extensions": extensions(), "operationName": "Me"})
    assert unknown.status_code == 200  # legacy application/json: errors ride a 200
    [error] = unknown.json()["errors"]
    assert error == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    strict = await api.post(
        {"extensions": extensions()}, Accept="application/graphql-response+json"
    )
    assert strict.status_code == 400
    assert strict.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = await api.post({"query": QUERY, "extensions": extensions()})
    assert registered.json()["data"] == ME
    assert (await api.post({"extensions": extensions()})).json()["data"] == ME


async def test_persisted_queries_run_with_get_and_revalidate(api: Api) -> None:
    await api.post({"query": QUERY, "extensions": extensions()})
    params = {"operationName": "Me", "extensions": json.dumps(extensions())}
    headers = {"Authorization": f"Bearer {api.token}", "Accept": "application/json, */*"}
    first = await api.client.get("/graphql", params=params, headers=headers)
    assert first.status_code == 200 and first.json()["data"] == ME  # not the GraphiQL page
    assert first.headers["cache-control"] == "private, no-cache"
    tag = first.headers["etag"]
    again = await api.client.get(
        "/graphql", params=params, headers={**headers, "If-None-Match": tag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag


async def test_a_wrong_hash_is_refused_and_not_stored(api: Api) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = await api.post({"query": QUERY, "extensions": extensions(wrong)})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "data" not in response.json()
    later = await api.post({"extensions": extensions(wrong)})
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "persisted",
    [{"version": 2, "sha256Hash": DIGEST}, {"version": 1, "sha256Hash": "XYZ"}, "nope"],
)
async def test_malformed_persisted_query_extensions_are_typed_errors(
    api: Api, persisted: object
) -> None:
    response = await api.post({"query": QUERY, "extensions": {"persistedQuery": persisted}})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_the_memory_store_drops_the_least_recently_used() -> None:
    store = MemoryStore(capacity=2)
    await store.put("a", "A")
    await store.put("b", "B")
    assert await store.get("a") == "A"  # a is now the most recent
    await store.put("c", "C")
    assert len(store) == 2
    assert await store.get("b") is None
    assert (await store.get("a"), await store.get("c")) == ("A", "C")


@pytest.mark.redis
async def test_the_redis_store_is_shared_and_bounded() -> None:
    url = services.service_url(services.REDIS_VAR, "Redis")
    prefix = f"cc-test-pq-{secrets.token_hex(6)}"
    one, two = RedisStore(url, prefix, capacity=3), RedisStore(url, prefix, capacity=3)
    try:
        await one.put("a", "A")
        assert await two.get("a") == "A"  # what one process registered, another finds
        for digest in "bcd":
            await two.put(digest, digest.upper())
        assert await one.get("a") is None  # four entries, capacity three: the oldest went
        assert [await one.get(d) for d in "bcd"] == ["B", "C", "D"]
        redis = one._redis()
        assert await redis.zcard(f"{prefix}:lru") == 3
        assert len(await redis.keys(f"{prefix}:q:*")) == 3
    finally:
        await one._redis().delete(f"{prefix}:lru", *[f"{prefix}:q:{d}" for d in "abcd"])
        await one.close()
        await two.close()


@pytest.mark.redis
async def test_two_api_processes_share_persisted_queries_through_redis(
    configured_app: AppFactory,
) -> None:
    url = services.service_url(services.REDIS_VAR, "Redis")
    env = {
        "CC_PERSISTED_QUERIES_URL": url,
        "CC_PERSISTED_QUERIES_PREFIX": f"cc-test-pq-{secrets.token_hex(6)}",
    }
    first, second = configured_app(**env), configured_app(**env)
    try:
        async with asgi_client(first) as one, asgi_client(second) as two:
            world = await build_world(one)
            headers = {"Authorization": f"Bearer {world.alice.token}"}
            await one.post(
                "/graphql", json={"query": QUERY, "extensions": extensions()}, headers=headers
            )
            response = await two.post(
                "/graphql", json={"extensions": extensions()}, headers=headers
            )
            assert response.json()["data"] == ME
    finally:
        for app in (first, second):
            await app.state.graphql.persisted.close()


def test_an_unknown_store_url_is_refused() -> None:
    from graph.persisted.store import open_store

    with pytest.raises(ValueError, match="CC_PERSISTED_QUERIES_URL"):
        open_store(Settings(persisted_queries_url="memcached://x"))
