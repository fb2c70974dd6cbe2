"""The engagement report: opens, clicks, replies and bounces of sent emails over time, per sender,
campaign or template, in the caller's time zone.

Emails count in the period of their send time (`sent_at`, a cohort): a Monday email opened on
Wednesday is an open of Monday. An email counts as *sent* once it left for the recipient's server
and did not come back as undeliverable before that (DELIVERED, ARCHIVED, SPAM, BOUNCED);
*delivered* is all of those but BOUNCED; *opened*, *clicked* and *replied* count emails (not
events) with at least one human open, click or reply, from the counters on the email (machine
opens and clicks, kept apart by models/engagement/recorders.py, only when asked); *bounced* is
BOUNCED (a hard bounce: a temporary report does not move the email). Rates are over delivered
emails, the bounce rate over sent ones, and None without a denominator.

One SQL aggregate per report (`report_sql`), the same text on SQLite and PostgreSQL: the period of
an email is `(epoch(sent_at) + offset - origin) / width`, where `offset` is the zone's UTC offset
at that instant, a CASE over the DST transitions inside the range (none for most ranges, two a
year otherwise), and `origin` the first period's local midnight read as if it were UTC. Integer
arithmetic on whole seconds is exact across DST: a local day is 23 or 25 hours long because the
offset changes, not because the arithmetic does. Labels come from one more query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from models.base.errors import DomainError, ErrorCode
from models.base.zones import at_local, zone
from models.campaigns.tables import Campaign
from models.emails.tables import Email, EmailStatus
from models.teams.tables import User
from models.templates.tables import Template


class ReportInterval(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # starts on Monday


class ReportDimension(StrEnum):
    SENDER = "SENDER"
    CAMPAIGN = "CAMPAIGN"
    TEMPLATE = "TEMPLATE"


SENT_STATUSES = (EmailStatus.DELIVERED, EmailStatus.ARCHIVED, EmailStatus.SPAM, EmailStatus.BOUNCED)
DELIVERED_STATUSES = (EmailStatus.DELIVERED, EmailStatus.ARCHIVED, EmailStatus.SPAM)
# Longest range per interval, in calendar days: a year of days, five years of weeks.
MAX_DAYS = {ReportInterval.DAY: 366, ReportInterval.WEEK: 5 * 366}
# Far enough for any email, near enough that every local midnight is a valid datetime anywhere.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
_WIDTH = {ReportInterval.DAY: 86400, ReportInterval.WEEK: 7 * 86400}
_KEY_COLUMN = {
    ReportDimension.SENDER: "owner_id",
    ReportDimension.CAMPAIGN: "campaign_id",
    ReportDimension.TEMPLATE: "template_id",
}
NO_KEY_LABEL = {ReportDimension.CAMPAIGN: "No campaign", ReportDimension.TEMPLATE: "No template"}
COUNT_NAMES = ("sent", "delivered", "opened", "clicked", "replied", "bounced")


@dataclass
class Counts:
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    bounced: int = 0

    def add(self, other: Counts) -> None:
        for name in COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _rate(count: int, base: int) -> float | None:
        return count / base if base else None

    @property
    def open_rate(self) -> float | None:
        return self._rate(self.opened, self.delivered)

    @property
    def click_rate(self) -> float | None:
        return self._rate(self.clicked, self.delivered)

    @property
    def reply_rate(self) -> float | None:
        return self._rate(self.replied, self.delivered)

    @property
    def bounce_rate(self) -> float | None:
        return self._rate(self.bounced, self.sent)


@dataclass(frozen=True)
class ReportFilter:
    """Ids already decoded; None: any. An empty list matches nothing (all ids were unknown)."""

    sender_ids: Sequence[int] | None = None
    campaign_ids: Sequence[int] | None = None
    template_ids: Sequence[int] | None = None
    include_machine: bool = False


@dataclass
class Series:
    key: int | None  # the user, campaign or template; None: emails of no campaign / no template
    label: str
    points: list[Counts]  # aligned with Report.periods
    total: Counts = field(default_factory=Counts)


@dataclass
class Report:
    interval: ReportInterval
    dimension: ReportDimension
    time_zone: str
    start: date
    end: date
    periods: list[date]
    series: list[Series]
    total: Counts


@dataclass(frozen=True)
class Window:
    """The range as instants, and how to turn an instant into a period index."""

    start: datetime  # UTC, first local midnight of the range
    end: datetime  # UTC, the local midnight after the range's last day
    origin: int  # first period's local midnight, as seconds since the epoch read as UTC
    width: int  # seconds per period, in local time
    # (from this UTC instant on, the zone's offset in seconds), the first from `start`.
    offsets: tuple[tuple[datetime, int], ...]


def periods_of(interval: ReportInterval, start: date, end: date) -> list[date]:
    """Every period start from the one holding `start` to the one holding `end`."""
    first = start - timedelta(days=start.weekday()) if interval is ReportInterval.WEEK else start
    step = timedelta(days=_WIDTH[interval] // 86400)
    out: list[date] = []
    current = first
    while current <= end:
        out.append(current)
        current += step
    return out


def check_range(interval: ReportInterval, start: date, end: date, field: str = "range") -> None:
    if start < FIRST_DAY or end > LAST_DAY:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Report dates go from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.",
            field,
        )
    if end < start:
        raise DomainError(ErrorCode.INVALID_INPUT, "`to` must not be before `from`.", field)
    days = (end - start).days + 1
    if days > MAX_DAYS[interval]:
        raise DomainError(
            ErrorCode.REPORT_RANGE_TOO_LONG,
            f"A report by {interval.value} covers at most {MAX_DAYS[interval]} days; this range "
            f"has {days}.",
            field,
        )


def _offset(tz: ZoneInfo, at: datetime) -> int:
    offset = at.astimezone(tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _transition(tz: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first whole second after `low` with the offset of `high` (zones change offset on whole
    seconds, and the two ends have different offsets)."""
    low, high = low.replace(microsecond=0), high.replace(microsecond=0)
    target = _offset(tz, high)
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if _offset(tz, middle) == target:
            high = middle
        else:
            low = middle
    return high


_PROBE = timedelta(hours=6)


def window_of(tz: ZoneInfo, interval: ReportInterval, start: date, end: date) -> Window:
    """The UTC bounds of [start, end] in `tz` and its offsets inside them. Transitions are found
    by probing every six hours and bisecting to the second where the offset changed: zones
    change offset months apart, never twice within hours."""
    midnight = time(0, 0)
    lo = at_local(datetime.combine(start, midnight), tz).at
    hi = at_local(datetime.combine(end + timedelta(days=1), midnight), tz).at
    offsets = [(lo, _offset(tz, lo))]
    previous = lo
    while previous < hi:
        probe = min(previous + _PROBE, hi - timedelta(seconds=1))
        if probe <= previous:
            break
        if _offset(tz, probe) != offsets[-1][1]:
            offsets.append((_transition(tz, previous, probe), _offset(tz, probe)))
        previous = probe
    first_day = periods_of(interval, start, end)[0]
    origin = int(datetime.combine(first_day, midnight, tzinfo=UTC).timestamp())
    return Window(lo, hi, origin, _WIDTH[interval], tuple(offsets))


class _Params:
    """Positional parameters in the connection's style: `?` (SQLite) or `$n` (PostgreSQL)."""

    def __init__(self, dialect: str) -> None:
        self.numbered = dialect == "postgres"
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.numbered else "?"

    def instant(self, value: datetime) -> str:
        # Through the column's own conversion: on SQLite the comparison is between texts.
        return self.add(Email._meta.fields_map["sent_at"].to_db_value(value, Email))


def _epoch_sql(dialect: str) -> str:
    """Whole seconds since the epoch of `sent_at` (fractions dropped: boundaries are whole)."""
    if dialect == "postgres":
        return 'CAST(FLOOR(EXTRACT(EPOCH FROM "sent_at")) AS BIGINT)'
    if sqlite3.sqlite_version_info >= (3, 38):
        return 'unixepoch("sent_at")'  # a third faster than strftime's text round trip
    return "CAST(strftime('%s', \"sent_at\") AS INTEGER)"


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _in(column: str, values: Sequence[object], params: _Params) -> str:
    return f'"{column}" IN ({", ".join(params.add(v) for v in values)})'


def report_sql(
    dialect: str,
    team_id: int,
    owner_id: int | None,
    dimension: ReportDimension,
    window: Window,
    spec: ReportFilter,
) -> tuple[str, list[Any]]:
    """The aggregate: one row per (key, period) with the six counts. `owner_id`: a member's own
    emails only; None for the whole team."""
    params = _Params(dialect)
    statuses = ", ".join(f"'{s.value}'" for s in SENT_STATUSES)
    delivered = ", ".join(f"'{s.value}'" for s in DELIVERED_STATUSES)
    offset = str(window.offsets[0][1])
    if len(window.offsets) > 1:
        branches = [
            f'WHEN "sent_at" < {params.instant(until)} THEN {value}'
            for (_, value), (until, _) in zip(window.offsets, window.offsets[1:], strict=False)
        ]
        offset = f"CASE {' '.join(branches)} ELSE {window.offsets[-1][1]} END"
    period = f"({_epoch_sql(dialect)} + {offset} - {window.origin}) / {window.width}"
    views = '"view_count" + "machine_view_count"' if spec.include_machine else '"view_count"'
    clicks = '"click_count" + "machine_click_count"' if spec.include_machine else '"click_count"'
    where = [
        f'"team_id" = {params.add(team_id)}',
        f'"sent_at" >= {params.instant(window.start)}',
        f'"sent_at" < {params.instant(window.end)}',
        f'"status" IN ({statuses})',
    ]
    if owner_id is not None:
        where.append(f'"owner_id" = {params.add(owner_id)}')
    for column, ids in (
        ("owner_id", spec.sender_ids),
        ("campaign_id", spec.campaign_ids),
        ("template_id", spec.template_ids),
    ):
        if ids is not None:
            where.append(_in(column, sorted(set(ids)), params))
    key = _KEY_COLUMN[dimension]
    counts = {
        "delivered": f'"status" IN ({delivered})',
        "opened": f"{views} > 0",
        "clicked": f"{clicks} > 0",
        "replied": '"reply_count" > 0',
        "bounced": f"\"status\" = '{EmailStatus.BOUNCED.value}'",
    }
    sums = ", ".join(f"{_count(condition)} AS {name}" for name, condition in counts.items())
    sql = (
        f'SELECT "{key}" AS k, {period} AS p, COUNT(*) AS sent, {sums} '
        f'FROM "email" WHERE {" AND ".join(where)} GROUP BY 1, 2'
    )
    return sql, params.values


async def engagement_report(
    viewer: User,
    interval: ReportInterval,
    dimension: ReportDimension,
    start: date,
    end: date,
    spec: ReportFilter | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> Report:
    """The report as `viewer` may see it: a member their own sends, an admin the team's."""
    check_range(interval, start, end)
    spec = spec or ReportFilter()
    tz = zone(viewer.timezone)
    periods = periods_of(interval, start, end)
    report = Report(interval, dimension, tz.key, start, end, periods, [], Counts())
    if any(ids is not None and not ids for ids in _id_lists(spec)):
        return report  # every id given was unknown: nothing matches
    conn = conn or connections.get("default")
    window = window_of(tz, interval, start, end)
    owner_id = None if viewer.sees_whole_team else viewer.id
    sql, values = report_sql(
        conn.capabilities.dialect, viewer.team_id, owner_id, dimension, window, spec
    )
    rows = await conn.execute_query_dict(sql, values)
    by_key: dict[int | None, Series] = {}
    for row in rows:
        key = None if row["k"] is None else int(row["k"])
        series = by_key.get(key)
        if series is None:
            series = by_key[key] = Series(key, "", [Counts() for _ in periods])
        counts = Counts(*(int(row[name] or 0) for name in COUNT_NAMES))
        series.points[int(row["p"])].add(counts)
        series.total.add(counts)
        report.total.add(counts)
    labels = await _labels(viewer.team_id, dimension, [k for k in by_key if k is not None])
    for key, series in by_key.items():
        series.label = NO_KEY_LABEL[dimension] if key is None else labels.get(key, "")
    # Busiest first; ties by label, then key, so the order is stable.
    report.series = sorted(
        by_key.values(), key=lambda s: (-s.total.sent, s.label, s.key is None, s.key or 0)
    )
    return report


def _id_lists(spec: ReportFilter) -> tuple[Sequence[int] | None, ...]:
    return (spec.sender_ids, spec.campaign_ids, spec.template_ids)


async def _labels(team_id: int, dimension: ReportDimension, keys: list[int]) -> dict[int, str]:
    if not keys:
        return {}
    if dimension is ReportDimension.SENDER:
        users = await User.filter(team_id=team_id, id__in=keys).values_list("id", "name", "email")
        return {int(pk): str(name or email) for pk, name, email in users}
    model = Campaign if dimension is ReportDimension.CAMPAIGN else Template
    rows = await model.filter(team_id=team_id, id__in=keys).values_list("id", "name")
    return {int(pk): str(name) for pk, name in rows}
