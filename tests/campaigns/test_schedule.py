"""The schedule arithmetic (models/campaigns/schedule.py), by property: due times respect the
window in the given zone, never go back in time, skip weekends when asked, and the next opening is
the first window minute at or after the time asked about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from models.campaigns.schedule import WEEKEND, SendWindow, add_days, due_at, next_opening, zone

ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"]
times = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@st.composite
def windows(draw: st.DrawFn) -> SendWindow:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start = draw(st.integers(0, 24 * 60 - 1))
    end = draw(st.integers(start + 1, 24 * 60))
    return SendWindow(days, start, end)


@settings(max_examples=300, deadline=None)
@given(at=times, tz=st.sampled_from(ZONES), window=windows())
def test_next_opening_is_the_first_window_minute_from_then(
    at: datetime, tz: str, window: SendWindow
) -> None:
    zone_ = ZoneInfo(tz)
    opening = next_opening(at, zone_, window)
    assert opening >= at
    assert window.contains(opening, zone_)
    assert next_opening(opening, zone_, window) == opening
    if window.contains(at, zone_):
        assert opening == at
    # No window minute between `at` and the opening (checked on a minute grid).
    probe = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    steps = 0
    while probe < opening and steps < 2000:
        assert not window.contains(probe, zone_), probe
        probe += timedelta(minutes=max(1, int((opening - at).total_seconds() // 60 // 500)))
        steps += 1


@settings(max_examples=300, deadline=None)
@given(
    previous=times,
    delay=st.integers(0, 30),
    minute=st.none() | st.integers(0, 24 * 60 - 1),
    business=st.booleans(),
    tz=st.sampled_from(ZONES),
    window=windows(),
)
def test_a_due_time_is_in_the_window_and_never_early(
    previous: datetime,
    delay: int,
    minute: int | None,
    business: bool,
    tz: str,
    window: SendWindow,
) -> None:
    zone_ = ZoneInfo(tz)
    due = due_at(previous, delay, minute, business_days=business, tz=zone_, window=window)
    assert due >= previous
    assert window.contains(due, zone_)
    # At least `delay` (business) days later, counted on the prospect's calendar.
    start_day = previous.astimezone(zone_).date()
    assert due.astimezone(zone_).date() >= add_days(start_day, delay, business)


@given(day=st.dates(), delay=st.integers(0, 60))
def test_business_days_skip_weekends(day: date, delay: int) -> None:
    result = add_days(day, delay, True)
    assert result.weekday() not in WEEKEND
    start = day
    while start.weekday() in WEEKEND:  # from a weekend, counting starts on Monday
        start += timedelta(days=1)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(d.weekday() not in WEEKEND for d in between) == delay


def test_two_business_days_after_a_friday_is_tuesday() -> None:
    friday = datetime(2026, 12, 4).date()
    assert add_days(friday, 2, True).isoformat() == "2026-12-08"
    assert add_days(friday, 2, False).isoformat() == "2026-12-06"


def test_skip_weekends_closes_the_weekend_even_if_the_window_lists_it() -> None:
    window = SendWindow.of([0, 1, 2, 3, 4, 5, 6], 0, 1440, skip_weekends=True)
    saturday = datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert next_opening(saturday, ZoneInfo("UTC"), window) == datetime(2026, 12, 7, tzinfo=UTC)


def test_the_prospects_zone_wins_then_the_senders_then_utc() -> None:
    assert zone("Europe/Paris", "America/New_York").key == "Europe/Paris"
    assert zone(None, "America/New_York").key == "America/New_York"
    assert zone("Not/AZone", None).key == "UTC"
