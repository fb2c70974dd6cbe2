"""Advanced search: the filter spec, its validation, and its translation to one SQL query.

The same spec drives `emails(filter:)`, saved searches (stored as JSON) and live matching
(models/search/matching.py evaluates it against one row in memory). Every condition combines with
AND; anything the database can decide is decided there (no Python-side filtering of results).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.base import clock
from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.base.text import bad_character, invalid_character
from models.emails.tables import (
    FOLDER_STATUSES,
    Email,
    EmailEvent,
    EmailEventKind,
    EmailFolder,
    EmailStatus,
    folder_of,
)

MAX_TEXT_QUERY = 200
MAX_AT_LEAST = 1000
MAX_WITHIN_DAYS = 366
MAX_PEOPLE = 500


class CampaignMatch(StrEnum):
    ANY = "ANY"  # in some campaign
    NONE = "NONE"  # in no campaign


class DateField(StrEnum):
    """Which date a date range applies to. STATUS_DATE: the one that fits each email's status."""

    STATUS_DATE = "status_at"
    CREATED = "created_at"
    SCHEDULED = "scheduled_at"
    DELIVERED = "delivered_at"
    FAILED = "failed_at"


class DatePreset(StrEnum):
    TODAY = "TODAY"
    LAST_7_DAYS = "LAST_7_DAYS"
    LAST_30_DAYS = "LAST_30_DAYS"
    THIS_MONTH = "THIS_MONTH"


@dataclass(frozen=True)
class Engagement:
    """ "Viewed / clicked / replied": `happened` at least `at_least` times (within the last
    `within_days` days when given); happened=False is the negation ("not viewed")."""

    happened: bool = True
    at_least: int = 1
    within_days: int | None = None


# The event kind and counter columns behind each engagement condition.
ENGAGEMENTS: dict[str, tuple[EmailEventKind, str, str | None]] = {
    "viewed": (EmailEventKind.VIEWED, "view_count", "machine_view_count"),
    "clicked": (EmailEventKind.CLICKED, "click_count", "machine_click_count"),
    "replied": (EmailEventKind.REPLIED, "reply_count", None),
}


@dataclass(frozen=True)
class EmailFilter:
    owner_id: int | None = None  # the sender: "view as" a teammate (admins); None = all visible
    person_id: int | None = None  # the recipient
    person_ids: tuple[int, ...] | None = None  # a recipient group: any of these people
    campaign_id: int | None = None
    campaign: CampaignMatch | None = None
    group_id: str | None = None  # one bulk send
    template_id: int | None = None
    text: str | None = None  # in subject or any recipient address
    folder: EmailFolder | None = None
    status: EmailStatus | None = None
    date_field: DateField = DateField.STATUS_DATE
    date_from: datetime | None = None  # inclusive
    date_to: datetime | None = None  # exclusive
    date_preset: DatePreset | None = None
    viewed: Engagement | None = None
    clicked: Engagement | None = None
    replied: Engagement | None = None
    exclude_machine: bool = False  # count only human opens and clicks

    def only_narrows_by_owner(self) -> bool:
        """True when no condition but the owner applies: the counters then know the size."""
        return self == EmailFilter(owner_id=self.owner_id)

    @property
    def time_dependent(self) -> bool:
        """Whether the matches can change with the clock alone (presets, "within D days")."""
        windows = any(e is not None and e.within_days for e in self.engagements().values())
        return self.date_preset is not None or windows

    def engagements(self) -> dict[str, Engagement | None]:
        return {"viewed": self.viewed, "clicked": self.clicked, "replied": self.replied}

    def statuses(self) -> frozenset[EmailStatus] | None:
        if self.status is not None:
            return frozenset({self.status})
        if self.folder is not None:
            return frozenset(FOLDER_STATUSES[self.folder])
        return None

    # JSON for saved searches: plain values, enums by value, datetimes ISO.
    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        out: dict[str, Any] = {}
        for key, value in data.items():
            if value is None or (key == "date_field" and value == DateField.STATUS_DATE):
                continue
            if key == "exclude_machine" and not value:
                continue
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EmailFilter:
        values: dict[str, Any] = dict(data)
        for key in ("date_from", "date_to"):
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        enums: dict[str, type[StrEnum]] = {
            "campaign": CampaignMatch,
            "folder": EmailFolder,
            "status": EmailStatus,
            "date_field": DateField,
            "date_preset": DatePreset,
        }
        for key, enum in enums.items():
            if values.get(key) is not None:
                values[key] = enum(values[key])
        for key in ENGAGEMENTS:
            if values.get(key) is not None:
                values[key] = Engagement(**values[key])
        if values.get("person_ids") is not None:
            values["person_ids"] = tuple(values["person_ids"])
        return cls(**values)


def validate(spec: EmailFilter, prefix: str = "filter") -> None:
    """Refuse contradictory or out-of-range filters, all problems at once (typed errors)."""
    errors: list[DomainError] = []

    def bad(message: str, name: str, code: ErrorCode = ErrorCode.INVALID_INPUT) -> None:
        errors.append(DomainError(code, message, f"{prefix}.{name}"))

    if (
        spec.status is not None
        and spec.folder is not None
        and folder_of(spec.status) is not (spec.folder)
    ):
        bad(
            f"Status {spec.status.value} is in the {folder_of(spec.status).value} folder, "
            f"not {spec.folder.value}.",
            "status",
        )
    if spec.campaign_id is not None and spec.campaign is not None:
        bad("Pass a campaign or ANY/NONE, not both.", "campaign")
    if spec.person_ids is not None and not 1 <= len(spec.person_ids) <= MAX_PEOPLE:
        bad(f"A recipient group holds 1 to {MAX_PEOPLE} people.", "personIds")
    if spec.text and len(spec.text.strip()) > MAX_TEXT_QUERY:
        bad("The search text is too long.", "text", ErrorCode.TOO_LONG)
    elif spec.text and (char := bad_character(spec.text)) is not None:
        errors.append(invalid_character(char, f"{prefix}.text"))
    if spec.date_preset is not None and (spec.date_from or spec.date_to):
        bad("Pass a date preset or a date range, not both.", "datePreset")
    for name, value in (("dateFrom", spec.date_from), ("dateTo", spec.date_to)):
        if value is not None and value.tzinfo is None:
            bad("Dates need a time zone.", name)
    if (
        spec.date_from is not None
        and spec.date_to is not None
        and spec.date_from.tzinfo is not None
        and spec.date_to.tzinfo is not None
        and spec.date_from >= spec.date_to
    ):
        bad("`dateFrom` must be before `dateTo`.", "dateTo")
    has_date = spec.date_preset is not None or spec.date_from or spec.date_to
    if spec.date_field is not DateField.STATUS_DATE and not has_date:
        bad("`dateField` needs a date range or preset.", "dateField")
    for name, condition in spec.engagements().items():
        if condition is None:
            continue
        if not 1 <= condition.at_least <= MAX_AT_LEAST:
            bad(f"`atLeast` is between 1 and {MAX_AT_LEAST}.", f"{name}.atLeast")
        elif not condition.happened and condition.at_least != 1:
            bad("`atLeast` applies only when the engagement happened.", f"{name}.atLeast")
        if condition.within_days is not None and not 1 <= condition.within_days <= (
            MAX_WITHIN_DAYS
        ):
            bad(f"`withinDays` is between 1 and {MAX_WITHIN_DAYS}.", f"{name}.withinDays")
    if spec.exclude_machine and spec.viewed is None and spec.clicked is None:
        bad("`excludeMachine` applies to a viewed or clicked condition.", "excludeMachine")
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ValidationErrors(errors)


def date_window(
    spec: EmailFilter, tz: ZoneInfo, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the date condition, in UTC; presets are calendar days in the caller's
    zone. UTC because SQLite compares stored date-times as text: a bound with another offset
    ("…+09:00") would be compared character by character with UTC values and miss rows."""
    start, end = _local_window(spec, tz, now)
    return (
        start.astimezone(UTC) if start is not None else None,
        end.astimezone(UTC) if end is not None else None,
    )


def _local_window(
    spec: EmailFilter, tz: ZoneInfo, now: datetime | None
) -> tuple[datetime | None, datetime | None]:
    if spec.date_preset is None:
        return spec.date_from, spec.date_to
    local = (now or clock.now()).astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)

    def day(start: datetime, days: int) -> datetime:
        # Wall-clock arithmetic, then back to an aware time: DST days are 23 or 25 hours.
        naive = start.replace(tzinfo=None) + timedelta(days=days)
        return naive.replace(tzinfo=tz)

    tomorrow = day(midnight, 1)
    if spec.date_preset is DatePreset.TODAY:
        return midnight, tomorrow
    if spec.date_preset is DatePreset.LAST_7_DAYS:
        return day(midnight, -6), tomorrow
    if spec.date_preset is DatePreset.LAST_30_DAYS:
        return day(midnight, -29), tomorrow
    first = midnight.replace(day=1)
    following = (first.replace(tzinfo=None) + timedelta(days=32)).replace(day=1, tzinfo=tz)
    return first, following


def window_start(condition: Engagement, now: datetime) -> datetime | None:
    return None if condition.within_days is None else now - timedelta(days=condition.within_days)


def _engagement(
    query: QuerySet[Email],
    name: str,
    condition: Engagement,
    spec: EmailFilter,
    team_id: int,
    now: datetime,
) -> QuerySet[Email]:
    kind, human, machine = ENGAGEMENTS[name]
    since = window_start(condition, now)
    if since is None:
        # The counters: no event table at all.
        if machine is None or spec.exclude_machine:
            if condition.happened:
                return query.filter(**{f"{human}__gte": condition.at_least})
            return query.filter(**{human: 0})
        if condition.happened and condition.at_least == 1:
            some: dict[str, Any] = {f"{human}__gte": 1}
            some_machine: dict[str, Any] = {f"{machine}__gte": 1}
            return query.filter(Q(**some) | Q(**some_machine))
        if not condition.happened:
            return query.filter(**{human: 0, machine: 0})
        total = F(human) + F(machine)
        alias = f"_{name}_total"
        return query.annotate(**{alias: total}).filter(**{f"{alias}__gte": condition.at_least})
    events = EmailEvent.filter(team_id=team_id, kind=kind, occurred_at__gte=since)
    if spec.exclude_machine:
        events = events.filter(machine=False)
    if condition.at_least > 1:
        events = (
            events.group_by("email_id").annotate(n=Count("id")).filter(n__gte=condition.at_least)
        )
    ids = Subquery(events.values("email_id"))
    return query.filter(id__in=ids) if condition.happened else query.filter(id__not_in=ids)


def apply(
    query: QuerySet[Email],
    spec: EmailFilter,
    *,
    team_id: int,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> QuerySet[Email]:
    """`query` narrowed by every condition of `spec` (already validated, owner already applied)."""
    now = now or clock.now()
    statuses = spec.statuses()
    if statuses is not None:
        query = query.filter(status__in=sorted(statuses))
    if spec.person_id is not None:
        query = query.filter(person_id=spec.person_id)
    if spec.person_ids is not None:
        query = query.filter(person_id__in=list(spec.person_ids))
    if spec.campaign_id is not None:
        query = query.filter(campaign_id=spec.campaign_id)
    if spec.campaign is CampaignMatch.ANY:
        query = query.filter(campaign_id__isnull=False)
    elif spec.campaign is CampaignMatch.NONE:
        query = query.filter(campaign_id__isnull=True)
    if spec.group_id is not None:
        query = query.filter(group_id=spec.group_id)
    if spec.template_id is not None:
        query = query.filter(template_id=spec.template_id)
    text = (spec.text or "").strip().lower()
    if text:
        query = query.filter(Q(subject__icontains=text) | Q(recipients_text__contains=text))
    start, end = date_window(spec, tz, now)
    column = spec.date_field.value
    if start is not None:
        query = query.filter(**{f"{column}__gte": start})
    if end is not None:
        query = query.filter(**{f"{column}__lt": end})
    for name, condition in spec.engagements().items():
        if condition is not None:
            query = _engagement(query, name, condition, spec, team_id, now)
    return query


def with_status(
    spec: EmailFilter, folder: EmailFolder | None, status: EmailStatus | None
) -> EmailFilter:
    """Fold the listing's own `folder`/`status` arguments into the spec (a conflict is an error)."""
    if folder is None and status is None:
        return spec
    if spec.folder is not None and folder is not None and spec.folder is not folder:
        raise DomainError(ErrorCode.INVALID_INPUT, "Two different folders.", "filter.folder")
    if spec.status is not None and status is not None and spec.status is not status:
        raise DomainError(ErrorCode.INVALID_INPUT, "Two different statuses.", "filter.status")
    merged = replace(spec, folder=folder or spec.folder, status=status or spec.status)
    if status is not None and merged.folder is not None and folder_of(status) is not merged.folder:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Status {status.value} is in the {folder_of(status).value} folder, "
            f"not {merged.folder.value}.",
            "status",
        )
    return merged  # other conflicts: `validate`
