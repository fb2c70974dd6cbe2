"""A search spec evaluated against one email in memory: the live side of saved searches.

When an email changes, each active saved search decides from the row (and, for "within D days"
conditions, the email's recent engagement events) whether it matches now, without querying the
search again. It must agree with models/search/filters.apply row for row; tests check both against a
brute-force evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.emails.tables import Email, EmailEventKind
from models.search.filters import ENGAGEMENTS, CampaignMatch, EmailFilter, date_window, window_start


@dataclass(frozen=True)
class Engaged:
    """What window conditions need of one event."""

    kind: EmailEventKind
    machine: bool
    occurred_at: datetime


ENGAGED_KINDS = tuple(kind for kind, _, _ in ENGAGEMENTS.values())


def needs_events(spec: EmailFilter) -> bool:
    return any(c is not None and c.within_days for c in spec.engagements().values())


def max_window_days(specs: Iterable[EmailFilter]) -> int:
    days = [
        c.within_days
        for spec in specs
        for c in spec.engagements().values()
        if c is not None and c.within_days
    ]
    return max(days, default=0)


def matches(
    spec: EmailFilter,
    row: Email,
    events: list[Engaged] | None,
    *,
    tz: ZoneInfo,
    now: datetime,
) -> bool:
    """Whether `row` satisfies every condition except visibility (the caller checks that)."""
    statuses = spec.statuses()
    if statuses is not None and row.status not in statuses:
        return False
    if spec.person_id is not None and row.person_id != spec.person_id:
        return False
    if spec.person_ids is not None and row.person_id not in spec.person_ids:
        return False
    if spec.campaign_id is not None and row.campaign_id != spec.campaign_id:
        return False
    if spec.campaign is CampaignMatch.ANY and row.campaign_id is None:
        return False
    if spec.campaign is CampaignMatch.NONE and row.campaign_id is not None:
        return False
    if spec.group_id is not None and row.group_id != spec.group_id:
        return False
    if spec.template_id is not None and row.template_id != spec.template_id:
        return False
    text = (spec.text or "").strip().lower()
    if text and text not in row.subject.lower() and text not in row.recipients_text:
        return False
    start, end = date_window(spec, tz, now)
    if start is not None or end is not None:
        value: datetime | None = getattr(row, spec.date_field.value)
        if value is None:
            return False
        if (start is not None and value < start) or (end is not None and value >= end):
            return False
    for name, condition in spec.engagements().items():
        if condition is None:
            continue
        kind, human, machine = ENGAGEMENTS[name]
        since = window_start(condition, now)
        if since is None:
            count = getattr(row, human)
            if machine is not None and not spec.exclude_machine:
                count += getattr(row, machine)
        else:
            count = sum(
                1
                for e in events or ()
                if e.kind is kind
                and e.occurred_at >= since
                and not (spec.exclude_machine and e.machine)
            )
        if (count >= condition.at_least) != condition.happened:
            return False
    return True


Check = Callable[[Email, "list[Engaged] | None", datetime], bool]


def _equals(column: str, wanted: object) -> Check:
    def check(row: Email, ev: list[Engaged] | None, now: datetime) -> bool:
        return bool(getattr(row, column) == wanted)

    return check


def _within(column: str, allowed: frozenset[object]) -> Check:
    def check(row: Email, ev: list[Engaged] | None, now: datetime) -> bool:
        return getattr(row, column) in allowed

    return check


def _counted(columns: tuple[str, ...], least: int, happened: bool) -> Check:
    def check(row: Email, ev: list[Engaged] | None, now: datetime) -> bool:
        return (sum(getattr(row, c) for c in columns) >= least) == happened

    return check


def _windowed(
    kind: EmailEventKind, days: int, least: int, happened: bool, human_only: bool
) -> Check:
    span = timedelta(days=days)

    def check(row: Email, ev: list[Engaged] | None, now: datetime) -> bool:
        since = now - span
        count = sum(
            1
            for e in ev or ()
            if e.kind is kind and e.occurred_at >= since and not (human_only and e.machine)
        )
        return (count >= least) == happened

    return check


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda row, ev, now: True
    if len(checks) == 1:
        return checks[0]
    return lambda row, ev, now: all(check(row, ev, now) for check in checks)


def compile_parts(spec: EmailFilter, tz: ZoneInfo) -> tuple[Check, Check | None]:
    """`matches` for one spec with its decisions taken once (live matching evaluates every
    watched search per change): the checks on the row alone, and those needing the email's
    recent events (None if there are none), so events are loaded only when the first pass."""
    checks: list[Check] = []
    windowed: list[Check] = []
    statuses = spec.statuses()
    if statuses is not None:
        checks.append(_within("status", frozenset(statuses)))
    for column in ("person_id", "campaign_id", "group_id", "template_id"):
        wanted = getattr(spec, column)
        if wanted is not None:
            checks.append(_equals(column, wanted))
    if spec.person_ids is not None:
        checks.append(_within("person_id", frozenset(spec.person_ids)))
    if spec.campaign is not None:
        checks.append(lambda row, ev, now: (row.campaign_id is None) == (spec.campaign == "NONE"))
    if (spec.text or "").strip() or spec.date_preset or spec.date_from or spec.date_to:
        # Rare in live searches and clock-relative: the general path, without engagement.
        plain = replace(spec, viewed=None, clicked=None, replied=None, exclude_machine=False)
        checks.append(lambda row, ev, now: matches(plain, row, ev, tz=tz, now=now))
    for name, condition in spec.engagements().items():
        if condition is None:
            continue
        kind, human, machine = ENGAGEMENTS[name]
        least, happened = condition.at_least, condition.happened
        if condition.within_days is not None:
            windowed.append(
                _windowed(kind, condition.within_days, least, happened, spec.exclude_machine)
            )
        elif machine is not None and not spec.exclude_machine:
            checks.append(_counted((human, machine), least, happened))
        else:
            checks.append(_counted((human,), least, happened))
    return _all(checks), (_all(windowed) if windowed else None)


def compile_spec(spec: EmailFilter, tz: ZoneInfo) -> Check:
    """Both parts of `compile_parts` as one check."""
    static, windowed = compile_parts(spec, tz)
    if windowed is None:
        return static
    return lambda row, ev, now: static(row, ev, now) and windowed(row, ev, now)
