"""A real `command-center serve` process (uvicorn, CC_LOG_FORMAT=json) whose PostgreSQL goes away
mid-life: GraphQL answers 503 SERVICE_UNAVAILABLE, liveness stays up, readiness says which check
failed, and the process's JSON log has the ERROR line with the request id the client got."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2
import pytest

from tests import services
from tests.database import _admin
from tests.outage_helpers import TcpProxy
from tests.test_cli import free_port

# A query that reads the database: `me` alone may be answered from the token cache.
QUERY = {"query": "query Sent { emails(folder: SENT, first: 1) { totalCount } }"}
ROOT = str(Path(__file__).resolve().parent.parent)


def _read(path: Path) -> str:
    return path.read_text(errors="replace")


def _log_lines(path: Path) -> list[dict[str, Any]]:
    found = []
    for line in _read(path).splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


async def _wait_for_token(log: Path, process: asyncio.subprocess.Process) -> str:
    async with asyncio.timeout(120):
        while True:
            if process.returncode is not None:
                pytest.fail("serve exited early:\n" + _read(log)[-3000:])
            found = re.search(r"Authorization: Bearer (\S+)", _read(log))
            if found:
                return found.group(1)
            await asyncio.sleep(0.2)


@pytest.mark.postgres
async def test_serve_through_a_postgres_outage(tmp_path: Path) -> None:
    server = services.service_url(services.POSTGRES_VAR, "PostgreSQL")
    name = f"cc_outage_{uuid.uuid4().hex[:10]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy_port = await proxy.start()
    user = f"{parts.username}@" if parts.username else ""
    database_url = urlunsplit(
        parts._replace(netloc=f"{user}127.0.0.1:{proxy_port}", path=f"/{name}")
    )
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "CC_DATABASE_URL": database_url,
        "CC_DEMO": "1",
        "CC_LOG_FORMAT": "json",
        "CC_INBOUND_SMTP_PORT": "0",
        "CC_SMTP_URL": f"file://{tmp_path / 'mail'}",
        "PYTHONPATH": ROOT,
    }
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "command_center.cli",
            "serve",
            "--port",
            str(port),
            env=env,
            stdout=output,
            stderr=output,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        token = await _wait_for_token(log, process)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(base_url=base, timeout=10) as client:
            async with asyncio.timeout(60):
                while True:
                    try:
                        if (await client.get("/readyz")).status_code == 200:
                            break
                    except httpx2.TransportError:
                        pass
                    await asyncio.sleep(0.2)
            assert (await client.post("/graphql", json=QUERY, headers=headers)).status_code == 200

            await proxy.cut()
            response = await client.post("/graphql", json=QUERY, headers=headers)
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "5"
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert str(proxy_port) not in response.text and name not in response.text
            request_id = response.headers["X-Request-Id"]

            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] == "unavailable"
            assert str(proxy_port) not in ready.text
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        await proxy.cut()
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    lines = _log_lines(log)
    mine = [line for line in lines if line.get("request_id") == request_id]
    [failure] = [line for line in mine if line["level"] == "error"]
    assert "service unavailable" in failure["event"]
    [request] = [line for line in mine if line["event"] == "request"]
    assert (request["status"], request["outcome"]) == (503, "error")
    # uvicorn's own lines are JSON too (its start-up message).
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)
