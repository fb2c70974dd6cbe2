"""Per-owner status counters, kept in step with every transition inside its transaction.

`folderCounts` reads these few rows, so its cost does not grow with the number of emails.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.models import Model

from models.emails.tables import EmailStatus


class StatusCount(Model):
    id = fields.IntField(primary_key=True)
    team_id = fields.IntField()
    owner_id = fields.IntField()
    status = fields.CharEnumField(EmailStatus, max_length=16)
    count = fields.IntField(default=0)

    class Meta:
        table = "status_count"
        unique_together = (("owner_id", "status"),)
        indexes = (("team_id", "status"),)


async def ensure_counters(
    team_id: int, owner_id: int, conn: BaseDBAsyncClient | None = None
) -> None:
    """Create the owner's zeroed rows once (at user creation): later updates are plain UPDATEs."""
    existing = {
        row.status
        for row in await StatusCount.filter(owner_id=owner_id).using_db(conn).only("status")
    }
    missing = [
        StatusCount(team_id=team_id, owner_id=owner_id, status=status, count=0)
        for status in EmailStatus
        if status not in existing
    ]
    if missing:
        await StatusCount.bulk_create(missing, using_db=conn)


async def adjust(
    team_id: int,
    owner_id: int,
    status: EmailStatus,
    delta: int,
    conn: BaseDBAsyncClient | None = None,
) -> None:
    updated = (
        await StatusCount.filter(owner_id=owner_id, status=status)
        .using_db(conn)
        .update(count=F("count") + delta)
    )
    if not updated:
        await ensure_counters(team_id, owner_id, conn)
        await (
            StatusCount.filter(owner_id=owner_id, status=status)
            .using_db(conn)
            .update(count=F("count") + delta)
        )


async def move(
    team_id: int,
    owner_id: int,
    old: EmailStatus | None,
    new: EmailStatus | None,
    conn: BaseDBAsyncClient | None = None,
    count: int = 1,
) -> None:
    """`count` emails of the owner moved from `old` to `new` (None: created / deleted)."""
    if old == new or count == 0:
        return
    if old is not None:
        await adjust(team_id, owner_id, old, -count, conn)
    if new is not None:
        await adjust(team_id, owner_id, new, +count, conn)
