"""Revocation across processes: two API processes on one Redis channel. A token revoked through
one (revokeToken) or by `command-center revoke-token` (a third process) has its WebSocket and SSE
stream on the other closed through the bus — the periodic re-check is set far out of reach."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

import httpx2
import pytest

from tests import services
from tests.api import Api, build_world
from tests.live.test_live_redis import api_process, shared_database
from tests.live.test_token_revocation import close_code, second_token, sse_ending
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer, sse, ws_client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.redis
__all__ = ["shared_database"]  # the fixture, used by name


async def until_live(api: Api, server: str, secret: str) -> None:
    """Wait until a socket of `secret` on `server` hears a change made elsewhere: the process
    listens on the channel (graphql-transport-ws has no "subscribed" message)."""
    async with ws_client(server, bearer(secret)) as ws:
        op = await ws.subscribe(STATUS_CHANGED)
        for _attempt in range(20):
            probe = await api.create_draft(subject="probe")
            try:
                async with asyncio.timeout(0.5):
                    while (await ws.next(op))["emailStatusChanged"]["emailId"] != probe["id"]:
                        pass
                return
            except TimeoutError:
                continue
    pytest.fail("no event reached the process through Redis")


async def test_a_revocation_closes_sockets_and_streams_on_every_api_process(
    shared_database: str,
) -> None:
    redis_url = services.service_url(services.REDIS_VAR, "Redis")
    env = {
        "CC_DATABASE_URL": shared_database,
        "CC_EVENTS_URL": redis_url,
        "CC_EVENTS_CHANNEL": f"cc-test:{uuid.uuid4().hex}",  # other runs share this Redis
        "CC_DEMO": "0",
        "CC_INBOUND_SMTP_PORT": "0",
        "CC_TOKEN_RECHECK_SECONDS": "3600",  # only the bus can close anything in this test
    }
    async with AsyncExitStack() as stack:
        one, two = await asyncio.gather(
            stack.enter_async_context(api_process(env)),
            stack.enter_async_context(api_process(env)),
        )
        client = await stack.enter_async_context(httpx2.AsyncClient(base_url=two, timeout=TIMEOUT))
        listener = await stack.enter_async_context(
            httpx2.AsyncClient(base_url=one, timeout=TIMEOUT)
        )
        world = await build_world(client)  # mutations go to process two
        alice = world.alice
        await until_live(alice, one, alice.token)

        # Revoked through the API of process two: process one closes the socket and the stream.
        token_id, secret = await second_token(alice, "dashboard")
        ws = await stack.enter_async_context(ws_client(one, bearer(secret)))
        await ws.subscribe(STATUS_CHANGED)
        stream = await stack.enter_async_context(sse(listener, secret, STATUS_CHANGED))
        await alice.create_draft(subject="both are open")
        await ws.message("1")
        await stream.next()
        revoked = await alice.mutate("revokeToken", {"id": token_id}, "token { revokedAt }")
        assert revoked["userErrors"] == []
        assert await close_code(ws) == 4403
        events = await sse_ending(stream)
        assert [e["event"] for e in events][-2:] == ["next", "complete"]
        assert "UNAUTHENTICATED" in events[-2]["data"]

        # Revoked by an operator with the CLI (a third process, publishing on the channel).
        cli_id, cli_secret = await second_token(alice, "script")
        ws2 = await stack.enter_async_context(ws_client(one, bearer(cli_secret)))
        await ws2.subscribe(STATUS_CHANGED)
        await alice.create_draft(subject="open")
        await ws2.message("1")
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "command_center.cli", "revoke-token", "--id", cli_id],
            env={**os.environ, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "Revoked token" in done.stderr
        assert await close_code(ws2) == 4403
        refused = await client.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"Authorization": f"Bearer {cli_secret}"},
        )
        assert refused.status_code == 401
