"""Keyset (cursor) pagination over any query ordered by one column plus the primary key.

Cursors are opaque: the lower-case hex of the compact JSON `["<column>:<asc|desc>",<value>,<id>]`
(datetimes as their isoformat()). Hex, not base64: both SQL dialects compute it from a row
(`lower(hex(…))` on SQLite, `encode(convert_to(…), 'hex')` on PostgreSQL), so the compiled
listing path (graph/compiled/) builds the same cursors in the database. Cursors of the older
base64 form are still read: clients keep cursors across upgrades. A cursor from another ordering
is refused rather than silently misread. No OFFSET anywhere.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.base.errors import DomainError, ErrorCode

MAX_PAGE = 100
DEFAULT_PAGE = 20

M = TypeVar("M", bound=Model)
# What json.dumps(..., separators=(",", ":")) builds on every call, built once (a page encodes
# one cursor per row).
_COMPACT = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True)
class Order:
    column: str
    descending: bool

    @property
    def key(self) -> str:
        return f"{self.column}:{'desc' if self.descending else 'asc'}"


@dataclass
class Page(Generic[M]):
    edges: list[tuple[str, M]]
    has_next_page: bool
    has_previous_page: bool

    @property
    def start_cursor(self) -> str | None:
        return self.edges[0][0] if self.edges else None

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1][0] if self.edges else None


def encode_cursor(order: Order, row: Model) -> str:
    value = getattr(row, order.column)
    pk = row.pk
    if isinstance(value, datetime) and type(pk) is int:
        # The common case (every listing sorts by a date), without the JSON encoder: neither the
        # key nor an isoformat() holds a character JSON would escape.
        return f'["{order.key}","{value.isoformat()}",{pk}]'.encode().hex()
    return _COMPACT.encode([order.key, value, pk]).encode().hex()


# Every cursor is JSON of a list: new ones start with the hex of `[`, old ones with its base64.
_HEX_START = "5b"


def _cursor_json(cursor: str) -> bytes:
    if cursor.startswith(_HEX_START):
        return bytes.fromhex(cursor)
    padded = cursor + "=" * (-len(cursor) % 4)
    return base64.urlsafe_b64decode(padded.encode())  # the former format


def decode_cursor(order: Order, cursor: str, field: str) -> tuple[Any, int]:
    try:
        key, value, pk = json.loads(_cursor_json(cursor))
        if key != order.key or not isinstance(pk, int):
            raise ValueError(key)
        if order.column.endswith("_at"):
            value = datetime.fromisoformat(value)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise DomainError(
            ErrorCode.INVALID_CURSOR,
            "This cursor is not valid for this list and order; start again without it.",
            field,
        ) from None
    return value, pk


def _beyond(order: Order, value: Any, pk: int, forward: bool) -> Q:
    """Rows strictly after (forward) or before the cursor position in `order`."""
    greater = order.descending != forward
    op = "gt" if greater else "lt"
    # `col >= v AND (col > v OR id > pk)`: the first term is an index range both databases can
    # seek to; the plain OR form made PostgreSQL scan every row before the cursor.
    column = order.column
    seek: dict[str, Any] = {f"{column}__{op}e": value}
    past: dict[str, Any] = {f"{column}__{op}": value}
    tie: dict[str, Any] = {f"id__{op}": pk}
    return Q(**seek) & (Q(**past) | Q(**tie))


def check_page_size(first: int | None, last: int | None) -> None:
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise DomainError(
                ErrorCode.PAGE_TOO_LARGE,
                f"`{name}` must be between 0 and {MAX_PAGE}.",
                name,
            )
    if first is not None and last is not None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Pass `first` or `last`, not both.", "last")


@dataclass(frozen=True)
class PageQuery(Generic[M]):
    """The rows a page is cut from: `size` of them, plus one that tells whether more follow,
    read in `descending` order (reversed when paging backward)."""

    rows: QuerySet[M]
    size: int
    backwards: bool
    descending: bool


def page_query(
    query: QuerySet[M],
    order: Order,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> PageQuery[M]:
    """The query of one page (raises DomainError for a bad size or cursor). Shared by `paginate`
    and the compiled listing path, which wraps its SQL, so both read the same rows."""
    check_page_size(first, last)
    if after is not None:
        query = query.filter(_beyond(order, *decode_cursor(order, after, "after"), forward=True))
    if before is not None:
        query = query.filter(_beyond(order, *decode_cursor(order, before, "before"), forward=False))
    backwards = last is not None
    size: int = last if last is not None else (first if first is not None else DEFAULT_PAGE)
    descending = order.descending != backwards
    prefix = "-" if descending else ""
    rows = query.order_by(f"{prefix}{order.column}", f"{prefix}id").limit(size + 1)
    return PageQuery(rows, size, backwards, descending)


async def paginate(
    query: QuerySet[M],
    order: Order,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page[M]:
    planned = page_query(query, order, first=first, after=after, last=last, before=before)
    size, backwards = planned.size, planned.backwards
    rows = await planned.rows
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    edges = [(encode_cursor(order, row), row) for row in rows]
    if backwards:
        return Page(edges, has_next_page=before is not None, has_previous_page=more)
    return Page(edges, has_next_page=more, has_previous_page=after is not None)


def page_of_loaded(
    rows: list[M],
    order: Order,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page[M]:
    """`paginate` over rows already loaded (e.g. by a batching DataLoader for a short nested
    list): the same order, cursors, limits and errors, without one query per parent."""
    check_page_size(first, last)

    def key(row: M) -> tuple[Any, int]:
        return getattr(row, order.column), row.pk

    ordered = sorted(rows, key=key, reverse=order.descending)
    if after is not None:
        mark = decode_cursor(order, after, "after")
        ordered = [r for r in ordered if (key(r) < mark) == order.descending and key(r) != mark]
    if before is not None:
        mark = decode_cursor(order, before, "before")
        ordered = [r for r in ordered if (key(r) > mark) == order.descending and key(r) != mark]
    if last is not None:
        more = len(ordered) > last
        chosen = ordered[len(ordered) - last :] if last else []
        edges = [(encode_cursor(order, row), row) for row in chosen]
        return Page(edges, has_next_page=before is not None, has_previous_page=more)
    size = first if first is not None else DEFAULT_PAGE
    edges = [(encode_cursor(order, row), row) for row in ordered[:size]]
    return Page(edges, has_next_page=len(ordered) > size, has_previous_page=after is not None)
