"""What the compiled path answers and what it leaves to the general executor; scoping on it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
from starlette.applications import Starlette
from tortoise import connections

from config.settings import get_settings
from graph.app import create_app
from graph.persisted.manifest import sha256
from models.emails.tables import Email, EmailStatus
from tests.api import Api, World, drive_to
from tests.compiled.helpers import (
    both_paths,
    comparable,
    compiled_answers,
    persisted_body,
)

LISTING = """query Sent($first: Int, $after: String) {
  emails(folder: SENT, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id subject statusAt to } }
  }
}"""
NOT_PLAIN = {
    "fragment": "query { emails(first: 5) { edges { node { ...F } } } } "
    "fragment F on Email { id subject }",
    "directive": "query($all: Boolean!) { emails(first: 5) { edges { node { id "
    "subject @include(if: $all) } } } }",
    "resolver field": "query { emails(first: 5) { edges { node { id availableActions } } } }",
    "nested object": "query { emails(first: 5) { edges { node { id owner { id } } } } }",
    "two root fields": "query { me { id } emails(first: 5) { totalCount } }",
    "another connection": "query { tasks(first: 5) { edges { node { id } } } }",
    "mutation": "mutation($input: CreateDraftInput!) { createDraft(input: $input) { "
    "email { id } userErrors { code } } }",
}


def _app_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Starlette:
    """An app created with these settings; the process's settings are left as they were."""
    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            return create_app(manage_database=False)
        finally:
            get_settings.cache_clear()


async def _sent(api: Api, count: int) -> None:
    for i in range(count):
        email = await api.create_draft(subject=f"Sent {i} 👋", to=[f"p{i}@example.com"])
        await drive_to(email["id"], EmailStatus.DELIVERED)


@pytest.mark.parametrize("case", sorted(NOT_PLAIN))
async def test_operations_that_are_not_plain_go_to_the_general_executor(
    api: Api, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    await _sent(api, 2)
    document = NOT_PLAIN[case]
    variables = {"all": True, "input": {"subject": "x", "to": ["a@example.com"]}}
    with compiled_answers(monkeypatch) as answers:
        response = await api.post(persisted_body(document, variables))
    assert answers == [None]  # asked, declined
    result = response.json()
    assert "errors" not in result, result
    assert result["data"]


async def test_documents_neither_persisted_nor_trusted_never_reach_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sent(api, 1)
    with compiled_answers(monkeypatch) as answers:
        data = await api(LISTING, first=5)
    assert answers == []
    assert data["emails"]["totalCount"] == 1


async def test_a_listing_pages_the_same_on_both_paths(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sent(api, 5)
    after = None
    seen: list[str] = []
    with compiled_answers(monkeypatch) as answers:
        for _ in range(3):
            compiled, general, status, general_status = await both_paths(
                api, LISTING, {"first": 2, "after": after}
            )
            assert status == general_status == 200
            assert comparable(compiled) == comparable(general)
            connection = compiled["data"]["emails"]
            seen += [edge["node"]["subject"] for edge in connection["edges"]]
            after = connection["pageInfo"]["endCursor"]
    assert all(answer is not None for answer in answers)
    assert seen == [f"Sent {i} 👋" for i in (4, 3, 2, 1, 0)]
    assert connection["pageInfo"]["hasNextPage"] is False


async def test_a_repeated_listing_reads_the_data_of_the_moment(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second request reuses the first one's statement (unfiltered listings keep theirs):
    # its answer must still be read from the rows as they are now.
    await _sent(api, 2)
    with compiled_answers(monkeypatch) as answers:
        before, _, _, _ = await both_paths(api, LISTING, {"first": 5})
        await _sent(api, 1)
        after, general, _, _ = await both_paths(api, LISTING, {"first": 5})
    assert all(answer is not None for answer in answers)
    assert before["data"]["emails"]["totalCount"] == 2
    assert after["data"]["emails"]["totalCount"] == 3
    assert len(after["data"]["emails"]["edges"]) == 3
    assert comparable(after) == comparable(general)


async def test_a_bad_cursor_is_the_same_invalid_cursor_error(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sent(api, 1)
    with compiled_answers(monkeypatch) as answers:
        compiled, general, status, general_status = await both_paths(
            api, LISTING, {"first": 2, "after": "5b2262616422"}
        )
    assert answers == [None]
    assert compiled["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    assert comparable(compiled) == comparable(general)
    assert status == general_status


async def test_team_scoping_and_visibility_hold(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sent(world.alice, 2)
    await _sent(world.bob, 1)
    await _sent(world.carol, 3)
    expected = {
        "alice": (world.alice, 2),  # a member: her own
        "admin_a": (world.admin_a, 3),  # an admin: the team's
        "admin_b": (world.admin_b, 3),  # the other team: only its own
        "carol": (world.carol, 3),
    }
    with compiled_answers(monkeypatch) as answers:
        for name, (api, total) in expected.items():
            compiled, general, _, _ = await both_paths(api, LISTING, {"first": 10})
            connection = compiled["data"]["emails"]
            assert connection["totalCount"] == len(connection["edges"]) == total, name
            assert comparable(compiled) == comparable(general)
    assert all(answer is not None for answer in answers)
    other_team = (await both_paths(world.admin_b, LISTING, {"first": 10}))[0]
    team_a = {
        e["node"]["id"]
        for e in (await both_paths(world.admin_a, LISTING, {"first": 10}))[0]["data"]["emails"][
            "edges"
        ]
    }
    assert team_a.isdisjoint(e["node"]["id"] for e in other_team["data"]["emails"]["edges"])


async def test_rows_the_sql_cannot_render_exactly_fall_back(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _sent(api, 2)
    connection = connections.get("default")
    if connection.capabilities.dialect != "sqlite":
        pytest.skip("PostgreSQL keeps timestamps typed: no other stored form exists")
    # A datetime written by hand in another form (T separator, another offset): Tortoise reads
    # it, the SQL rendering would not match, so the general path answers.
    first = await Email.filter(owner_id=api.user.id).order_by("id").first()
    assert first is not None
    await connection.execute_query(
        "UPDATE email SET status_at = ? WHERE id = ?", ["2026-01-01T12:00:00+02:00", first.id]
    )
    with compiled_answers(monkeypatch) as answers:
        compiled, general, _, _ = await both_paths(api, LISTING, {"first": 5})
    assert answers == [None]
    assert comparable(compiled) == comparable(general)
    node = compiled["data"]["emails"]["edges"][-1]["node"]
    assert node["statusAt"] == "2026-01-01T10:00:00+00:00"


@pytest.mark.parametrize(
    "change",
    [
        "to_addresses = '[\"a@example.com\", 5]'",  # String would serialise 5 as "5"
        'cc_addresses = \'{"not": "a list"}\'',
        "bulk_kind = 'BOGUS'",  # an enum value the schema does not know: an error, as before
    ],
)
async def test_values_the_schema_would_coerce_or_refuse_fall_back(
    api: Api, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    await _sent(api, 2)
    first = await Email.filter(owner_id=api.user.id).order_by("id").first()
    assert first is not None
    await connections.get("default").execute_query(
        f"UPDATE email SET {change} WHERE id = {first.id}"
    )
    document = LISTING.replace("to }", "to cc status folder bulkKind }")
    with compiled_answers(monkeypatch) as answers:
        compiled, general, status, general_status = await both_paths(api, document, {"first": 5})
    assert answers == [None]
    assert comparable(compiled) == comparable(general)
    assert status == general_status


async def test_a_token_out_of_budget_is_refused_like_on_the_general_path(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app_with(monkeypatch, CC_QUERY_BUDGET="30", CC_QUERY_BUDGET_URL="memory://")
    await _sent(world.alice, 1)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = Api(client, world.alice.user, world.alice.token)
        with compiled_answers(monkeypatch) as answers:
            responses = [await api.post(persisted_body(LISTING, {"first": 5})) for _ in range(3)]
    cost = responses[0].json()["extensions"]["cost"]
    assert cost["requested"] * 2 <= 30 < cost["requested"] * 3
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert answers[0] is not None and answers[1] is not None and answers[2] is None
    refused = responses[2].json()
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert responses[2].headers["retry-after"]
    assert [r.json()["extensions"]["cost"]["budget"]["remaining"] for r in responses[:2]] == [
        30 - cost["requested"],
        30 - 2 * cost["requested"],
    ]


async def test_trusted_documents_sent_as_text_are_compiled(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({sha256(LISTING): LISTING}))
    app = _app_with(monkeypatch, CC_TRUSTED_DOCUMENTS=str(manifest))
    await _sent(world.alice, 3)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        trusted = Api(client, world.alice.user, world.alice.token)
        with compiled_answers(monkeypatch) as answers:
            response = await trusted.post(
                {"query": LISTING, "variables": {"first": 2}},
                Accept="application/graphql-response+json",
            )
    assert answers and answers[0] is not None
    assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert len(response.json()["data"]["emails"]["edges"]) == 2
