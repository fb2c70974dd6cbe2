"""IANA time zones: checking a name, and turning a local wall-clock time into an instant.

Local times are what people mean ("09:00 their time"); DST makes some of them special:
- a *gap* (spring forward: 02:30 does not exist that night) moves the time forward by the gap,
  as calendars do, so 02:30 becomes 03:30;
- an *overlap* (fall back: 01:30 happens twice) takes the first one, the earlier instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from models.base.errors import DomainError, ErrorCode

MAX_ZONE_NAME = 64


class DstAdjustment(StrEnum):
    NONE = "NONE"
    GAP_SHIFTED = "GAP_SHIFTED"  # the local time did not exist; moved forward by the gap
    OVERLAP_FIRST = "OVERLAP_FIRST"  # the local time happened twice; the first one was taken


def zone(name: str | None) -> ZoneInfo:
    """The zone of a stored name; UTC when it is empty or no longer exists (never fails)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def check_zone(name: str, field: str = "timezone") -> str:
    """An IANA zone name as given (`Europe/Paris`), or INVALID_INPUT naming the field.

    Only names of the zone database are accepted (no file paths, no UTC offsets like "+02:00"),
    compared exactly: zone names are case-sensitive.
    """
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_ZONE_NAME or cleaned not in _known():
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Give an IANA time zone name, e.g. Europe/Paris or America/New_York.",
            field,
        )
    return cleaned


_KNOWN: frozenset[str] | None = None


def _known() -> frozenset[str]:
    global _KNOWN
    if _KNOWN is None:  # reading the zone list walks the database once; keep it
        _KNOWN = frozenset(available_timezones())
    return _KNOWN


@dataclass(frozen=True)
class LocalInstant:
    at: datetime  # aware, UTC
    adjustment: DstAdjustment


def at_local(wall: datetime, tz: ZoneInfo) -> LocalInstant:
    """The instant a naive wall-clock time means in `tz`, with what DST did to it."""
    wall = wall.replace(tzinfo=None, fold=0)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        # In a gap fold=0 uses the offset from before the change: the same elapsed time after
        # the last valid minute, i.e. the wall time moved forward by the gap.
        return LocalInstant(instant, DstAdjustment.GAP_SHIFTED)
    if first.utcoffset() != second.utcoffset():
        return LocalInstant(instant, DstAdjustment.OVERLAP_FIRST)
    return LocalInstant(instant, DstAdjustment.NONE)
