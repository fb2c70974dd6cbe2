"""Keyset cursors: the hex form written now, the base64 form of earlier versions still read."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from models.base.errors import DomainError, ErrorCode
from models.base.pagination import Order, decode_cursor, encode_cursor

ORDER = Order("status_at", descending=True)


@dataclass
class Row:
    pk: int
    status_at: datetime | None = None
    due_at: datetime | None = None
    id: int = 0


def _old(order: Order, value: object, pk: int) -> str:
    """A cursor as versions before the hex form wrote it."""
    raw = json.dumps([order.key, value, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_a_cursor_is_the_hex_of_compact_json_and_reads_back(moment: datetime) -> None:
    cursor = encode_cursor(ORDER, Row(pk=42, status_at=moment))  # type: ignore[arg-type]
    assert (
        cursor
        == json.dumps([ORDER.key, moment.isoformat(), 42], separators=(",", ":")).encode().hex()
    )
    assert cursor.startswith("5b22") and cursor == cursor.lower()
    assert decode_cursor(ORDER, cursor, "after") == (moment, 42)


def test_values_other_than_dates_use_json() -> None:
    order = Order("due_at", descending=False)
    cursor = encode_cursor(order, Row(pk=7))  # type: ignore[arg-type]
    assert bytes.fromhex(cursor) == b'["due_at:asc",null,7]'
    by_id = Order("id", descending=False)
    assert decode_cursor(by_id, encode_cursor(by_id, Row(pk=3, id=3)), "after") == (3, 3)  # type: ignore[arg-type]


def test_cursors_of_the_former_base64_form_are_still_accepted() -> None:
    moment = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    old = _old(ORDER, moment.isoformat(), 9)
    assert not old.startswith("5b")
    assert decode_cursor(ORDER, old, "after") == (moment, 9)
    assert decode_cursor(ORDER, old + "=", "after") == (moment, 9)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "5b",
        "5b22zz",
        "not a cursor",
        encode_cursor(Order("due_at", True), Row(pk=1)),  # type: ignore[arg-type]
        _old(Order("created_at", descending=True), "2026-01-01T00:00:00+00:00", 1),
        json.dumps([ORDER.key, "2026-01-01T00:00:00+00:00", "1"]).encode().hex(),
        "5b" + "00" * 4,
    ],
)
def test_bad_or_foreign_cursors_are_invalid_cursor(cursor: str) -> None:
    with pytest.raises(DomainError) as raised:
        decode_cursor(ORDER, cursor, "before")
    assert raised.value.code is ErrorCode.INVALID_CURSOR
    assert raised.value.field == "before"
