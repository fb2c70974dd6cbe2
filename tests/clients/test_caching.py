"""ETag + 304 on GET queries; gzip for answers over ~1 kB, never for streams."""

from __future__ import annotations

import gzip
import json

import httpx2

from graph.caching import COMPRESS_FROM
from tests.api import Api, World
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer

BIG = "{ __schema { types { name fields { name } } } }"


def auth(api: Api, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}", **headers}


async def test_get_queries_answer_an_etag_and_304_when_unchanged(api: Api) -> None:
    params = {"query": "{ me { email name } }"}
    first = await api.client.get("/graphql", params=params, headers=auth(api))
    assert first.status_code == 200
    assert first.headers["cache-control"] == "private, no-cache"
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')
    for match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = await api.client.get(
            "/graphql", params=params, headers=auth(api, **{"If-None-Match": match})
        )
        assert again.status_code == 304, match
        assert again.content == b""
    stale = await api.client.get(
        "/graphql", params=params, headers=auth(api, **{"If-None-Match": '"stale"'})
    )
    # The same data (the budget left in `extensions.cost` moves with every request).
    assert stale.status_code == 200 and stale.json()["data"] == first.json()["data"]


async def test_the_etag_changes_with_the_data(api: Api) -> None:
    params = {"query": "{ emails(first: 5) { totalCount } }"}
    before = await api.client.get("/graphql", params=params, headers=auth(api))
    await api.create_draft()
    after = await api.client.get(
        "/graphql", params=params, headers=auth(api, **{"If-None-Match": before.headers["etag"]})
    )
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert after.json()["data"]["emails"]["totalCount"] == 1


async def test_posts_carry_no_etag(api: Api) -> None:
    response = await api.post({"query": "{ me { email } }"})
    assert "etag" not in response.headers


async def test_big_answers_are_gzipped_when_accepted(api: Api) -> None:
    compressed = await api.post({"query": BIG}, **{"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["vary"]
    assert len(compressed.content) > COMPRESS_FROM  # httpx2 decodes it
    plain = await api.post({"query": BIG}, **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json()["data"] == compressed.json()["data"]
    async with api.client.stream(
        "POST", "/graphql", json={"query": BIG}, headers=auth(api, **{"Accept-Encoding": "gzip"})
    ) as raw:
        wire = b"".join([chunk async for chunk in raw.aiter_raw()])
    unzipped = json.loads(gzip.decompress(wire))
    assert unzipped["data"] == plain.json()["data"] and len(wire) < len(plain.content) / 3
    small = await api.post({"query": "{ me { email } }"}, **{"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


async def test_event_streams_are_never_gzipped(live: World, server: str) -> None:
    headers = {**bearer(live.alice.token), "Accept": "text/event-stream", "Accept-Encoding": "gzip"}
    async with (
        httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client,
        client.stream("POST", "/graphql", json={"query": STATUS_CHANGED}, headers=headers) as r,
    ):
        assert r.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in r.headers
