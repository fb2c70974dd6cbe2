"""Live updates (issue 4): one transition fanned out to 1,000 identical subscriptions.

Measures the time from a transition (a mutation sent over HTTP) to the LAST of N
graphql-transport-ws subscribers receiving its `next` message, against a baseline in the same run:
a bare Starlette app pushing the same pre-serialised bytes to N plain WebSockets (triggered by an
HTTP POST, so both sides include one request). Identical subscriptions share one execution per
event (graph/live/sharing.py); an informational row shows N subscriptions that cannot share (each
has `since:`), i.e. one GraphQL execution per subscriber.

Servers run in their own processes on loopback; the N clients share this process, on both sides.
The database is a fresh SQLite file, or a throwaway PostgreSQL database with --postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = """subscription($since: String) {
  emailStatusChanged(since: $since) {
    cursor kind previousStatus newStatus occurredAt email { id subject status version }
  }
}"""
EDIT = """mutation($input: UpdateDraftInput!) {
  updateDraft(input: $input) { email { version } userErrors { code } }
}"""
TARGET = 3.0
WAIT = 30.0  # seconds: upper bound for any single wait


@dataclass(frozen=True)
class Sizes:
    subscribers: int
    rounds: int


FULL = Sizes(1000, 7)
QUICK = Sizes(200, 3)


def log(message: str) -> None:
    print(f"[subscriptions] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def _server(target: str, env: dict[str, str], factory: bool) -> AsyncIterator[str]:
    port = _free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "warning", "--no-access-log", *(["--factory"] if factory else [])]
    process = await asyncio.create_subprocess_exec(*args, env={**os.environ, **env}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx2.AsyncClient(base_url=base, timeout=2) as client:
            for _ in range(300):
                if process.returncode is not None:
                    raise RuntimeError(f"{target} exited with {process.returncode}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{target} did not start within 30 s")
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@asynccontextmanager
async def _database(args: argparse.Namespace) -> AsyncIterator[str]:
    """An empty database for the run: a throwaway PostgreSQL one with --postgres, else a file."""
    if getattr(args, "postgres", None):
        from bench._db import postgres_database

        async with postgres_database(args.postgres, "subscriptions", _no_seed, schema=False) as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite://{tmp}/bench-subscriptions.sqlite3"


async def _no_seed(_url: str) -> None:
    return None


async def _seed(database_url: str) -> tuple[str, str]:
    """A team, a member with a token and one draft; returns (token, draft global id)."""
    from config.database import database, run_migrations
    from graph.relay import to_global_id
    from models.emails import commands as emails
    from models.teams import auth

    await run_migrations(database_url)
    async with database(database_url):
        team = await auth.get_or_create_team("Bench")
        user = await auth.create_user(team, "rep@bench.example", role=auth.Role.MEMBER)
        token = await auth.issue_token(user)
        draft = await emails.create_draft(user, emails.DraftFields(to=["p@example.com"]))
    return token, to_global_id("Email", draft.id)


class Receivers:
    """N open sockets, each counting the messages it receives; `round()` waits for all N."""

    def __init__(self, sockets: list[ClientConnection], skip: Callable[[str], bool]) -> None:
        self.sockets, self.skip = sockets, skip
        self.received = 0
        self.sample = ""  # a message as received: the baseline pushes exactly these bytes
        self.last = 0.0
        self.done = asyncio.Event()
        self.expected = 0
        self.tasks = [asyncio.create_task(self._read(s)) for s in sockets]

    async def _read(self, sock: ClientConnection) -> None:
        async for message in sock:
            if isinstance(message, str) and self.skip(message):
                continue
            self.received += 1
            self.sample = message if isinstance(message, str) else self.sample
            if self.received >= self.expected:
                self.last = time.perf_counter()
                self.done.set()

    async def round(self, trigger: Callable[[], Any]) -> float:
        self.expected = self.received + len(self.sockets)
        self.done.clear()
        started = time.perf_counter()
        await trigger()
        await asyncio.wait_for(self.done.wait(), WAIT)
        return self.last - started

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(*(s.close() for s in self.sockets), return_exceptions=True)


async def _graphql_sockets(base: str, token: str, count: int, since: str | None) -> list[Any]:
    url = base.replace("http://", "ws://") + "/graphql"

    async def one() -> ClientConnection:
        sock = await connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await sock.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(sock.recv(), WAIT))["type"] == "connection_ack"
        payload = {"query": DOCUMENT, "variables": {"since": since}}
        await sock.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return sock

    sockets: list[Any] = []
    for start in range(0, count, 50):  # connect in small batches: gentle on a 2-core box
        sockets += await asyncio.gather(*(one() for _ in range(min(50, count - start))))
    return sockets


async def _plain_sockets(base: str, count: int) -> list[Any]:
    url = base.replace("http://", "ws://") + "/ws"
    sockets: list[Any] = []
    for start in range(0, count, 50):
        batch = min(50, count - start)
        sockets += await asyncio.gather(*(connect(url, max_queue=None) for _ in range(batch)))
    return sockets


async def _measure(args: argparse.Namespace) -> dict[str, list[float]]:
    sizes = QUICK if args.quick else FULL
    n = sizes.subscribers
    async with _database(args) as database_url:
        token, draft_id = await _seed(database_url)
        env = {
            "CC_DATABASE_URL": database_url,
            "CC_DEMO": "0",
            "CC_EVENTS_URL": "",
            "CC_INBOUND_SMTP_PORT": "0",
        }
        async with AsyncExitStack() as stack:
            # The real app without its embedded worker: nothing to send here, and its sweeps
            # would only add queries to the database the mutations write to.
            api = await stack.enter_async_context(_server("bench._app:create_app", env, True))
            raw = await stack.enter_async_context(_server("bench._ws_baseline:app", {}, False))
            client = await stack.enter_async_context(httpx2.AsyncClient(timeout=WAIT))
            headers = {"Authorization": f"Bearer {token}"}
            version = 0

            async def transition() -> None:
                nonlocal version
                version += 1
                body = {
                    "query": EDIT,
                    "variables": {"input": {"id": draft_id, "subject": f"v{version}"}},
                }
                response = await client.post(f"{api}/graphql", json=body, headers=headers)
                assert response.status_code == 200 and "errors" not in response.json(), (
                    response.text
                )

            log(f"connecting {n} graphql-transport-ws subscribers")
            shared = Receivers(await _graphql_sockets(api, token, n, None), _not_next)
            # Subscribing has no acknowledgement: give the last ones a moment, then warm up.
            await asyncio.sleep(0.5)
            await shared.round(transition)
            payload = shared.sample.encode()
            log(f"connecting {n} plain WebSockets")
            plain = Receivers(await _plain_sockets(raw, n), lambda _m: False)

            async def push() -> None:
                assert (await client.post(f"{raw}/push", content=payload)).status_code == 200

            await plain.round(push)
            times: dict[str, list[float]] = {"shared": [], "baseline": [], "unshared": []}
            for _ in range(sizes.rounds):  # alternate, so load bursts hit both sides
                times["shared"].append(await shared.round(transition))
                times["baseline"].append(await plain.round(push))
            await shared.close()
            await plain.close()

            log(f"connecting {n} subscribers that cannot share (since:)")
            unshared = Receivers(await _graphql_sockets(api, token, n, "0"), _not_next)
            await asyncio.sleep(1.0)  # no acknowledgement; let the (empty) replays finish
            await unshared.round(transition)
            for _ in range(max(1, sizes.rounds // 2)):
                times["unshared"].append(await unshared.round(transition))
            await unshared.close()
    return times


def _not_next(message: str) -> bool:
    return '"type":"next"' not in message


async def main(args: argparse.Namespace) -> list[Any]:
    times = await _measure(args)
    n = (QUICK if args.quick else FULL).subscribers
    shared = statistics.median(times["shared"]) * 1000
    baseline = statistics.median(times["baseline"]) * 1000
    unshared = statistics.median(times["unshared"]) * 1000
    rows = [
        (f"{n} identical subscriptions (shared)", shared, baseline, TARGET),
        (f"{n} subscriptions with since: (not shared)", unshared, baseline, None),
    ]
    try:
        from bench._report import Result
    except ImportError:  # standalone: the runner is not there
        for name, value, base, target in rows:
            verdict = "" if target is None else ("PASS" if value / base <= target else "MISS")
            print(
                f"{name}: {value:.1f} ms vs baseline {base:.1f} ms = {value / base:.2f}x "
                f"{f'(target <= {target:g}x) ' if target else ''}{verdict}"
            )
        return []
    note = "time from the mutation to the last subscriber's message; baseline: bare WebSockets"
    return [
        Result(name, value, "ms", baseline=base, at_most=target, note=note if target else "")
        for name, value, base, target in rows
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("CC_BENCH_POSTGRES_URL"))
    asyncio.run(main(parser.parse_args()))
