"""The stock-Strawberry reference of the folder listing (bench only, never the product): what a
team gets from strawberry.asgi.GraphQL and Tortoise `.only()` without our executor, compiled path,
limits, auth or persisted queries. The same 50 rows (a member's SENT folder, newest status date
first) and fields as bench/folders.py's SENT_PAGE, which it answers with the very same document.
Team and owner come in the URL (`/graphql?team=…&owner=…`): no token check.
Served by `uvicorn --factory bench._stock_app:create_app` (CC_DATABASE_URL)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from enum import Enum

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.types import Info
from tortoise.contrib.starlette import RegisterTortoise

from config.database import tortoise_config
from models.emails.tables import FOLDER_STATUSES, EmailFolder
from models.emails.tables import Email as EmailRow

COLUMNS = (
    "id",
    "status",
    "subject",
    "to_addresses",
    "status_at",
    "delivered_at",
    "view_count",
    "click_count",
    "replied_at",
)


@strawberry.enum
class Folder(Enum):
    SENT = "SENT"
    PENDING = "PENDING"
    UNDELIVERED = "UNDELIVERED"


@strawberry.type
class Email:
    id: strawberry.ID
    status: str
    subject: str
    to: list[str]
    status_at: datetime
    delivered_at: datetime | None
    view_count: int
    click_count: int
    replied_at: datetime | None


@strawberry.type
class EmailEdge:
    cursor: str
    node: Email


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class EmailConnection:
    edges: list[EmailEdge]
    page_info: PageInfo


def _cursor(row: EmailRow) -> str:
    raw = json.dumps(["status_at:desc", row.status_at.isoformat(), row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


@strawberry.type
class Query:
    @strawberry.field
    async def emails(
        self, info: Info, folder: Folder, first: int = 20, after: str | None = None
    ) -> EmailConnection:
        params = info.context["request"].query_params
        statuses = FOLDER_STATUSES[EmailFolder(folder.value)]
        query = EmailRow.filter(
            team_id=int(params["team"]), owner_id=int(params["owner"]), status__in=statuses
        )
        if after is not None:  # the benchmark reads the first page: no keyset seek needed
            raise ValueError("`after` is not supported by the reference")
        rows = await query.only(*COLUMNS).order_by("-status_at", "-id").limit(first + 1)
        edges = [
            EmailEdge(
                cursor=_cursor(row),
                node=Email(
                    id=strawberry.ID(base64.urlsafe_b64encode(f"Email:{row.id}".encode()).decode()),
                    status=row.status.value,
                    subject=row.subject,
                    to=row.to_addresses,
                    status_at=row.status_at,
                    delivered_at=row.delivered_at,
                    view_count=row.view_count,
                    click_count=row.click_count,
                    replied_at=row.replied_at,
                ),
            )
            for row in rows[:first]
        ]
        end = edges[-1].cursor if edges else None
        page_info = PageInfo(has_next_page=len(rows) > first, end_cursor=end)
        return EmailConnection(edges=edges, page_info=page_info)


async def healthz(_request: Request) -> Response:
    return Response(b"ok")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with RegisterTortoise(app, config=tortoise_config(), _enable_global_fallback=True):
        yield


def create_app() -> Starlette:
    graphql = GraphQL(strawberry.Schema(query=Query))
    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
