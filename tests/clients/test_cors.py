"""CC_CORS_ORIGINS: which browser origins may call the API over HTTP and WebSocket."""

from __future__ import annotations

import json

import httpx2
import pytest
from pydantic import ValidationError
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from config.settings import Settings
from tests.api import build_world
from tests.clients.conftest import AppFactory, asgi_client
from tests.live_clients import serve

APP = "https://app.example.com"
OTHER = "https://evil.example.net"
ME = {"query": "{ me { email } }"}


def preflight(origin: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


async def test_no_origin_is_allowed_by_default(configured_app: AppFactory) -> None:
    async with asgi_client(configured_app()) as client:
        world = await build_world(client)
        answer = await client.options("/graphql", headers=preflight(APP))
        assert answer.status_code == 400
        assert "access-control-allow-origin" not in answer.headers
        response = await world.alice.post(ME, Origin=APP)
        assert response.status_code == 200  # the server answers; the browser withholds it
        assert "access-control-allow-origin" not in response.headers
        assert "Origin" in response.headers["vary"]


async def test_an_allowed_origin_gets_preflight_and_cors_headers(
    configured_app: AppFactory,
) -> None:
    app = configured_app(CC_CORS_ORIGINS=f"{APP}, http://localhost:3000")
    async with asgi_client(app) as client:
        world = await build_world(client)
        headers = "authorization, content-type, apollographql-client-name, if-none-match"
        answer = await client.options("/graphql", headers=preflight(APP, headers))
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == APP
        allowed = answer.headers["access-control-allow-headers"].lower()
        assert {"authorization", "content-type", "apollographql-client-name"} <= {
            h.strip() for h in allowed.split(",")
        }
        assert "POST" in answer.headers["access-control-allow-methods"]
        assert "Origin" in answer.headers["vary"]
        assert "access-control-allow-credentials" not in answer.headers

        response = await world.alice.post(ME, Origin=APP)
        assert response.json()["data"] == {"me": {"email": "alice@a.example"}}
        assert response.headers["access-control-allow-origin"] == APP
        assert "Origin" in response.headers["vary"]
        exposed = response.headers["access-control-expose-headers"]
        assert "ETag" in exposed and "X-Request-Id" in exposed

        refused = await client.options("/graphql", headers=preflight(OTHER))
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        other = await world.alice.post(ME, Origin=OTHER)
        assert "access-control-allow-origin" not in other.headers


def test_a_wildcard_is_refused_with_credentials() -> None:
    with pytest.raises(ValidationError, match="CC_CORS_ORIGINS"):
        Settings(cors_origins="*", cors_allow_credentials=True)
    assert Settings(cors_origins="*").cors_origin_list == ["*"]


def test_an_origin_with_a_path_stops_the_start_up(configured_app: AppFactory) -> None:
    with pytest.raises(ValueError, match="Invalid origin"):
        configured_app(CC_CORS_ORIGINS="https://app.example.com/graphql")


async def _ws_handshake(url: str, origin: str | None, token: str) -> dict:
    headers = {"Origin": origin} if origin else {}
    async with connect(
        url.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
    ) as socket:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        return json.loads(await socket.recv())


async def test_websocket_origins_follow_the_same_list(configured_app: AppFactory) -> None:
    app = configured_app(CC_CORS_ORIGINS=APP)
    async with serve(app) as url, httpx2.AsyncClient(base_url=url, timeout=10) as client:
        world = await build_world(client)
        token = world.alice.token
        assert (await _ws_handshake(url, APP, token))["type"] == "connection_ack"
        assert (await _ws_handshake(url, None, token))["type"] == "connection_ack"  # no browser
        assert (await _ws_handshake(url, url, token))["type"] == "connection_ack"  # same origin
        with pytest.raises(InvalidStatus) as refused:
            await _ws_handshake(url, OTHER, token)
        assert refused.value.response.status_code == 403
