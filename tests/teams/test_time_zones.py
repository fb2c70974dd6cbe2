"""A user's own time zone and working hours (`me`, `updateMe`), and that "today" follows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from config.settings import get_settings
from models.base import clock
from models.sending import quota
from models.teams import working_hours
from models.teams.tables import User
from tests.api import Api, World
from tests.tasks.helpers import create_task, titles

ME = "me { timezone workingHours { days start end } }"
DEFAULT_HOURS = {
    "days": ["MON", "TUE", "WED", "THU", "FRI"],
    "start": "09:00:00",
    "end": "17:00:00",
}


async def update_me(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    return await api.mutate("updateMe", input, ME)


async def test_a_user_sets_their_time_zone_and_working_hours(api: Api) -> None:
    assert (await api(f"{{ {ME} }}"))["me"] == {"timezone": "UTC", "workingHours": DEFAULT_HOURS}

    payload = await update_me(
        api,
        {
            "timezone": "Asia/Tokyo",
            "workingHours": {"days": ["SAT", "MON", "MON"], "start": "08:30", "end": "12:00"},
        },
    )
    assert payload["userErrors"] == []
    hours = {"days": ["MON", "SAT"], "start": "08:30:00", "end": "12:00:00"}
    assert payload["me"] == {"timezone": "Asia/Tokyo", "workingHours": hours}
    assert (await api(f"{{ {ME} }}"))["me"] == payload["me"]

    # Fields not given stay as they are.
    payload = await update_me(api, {"timezone": "Europe/Paris"})
    assert payload["me"] == {"timezone": "Europe/Paris", "workingHours": hours}


@pytest.mark.parametrize(
    ("input", "errors"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, [("timezone", "INVALID_INPUT")]),
        ({"timezone": "europe/paris"}, [("timezone", "INVALID_INPUT")]),
        ({"timezone": "../../etc/passwd"}, [("timezone", "INVALID_INPUT")]),
        ({"timezone": "+02:00"}, [("timezone", "INVALID_INPUT")]),
        ({"timezone": ""}, [("timezone", "INVALID_INPUT")]),
        (
            {"workingHours": {"days": [], "start": "09:00", "end": "17:00"}},
            [("workingHours.days", "REQUIRED")],
        ),
        (
            {"workingHours": {"days": ["MON"], "start": "17:00", "end": "09:00"}},
            [("workingHours.end", "INVALID_INPUT")],
        ),
        (
            {"workingHours": {"days": ["MON"], "start": "09:00:30", "end": "17:00"}},
            [("workingHours.start", "INVALID_INPUT")],
        ),
        (  # every problem at once
            {
                "timezone": "Nowhere",
                "name": "x" * 201,
                "workingHours": {"days": ["MON"], "start": "10:00", "end": "10:00"},
            },
            [
                ("name", "TOO_LONG"),
                ("timezone", "INVALID_INPUT"),
                ("workingHours.end", "INVALID_INPUT"),
            ],
        ),
    ],
)
async def test_bad_time_zones_and_working_hours_are_refused_and_change_nothing(
    api: Api, input: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    before = await User.filter(id=api.user.id).values()
    payload = await update_me(api, input)
    assert payload["me"] is None
    assert sorted((e["field"], e["code"]) for e in payload["userErrors"]) == errors
    assert await User.filter(id=api.user.id).values() == before


async def test_today_the_daily_limit_and_task_views_follow_the_zone_set_with_update_me(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = world.alice
    # 20:00 UTC on Tuesday 10 March is already Wednesday 05:00 in Tokyo.
    now = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    tokyo_afternoon = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)  # Wednesday 15:00 in Tokyo
    monkeypatch.setenv("CC_DAILY_SEND_LIMIT", "1")
    get_settings.cache_clear()
    try:
        with clock.frozen(now):
            assert (await update_me(alice, {"timezone": "Asia/Tokyo"}))["userErrors"] == []
            # Task views: due Wednesday afternoon is today in Tokyo (tomorrow in UTC).
            await create_task(alice, "call-wednesday", tokyo_afternoon)
            assert await titles(alice, "TODAY") == ["call-wednesday"]
            assert await titles(alice, "TOMORROW") == []
            # A due range given in Tokyo time compares as instants, whatever the database.
            wednesday = {"dueAfter": "2026-03-11T14:00:00+09:00"}  # 05:00 UTC
            assert await titles(alice, "ALL", **wednesday) == ["call-wednesday"]

            # "Today" in search: an email created now is in Tokyo's Wednesday.
            draft = await alice.create_draft()
            data = await alice(
                "{ emails(filter: {datePreset: TODAY, dateField: CREATED}) { totalCount } }"
            )
            assert data["emails"]["totalCount"] == 1
            # A range given with the same offset finds it too (bounds compare as instants).
            data = await alice(
                '{ emails(filter: {dateFrom: "2026-03-11T00:00:00+09:00", '
                'dateTo: "2026-03-12T00:00:00+09:00", dateField: CREATED}) { totalCount } }'
            )
            assert data["emails"]["totalCount"] == 1

            # Daily limit: Tokyo's Wednesday is used up, so 15:00 Tokyo is refused; in UTC it
            # would be another day (Wednesday 06:00 UTC vs Tuesday now) and accepted.
            day = quota.day_window(now, "Asia/Tokyo")
            assert await quota.take_many(alice.user.id, day, 1, 1) == 1
            payload = await alice.mutate(
                "scheduleEmail",
                {"id": draft["id"], "sendAt": tokyo_afternoon.isoformat()},
                "email { id }",
            )
            assert [e["code"] for e in payload["userErrors"]] == ["DAILY_LIMIT_REACHED"]
    finally:
        get_settings.cache_clear()


def test_working_hours_place_a_local_time_in_or_out_of_the_day() -> None:
    hours = working_hours.of({"days": ["MON", "SAT"], "start": "08:30", "end": "12:00"})
    assert hours.includes(datetime(2026, 3, 9, 8, 30))  # Monday, at the start
    assert not hours.includes(datetime(2026, 3, 9, 12, 0))  # the end is exclusive
    assert not hours.includes(datetime(2026, 3, 10, 9, 0))  # Tuesday
    assert hours.includes(datetime(2026, 3, 14, 11, 59))  # Saturday
    assert working_hours.of(None) == working_hours.DEFAULT
    assert working_hours.of(hours.to_json()) == hours
