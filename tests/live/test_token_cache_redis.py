"""The token cache across processes: two API processes on one Redis channel both keep a token in
memory; revoking it through one (or with `command-center revoke-token`, a third process) refuses
the very next request on the other, and a user's change is seen there at once. The cache's own
expiry is set far out of reach, so only the bus can have done it."""

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
from tests.api import build_world
from tests.live.test_live_redis import api_process, shared_database
from tests.live.test_token_revocation import second_token
from tests.live_clients import TIMEOUT

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.redis
__all__ = ["shared_database"]  # the fixture, used by name

ME = {"query": "{ me { name timezone } }"}


async def me(client: httpx2.AsyncClient, secret: str) -> httpx2.Response:
    return await client.post("/graphql", json=ME, headers={"Authorization": f"Bearer {secret}"})


async def test_a_revoked_token_is_refused_at_once_by_every_api_process(
    shared_database: str,
) -> None:
    redis_url = services.service_url(services.REDIS_VAR, "Redis")
    env = {
        "CC_DATABASE_URL": shared_database,
        "CC_EVENTS_URL": redis_url,
        "CC_EVENTS_CHANNEL": f"cc-test:{uuid.uuid4().hex}",  # other runs share this Redis
        "CC_DEMO": "0",
        "CC_INBOUND_SMTP_PORT": "0",
        "CC_TOKEN_CACHE_SECONDS": "3600",  # only the bus can drop a kept token in this test
        "CC_TOKEN_RECHECK_SECONDS": "3600",
    }
    async with AsyncExitStack() as stack:
        one, two = await asyncio.gather(
            stack.enter_async_context(api_process(env)),
            stack.enter_async_context(api_process(env)),
        )
        client = await stack.enter_async_context(httpx2.AsyncClient(base_url=two, timeout=TIMEOUT))
        other = await stack.enter_async_context(httpx2.AsyncClient(base_url=one, timeout=TIMEOUT))
        world = await build_world(client)  # mutations go to process two
        alice = world.alice

        # Both processes keep the token (a request each), then process two revokes it.
        token_id, secret = await second_token(alice, "dashboard")
        for process in (client, other):
            assert (await me(process, secret)).status_code == 200
        revoked = await alice.mutate("revokeToken", {"id": token_id}, "token { revokedAt }")
        assert revoked["userErrors"] == []
        assert (await me(other, secret)).status_code == 401
        assert (await me(client, secret)).status_code == 401

        # A user's change made through process two is what process one answers next.
        assert (await me(other, alice.token)).json()["data"]["me"]["timezone"] == "UTC"
        changed = await alice.mutate("updateMe", {"timezone": "Asia/Tokyo"}, "me { timezone }")
        assert changed["userErrors"] == []
        assert (await me(other, alice.token)).json()["data"]["me"]["timezone"] == "Asia/Tokyo"

        # Revoked by an operator with the CLI (a third process, publishing on the channel).
        cli_id, cli_secret = await second_token(alice, "script")
        for process in (client, other):
            assert (await me(process, cli_secret)).status_code == 200
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
        for process in (other, client):
            assert (await me(process, cli_secret)).status_code == 401
        assert (await me(other, alice.token)).status_code == 200
