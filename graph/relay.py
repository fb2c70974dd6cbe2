"""Relay plumbing: the Node interface, opaque global IDs, PageInfo and connection helpers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from tortoise.queryset import QuerySet

from models.base.errors import DomainError, not_found
from models.base.pagination import Page


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global ID: pass it to `node(id:)`, or to any argument that "
        "takes this type's ID. Stable; never parse it."
    )


def to_global_id(type_name: str, pk: int | str) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, str] | None:
    try:
        raw = base64.urlsafe_b64decode(global_id.encode() + b"=" * (-len(global_id) % 4))
        type_name, _, pk = raw.decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not type_name or not pk:
        return None
    return type_name, pk


def decode_id(global_id: str, type_name: str) -> int | None:
    """The primary key behind a global ID of `type_name`, or None if it is not one."""
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] != type_name or not parsed[1].isdigit():
        return None
    pk = int(parsed[1])
    return pk if pk < 2**63 else None


def require_id(global_id: str, type_name: str, field: str = "id") -> int:
    """Like decode_id, for inputs: a malformed ID is reported exactly like an unknown one."""
    pk = decode_id(global_id, type_name)
    if pk is None:
        raise not_found(type_name, field)
    return pk


def optional_id(global_id: str | None, type_name: str, field: str) -> int | None:
    return None if global_id is None else require_id(global_id, type_name, field)


@strawberry.type(description="Where a page of a connection sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page (when paging backward: true when "
        "`before` was given)."
    )
    has_previous_page: bool = strawberry.field(
        description="More items precede this page (when paging forward: true when `after` "
        "was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The first item's cursor (pass as `before` for the previous page); "
        "null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor (pass as `after` for the next page); null on "
        "an empty page."
    )

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )


# The four Relay paging arguments, described once. `first`/`after` page forward, `last`/`before`
# backward; `first` and `last` together are refused (models.base.pagination.check_page_size).
First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: at most this many items (0–100; 20 when neither `first` nor "
        "`last` is given). Not with `last` (INVALID_INPUT); over 100 is PAGE_TOO_LARGE."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an `endCursor` or edge cursor of the same list "
        "and order; another list's cursor is INVALID_CURSOR)."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: the last this many items (0–100) before `before`, or of "
        "the whole list. Not with `first` (INVALID_INPUT)."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="End before this cursor (a `startCursor` or edge cursor of the same list "
        "and order)."
    ),
]


__all__ = [
    "After",
    "Before",
    "Connection",
    "DomainError",
    "Edge",
    "First",
    "Last",
    "Node",
    "PageInfo",
    "decode_id",
    "from_global_id",
    "optional_id",
    "require_id",
    "to_global_id",
]


T = TypeVar("T")


@strawberry.type(description="An edge of a connection: one node and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque keyset cursor of this item: pass it as `after` or `before` "
        "(same list, same order)."
    )
    node: T = strawberry.field(description="The item at this position of the list.")


@strawberry.type(description="A page of a list, with keyset cursors (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="This page's items with their cursors, in list order."
    )
    page_info: PageInfo = strawberry.field(
        description="Cursors of this page's ends and whether more items lie before or after it."
    )
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The number of items in the whole list, all pages together.")
    async def total_count(self) -> int:
        return await self.counter()

    @strawberry.field(description="The nodes of this page (shortcut for edges { node }).")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(
        cls,
        page: Page[Any],
        count: QuerySet[Any] | Callable[[], Awaitable[int]],
        wrap: Callable[[Any], T],
    ) -> Connection[T]:
        """`count` is the whole list's query, or a cheaper way to count it; run only if asked."""
        return cls(
            edges=[Edge(cursor=cursor, node=wrap(row)) for cursor, row in page.edges],
            page_info=PageInfo.of(page),
            counter=count.count if isinstance(count, QuerySet) else count,
        )
