"""API tokens through the API: `me { tokens }`, createToken (the secret once), revokeToken (own
tokens; ADMINs any of their team's; another team's id is NOT_FOUND), last use kept to the minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from graph.schema import schema
from models.base import clock
from models.teams.tables import ApiToken
from tests.api import Api, World, gid

TOKENS = "tokens { id label createdAt lastUsedAt revokedAt }"
CREATED = "token { id label createdAt lastUsedAt } secret"


async def create_token(api: Api, label: str | None = "laptop") -> dict[str, Any]:
    payload = await api.mutate("createToken", {"label": label}, CREATED)
    assert payload["userErrors"] == [], payload
    return payload


async def revoke(api: Api, token_id: str) -> dict[str, Any]:
    return await api.mutate("revokeToken", {"id": token_id}, "token { id revokedAt }")


async def me_status(api: Api, secret: str) -> int:
    response = await api.client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status_code


def test_no_secret_or_hash_is_ever_exposed() -> None:
    fields = set(schema._schema.type_map["ApiToken"].fields)  # type: ignore[attr-defined]
    assert fields == {"id", "label", "createdAt", "lastUsedAt", "revokedAt"}


async def test_create_shows_the_secret_once_and_it_works(api: Api) -> None:
    created = await create_token(api, "  CI runner ")
    assert created["token"]["label"] == "CI runner"
    assert created["secret"].startswith("cc_")
    assert await me_status(api, created["secret"]) == 200

    listed = (await api(f"{{ me {{ {TOKENS} }} }}"))["me"]["tokens"]
    assert listed[0]["id"] == created["token"]["id"]  # newest first
    assert len(listed) == 2  # the world's token and this one
    assert created["secret"] not in str(listed)
    stored = await ApiToken.get(label="CI runner")
    assert created["secret"] not in stored.token_hash


async def test_a_label_is_checked(api: Api) -> None:
    long = await api.mutate("createToken", {"label": "x" * 101}, CREATED)
    assert [(e["code"], e["field"]) for e in long["userErrors"]] == [("TOO_LONG", "label")]
    nul = await api.mutate("createToken", {"label": "a\u0000b"}, CREATED)
    assert [(e["code"], e["field"]) for e in nul["userErrors"]] == [("INVALID_INPUT", "label")]
    assert long["secret"] is None
    assert await ApiToken.filter(user_id=api.user.id).count() == 1


async def test_revoking_refuses_the_token_at_once_and_is_idempotent(api: Api) -> None:
    created = await create_token(api)
    revoked = await revoke(api, created["token"]["id"])
    assert revoked["userErrors"] == []
    assert revoked["token"]["revokedAt"] is not None
    assert await me_status(api, created["secret"]) == 401
    again = await revoke(api, created["token"]["id"])
    assert again["token"]["revokedAt"] == revoked["token"]["revokedAt"]
    listed = (await api(f"{{ me {{ {TOKENS} }} }}"))["me"]["tokens"]
    assert created["token"]["id"] not in [t["id"] for t in listed]


async def test_who_may_revoke_and_list_whose_tokens(world: World) -> None:
    alices = await create_token(world.alice)
    token_id = alices["token"]["id"]
    # A teammate who is no ADMIN, a team admin (TEAM_ADMIN) and another team's ADMIN: all
    # NOT_FOUND, exactly like an id that does not exist.
    for api in (world.bob, world.lead_a, world.admin_b):
        refused = await revoke(api, token_id)
        assert refused["token"] is None
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("NOT_FOUND", "id")]
    missing = await revoke(world.alice, gid("ApiToken", 999_999))
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]
    assert await me_status(world.alice, alices["secret"]) == 200

    query = f"query($id: ID!) {{ node(id: $id) {{ ... on User {{ {TOKENS} }} }} }}"
    alice_id = gid("User", world.alice.user.id)
    refused = await world.bob.execute(query, id=alice_id)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    seen = await world.admin_a(query, id=alice_id)
    assert token_id in [t["id"] for t in seen["node"]["tokens"]]

    done = await revoke(world.admin_a, token_id)  # the team's ADMIN may
    assert done["userErrors"] == []
    assert await me_status(world.alice, alices["secret"]) == 401


async def test_last_use_is_recorded_at_most_once_a_minute(api: Api) -> None:
    created = await create_token(api)
    assert created["token"]["lastUsedAt"] is None
    start = clock.now()
    with clock.frozen(start):
        assert await me_status(api, created["secret"]) == 200
    token = await ApiToken.get(label="laptop")
    assert token.last_used_at == start
    with clock.frozen(start + timedelta(seconds=59)):
        assert await me_status(api, created["secret"]) == 200
    await token.refresh_from_db()
    assert token.last_used_at == start  # no write within the minute
    later = start + timedelta(seconds=61)
    with clock.frozen(later):
        assert await me_status(api, created["secret"]) == 200
    await token.refresh_from_db()
    assert token.last_used_at == later
    listed = (await api(f"{{ me {{ {TOKENS} }} }}"))["me"]["tokens"]
    shown = next(t for t in listed if t["id"] == created["token"]["id"])
    assert shown["lastUsedAt"] is not None
