"""The scale-out inbound path: `command-center inbound` (with CC_BROKER_URL on Redis) only stores
each message and enqueues `process_inbound`; a separate `command-center worker` process parses and
applies it. Required in CI (CC_TEST_REDIS_URL)."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.relay import to_global_id
from models.emails import commands as emails
from models.emails.tables import Email, EmailStatus
from models.inbound.tables import InboundMessage, InboundOutcome
from models.teams import auth
from models.teams.tables import Role
from tests.api import drive_to
from tests.database import database
from tests.inbound.messages import reply
from tests.sending.helpers import wait_until
from tests.sending.test_worker_process import _stop, redis_namespace
from tests.test_cli import free_port

__all__ = ["redis_namespace"]

BACKENDS = ["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]
ROOT = Path(__file__).parents[2]


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "command_center.cli", *args]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def _send(port: int, raw: bytes, within: float = 60) -> str:
    deadline = time.monotonic() + within
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                client.ehlo()
                crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                client.mail("prospect@example.com")
                client.rcpt("inbound@cc.example")
                code, answer = client.data(crlf)
                assert code == 250, answer
                return answer.decode()
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the inbound listener did not start"
            time.sleep(0.2)


@pytest.mark.redis
@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_listener_enqueues_and_a_worker_process_applies(
    backend: str,
    tmp_path: Path,
    redis_namespace: tuple[str, str],
    request: pytest.FixtureRequest,
) -> None:
    redis_url, namespace = redis_namespace
    if backend == "postgres":
        db_url = request.getfixturevalue("postgres_url")
    else:
        db_url = f"sqlite://{tmp_path / 'shared.sqlite3'}"
    port = free_port()
    env = {
        **os.environ,
        "CC_DATABASE_URL": db_url,
        "CC_BROKER_URL": redis_url,
        "CC_BROKER_NAMESPACE": namespace,
        "CC_DISPATCH_INTERVAL": "0.1",
        "CC_WORKER_THREADS": "2",
        "CC_LOG_LEVEL": "WARNING",
    }
    async with database(db_url):
        team = await auth.get_or_create_team("Team I")
        user = await auth.create_user(team, "ines@i.example", name="Ines", role=Role.MEMBER)
        draft = await emails.create_draft(
            user, emails.DraftFields(to=["prospect@example.com"], subject="Hi", body_text="Hi")
        )
        email = await drive_to(to_global_id("Email", draft.id), EmailStatus.DELIVERED)

        listener = _start(env, "inbound", "--port", str(port))
        answer = ""
        try:
            answer = _send(port, reply(email.message_id))
            inbound_id = int(answer.split()[-1])
            stored = await InboundMessage.get(id=inbound_id)
            assert stored.via.value == "SMTP"
            worker = _start(env, "worker", "--processes", "1", "--no-dispatch")
            try:

                async def applied() -> bool:
                    if worker.poll() is not None:
                        pytest.fail(f"the worker exited early with status {worker.returncode}")
                    return (await Email.get(id=email.id)).reply_count == 1

                await wait_until(applied, within=90, what="the worker process to apply the reply")
            finally:
                assert _stop(worker) == 0
        finally:
            _stop(listener)
        record = await InboundMessage.get(id=inbound_id)
        assert record.outcome is InboundOutcome.REPLY and record.email_id == email.id
    assert answer.startswith("2.0.0 Queued as")
