"""Every view, in the assignee's time zone, across day boundaries and DST, with a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.base import clock
from tests.api import Api, World, gid
from tests.tasks.helpers import act, counts, create_task, every_view, set_timezone, titles

# 2026-03-10 06:30 UTC is still Monday 9 March, 23:30 in Los Angeles (PDT, UTC-7).
NOW = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def _seed(api: Api) -> None:
    with clock.frozen(NOW):
        await create_task(api, "sun-pst", utc(2026, 3, 9, 6, 0))  # LA Sun 8 23:00; UTC Mon 9
        await create_task(api, "mon-afternoon", utc(2026, 3, 9, 20, 0))  # LA Mon 13:00; UTC Mon
        await create_task(api, "la-midnight", utc(2026, 3, 9, 7, 0))  # LA Mon 00:00 exactly
        await create_task(api, "tue-1am-la", utc(2026, 3, 10, 8, 0))  # LA Tue 01:00; UTC Tue
        await create_task(api, "wed-la", utc(2026, 3, 11, 18, 0))  # LA Wed 11:00; UTC Wed
        await create_task(api, "in-7-days", utc(2026, 3, 17, 6, 59))  # LA Mon 16 23:59
        await create_task(api, "in-8-days", utc(2026, 3, 17, 7, 0))  # LA Tue 17 00:00
        done = await create_task(api, "done", utc(2026, 3, 10, 0, 0))
        await act(api, "completeTask", {"id": done["id"]})
        skipped = await create_task(api, "skipped", utc(2026, 3, 10, 0, 0))
        await act(api, "skipTask", {"id": skipped["id"]})


ALL = sorted(
    [
        "sun-pst",
        "mon-afternoon",
        "la-midnight",
        "tue-1am-la",
        "wed-la",
        "in-7-days",
        "in-8-days",
        "done",
        "skipped",
    ]
)


async def test_views_in_los_angeles(world: World) -> None:
    alice = world.alice
    await set_timezone(alice.user, "America/Los_Angeles")
    await _seed(alice)
    with clock.frozen(NOW):
        views = await every_view(alice)
        count = await counts(alice)
    assert views == {
        # A task due before local midnight is overdue; one due exactly at it is today's.
        "OVERDUE": ["sun-pst"],
        "TODAY": ["la-midnight", "mon-afternoon"],
        "TOMORROW": ["tue-1am-la"],
        "UPCOMING": ["in-7-days", "tue-1am-la", "wed-la"],
        "COMPLETED": ["done"],
        "ALL": ALL,
    }
    assert count == {k.lower(): len(v) for k, v in views.items()}


async def test_the_same_tasks_in_utc_and_tokyo(world: World) -> None:
    alice = world.alice
    await _seed(alice)  # alice is in UTC: it is Tuesday 10 March, 06:30
    with clock.frozen(NOW):
        utc_views = await every_view(alice)
        await set_timezone(alice.user, "Asia/Tokyo")  # Tuesday 15:30
        tokyo_views = await every_view(alice)
    assert utc_views["OVERDUE"] == ["la-midnight", "mon-afternoon", "sun-pst"]
    assert utc_views["TODAY"] == ["tue-1am-la"]
    assert utc_views["TOMORROW"] == ["wed-la"]
    assert utc_views["UPCOMING"] == ["in-7-days", "in-8-days", "wed-la"]
    # Tokyo: mon-afternoon (Tue 05:00 JST) is today; wed-la (Thu 03:00 JST) is no longer tomorrow.
    assert tokyo_views["OVERDUE"] == ["la-midnight", "sun-pst"]
    assert tokyo_views["TODAY"] == ["mon-afternoon", "tue-1am-la"]
    assert tokyo_views["TOMORROW"] == []
    assert tokyo_views["UPCOMING"] == ["in-7-days", "in-8-days", "wed-la"]


async def test_tasks_move_between_views_at_local_midnight(world: World) -> None:
    alice = world.alice
    await set_timezone(alice.user, "Asia/Tokyo")
    local_midnight = utc(2026, 3, 10, 15, 0)  # Wednesday 11 March 00:00 in Tokyo
    with clock.frozen(local_midnight - timedelta(hours=2)):
        await create_task(alice, "wed-morning", utc(2026, 3, 11, 0, 0))  # Wed 09:00 JST
        await create_task(alice, "tue-evening", utc(2026, 3, 10, 12, 0))  # Tue 21:00 JST
    with clock.frozen(local_midnight - timedelta(seconds=1)):
        before = await every_view(alice)
    with clock.frozen(local_midnight):
        after = await every_view(alice)
    assert (before["TODAY"], before["TOMORROW"], before["OVERDUE"]) == (
        ["tue-evening"],
        ["wed-morning"],
        [],
    )
    assert (after["TODAY"], after["TOMORROW"], after["OVERDUE"]) == (
        ["wed-morning"],
        [],
        ["tue-evening"],
    )


async def test_a_23_hour_dst_day_still_ends_at_local_midnight(world: World) -> None:
    alice = world.alice
    await set_timezone(alice.user, "America/Los_Angeles")
    # Saturday 7 March 12:00 PST; Sunday 8 March has 23 hours (clocks go forward).
    with clock.frozen(utc(2026, 3, 7, 20, 0)):
        await create_task(alice, "sun-late", utc(2026, 3, 9, 6, 30))  # Sun 23:30 PDT
        await create_task(alice, "mon-00-30", utc(2026, 3, 9, 7, 30))  # Mon 00:30 PDT
        tomorrow = await titles(alice, "TOMORROW")
    assert tomorrow == ["sun-late"]


async def test_an_admin_sees_a_reps_views_in_the_reps_time_zone(world: World) -> None:
    alice, lead = world.alice, world.lead_a
    await set_timezone(alice.user, "America/Los_Angeles")  # the admin stays in UTC
    await _seed(alice)
    alice_id = gid("User", alice.user.id)
    with clock.frozen(NOW):
        seen = await every_view(lead, assigneeId=alice_id)
        seen_counts = await counts(lead, alice_id)
        own = await every_view(lead)
    assert seen["TODAY"] == ["la-midnight", "mon-afternoon"]
    assert seen_counts["today"] == 2 and seen_counts["all"] == len(ALL)
    assert own == {view: [] for view in own}


async def test_filters_combine_with_views(world: World) -> None:
    alice = world.alice
    person = await alice.create_person("pat@example.com")
    with clock.frozen(NOW):
        await create_task(alice, "call pat", NOW + timedelta(hours=1), personId=person["id"])
        await create_task(
            alice,
            "email pat",
            NOW + timedelta(hours=2),
            type="EMAIL",
            personId=person["id"],
            priority="HIGH",
        )
        await create_task(alice, "call other", NOW + timedelta(hours=3))
        assert await titles(alice, "TODAY", personId=person["id"]) == ["call pat", "email pat"]
        assert await titles(alice, "TODAY", type="EMAIL") == ["email pat"]
        assert await titles(alice, "ALL", priority="HIGH") == ["email pat"]
        window = {
            "dueAfter": (NOW + timedelta(minutes=90)).isoformat(),
            "dueBefore": (NOW + timedelta(minutes=150)).isoformat(),
        }
        assert await titles(alice, "ALL", **window) == ["email pat"]
        # An unknown person id matches nothing rather than failing.
        assert await titles(alice, "ALL", personId=gid("Person", 999_999)) == []


async def test_pages_follow_the_due_date(world: World) -> None:
    alice = world.alice
    with clock.frozen(NOW):
        for hour in range(5):
            await create_task(alice, f"t{hour}", NOW + timedelta(hours=hour))
        seen: list[str] = []
        after = None
        while True:
            data = await alice(
                "query($after: String) { tasks(view: TODAY, first: 2, after: $after) "
                "{ nodes { title } pageInfo { hasNextPage endCursor } } }",
                after=after,
            )
            seen += [n["title"] for n in data["tasks"]["nodes"]]
            if not data["tasks"]["pageInfo"]["hasNextPage"]:
                break
            after = data["tasks"]["pageInfo"]["endCursor"]
    assert seen == ["t0", "t1", "t2", "t3", "t4"]
