"""The in-process token cache (models/teams/token_cache.py): a cached token answers without a
database read, and is dropped at once on revocation (directly and through the bus), on a change
of its user, on expiry, and when the bus closes; a read racing an eviction is not kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from config.settings import get_settings
from events import running_bus
from models.teams import auth
from models.teams.revocations import TokenRevoked, UserChanged
from models.teams.tables import ApiToken, User
from models.teams.token_cache import TokenCache
from models.teams.token_cache import tokens as cache
from tests.api import Api


@pytest.fixture
async def bus() -> AsyncIterator[None]:
    """An in-memory bus, as the app's lifespan opens one: the cache keeps tokens meanwhile."""
    async with running_bus("memory://"):
        yield


async def me(api: Api, secret: str) -> tuple[int, dict[str, object] | None]:
    response = await api.client.post(
        "/graphql",
        json={"query": "{ me { name timezone } }"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    body = response.json()
    return response.status_code, (body.get("data") or {}).get("me")


async def test_a_cached_token_answers_without_reading_the_database(api: Api, bus: None) -> None:
    assert await auth.authenticate_token(api.token) is not None
    assert len(cache) == 1
    # Changed behind the cache's back (no message): the kept copy answers, until its TTL.
    await ApiToken.filter(user_id=api.user.id).update(label="changed under the cache")
    cached = await auth.authenticate_token(api.token)
    assert cached is not None and cached.label == ""
    assert (await me(api, api.token))[0] == 200


async def test_revoking_refuses_the_very_next_request(api: Api, bus: None) -> None:
    payload = await api.mutate("createToken", {"label": "ci"}, "token { id } secret")
    secret = payload["secret"]
    assert (await me(api, secret))[0] == 200
    assert await auth.authenticate_token(secret) is cache.get(auth.hash_token(secret))
    revoked = await api.mutate("revokeToken", {"id": payload["token"]["id"]}, "token { id }")
    assert revoked["userErrors"] == []
    assert cache.get(auth.hash_token(secret)) is None
    assert (await me(api, secret))[0] == 401
    assert (await me(api, api.token))[0] == 200  # the caller's own token is untouched


async def test_a_revocation_heard_on_the_bus_drops_the_token(api: Api, bus: None) -> None:
    token = await auth.authenticate_token(api.token)
    assert token is not None and cache.get(token.token_hash) is token
    # What another process's revocation looks like here: only the bus message (the row is
    # revoked by that process; this one must not answer from memory any more).
    await ApiToken.filter(id=token.id).update(revoked_at=token.created_at)
    cache.heard(
        [
            TokenRevoked(
                token_id=token.id,
                user_id=token.user_id,
                team_id=api.user.team_id,
                token_hash=token.token_hash,
                revoked_at=token.created_at,
            )
        ]
    )
    assert cache.get(token.token_hash) is None
    assert (await me(api, api.token))[0] == 401


async def test_a_changed_user_is_read_afresh(api: Api, bus: None) -> None:
    assert (await me(api, api.token))[1] == {"name": "Alice", "timezone": "UTC"}
    changed = await api.mutate("updateMe", {"timezone": "Europe/Paris"}, "me { timezone }")
    assert changed["userErrors"] == []
    assert (await me(api, api.token))[1] == {"name": "Alice", "timezone": "Europe/Paris"}
    # From another process: the bus message alone drops this process's copy.
    await auth.authenticate_token(api.token)
    await User.filter(id=api.user.id).update(name="Alicia")
    assert (await me(api, api.token))[1] == {"name": "Alice", "timezone": "Europe/Paris"}
    cache.heard([UserChanged(user_id=api.user.id, team_id=api.user.team_id)])
    assert (await me(api, api.token))[1] == {"name": "Alicia", "timezone": "Europe/Paris"}


async def test_a_read_racing_an_eviction_is_not_kept(api: Api, bus: None) -> None:
    row = await ApiToken.get(user_id=api.user.id).select_related("user")
    fresh = TokenCache()
    fresh.listening = True
    generation = fresh.generation
    fresh.forget(token_hash="something else")  # a revocation lands while the read is out
    fresh.put(row.token_hash, row, generation)
    assert fresh.get(row.token_hash) is None
    fresh.put(row.token_hash, row, fresh.generation)
    assert fresh.get(row.token_hash) is row


async def test_expiry_size_and_no_bus(api: Api, bus: None, monkeypatch: pytest.MonkeyPatch) -> None:
    row = await ApiToken.get(user_id=api.user.id).select_related("user")
    fresh = TokenCache()
    fresh.put(row.token_hash, row, fresh.generation)
    assert fresh.get(row.token_hash) is None  # not listening to a bus: nothing kept
    fresh.listening = True
    monkeypatch.setenv("CC_TOKEN_CACHE_SECONDS", "0")
    get_settings.cache_clear()
    try:
        fresh.put(row.token_hash, row, fresh.generation)
        assert fresh.get(row.token_hash) is None  # 0 turns the cache off
        monkeypatch.setenv("CC_TOKEN_CACHE_SECONDS", "0.05")
        monkeypatch.setenv("CC_TOKEN_CACHE_SIZE", "2")
        get_settings.cache_clear()
        for key in ("a", "b", "c"):
            fresh.put(key, row, fresh.generation)
        assert len(fresh) == 2 and fresh.get("a") is None and fresh.get("c") is row
        await asyncio.sleep(0.06)
        assert fresh.get("c") is None  # expired: read again
    finally:
        get_settings.cache_clear()


async def test_closing_the_bus_empties_the_cache(api: Api) -> None:
    async with running_bus("memory://"):
        await auth.authenticate_token(api.token)
        assert len(cache) == 1
    assert len(cache) == 0 and not cache.listening
    await auth.authenticate_token(api.token)
    assert len(cache) == 0
