"""Every connection pages both ways (Relay `first`/`after` and `last`/`before`), with the same
limits and typed refusals as `emails`; FolderCounts/TaskCounts carry a stable cache id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.emails.tables import EmailStatus
from tests.api import Api, World, drive_to
from tests.live_clients import bearer, ws_client

PAGE = (
    "{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
    " edges { cursor node { id } } }"
)


async def _tasks(api: Api) -> str:
    for n in range(5):
        due = (clock.now() + timedelta(days=1, hours=n)).isoformat()
        await api.mutate(
            "createTask", {"type": "CALL", "title": f"t{n}", "dueAt": due}, "task { id }"
        )
    return "tasks(view: ALL, {args}) " + PAGE


async def _activity(api: Api) -> str:
    for n in range(5):
        await drive_to((await api.create_draft(subject=f"b{n}"))["id"], EmailStatus.BOUNCED)
    return "activityFeed({args}) " + PAGE


async def _saved_searches(api: Api) -> str:
    for n in range(5):
        await api.mutate(
            "saveSearch", {"name": f"s{n}", "filter": {"folder": "SENT"}}, "savedSearch { id }"
        )
    return "savedSearches({args}) " + PAGE


async def _email_events(api: Api) -> str:
    draft = await api.create_draft()
    await drive_to(draft["id"], EmailStatus.SPAM)  # created, scheduled, claimed, delivered, spam
    return f'email(id: "{draft["id"]}") {{ events({{args}}) {PAGE} }}'


async def _saved_search_emails(api: Api) -> str:
    for n in range(5):
        with clock.frozen(clock.now() + timedelta(seconds=n)):
            await api.create_draft(subject=f"d{n}")
    payload = await api.mutate(
        "saveSearch", {"name": "Drafts", "filter": {"folder": "PENDING"}}, "savedSearch { id }"
    )
    return f'savedSearch(id: "{payload["savedSearch"]["id"]}") {{ emails({{args}}) {PAGE} }}'


async def _members(api: Api) -> str:
    return "me { team { members({args}) " + PAGE + " } }"  # team A: four users


async def _email_tasks(api: Api) -> str:
    draft = await api.create_draft()
    for n in range(5):
        due = (clock.now() + timedelta(days=1, hours=n)).isoformat()
        await api.mutate(
            "createTask",
            {"type": "EMAIL", "title": f"f{n}", "dueAt": due, "emailId": draft["id"]},
            "task { id }",
        )
    return f'email(id: "{draft["id"]}") {{ tasks({{args}}) {PAGE} }}'


SEEDS: dict[str, Callable[[Api], Awaitable[str]]] = {
    "tasks": _tasks,
    "activityFeed": _activity,
    "savedSearches": _saved_searches,
    "Email.events": _email_events,
    "SavedSearch.emails": _saved_search_emails,
    "Team.members": _members,
    "Email.tasks": _email_tasks,
}


def _connection(data: Any) -> dict[str, Any]:
    """The one connection in a (possibly nested) answer: the dict holding `pageInfo`."""
    while "pageInfo" not in data:
        (data,) = data.values()
    return dict(data)


async def _page(api: Api, template: str, args: str) -> dict[str, Any]:
    return _connection(await api("{ " + template.replace("{args}", args) + " }"))


def _ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


@pytest.mark.parametrize("name", list(SEEDS))
async def test_connection_pages_backward_to_the_same_list_as_forward(
    world: World, name: str
) -> None:
    api = world.admin_a
    template = await SEEDS[name](api)
    whole = await _page(api, template, "first: 100")
    everything = _ids(whole)
    assert len(everything) >= 4 and whole["totalCount"] == len(everything)

    forward: list[str] = []
    page = await _page(api, template, "first: 2")
    assert page["pageInfo"]["hasPreviousPage"] is False
    while True:
        forward += _ids(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        page = await _page(api, template, f'first: 2, after: "{page["pageInfo"]["endCursor"]}"')
        assert page["pageInfo"]["hasPreviousPage"] is True
    assert forward == everything

    backward: list[str] = []
    page = await _page(api, template, "last: 2")
    assert page["pageInfo"]["hasNextPage"] is False
    assert _ids(page) == everything[-2:]
    while True:
        backward = _ids(page) + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        start = page["pageInfo"]["startCursor"]
        page = await _page(api, template, f'last: 2, before: "{start}"')
        assert page["pageInfo"]["hasNextPage"] is True
    assert backward == everything

    # `before` and `after` together: the slice between two cursors.
    cursors = [edge["cursor"] for edge in whole["edges"]]
    between = await _page(
        api, template, f'after: "{cursors[0]}", before: "{cursors[3]}", last: 100'
    )
    assert _ids(between) == everything[1:3]


@pytest.mark.parametrize("name", list(SEEDS))
async def test_connection_limits_are_typed_errors(world: World, name: str) -> None:
    api = world.admin_a
    template = await SEEDS[name](api)
    for args, code in (
        ("first: 1, last: 1", "INVALID_INPUT"),
        ("last: 101", "PAGE_TOO_LARGE"),
        ('last: 1, before: "bm90IGEgY3Vyc29y"', "INVALID_CURSOR"),
    ):
        response = await api.post({"query": "{ " + template.replace("{args}", args) + " }"})
        errors = response.json()["errors"]
        assert [error["extensions"]["code"] for error in errors] == [code], args


COUNT_IDS = """
query($viewAs: ID) { folderCounts(viewAs: $viewAs) { id total } taskCounts { id all } }
"""


async def test_counts_ids_are_stable_per_scope(world: World) -> None:
    admin = await world.admin_a(COUNT_IDS)
    lead = await world.lead_a(COUNT_IDS)
    alice = await world.alice(COUNT_IDS)
    alice_id = (await world.alice("{ me { id } }"))["me"]["id"]
    as_alice = await world.admin_a(COUNT_IDS, viewAs=alice_id)
    # Both admins count the whole team: one cache entry; alice's own counts are another, the
    # same whoever looks at them.
    assert admin["folderCounts"]["id"] == lead["folderCounts"]["id"]
    assert alice["folderCounts"]["id"] != admin["folderCounts"]["id"]
    assert as_alice["folderCounts"]["id"] == alice["folderCounts"]["id"]
    assert alice["taskCounts"]["id"] != admin["taskCounts"]["id"]
    assert admin["taskCounts"]["id"] == (await world.admin_a(COUNT_IDS))["taskCounts"]["id"]


async def test_counts_ids_are_the_same_in_the_query_and_the_subscriptions(
    live: World, server: str
) -> None:
    lead, alice = live.lead_a, live.alice
    alice_id = (await alice("{ me { id } }"))["me"]["id"]
    queried = await lead(
        "query($a: ID) { folderCounts(viewAs: $a) { id } taskCounts(assigneeId: $a) { id } }",
        a=alice_id,
    )
    async with ws_client(server, bearer(lead.token)) as ws:
        folders = await ws.subscribe(
            "subscription($a: ID) { folderCountsChanged(viewAs: $a) { id } }", a=alice_id
        )
        tasks = await ws.subscribe(
            "subscription($a: ID) { taskCountsChanged(assigneeId: $a) { id } }", a=alice_id
        )
        pushed_folders = (await ws.next(folders))["folderCountsChanged"]
        pushed_tasks = (await ws.next(tasks))["taskCountsChanged"]
    assert pushed_folders["id"] == queried["folderCounts"]["id"]
    assert pushed_tasks["id"] == queried["taskCounts"]["id"]
