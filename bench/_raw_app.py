"""The raw baseline: the SENT folder's first page with one plain SQL query, serialised to JSON in a
bare Starlette route. Same driver, connection settings and server as the real app; no ORM, no
GraphQL, no auth. Served by `uvicorn --factory bench._raw_app:create_app` (CC_DATABASE_URL)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from config.database import tortoise_config

# What the ORM runs for a member's `emails(folder: SENT, first: 50)`, with only the columns the
# benchmark's GraphQL query selects.
COLUMNS = "id, status, subject, to_addresses, status_at, delivered_at, view_count, click_count"
SQL = (
    f"SELECT {COLUMNS}, replied_at FROM email"
    " WHERE team_id = {0} AND owner_id = {1} AND status IN ('DELIVERED', 'ARCHIVED')"
    " ORDER BY status_at DESC, id DESC LIMIT 51"
)
PING = json.dumps({"data": [{"subject": "x" * 100}] * 50}).encode()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _iso(value: Any) -> Any:
    """As the API writes a timestamp. SQLite hands the stored text back ("2026-01-02
    03:04:05.678+00:00"), PostgreSQL a datetime: both become the same ISO 8601 string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


async def sent_page(request: Request) -> JSONResponse:
    db = get_connection("default")
    marks = ("$1", "$2") if db.capabilities.dialect == "postgres" else ("?", "?")
    params = [int(request.query_params["team"]), int(request.query_params["owner"])]
    rows = (await db.execute_query(SQL.format(*marks), params))[1]
    nodes = [
        {
            "id": base64.urlsafe_b64encode(f"Email:{row['id']}".encode()).decode(),
            "status": row["status"],
            "subject": row["subject"],
            "to": _json(row["to_addresses"]),
            "statusAt": _iso(row["status_at"]),
            "deliveredAt": _iso(row["delivered_at"]),
            "viewCount": row["view_count"],
            "clickCount": row["click_count"],
            "repliedAt": _iso(row["replied_at"]),
        }
        for row in rows[:50]
    ]
    return JSONResponse({"data": {"nodes": nodes, "hasNextPage": len(rows) > 50}})


async def ping(_request: Request) -> Response:
    """A fixed body about the size of a page: how fast this client and server can go at all."""
    return Response(PING, media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with RegisterTortoise(app, config=tortoise_config(), _enable_global_fallback=True):
        yield


def create_app() -> Starlette:
    return Starlette(
        routes=[Route("/sent", sent_page), Route("/ping", ping), Route("/healthz", ping)],
        lifespan=lifespan,
    )
