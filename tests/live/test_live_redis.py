"""Two API processes on one Redis channel and one database share live updates; a "worker" (this
test process, publishing only) reaches subscribers of both."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx2
import pytest

from events import running_bus
from tests import services
from tests.api import build_world
from tests.database import database
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer, deliver, ws_client

ROOT = Path(__file__).resolve().parents[2]
SEND = "email { id status }"

pytestmark = pytest.mark.redis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def api_process(env: dict[str, str]) -> AsyncIterator[str]:
    """`uvicorn graph.app:create_app` in a subprocess; yields its base URL once healthy."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "uvicorn", "graph.app:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        env={**os.environ, **env},
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx2.AsyncClient(base_url=base, timeout=1) as client, asyncio.timeout(30):
            while True:
                assert process.returncode is None, "the API process exited"
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                await asyncio.sleep(0.05)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(TIMEOUT):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def shared_database(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A database several processes can open: PostgreSQL when configured, else a SQLite file."""
    if os.environ.get(services.POSTGRES_VAR):
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite://{tmp_path}/shared.sqlite3"
    async with database(url):
        yield url


async def test_two_api_processes_and_a_worker_share_events(shared_database: str) -> None:
    redis_url = services.service_url(services.REDIS_VAR, "Redis")
    channel = f"cc-test:{uuid.uuid4().hex}"  # other runs share this Redis
    env = {
        "CC_DATABASE_URL": shared_database,
        "CC_EVENTS_URL": redis_url,
        "CC_EVENTS_CHANNEL": channel,
        "CC_DEMO": "0",
        "CC_INBOUND_SMTP_PORT": "0",  # two API processes: only one could own the port
    }
    async with AsyncExitStack() as stack:
        one, two = await asyncio.gather(
            stack.enter_async_context(api_process(env)),
            stack.enter_async_context(api_process(env)),
        )
        # This process plays the sending worker: it only publishes.
        await stack.enter_async_context(running_bus(redis_url, channel, listen=False))
        client = await stack.enter_async_context(httpx2.AsyncClient(base_url=two, timeout=TIMEOUT))
        world = await build_world(client)  # mutations go to process two
        ws = await stack.enter_async_context(ws_client(one, bearer(world.alice.token)))
        op = await ws.subscribe(STATUS_CHANGED)

        # No `since`: whatever arrives came live through Redis. Probe until the subscription is
        # live (graphql-transport-ws has no "subscribed" message); each wait is bounded.
        for _attempt in range(20):
            probe = await world.alice.create_draft(subject="probe")
            try:
                async with asyncio.timeout(0.5):
                    while (await ws.next(op))["emailStatusChanged"]["emailId"] != probe["id"]:
                        pass
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("no event reached process one through Redis")

        draft = await world.alice.create_draft(subject="across processes")
        await world.alice.mutate("sendEmailNow", {"id": draft["id"]}, SEND)
        await deliver(draft["id"])  # the "worker": committed and published here
        changes = [(await ws.next(op))["emailStatusChanged"] for _ in range(4)]

    assert {c["emailId"] for c in changes} == {draft["id"]}
    assert [c["newStatus"] for c in changes] == ["DRAFT", "SCHEDULED", "IN_PROGRESS", "DELIVERED"]
    assert changes[-1]["email"]["status"] == "DELIVERED"
