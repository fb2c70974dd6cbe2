"""The database goes away for real (a cut TCP proxy in front of PostgreSQL, an unreadable SQLite
file): every public entry point answers a typed "try again later" of its own kind, and nothing of
the driver's text (hosts, ports, files) reaches a client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from config.settings import get_settings
from events import running_bus
from graph import http as graph_http
from graph.app import create_app
from models.base import clock
from models.engagement import recorders
from models.engagement.tracking import TrackingKind, TrackingLink
from models.teams import auth
from tests.api import World, build_world
from tests.conftest import BACKENDS
from tests.live_clients import serve
from tests.outage_helpers import Outage, outage_database
from workers.inbound_smtp import InboundSmtpServer

INBOUND_TOKEN = "outage-inbound-token-0123456789"
# What would give the database away: driver messages, hosts, ports, files.
LEAKS = ("Connect call", "127.0.0.1", "5432", "not a database", "sqlite", "asyncpg", "Errno")


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked in {text[:300]!r}"


@pytest.fixture(params=BACKENDS)
async def broken(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx2.AsyncClient, World, Outage, dict[str, str]]]:
    """The app on a database that works for set-up (two teams, tracking links), then breaks."""
    monkeypatch.setenv("CC_INBOUND_TOKEN", INBOUND_TOKEN)
    get_settings.cache_clear()
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    async with outage_database(request.param, tmp_path, postgres) as (_ctx, outage):
        app = create_app(manage_database=False)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
            world = await build_world(client)
            await world.alice.create_draft()
            tokens = await _tracking_tokens(world)
            yield client, world, outage, tokens
    get_settings.cache_clear()


async def _tracking_tokens(world: World) -> dict[str, str]:
    from models.emails.tables import Email

    email = await Email.filter(owner_id=world.alice.user.id).first()
    assert email is not None
    tokens = {}
    for kind, url in (
        (TrackingKind.OPEN, None),
        (TrackingKind.CLICK, "https://example.com/pricing"),
        (TrackingKind.UNSUBSCRIBE, None),
    ):
        link = await TrackingLink.create(
            token=f"tok{kind.value.lower()}0123456789",
            team_id=email.team_id,
            email=email,
            kind=kind,
            url=url,
            created_at=clock.now(),
        )
        tokens[kind.value] = link.token
    return tokens


async def test_graphql_over_http_answers_503_with_a_code(broken: Any) -> None:
    _client, world, outage, _tokens = broken
    await outage.begin()
    for accept in ("application/json", "application/graphql-response+json"):
        response = await world.alice.post({"query": "{ me { id } }"}, Accept=accept)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert response.headers["X-Request-Id"]
        assert_no_leak(response.text)
    # SSE asks for the same authentication first: the same answer, before any stream starts.
    sse = await world.alice.post(
        {"query": "subscription { folderCountsChanged { sent } }"}, Accept="text/event-stream"
    )
    assert sse.status_code == 503 and sse.json()["errors"][0]["extensions"]["code"] == (
        "SERVICE_UNAVAILABLE"
    )


async def test_an_outage_inside_a_resolver_is_masked_with_the_request_id(
    broken: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _client, world, outage, _tokens = broken
    # The database goes away between authentication and execution: the token was read already.
    token = await auth.authenticate_token(world.alice.token)

    async def authenticated(_bearer: str | None) -> Any:
        return token

    monkeypatch.setattr(graph_http, "authenticate_token", authenticated)
    await outage.begin()
    response = await world.alice.post({"query": "{ emails(folder: PENDING) { totalCount } }"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    [error] = response.json()["errors"]
    assert error["extensions"] == {
        "code": "SERVICE_UNAVAILABLE",
        "requestId": response.headers["X-Request-Id"],
    }
    assert error["path"] == ["emails"]
    assert_no_leak(response.text)


async def test_websocket_connection_init_closes_with_try_again_later(broken: Any) -> None:
    client, world, outage, _tokens = broken
    app = client._transport.app  # type: ignore[attr-defined]
    async with serve(app) as url:
        await outage.begin()
        ws_url = url.replace("http://", "ws://") + "/graphql"
        async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(
                json.dumps({"type": "connection_init", "payload": {"token": world.alice.token}})
            )
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013


async def test_tracking_keeps_the_reader_whole(
    broken: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _world, outage, tokens = broken

    # Recording fails after the link was read: the reader still lands where they clicked.
    async def cannot_record(*_args: object) -> None:
        raise ConnectionResetError("connection to the database lost")

    monkeypatch.setattr(recorders, "record_click", cannot_record)
    click = await client.get(f"/t/c/{tokens['CLICK']}")
    assert click.status_code == 302 and click.headers["location"] == "https://example.com/pricing"
    monkeypatch.undo()

    await outage.begin()
    pixel = await client.get(f"/t/o/{tokens['OPEN']}.gif")
    assert pixel.status_code == 200 and pixel.headers["content-type"] == "image/gif"
    assert pixel.content.startswith(b"GIF89a")

    unknown = await client.get(f"/t/c/{tokens['CLICK']}")  # where to? only the database knows
    assert unknown.status_code == 503 and unknown.headers["Retry-After"] == "5"
    assert "try again" in unknown.text
    assert_no_leak(unknown.text)

    for method in ("GET", "POST"):
        page = await client.request(method, f"/u/{tokens['UNSUBSCRIBE']}")
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "unsubscribe" in page.text and "try again" in page.text
        assert_no_leak(page.text)


async def test_inbound_asks_the_sender_to_retry(broken: Any) -> None:
    client, _world, outage, _tokens = broken
    raw = b"From: p@example.com\r\nTo: r@cc.example\r\nSubject: Re: hi\r\n\r\nThanks\r\n"
    async with InboundSmtpServer("127.0.0.1", 0) as server:
        await outage.begin()
        response = await client.post(
            "/inbound", content=raw, headers={"Authorization": f"Bearer {INBOUND_TOKEN}"}
        )
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert_no_leak(response.text)
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=server.port, timeout=10) as smtp:
            with pytest.raises(aiosmtplib.SMTPDataError) as refused:
                await smtp.sendmail("p@example.com", ["r@cc.example"], raw)
    assert refused.value.code == 451
    assert_no_leak(refused.value.message)


async def test_health_stays_live_and_readiness_says_what_without_internals(broken: Any) -> None:
    client, _world, outage, _tokens = broken
    async with running_bus():  # the app's lifespan opens it; ASGITransport runs no lifespan
        await _readiness_through_an_outage(client, outage)


async def _readiness_through_an_outage(client: httpx2.AsyncClient, outage: Outage) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "bus": "ok"},
        "relay": "up",
    }
    await outage.begin()
    live = await client.get("/healthz")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"]["database"] == "unavailable"
    assert ready.json()["relay"] == "unknown"
    assert_no_leak(ready.text)
