"""When a campaign step is due: pure date arithmetic, no database (property-tested).

A step is due `delay_days` after the previous step's due time (after joining, for the first step):
calendar days, or business days (Monday–Friday) when the campaign skips weekends. With a time of
day the step is due at that local time on that day, else at the previous step's local time. The
result then moves to the send window's next opening: the window is a set of weekdays and a daily
[start, end) range of local time, in the prospect's time zone when known, else the sender's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class SendWindow:
    days: frozenset[int]  # date.weekday(): 0 = Monday
    start: int  # minutes after local midnight, inclusive
    end: int  # exclusive

    def __post_init__(self) -> None:
        if not self.days or not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError("a send window needs a weekday and start < end within a day")

    @classmethod
    def of(cls, days: list[int], start: int, end: int, skip_weekends: bool) -> SendWindow:
        open_days = frozenset(days) - (WEEKEND if skip_weekends else frozenset())
        return cls(open_days or frozenset(days), start, end)

    def contains(self, at: datetime, tz: ZoneInfo) -> bool:
        local = at.astimezone(tz)
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.start <= minute < self.end


def zone(*names: str | None) -> ZoneInfo:
    """The first valid IANA zone among `names` (prospect's, then sender's), else UTC."""
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    # Through UTC and back: a wall time skipped by a DST change lands just after the gap.
    return local.astimezone(UTC)


def next_opening(at: datetime, tz: ZoneInfo, window: SendWindow) -> datetime:
    """`at` itself when it is inside the window, else the window's next opening after it."""
    local_day = at.astimezone(tz).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        opens = _at(day, window.start, tz)
        closes = _at(day, window.end, tz) if window.end < MINUTES_PER_DAY else _midnight(day, tz)
        if at < closes:
            return max(at, opens).astimezone(UTC)
    raise AssertionError("a window with a weekday opens within a week")  # pragma: no cover


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def add_days(day: date, days: int, business: bool) -> date:
    if not business:
        return day + timedelta(days=days)
    while day.weekday() in WEEKEND:  # counting starts from the next business day
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() in WEEKEND:
            day += timedelta(days=1)
    return day


def due_at(
    previous: datetime,
    delay_days: int,
    time_of_day: int | None,
    *,
    business_days: bool,
    tz: ZoneInfo,
    window: SendWindow,
) -> datetime:
    """When a step is due, `previous` being the previous step's due time (or the join time)."""
    local = previous.astimezone(tz)
    day = add_days(local.date(), delay_days, business_days)
    if time_of_day is None:
        candidate = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
        candidate = candidate.astimezone(UTC)
    else:
        candidate = _at(day, time_of_day, tz)
    return next_opening(max(candidate, previous), tz, window)
