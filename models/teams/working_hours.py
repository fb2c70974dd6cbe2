"""A user's working hours: the days of the week and the local start and end of their day.

Stored as JSON on the user (`User.working_hours`): `{"days": ["MON", …], "start": "09:00",
"end": "17:00"}`; an empty object means the default, Monday to Friday 09:00–17:00. Times are in the
user's own `timezone`. Campaigns use them to place manual steps and calls in the rep's day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from models.base.errors import DomainError, ErrorCode, ValidationErrors


class Weekday(StrEnum):
    # In `datetime.weekday()` order, so `list(Weekday)[d.weekday()]` is d's day.
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


WEEK = list(Weekday)


@dataclass(frozen=True)
class WorkingHours:
    days: tuple[Weekday, ...]
    start: time
    end: time

    def to_json(self) -> dict[str, Any]:
        return {
            "days": [d.value for d in self.days],
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }

    def includes(self, local: datetime) -> bool:
        """Whether a local date-time (in the user's zone) falls inside the working hours."""
        return WEEK[local.weekday()] in self.days and self.start <= local.time() < self.end


DEFAULT = WorkingHours(
    days=(Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI),
    start=time(9),
    end=time(17),
)


def of(stored: dict[str, Any] | None) -> WorkingHours:
    """The working hours a stored JSON value means (the default when empty)."""
    if not stored:
        return DEFAULT
    return WorkingHours(
        days=tuple(Weekday(d) for d in stored["days"]),
        start=time.fromisoformat(stored["start"]),
        end=time.fromisoformat(stored["end"]),
    )


def checked(days: list[Weekday], start: time, end: time, field: str) -> WorkingHours:
    """Working hours from input: at least one day, whole minutes, start before end."""
    problems: list[DomainError] = []
    if not days:
        problems.append(
            DomainError(ErrorCode.REQUIRED, "Choose at least one working day.", f"{field}.days")
        )
    for name, value in (("start", start), ("end", end)):
        if value.second or value.microsecond or value.tzinfo is not None:
            problems.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    "Give a local time in whole minutes, without a time zone, e.g. 09:00.",
                    f"{field}.{name}",
                )
            )
    if not problems and start >= end:
        problems.append(
            DomainError(
                ErrorCode.INVALID_INPUT, "The day must end after it starts.", f"{field}.end"
            )
        )
    if problems:
        raise ValidationErrors(problems)
    ordered = tuple(d for d in WEEK if d in set(days))  # week order, each day once
    return WorkingHours(days=ordered, start=start, end=end)
