"""Serve an ASGI app with uvicorn in a subprocess on a loopback port, and load it with httpx2.

The server gets its own process (and core), so the client's work is not counted as the server's.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
APP = "graph.app:create_app"
# What serves APP: the same app without its embedded worker (dispatcher, sweeps) and inbound SMTP
# listener, so a benchmark never sends the cached database's SCHEDULED emails (bench/_app.py).
APP_UNDER_TEST = "bench._app:create_app"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve(
    factory: str,
    database_url: str,
    *,
    ready: str = "/healthz",
    env: dict[str, str] | None = None,
) -> AsyncIterator[str]:
    """`uvicorn --factory <factory>` with CC_DATABASE_URL set; yields its base URL. The real app
    (APP) is served as APP_UNDER_TEST: it answers requests and changes nothing by itself."""
    if factory == APP:
        factory = APP_UNDER_TEST
    port = _free_port()
    env = {
        **os.environ,
        "CC_DATABASE_URL": database_url,
        "CC_DEMO": "0",
        # Throughput benchmarks send thousands of requests with one token: no per-token budget.
        "CC_QUERY_BUDGET": "0",
        "CC_INBOUND_SMTP_PORT": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **(env or {}),
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "uvicorn", factory, "--factory", "--port", str(port)),
        *("--host", "127.0.0.1", "--no-access-log", "--log-level", "warning"),
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_up(process, base + ready)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_until_up(process: asyncio.subprocess.Process, url: str) -> None:
    async with httpx2.AsyncClient() as client:
        for _ in range(300):  # 30 s
            if process.returncode is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not answer {url} within 30 s")


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    latencies: list[float]  # seconds, one per request

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000


async def load(
    client: httpx2.AsyncClient,
    url: str,
    *,
    body: bytes | None = None,
    concurrency: int = 4,
    count: int = 1000,
    seconds: float = 10.0,
) -> Load:
    """POST `body` (GET without one) `count` times from `concurrency` tasks, or until `seconds`
    have passed, whichever comes first. Any response but a 200 without "errors" fails."""
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    issued = 0

    async def worker() -> None:
        nonlocal issued
        while issued < count and time.perf_counter() < deadline:
            issued += 1
            sent = time.perf_counter()
            if body is None:
                response = await client.get(url)
            else:
                response = await client.post(url, content=body)
            latencies.append(time.perf_counter() - sent)
            if response.status_code != 200 or b'"errors"' in response.content[:200]:
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:500]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Load(len(latencies), time.perf_counter() - started, latencies)


def client(token: str | None = None, concurrency: int = 4) -> httpx2.AsyncClient:
    headers = {"content-type": "application/json", "accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx2.AsyncClient(headers=headers, limits=limits, timeout=30)
