"""`command-center worker --processes 2` with CC_WORKER_METRICS_PORT: each process serves its own
GET /metrics (port P and P+1), and together they count every send and transition exactly once."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from models.teams import auth
from models.teams.tables import Role
from tests.database import database
from tests.sending.helpers import due_email, wait_until
from tests.sending.smtp_sink import SmtpSink
from tests.sending.test_worker_process import (
    _delivered_by,
    _start_workers,
    _stop,
    redis_namespace,
)

__all__ = ["redis_namespace"]  # fixture


def _two_free_ports() -> int:
    """A port P with P+1 free too (checked by binding both)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two consecutive free ports")


def _sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def _metrics_of(client: httpx2.AsyncClient, port: int) -> str:
    """The process's GET /metrics, once it listens."""
    answered: list[httpx2.Response] = []

    async def listening() -> bool:
        try:
            answered.append(await client.get(f"http://127.0.0.1:{port}/metrics"))
        except httpx2.ConnectError:
            return False
        return True

    await wait_until(listening, within=60, what=f"the metrics endpoint on port {port}")
    assert answered[-1].status_code == 200
    return answered[-1].text


@pytest.mark.redis
async def test_each_worker_process_serves_its_own_metrics(
    tmp_path: Path, sink: SmtpSink, redis_namespace: tuple[str, str]
) -> None:
    redis_url, namespace = redis_namespace
    db_url = f"sqlite://{tmp_path / 'shared.sqlite3'}"
    port = _two_free_ports()
    env = {
        **os.environ,
        "CC_DATABASE_URL": db_url,
        "CC_BROKER_URL": redis_url,
        "CC_BROKER_NAMESPACE": namespace,
        "CC_SMTP_URL": sink.url,
        "CC_DISPATCH_INTERVAL": "0.1",
        "CC_WORKER_THREADS": "4",
        "CC_LOG_LEVEL": "WARNING",
        "CC_WORKER_METRICS_PORT": str(port),
    }
    async with database(db_url):
        team = await auth.get_or_create_team("Team M")
        user = await auth.create_user(team, "mo@m.example", name="Mo", role=Role.MEMBER)
        ids = [(await due_email(user, to=[f"p{n}@prospect.example"])).id for n in range(20)]
        workers = _start_workers(env, processes=2)
        try:
            await _delivered_by(workers, ids)
            texts = []
            async with httpx2.AsyncClient(timeout=10) as client:
                for each in (port, port + 1):
                    # One process may have sent everything while the other was still starting
                    # (a loaded machine): wait for its endpoint rather than for a fixed time.
                    texts.append(await _metrics_of(client, each))
        finally:
            assert _stop(workers) == 0

    sent = [_sum(text, "cc_smtp_sends_total", outcome="delivered") for text in texts]
    assert sum(sent) == len(ids)
    delivered = sum(
        _sum(text, "cc_email_transitions_total", from_status="IN_PROGRESS", to_status="DELIVERED")
        for text in texts
    )
    assert delivered == len(ids)
    assert all(
        _sum(text, "cc_smtp_send_seconds_count") == s for text, s in zip(texts, sent, strict=True)
    )
