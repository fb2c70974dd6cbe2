"""kill -9 of a worker mid-batch (issue 18): only emails whose SMTP transaction had started and
not finished may end DELIVERY_UNCERTAIN — at most one per SMTP connection; every other email of
the batch goes back to SCHEDULED and out once. A real process, SIGKILLed while its messages are
at a real SMTP sink that answers the end of DATA slowly; SQLite (a file) and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from models.base import clock
from models.emails.tables import Email, EmailStatus
from models.sending import rules as sending
from models.teams import auth
from models.teams.tables import Role
from tests.database import database
from tests.sending.helpers import due_email, wait_until
from tests.sending.smtp_sink import SmtpSink
from workers import delivery

BACKENDS = ["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]
EMAILS = 60
POOL = 4


def _start_worker(env: dict[str, str], ids: list[int]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.sending.kill_target", *map(str, ids)]
    return subprocess.Popen(command, env=env, cwd=Path(__file__).parents[2])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_worker_killed_mid_batch_leaves_at_most_one_uncertain_email_per_connection(
    backend: str,
    tmp_path: Path,
    sink: SmtpSink,
    smtp_settings: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    if backend == "postgres":
        db_url = request.getfixturevalue("postgres_url")
    else:
        db_url = f"sqlite://{tmp_path / 'shared.sqlite3'}"
    smtp_url = f"{sink.url}?pool={POOL}"
    smtp_settings.setenv("CC_SMTP_URL", smtp_url)
    env = {**os.environ, "CC_DATABASE_URL": db_url, "CC_LOG_LEVEL": "WARNING"}
    async with database(db_url):
        team = await auth.get_or_create_team("Team K")
        user = await auth.create_user(team, "kim@k.example", name="Kim", role=Role.MEMBER)
        ids = [(await due_email(user, to=[f"p{n}@prospect.example"])).id for n in range(EMAILS)]
        message_ids = dict(await Email.filter(id__in=ids).values_list("id", "message_id"))

        sink.handler.data_delay = 0.15  # each message sits at the sink, unanswered, a while
        worker = _start_worker(env, ids)
        try:

            async def some_arrived() -> bool:
                if worker.poll() is not None:
                    pytest.fail(f"the worker ended before the kill ({worker.returncode})")
                return len(sink.received) >= 12

            await wait_until(some_arrived, within=60, what="the first messages at the sink")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        await asyncio.sleep(0.5)  # sessions the kill cut off finish at the sink
        sink.handler.data_delay = 0.0
        at_kill = Counter(r.message_id for r in sink.received)

        in_progress = await Email.filter(id__in=ids, status=EmailStatus.IN_PROGRESS)
        assert in_progress, "the kill came after the whole batch was recorded"
        # The relay's 250 is stored as soon as it comes (the DELIVERED transition is per batch).
        accepted = [e for e in in_progress if e.smtp_reply is not None]
        assert all("Accepted" in (e.smtp_reply or "") for e in accepted)
        in_doubt = [e for e in in_progress if e.smtp_started_at and e.smtp_reply is None]
        assert len(in_doubt) <= POOL
        never_started = [e for e in in_progress if e.smtp_started_at is None]

        lease_end = max(e.lease_expires_at for e in in_progress if e.lease_expires_at)
        with clock.frozen(lease_end + timedelta(seconds=1)):
            expired = await sending.expire_leases()
            assert sorted(expired.delivered) == sorted(e.id for e in accepted)
            assert sorted(expired.uncertain) == sorted(e.id for e in in_doubt)
            assert sorted(expired.released) == sorted(e.id for e in never_started)
            # What the sweep put back goes out once (a dispatcher and a worker, in-process).
            due = await sending.due_for_dispatch()
            assert sorted(due) == sorted(expired.released)
            await delivery.deliver_batch(due)

        final = {e.id: e for e in await Email.filter(id__in=ids)}
    counts = Counter(r.message_id for r in sink.received)
    assert set(counts.values()) == {1}, "a message reached the sink twice"
    uncertain = [i for i, e in final.items() if e.status is EmailStatus.FAILED]
    assert all(final[i].failure_code == "DELIVERY_UNCERTAIN" for i in uncertain)
    assert len(uncertain) <= POOL
    for email_id, email in final.items():
        if email.status is EmailStatus.DELIVERED:
            assert counts[message_ids[email_id]] == 1
        else:
            assert email_id in uncertain and counts[message_ids[email_id]] <= 1
    # Never attempted before the kill: delivered exactly once after the sweep.
    for email_id in expired.released:
        assert message_ids[email_id] not in at_kill
        assert final[email_id].status is EmailStatus.DELIVERED
