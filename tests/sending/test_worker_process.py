"""The scale-out path: separate `command-center worker` processes consuming Redis, sharing the
database with this process, sending to the SMTP sink. Required in CI (CC_TEST_REDIS_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from events.bus import EmailChange
from events.redis import RedisBus
from models.emails.tables import Email, EmailStatus
from models.teams import auth
from models.teams.tables import Role
from tests import services
from tests.database import database
from tests.sending.helpers import due_email, wait_until
from tests.sending.smtp_sink import SmtpSink


async def _heard_all(heard: list[EmailChange], ids: list[int]) -> bool:
    delivered = {c.email_id for c in heard if c.new_status is EmailStatus.DELIVERED}
    return delivered >= set(ids)


BACKENDS = ["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def redis_namespace() -> Iterator[tuple[str, str]]:
    url = services.service_url(services.REDIS_VAR, "Redis")
    namespace = f"cc-test-{uuid.uuid4().hex[:10]}"
    yield url, namespace
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


def _start_workers(env: dict[str, str], processes: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "command_center.cli", "worker", "--processes", str(processes)]
    return subprocess.Popen(command, env=env, cwd=Path(__file__).parents[2])


async def _delivered_by(workers: subprocess.Popen[bytes], ids: list[int]) -> None:
    """Wait until every email is DELIVERED; fail at once if the worker processes exit."""

    async def all_delivered() -> bool:
        if workers.poll() is not None:
            pytest.fail(f"the worker exited early with status {workers.returncode}")
        done = await Email.filter(id__in=ids, status=EmailStatus.DELIVERED).count()
        return done == len(ids)

    await wait_until(all_delivered, within=90, what="delivery by the worker processes")


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.terminate()
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        pytest.fail("the worker did not stop on SIGTERM within 60s")


@pytest.mark.redis
@pytest.mark.parametrize("backend", BACKENDS)
async def test_worker_processes_deliver_through_redis_exactly_once(
    backend: str,
    tmp_path: Path,
    sink: SmtpSink,
    redis_namespace: tuple[str, str],
    request: pytest.FixtureRequest,
) -> None:
    redis_url, namespace = redis_namespace
    if backend == "postgres":
        db_url = request.getfixturevalue("postgres_url")
    else:
        db_url = f"sqlite://{tmp_path / 'shared.sqlite3'}"
    env = {
        **os.environ,
        "CC_DATABASE_URL": db_url,
        "CC_BROKER_URL": redis_url,
        "CC_BROKER_NAMESPACE": namespace,
        "CC_SMTP_URL": sink.url,
        "CC_DISPATCH_INTERVAL": "0.1",
        "CC_WORKER_THREADS": "4",
        "CC_LOG_LEVEL": "WARNING",
        "CC_EVENTS_URL": redis_url,
        "CC_EVENTS_CHANNEL": f"{namespace}-events",
    }
    # What an API process on Redis hears: the workers' transitions, published after commit.
    heard: list[EmailChange] = []
    listener = RedisBus(redis_url, f"{namespace}-events")
    listener.listen(heard.extend)
    await listener.start()
    async with database(db_url):
        team = await auth.get_or_create_team("Team W")
        user = await auth.create_user(team, "wendy@w.example", name="Wendy", role=Role.MEMBER)
        ids = [(await due_email(user, to=[f"p{n}@prospect.example"])).id for n in range(40)]

        workers = _start_workers(env, processes=2)
        try:
            await _delivered_by(workers, ids)
            await wait_until(
                lambda: _heard_all(heard, ids), within=30, what="the workers' events on Redis"
            )
        finally:
            status = _stop(workers)
            await listener.close()
        message_ids = set(await Email.filter(id__in=ids).values_list("message_id", flat=True))

    assert status == 0
    for email_id in ids:
        statuses = [c.new_status for c in heard if c.email_id == email_id]
        assert statuses == [EmailStatus.IN_PROGRESS, EmailStatus.DELIVERED], statuses
    counts = sink.count_by_message_id()
    assert set(counts) == message_ids
    assert set(counts.values()) == {1}
