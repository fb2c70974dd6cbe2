"""The SMTP relay's state, shared by every process: UP, or DOWN since when and why (an outage).

A relay that refuses connections, times out or answers 4xx to everything is an outage, not a
problem of the emails being sent: after CC_RELAY_FAILURE_THRESHOLD such failures in a row a
worker marks the relay DOWN (one row, `relay_status`), and then
- the dispatcher stops dispatching and workers stop claiming: due emails stay SCHEDULED, nothing
  fails with SMTP_UNAVAILABLE however long the outage lasts;
- one dispatcher at a time probes the relay (a real SMTP EHLO / NOOP / MAIL FROM / RSET, nothing
  sent) after CC_RELAY_PROBE_INTERVAL, then waits twice as long after each failed probe (up to
  CC_RELAY_PROBE_MAX_INTERVAL);
- a probe that passes marks it UP again, and sending resumes where it stopped.
Every change is published on the event bus (`RelayChanged`) so dashboards hear it at once, and
`current_state()` is the one call /readyz and the `sendingStatus` query read.

`lastError` is safe to show anyone (`safe_error`): a category and the relay's reply code, never
host names, addresses or stack traces.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from config.settings import get_settings
from models.base import clock, hooks
from models.sending.relay_changes import RelayChanged

ROW = 1  # the relay's only row


class RelayState(StrEnum):
    UP = "UP"
    DOWN = "DOWN"


class RelayStatus(Model):
    id = fields.IntField(primary_key=True)
    state = fields.CharEnumField(RelayState, max_length=8)
    since = fields.DatetimeField()
    last_error = fields.CharField(max_length=300, null=True)
    next_probe_at = fields.DatetimeField(null=True)
    probe_delay = fields.FloatField(default=0)  # seconds: doubles after each failed probe

    class Meta:
        table = "relay_status"


@dataclass(frozen=True)
class Snapshot:
    state: RelayState
    since: datetime | None  # None: never been DOWN
    last_error: str | None
    next_probe_at: datetime | None

    @property
    def down(self) -> bool:
        return self.state is RelayState.DOWN


UP = Snapshot(RelayState.UP, None, None, None)


async def current_state() -> Snapshot:
    """The relay's state as every process sees it (one primary-key read)."""
    row = await RelayStatus.get_or_none(id=ROW)
    if row is None:
        return UP
    return Snapshot(row.state, row.since, row.last_error, row.next_probe_at)


# A worker checks before each claim; re-reading the row at most this often keeps it cheap.
_CACHE_SECONDS = 0.5
_cached: tuple[float, Snapshot] | None = None


async def is_down() -> bool:
    """Whether sending is paused, read at most every half second per process."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > _CACHE_SECONDS:
        _cached = (now, await current_state())
    return _cached[1].down


def _remember(snapshot: Snapshot) -> None:
    global _cached
    _cached = (time.monotonic(), snapshot)


_REPLY = re.compile(r"^([2-5]\d\d)[ -]?(.*)$", re.S)
_UNSAFE = re.compile(r"[^\w .,:;()'/-]")


def safe_error(detail: str) -> str:
    """What a dashboard may show about a relay failure: its kind and the relay's reply code and
    text (trimmed, no host names or internals)."""
    reply = _REPLY.match(detail.strip())
    if reply:
        text = _UNSAFE.sub("", reply.group(2))[:120].strip()
        return f"The mail server answered {reply.group(1)} {text}".strip()
    lowered = detail.lower()
    if "refused" in lowered:
        return "The mail server refused the connection."
    if "timeout" in lowered or "timed out" in lowered:
        return "The mail server did not answer in time."
    if "disconnect" in lowered or "connection lost" in lowered or "closed" in lowered:
        return "The mail server closed the connection."
    return "The mail server could not be reached."


def forget_process_state() -> None:
    """Drop what this process remembers (failure count, cached state): a new database (tests)."""
    global _cached
    _cached = None
    breaker.success()


class Breaker:
    """Failures in a row seen by this process; the threshold trips the shared state. Each
    attempt that failed at the relay (refused, timed out, 4xx outside RCPT) counts; a 4xx to
    every recipient counts once per distinct email (4xx to everything is an outage too, while one
    greylisted email tried again and again is not)."""

    def __init__(self) -> None:
        self.failures = 0
        self.refused_emails: set[int] = set()

    def success(self) -> None:
        self.failures = 0
        self.refused_emails.clear()

    async def failure(self, detail: str, *, email_id: int | None = None) -> bool:
        """Count one failure (`email_id`: its recipients got a 4xx); True once the relay is
        (now) DOWN."""
        if email_id is None:
            self.failures += 1
        else:
            self.refused_emails.add(email_id)
        threshold = get_settings().relay_failure_threshold
        if max(self.failures, len(self.refused_emails)) < threshold:
            return False
        await mark_down(detail)
        return True


breaker = Breaker()


async def mark_down(detail: str) -> bool:
    """UP → DOWN; returns whether this call changed it (False: another process was first)."""
    settings = get_settings()
    now = clock.now()
    delay = settings.relay_probe_interval
    values: dict[str, Any] = {
        "state": RelayState.DOWN,
        "since": now,
        "last_error": safe_error(detail),
        "next_probe_at": now + timedelta(seconds=delay),
        "probe_delay": delay,
    }
    changed = bool(await RelayStatus.filter(id=ROW, state=RelayState.UP).update(**values))
    if not changed and not await RelayStatus.exists(id=ROW):
        try:
            await RelayStatus.create(id=ROW, **values)
            changed = True
        except IntegrityError:  # another process created it first
            changed = False
    snapshot = await current_state()
    _remember(snapshot)
    if changed:
        await hooks.relay_changed(_change(snapshot))
    return changed


async def claim_probe() -> bool:
    """Whether this caller should probe now (DOWN and the probe is due); the next probe is pushed
    back in the same conditional UPDATE, so only one process probes each time."""
    settings = get_settings()
    row = await RelayStatus.get_or_none(id=ROW)
    now = clock.now()
    if row is None or row.state is not RelayState.DOWN:
        return False
    if row.next_probe_at is not None and row.next_probe_at > now:
        return False
    delay = min(max(row.probe_delay, settings.relay_probe_interval) * 2, _max_delay())
    return bool(
        await RelayStatus.filter(
            id=ROW, state=RelayState.DOWN, next_probe_at=row.next_probe_at
        ).update(next_probe_at=now + timedelta(seconds=delay), probe_delay=delay)
    )


def _max_delay() -> float:
    return get_settings().relay_probe_max_interval


async def probe_failed(detail: str) -> None:
    await RelayStatus.filter(id=ROW, state=RelayState.DOWN).update(last_error=safe_error(detail))
    _remember(await current_state())


async def mark_up() -> bool:
    """DOWN → UP (a probe passed); returns whether this call changed it."""
    now = clock.now()
    changed = bool(
        await RelayStatus.filter(id=ROW, state=RelayState.DOWN).update(
            state=RelayState.UP, since=now, last_error=None, next_probe_at=None, probe_delay=0
        )
    )
    breaker.success()
    snapshot = await current_state()
    _remember(snapshot)
    if changed:
        await hooks.relay_changed(_change(snapshot))
    return changed


def _change(snapshot: Snapshot) -> RelayChanged:
    return RelayChanged(
        state=snapshot.state.value,
        since=snapshot.since or clock.now(),
        last_error=snapshot.last_error,
        next_probe_at=snapshot.next_probe_at,
    )
