"""Sending quotas: how many emails a user has handed to SMTP in a window (a day, a throttle slot).

One row per (user, window) holds a counter. Taking a unit is one conditional UPDATE
(`used < limit`), so concurrent workers in any number of processes can never overshoot a limit;
there is no read-then-write race. Rows of past windows are pruned by the lease sweeper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model

from models.base import zones


class SendQuota(Model):
    id = fields.IntField(primary_key=True)
    user_id = fields.IntField()
    window = fields.CharField(max_length=48)  # "day:2026-05-01", "rate:60:29633412"
    used = fields.IntField(default=0)
    ends_at = fields.DatetimeField()

    class Meta:
        table = "send_quota"
        unique_together = (("user_id", "window"),)


@dataclass(frozen=True)
class Window:
    key: str
    ends_at: datetime


def local_day(at: datetime, timezone: str) -> date:
    return at.astimezone(zones.zone(timezone)).date()


def day_window(at: datetime, timezone: str) -> Window:
    """The user's calendar day containing `at` (a sales rep's "today" is in their own zone)."""
    zone = zones.zone(timezone)
    day = at.astimezone(zone).date()
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return Window(f"day:{day.isoformat()}", next_midnight.astimezone(UTC))


def rate_window(at: datetime, interval: float) -> Window:
    """Fixed slots of `interval` seconds since the epoch: the same slot in every process."""
    slot = int(at.timestamp() // interval)
    ends = datetime.fromtimestamp((slot + 1) * interval, UTC)
    return Window(f"rate:{interval:g}:{slot}", ends)


async def take(user_id: int, window: Window, limit: int) -> bool:
    """Count one email in `window` unless `limit` is reached. True when it was counted."""
    if limit <= 0:
        return False
    for _attempt in range(5):
        counted = await SendQuota.filter(user_id=user_id, window=window.key, used__lt=limit).update(
            used=F("used") + 1
        )
        if counted:
            return True
        row = await SendQuota.get_or_none(user_id=user_id, window=window.key)
        if row is not None:
            if row.used >= limit:
                return False
            continue  # created by another worker since our update: try the update again
        try:
            await SendQuota.create(
                user_id=user_id, window=window.key, used=1, ends_at=window.ends_at
            )
            return True
        except IntegrityError:
            continue  # another worker created it first: go through the conditional update
    return False


async def take_many(user_id: int, window: Window, limit: int, count: int) -> int:
    """Count up to `count` emails in `window` without passing `limit`; returns how many were.

    The common case (the whole batch fits) is one conditional UPDATE; near the limit it falls back
    to one unit at a time, which can never overshoot either."""
    if count <= 0 or limit <= 0:
        return 0
    if count > 1:
        whole = await SendQuota.filter(
            user_id=user_id, window=window.key, used__lte=limit - count
        ).update(used=F("used") + count)
        if whole:
            return count
    granted = 0
    while granted < count and await take(user_id, window, limit):
        granted += 1
    return granted


async def give_back(user_id: int, window: Window, count: int = 1) -> None:
    """Undo `take`s whose emails were not sent after all (lost the claim race)."""
    if count <= 0:
        return
    await SendQuota.filter(user_id=user_id, window=window.key, used__gte=count).update(
        used=F("used") - count
    )


async def used(user_id: int, window: Window) -> int:
    row = await SendQuota.get_or_none(user_id=user_id, window=window.key)
    return row.used if row else 0


async def prune(before: datetime) -> int:
    deleted: int = await SendQuota.filter(ends_at__lt=before).delete()
    return deleted
