"""Who may assign, reassign and act on which task; bad inputs are typed userErrors that change
nothing; another team's task ids behave exactly like ids that never existed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.base import clock
from models.tasks.tables import Task
from tests.api import World, gid
from tests.tasks.helpers import act, counts, create_task, titles

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock() -> Any:
    with clock.frozen(NOW):
        yield


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_member_assigns_a_teammate_only_for_a_shared_person(world: World) -> None:
    alice, bob = world.alice, world.bob
    bob_id = gid("User", bob.user.id)
    person = await alice.create_person("shared@example.com")
    refused = await act(
        alice,
        "createTask",
        {"type": "CALL", "title": "x", "dueAt": NOW.isoformat(), "assigneeId": bob_id},
    )
    given = await create_task(alice, "for bob", NOW, assigneeId=bob_id, personId=person["id"])
    assert codes(refused) == [("assigneeId", "FORBIDDEN")] and refused["task"] is None
    assert given["assignee"]["id"] == bob_id and given["creator"]["id"] == gid(
        "User", alice.user.id
    )
    assert await titles(bob, "TODAY") == ["for bob"]
    assert await titles(alice, "ALL") == []  # it left alice's list: members see their own


async def test_reassignment_rules(world: World) -> None:
    alice, bob, lead = world.alice, world.bob, world.lead_a
    person = await alice.create_person("p@example.com")
    bob_id, alice_id = gid("User", bob.user.id), gid("User", alice.user.id)
    plain = await create_task(alice, "plain", NOW)
    about_person = await create_task(alice, "about person", NOW, personId=person["id"])
    bobs = await create_task(bob, "bob's own", NOW)

    member_plain = await act(alice, "reassignTask", {"id": plain["id"], "assigneeId": bob_id})
    member_foreign = await act(alice, "reassignTask", {"id": bobs["id"], "assigneeId": alice_id})
    member_ok = await act(alice, "reassignTask", {"id": about_person["id"], "assigneeId": bob_id})
    admin_ok = await act(lead, "reassignTask", {"id": plain["id"], "assigneeId": bob_id})
    unknown = await act(
        lead, "reassignTask", {"id": bobs["id"], "assigneeId": gid("User", 999_999)}
    )
    other_team = await act(
        lead, "reassignTask", {"id": bobs["id"], "assigneeId": gid("User", world.carol.user.id)}
    )

    assert codes(member_plain) == [("assigneeId", "FORBIDDEN")]
    assert codes(member_foreign) == [("id", "NOT_FOUND")]  # not on alice's list
    assert member_ok["task"]["assignee"]["id"] == bob_id
    assert admin_ok["task"]["assignee"]["id"] == bob_id
    assert codes(unknown) == [("assigneeId", "NOT_FOUND")]
    assert codes(other_team) == [("assigneeId", "NOT_FOUND")]
    assert sorted(await titles(bob, "ALL")) == ["about person", "bob's own", "plain"]
    assert await Task.filter(assignee_id=bob.user.id).count() == 3


async def test_unknown_assignee_on_create_changes_nothing(world: World) -> None:
    alice = world.alice
    payload = await act(
        alice,
        "createTask",
        {"type": "CALL", "title": "x", "dueAt": NOW.isoformat(), "assigneeId": gid("User", 424242)},
    )
    assert codes(payload) == [("assigneeId", "NOT_FOUND")]
    assert await Task.all().count() == 0


async def test_bad_inputs_are_reported_together(world: World) -> None:
    alice = world.alice
    payload = await act(
        alice,
        "createTask",
        {
            "type": "EMAIL",
            "title": "  ",
            "dueAt": "2026-06-01T09:00:00",
            "details": "x" * 10_001,
            "personId": gid("Person", 999),
            "campaignStep": 0,
        },
    )
    assert sorted(codes(payload)) == sorted(
        [
            ("title", "REQUIRED"),
            ("dueAt", "TIMEZONE_REQUIRED"),
            ("details", "TOO_LONG"),
            ("personId", "NOT_FOUND"),
            ("campaignStep", "INVALID_INPUT"),
        ]
    )
    assert await Task.all().count() == 0


async def test_completing_a_deleted_task_is_not_found(world: World) -> None:
    alice = world.alice
    task = await create_task(alice, "gone", NOW)
    deleted = await alice.mutate("deleteTask", {"id": task["id"]}, "deletedTaskId")
    assert deleted == {"deletedTaskId": task["id"], "userErrors": []}
    for name, extra in (
        ("completeTask", {"outcome": "done"}),
        ("skipTask", {}),
        ("reopenTask", {}),
        ("updateTask", {"title": "back"}),
        ("snoozeTask", {"until": (NOW + timedelta(days=1)).isoformat()}),
        ("reassignTask", {"assigneeId": gid("User", alice.user.id)}),
    ):
        payload = await act(alice, name, {"id": task["id"], **extra})
        assert codes(payload) == [("id", "NOT_FOUND")], name
    again = await alice.mutate("deleteTask", {"id": task["id"]}, "deletedTaskId")
    assert codes(again) == [("id", "NOT_FOUND")]
    assert await Task.all().count() == 0
    assert (await counts(alice))["all"] == 0


async def test_status_moves(world: World) -> None:
    alice = world.alice
    task = await create_task(alice, "call", NOW)
    done = await act(alice, "completeTask", {"id": task["id"], "outcome": "  Left a voicemail "})
    twice = await act(alice, "completeTask", {"id": task["id"]})
    reopened = await act(alice, "reopenTask", {"id": task["id"]})
    reopen_open = await act(alice, "reopenTask", {"id": task["id"]})
    skipped = await act(alice, "skipTask", {"id": task["id"]})
    assert done["task"]["status"] == "COMPLETED" and done["task"]["outcome"] == "Left a voicemail"
    assert done["task"]["completedAt"] == NOW.isoformat()
    assert codes(twice) == [("id", "INVALID_TRANSITION")]
    assert reopened["task"]["status"] == "OPEN" and reopened["task"]["completedAt"] is None
    assert codes(reopen_open) == [("id", "INVALID_TRANSITION")]
    assert skipped["task"]["status"] == "SKIPPED"
    assert await titles(alice, "COMPLETED") == [] and await titles(alice, "ALL") == ["call"]


async def test_update_and_clear_links(world: World) -> None:
    alice = world.alice
    person = await alice.create_person("u@example.com")
    task = await create_task(alice, "old", NOW, personId=person["id"], details="talk track")
    payload = await act(
        alice,
        "updateTask",
        {"id": task["id"], "title": "new", "priority": "HIGH", "type": "INMAIL", "personId": None},
    )
    assert payload["userErrors"] == []
    updated = payload["task"]
    assert (
        updated["title"],
        updated["priority"],
        updated["type"],
        updated["person"],
        updated["details"],
    ) == ("new", "HIGH", "INMAIL", None, "talk track")


async def test_follow_up_on_an_email_links_person_and_email(world: World) -> None:
    alice, bob = world.alice, world.bob
    person = await alice.create_person("lead@example.com")
    email = await alice.create_draft(personId=person["id"], subject="Pricing")
    due = NOW + timedelta(days=2)
    payload = await act(
        alice,
        "createFollowUpTask",
        {"emailId": email["id"], "type": "CALL", "dueAt": due.isoformat()},
    )
    assert payload["userErrors"] == []
    task = payload["task"]
    assert (task["title"], task["type"], task["dueAt"]) == (
        "Follow up: Pricing",
        "CALL",
        due.isoformat(),
    )
    assert task["person"] == {"id": person["id"]} and task["email"] == {"id": email["id"]}
    grid = await alice(
        f'{{ email(id: "{email["id"]}") {{ tasks {{ nodes {{ id dueAt type }} }} }} }}'
    )
    followed = [{"id": task["id"], "dueAt": due.isoformat(), "type": "CALL"}]
    assert grid["email"]["tasks"]["nodes"] == followed
    # bob cannot follow up on alice's email: it does not exist for him.
    refused = await act(
        bob,
        "createFollowUpTask",
        {"emailId": email["id"], "type": "CALL", "dueAt": due.isoformat()},
    )
    assert codes(refused) == [("emailId", "NOT_FOUND")]


async def test_email_grid_shows_each_emails_follow_ups(world: World) -> None:
    alice = world.alice
    for n in range(3):
        email = await alice.create_draft(subject=f"e{n}")
        for kind in ("CALL", "EMAIL"):
            await act(
                alice,
                "createFollowUpTask",
                {
                    "emailId": email["id"],
                    "type": kind,
                    "dueAt": (NOW + timedelta(days=n)).isoformat(),
                },
            )
    data = await alice(
        "{ emails(folder: PENDING, first: 10) { nodes { subject tasks { totalCount } } } }"
    )
    assert sorted((n["subject"], n["tasks"]["totalCount"]) for n in data["emails"]["nodes"]) == [
        ("e0", 2),
        ("e1", 2),
        ("e2", 2),
    ]


async def _foreign_and_missing(world: World) -> tuple[str, str]:
    carols = await create_task(world.carol, "team B", NOW)
    return carols["id"], gid("Task", 987_654)


async def test_another_teams_task_is_exactly_a_missing_task(world: World) -> None:
    alice, admin = world.alice, world.admin_a
    foreign, missing = await _foreign_and_missing(world)
    for api in (alice, admin):
        for name, extra in (
            ("completeTask", {}),
            ("skipTask", {}),
            ("reopenTask", {}),
            ("updateTask", {"title": "mine"}),
            ("snoozeTask", {"until": (NOW + timedelta(days=1)).isoformat()}),
            ("reassignTask", {"assigneeId": gid("User", api.user.id)}),
        ):
            answers = [await act(api, name, {"id": i, **extra}) for i in (foreign, missing)]
            assert answers[0] == answers[1], (name, answers)
            assert codes(answers[0]) == [("id", "NOT_FOUND")]
        deletes = [
            await api.mutate("deleteTask", {"id": i}, "deletedTaskId") for i in (foreign, missing)
        ]
        assert deletes[0] == deletes[1]
        reads = [
            await api(f'{{ task(id: "{i}") {{ id }} node(id: "{i}") {{ id }} }}')
            for i in (foreign, missing)
        ]
        assert reads == [{"task": None, "node": None}] * 2
    assert (await world.carol(f'{{ task(id: "{foreign}") {{ title }} }}'))["task"] == {
        "title": "team B"
    }


async def test_lists_and_counts_never_cross_teams(world: World) -> None:
    await create_task(world.carol, "team B", NOW)
    await create_task(world.alice, "team A", NOW)
    carol_id = gid("User", world.carol.user.id)
    result = await world.admin_a.execute(
        "query($a: ID) { taskCounts(assigneeId: $a) { all } }", a=carol_id
    )
    listing = await world.admin_a.execute(
        "query($f: TaskFilter) { tasks(filter: $f) { nodes { id } } }", f={"assigneeId": carol_id}
    )
    missing = await world.admin_a.execute(
        "query($a: ID) { taskCounts(assigneeId: $a) { all } }", a=gid("User", 999_999)
    )
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert listing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert [e["message"] for e in result["errors"]] == [e["message"] for e in missing["errors"]]
    assert await titles(world.admin_b, "ALL") == []  # carol's tasks are on carol's list
    assert await titles(world.admin_b, "ALL", assigneeId=carol_id) == ["team B"]
    member = await world.alice.execute(
        "query($a: ID) { taskCounts(assigneeId: $a) { all } }", a=gid("User", world.bob.user.id)
    )
    assert member["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_deleting_the_email_keeps_its_follow_up(world: World) -> None:
    alice = world.alice
    email = await alice.create_draft(subject="to be deleted")
    payload = await act(
        alice,
        "createFollowUpTask",
        {"emailId": email["id"], "type": "EMAIL", "dueAt": NOW.isoformat()},
    )
    deleted = await alice.mutate("deleteEmail", {"id": email["id"]}, "deletedEmailId")
    assert deleted["userErrors"] == []
    task = await alice(f'{{ task(id: "{payload["task"]["id"]}") {{ title email {{ id }} }} }}')
    assert task["task"] == {"title": "Follow up: to be deleted", "email": None}
