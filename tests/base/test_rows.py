"""Partial email rows (models/base/rows.py) are built exactly as Tortoise's own fallback builds
them."""

from __future__ import annotations

from typing import Any

from tortoise.connection import get_connection
from tortoise.models import Model

from graph.emails.columns import ALWAYS, BY_FIELD
from models.base import rows
from models.emails.tables import Email, EmailStatus
from tests.api import Api, drive_to

SELECTIONS: list[tuple[str, ...]] = [
    ALWAYS,
    (*ALWAYS, "subject", "to_addresses", "delivered_at", "view_count", "click_count", "replied_at"),
    tuple(dict.fromkeys([*ALWAYS, *(c for columns in BY_FIELD.values() for c in columns)])),
    ("id", "status"),
    ("id", "to_addresses", "cc_addresses", "bulk_kind", "failure_detail", "status_at"),
]


def _state(row: Model) -> dict[str, Any]:
    return dict(vars(row))


async def test_partial_rows_match_tortoise(api: Api) -> None:
    for n, status in enumerate(EmailStatus):
        draft = await api.create_draft(subject=f"s{n}", cc=[f"c{n}@example.com"])
        await drive_to(draft["id"], status)
    db = get_connection("default")
    for columns in SELECTIONS:
        assert rows._plan(Email, columns) is not None  # our plan, not Tortoise's fast path
        query = Email.filter(team_id=api.user.team_id).only(*columns).order_by("id")
        raw = (await db.execute_query(query.sql(params_inline=True)))[1]
        assert len(raw) == len(EmailStatus)
        loaded = await query
        for record, row in zip(raw, loaded, strict=True):
            expected = Model._init_from_db.__func__(Email, **dict(record))  # type: ignore[attr-defined]
            built = rows.init_from_db(Email, dict(record))
            assert built is not None and expected._partial
            assert _state(built) == _state(expected)
            assert _state(row) == _state(expected)  # what the ORM now hands out


async def test_complete_rows_keep_tortoises_fast_path(api: Api) -> None:
    await api.create_draft()
    db = get_connection("default")
    query = Email.filter(team_id=api.user.team_id)
    record = dict((await db.execute_query(query.sql(params_inline=True)))[1][0])
    assert rows.init_from_db(Email, record) is None
    row = await query.first()
    assert row is not None and not row._partial
    assert _state(row) == _state(Model._init_from_db.__func__(Email, **record))  # type: ignore[attr-defined]


async def test_email_type_reads_the_same_values_as_getattr(api: Api) -> None:
    from graph.emails.types import Email as EmailType

    for n, status in enumerate(EmailStatus):
        await drive_to((await api.create_draft(subject=f"s{n}"))["id"], status)
    columns = [c for columns in BY_FIELD.values() for c in columns]
    assert not [c for c in columns if any(c in vars(k) for k in Email.__mro__)]
    for selection in SELECTIONS[:3]:
        for row in await Email.filter(team_id=api.user.team_id).only(*selection):
            built = EmailType.of(row)
            for column in columns:
                name = {"to_addresses": "to", "cc_addresses": "cc", "bcc_addresses": "bcc"}.get(
                    column, column
                )
                assert getattr(built, name) == getattr(row, column, None), column
