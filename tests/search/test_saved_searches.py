"""Saved searches over GraphQL: CRUD, validation, the per-user limit, isolation, and results that
are always the current matches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.base import clock
from models.emails.tables import Email
from models.engagement import recorders as engagement
from models.search.tables import SavedSearch
from tests.api import Api, World, drive_to, gid
from tests.search.seed import HUMAN

FIELDS = """savedSearch { id name filter { campaign viewed { happened atLeast withinDays }
  replied { happened } excludeMachine folder } count
  emails(first: 10) { totalCount nodes { id } } }"""

GET = """query($id: ID!) { savedSearch(id: $id) { id name count
  emails(first: 50) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }"""


async def save(api: Api, name: str, filter: dict[str, Any]) -> dict[str, Any]:
    return await api.mutate("saveSearch", {"name": name, "filter": filter}, FIELDS)


async def delivered(api: Api, **fields: Any) -> Email:
    draft = await api.create_draft(**fields)
    email = await drive_to(draft["id"], "DELIVERED")  # type: ignore[arg-type]
    earlier = clock.now() - timedelta(hours=1)
    await Email.filter(id=email.id).update(delivered_at=earlier, sent_at=earlier)
    return await Email.get(id=email.id)


async def test_save_read_update_delete(api: Api) -> None:
    viewed = await delivered(api, subject="a")
    await delivered(api, subject="b")
    await engagement.record_view(viewed, HUMAN)

    result = await save(api, "  Opened  ", {"viewed": {}, "folder": "SENT"})
    assert result["userErrors"] == []
    saved = result["savedSearch"]
    assert saved["name"] == "Opened"
    assert saved["filter"]["viewed"] == {"happened": True, "atLeast": 1, "withinDays": None}
    assert saved["count"] == 1
    assert saved["emails"]["nodes"] == [{"id": gid("Email", viewed.id)}]

    listing = await api("{ savedSearches(first: 10) { totalCount nodes { id name } } }")
    assert listing["savedSearches"]["nodes"] == [{"id": saved["id"], "name": "Opened"}]

    updated = await api.mutate(
        "updateSavedSearch",
        {"id": saved["id"], "name": "Not opened", "filter": {"viewed": {"happened": False}}},
        FIELDS,
    )
    assert updated["userErrors"] == []
    assert updated["savedSearch"]["name"] == "Not opened"
    assert updated["savedSearch"]["count"] == 1
    assert updated["savedSearch"]["emails"]["nodes"] != [{"id": gid("Email", viewed.id)}]

    deleted = await api.mutate("deleteSavedSearch", {"id": saved["id"]}, "deletedSavedSearchId")
    assert deleted == {"deletedSavedSearchId": saved["id"], "userErrors": []}
    assert (await api(GET, id=saved["id"]))["savedSearch"] is None


async def test_results_follow_the_data(api: Api) -> None:
    """A dynamic list: no stored result, the current matches every time."""
    email = await delivered(api)
    saved = (await save(api, "Clicked, no reply", {"clicked": {}, "replied": {"happened": False}}))[
        "savedSearch"
    ]
    assert saved["count"] == 0
    await engagement.record_click(email, "https://x.example", HUMAN)
    assert (await api(GET, id=saved["id"]))["savedSearch"]["count"] == 1
    await engagement.record_reply(email, automatic=False, data={})
    after = (await api(GET, id=saved["id"]))["savedSearch"]
    assert (after["count"], after["emails"]["nodes"]) == (0, [])


async def test_invalid_filters_and_names_are_user_errors(api: Api) -> None:
    cases = [
        ({"status": "DRAFT", "folder": "SENT"}, "filter.status", "INVALID_INPUT"),
        ({"viewed": {"atLeast": 0}}, "filter.viewed.atLeast", "INVALID_INPUT"),
        ({"excludeMachine": True}, "filter.excludeMachine", "INVALID_INPUT"),
        ({"datePreset": "TODAY", "dateFrom": "2026-01-01T00:00:00Z"}, "filter.datePreset", None),
    ]
    for filter, field, code in cases:
        result = await save(api, "x", filter)
        assert result["savedSearch"] is None
        assert result["userErrors"][0]["field"] == field
        assert result["userErrors"][0]["code"] == (code or "INVALID_INPUT")
    blank = await save(api, "  ", {})
    assert blank["userErrors"][0]["code"] == "REQUIRED"
    assert await SavedSearch.all().count() == 0
    await save(api, "Mine", {})
    duplicate = await save(api, "Mine", {"replied": {}})
    assert duplicate["userErrors"][0]["code"] == "DUPLICATE"
    assert await SavedSearch.all().count() == 1


async def test_members_cannot_save_a_teammates_view(world: World) -> None:
    result = await save(world.alice, "Bob's", {"ownerId": gid("User", world.bob.user.id)})
    assert result["userErrors"][0]["code"] == "FORBIDDEN"
    lead = await save(world.lead_a, "Bob's", {"ownerId": gid("User", world.bob.user.id)})
    assert lead["userErrors"] == []


async def test_at_most_fifty_per_user(world: World) -> None:
    for i in range(50):
        assert (await save(world.alice, f"s{i}", {}))["userErrors"] == []
    refused = await save(world.alice, "one more", {})
    assert refused["userErrors"][0]["code"] == "SAVED_SEARCH_LIMIT_REACHED"
    assert await SavedSearch.filter(owner_id=world.alice.user.id).count() == 50
    # The limit is per user.
    assert (await save(world.bob, "bob's first", {}))["userErrors"] == []


async def test_other_users_and_teams_see_not_found(world: World) -> None:
    saved = (await save(world.alice, "Mine", {}))["savedSearch"]
    for other in (world.bob, world.lead_a, world.carol, world.admin_b):
        assert (await other(GET, id=saved["id"]))["savedSearch"] is None
        node = await other("query($id: ID!) { node(id: $id) { id } }", id=saved["id"])
        assert node["node"] is None
        updated = await other.mutate(
            "updateSavedSearch", {"id": saved["id"], "name": "x"}, "savedSearch { id }"
        )
        assert [(e["field"], e["code"]) for e in updated["userErrors"]] == [("id", "NOT_FOUND")]
        deleted = await other.mutate(
            "deleteSavedSearch", {"id": saved["id"]}, "deletedSavedSearchId"
        )
        assert [(e["field"], e["code"]) for e in deleted["userErrors"]] == [("id", "NOT_FOUND")]
        listing = await other("{ savedSearches { totalCount } }")
        assert listing["savedSearches"]["totalCount"] == 0
    assert (await world.alice(GET, id=saved["id"]))["savedSearch"]["name"] == "Mine"
    assert await SavedSearch.filter(name="Mine").exists()


async def test_emails_filter_argument_takes_the_new_conditions(api: Api) -> None:
    email = await delivered(api)
    await engagement.record_view(email, HUMAN)
    await engagement.record_view(email, "python-requests/2.31")
    query = """query($f: EmailFilter) { emails(filter: $f) { totalCount nodes { id } } }"""
    twice = await api(query, f={"viewed": {"atLeast": 2}})
    assert twice["emails"]["totalCount"] == 1
    human_twice = await api(query, f={"viewed": {"atLeast": 2}, "excludeMachine": True})
    assert human_twice["emails"]["totalCount"] == 0
    bad = await api.execute(query, f={"viewed": {"withinDays": 0}})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
