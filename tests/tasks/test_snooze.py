"""Snoozing hides a task from the open views until its time, then it is back, due then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.base import clock
from tests.api import World
from tests.tasks.helpers import act, counts, create_task, every_view

NOW = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)  # Monday 15:00 UTC (alice is in UTC)


async def test_snoozed_until_tomorrow_morning_comes_back_in_tomorrows_today(world: World) -> None:
    alice = world.alice
    tomorrow_9 = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    with clock.frozen(NOW):
        task = await create_task(alice, "call back", NOW - timedelta(hours=1))
        payload = await act(
            alice, "snoozeTask", {"id": task["id"], "until": tomorrow_9.isoformat()}
        )
        assert payload["userErrors"] == []
        assert payload["task"]["snoozed"] is True
        # The due date moved to the snooze time, because that is when the rep wants to do it.
        assert payload["task"]["dueAt"] == tomorrow_9.isoformat()
        snoozed_views = await every_view(alice)
        snoozed_counts = await counts(alice)
    with clock.frozen(tomorrow_9 - timedelta(seconds=1)):
        just_before = await every_view(alice)
    with clock.frozen(tomorrow_9):
        back = await every_view(alice)
        back_counts = await counts(alice)
    hidden = {"TODAY": [], "TOMORROW": [], "OVERDUE": [], "UPCOMING": []}
    assert {k: snoozed_views[k] for k in hidden} == hidden
    assert snoozed_views["ALL"] == ["call back"]
    assert snoozed_counts == {
        "today": 0,
        "tomorrow": 0,
        "overdue": 0,
        "upcoming": 0,
        "completed": 0,
        "all": 1,
    }
    assert {k: just_before[k] for k in hidden} == hidden
    assert back["TODAY"] == ["call back"] and back["OVERDUE"] == []
    assert back_counts["today"] == 1


async def test_snoozing_before_the_due_date_keeps_the_due_date(world: World) -> None:
    alice = world.alice
    due = NOW + timedelta(days=3)
    with clock.frozen(NOW):
        task = await create_task(alice, "later", due)
        until = NOW + timedelta(hours=2)
        payload = await act(alice, "snoozeTask", {"id": task["id"], "until": until.isoformat()})
        assert payload["task"]["dueAt"] == due.isoformat()
        assert (await every_view(alice))["UPCOMING"] == []
    with clock.frozen(until):
        assert (await every_view(alice))["UPCOMING"] == ["later"]


async def test_a_new_due_date_ends_the_snooze(world: World) -> None:
    alice = world.alice
    with clock.frozen(NOW):
        task = await create_task(alice, "moved", NOW)
        await act(
            alice, "snoozeTask", {"id": task["id"], "until": (NOW + timedelta(days=2)).isoformat()}
        )
        payload = await act(
            alice, "updateTask", {"id": task["id"], "dueAt": (NOW + timedelta(hours=1)).isoformat()}
        )
        assert payload["task"]["snoozedUntil"] is None
        assert (await every_view(alice))["TODAY"] == ["moved"]


async def test_snoozing_into_the_past_or_a_closed_task_is_refused(world: World) -> None:
    alice = world.alice
    with clock.frozen(NOW):
        task = await create_task(alice, "open", NOW)
        past = await act(
            alice,
            "snoozeTask",
            {"id": task["id"], "until": (NOW - timedelta(minutes=1)).isoformat()},
        )
        naive = await act(alice, "snoozeTask", {"id": task["id"], "until": "2026-05-05T09:00:00"})
        await act(alice, "completeTask", {"id": task["id"]})
        closed = await act(
            alice, "snoozeTask", {"id": task["id"], "until": (NOW + timedelta(days=1)).isoformat()}
        )
        after = (await every_view(alice))["COMPLETED"]
        row = await alice(f'{{ task(id: "{task["id"]}") {{ snoozedUntil dueAt status }} }}')
    assert [e["code"] for e in past["userErrors"]] == ["NOT_IN_FUTURE"]
    assert past["userErrors"][0]["field"] == "until" and past["task"] is None
    assert [e["code"] for e in naive["userErrors"]] == ["TIMEZONE_REQUIRED"]
    assert [e["code"] for e in closed["userErrors"]] == ["INVALID_TRANSITION"]
    assert after == ["open"]
    assert row["task"] == {"snoozedUntil": None, "dueAt": NOW.isoformat(), "status": "COMPLETED"}
