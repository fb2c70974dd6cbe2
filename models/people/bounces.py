"""Addresses a team's mail cannot reach: hard bounces, and soft bounces counted until they are.

One row per (team, address) that ever bounced. A hard bounce (a 5xx at RCPT, a permanent DSN)
marks the address undeliverable with the reason, the time and the email that showed it; N soft
bounces in a row (temporary DSNs, `CC_SOFT_BOUNCE_LIMIT`) count as one. While marked, new sends
and retries to it are refused (RECIPIENT_BOUNCED), queued emails fail at send time and bulk sends
skip it, until a rep clears it. Addresses are stored lower-cased (as `normalise_address` gives
them). Rows are keyed by address, not person: correcting a person's address leaves the dead one
marked and the person deliverable again.

"In a row": a delivery to the address between two soft bounces restarts the count. Reports come
back after the relay accepted the message, so "delivered" is decided when a soft bounce arrives:
was another email to the address delivered after the last soft-bounced one went out
(`models/engagement/recorders.py` asks; this module only counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock
from models.teams.tables import Team


class BouncedAddress(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="bounced_addresses", on_delete=fields.CASCADE
    )
    team_id: int
    address = fields.CharField(max_length=254)  # lower-cased
    # Set while the address is undeliverable (a hard bounce, or soft ones in a row).
    undeliverable_since = fields.DatetimeField(null=True)
    reason = fields.TextField(null=True)
    email_id = fields.IntField(null=True)  # the email that showed it (no FK: outlives it)
    soft_bounces = fields.IntField(default=0)  # in a row
    last_soft_bounce_at = fields.DatetimeField(null=True)
    last_soft_email_id = fields.IntField(null=True)
    last_soft_sent_at = fields.DatetimeField(null=True)  # when that email went out
    updated_at = fields.DatetimeField()

    class Meta:
        table = "bounced_address"
        unique_together = (("team", "address"),)

    @property
    def undeliverable(self) -> bool:
        return self.undeliverable_since is not None


async def undeliverable(team_id: int, addresses: Iterable[str]) -> set[str]:
    """The lower-cased addresses among `addresses` the team must not send to."""
    wanted = sorted({a.lower() for a in addresses if a})
    if not wanted:
        return set()
    found = await BouncedAddress.filter(
        team_id=team_id, address__in=wanted, undeliverable_since__isnull=False
    ).values_list("address", flat=True)
    return {str(a) for a in found}


async def states(team_id: int, addresses: Iterable[str]) -> dict[str, BouncedAddress]:
    """The bounce record of each address that has one."""
    wanted = sorted({a.lower() for a in addresses if a})
    if not wanted:
        return {}
    rows = await BouncedAddress.filter(team_id=team_id, address__in=wanted)
    return {row.address: row for row in rows}


async def _row(team_id: int, address: str, conn: object) -> BouncedAddress:
    row, _ = await BouncedAddress.get_or_create(
        team_id=team_id,
        address=address.lower(),
        defaults={"updated_at": clock.now()},
        using_db=conn,  # type: ignore[arg-type]
    )
    return row


async def mark_undeliverable(
    team_id: int, address: str, reason: str, email_id: int | None, at: datetime | None = None
) -> bool:
    """Record a hard bounce. True when the address became undeliverable now; an address already
    marked keeps its first reason, time and email."""
    at = at or clock.now()
    async with in_transaction() as conn:
        row = await _row(team_id, address, conn)
        marked = (
            await BouncedAddress.filter(id=row.id, undeliverable_since__isnull=True)
            .using_db(conn)
            .update(undeliverable_since=at, reason=reason[:2000], email_id=email_id, updated_at=at)
        )
    return bool(marked)


async def count_soft_bounce(
    team_id: int,
    address: str,
    reason: str,
    email_id: int,
    sent_at: datetime | None,
    *,
    delivered_since_last: bool,
) -> BouncedAddress:
    """Count a temporary failure of `email_id` (several reports about one email count once).
    The limit-th in a row marks the address undeliverable. Returns the updated record."""
    at = clock.now()
    limit = get_settings().soft_bounce_limit
    async with in_transaction() as conn:
        row = await _row(team_id, address, conn)
        row = await BouncedAddress.filter(id=row.id).using_db(conn).select_for_update().get()
        if row.last_soft_email_id == email_id:
            return row
        count = 1 if delivered_since_last else row.soft_bounces + 1
        values: dict[str, object] = {
            "soft_bounces": count,
            "last_soft_bounce_at": at,
            "last_soft_email_id": email_id,
            "last_soft_sent_at": sent_at,
            "updated_at": at,
        }
        if count >= limit and row.undeliverable_since is None:
            values.update(
                undeliverable_since=at,
                reason=f"{count} soft bounces in a row; the last: {reason}"[:2000],
                email_id=email_id,
            )
        await BouncedAddress.filter(id=row.id).using_db(conn).update(**values)
    return await BouncedAddress.get(id=row.id)


async def clear(team_id: int, address: str) -> bool:
    """Forget the address's bounces (a rep checked it): it may be sent to again."""
    return bool(await BouncedAddress.filter(team_id=team_id, address=address.lower()).delete())
