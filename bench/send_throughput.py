"""Send throughput: emails/s from SCHEDULED to DELIVERED through the whole pipeline (dispatcher,
Dramatiq worker threads, claim, render, SMTP, finish) into an aiosmtpd sink running in another
process, against a raw aiosmtplib loop sending as many messages to the same sink in the same run.

    python -m bench.send_throughput [--emails 1000] [--threads 8] [--database-url URL]

Uses the embedded (in-process) worker; the database is a fresh SQLite file unless --database-url
(e.g. an empty PostgreSQL database) is given. Target: pipeline ≥ 0.8 × raw. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import tempfile
import time
from datetime import timedelta
from typing import Any

COUNT_REPLY = "250 Accepted"


def _sink_process(port_out: Any, stop: Any) -> None:
    """An aiosmtpd server on loopback that accepts everything (another process: own CPU)."""
    from aiosmtpd.smtp import SMTP

    class Accept:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return COUNT_REPLY

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SMTP(Accept()), "127.0.0.1", 0)
        port_out.send(server.sockets[0].getsockname()[1])
        await loop.run_in_executor(None, stop.wait)
        server.close()

    asyncio.run(serve())


async def _raw_loop(port: int, count: int) -> float:
    """The floor: one long-lived aiosmtplib connection sending `count` ready-made messages."""
    import aiosmtplib

    from models.outgoing import Outgoing
    from workers import mime

    outgoing = Outgoing(0, "", "Bench", "bench@a.example", [], [], [], "Hello", "<p>Hi</p>", "Hi")
    messages = []
    for n in range(count):
        message = mime.build(
            Outgoing(**{**outgoing.__dict__, "message_id": f"<raw-{n}@bench>"}),
            time_now(),
        )
        messages.append(message)
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as client:
        for n, message in enumerate(messages):
            await client.send_message(
                message, sender="bench@a.example", recipients=[f"p{n}@prospect.example"]
            )
    return time.perf_counter() - started


def time_now() -> Any:
    from models import clock

    return clock.now()


async def _pipeline(port: int, count: int, threads: int, database_url: str) -> float:
    from tortoise import Tortoise

    from command_center.db import tortoise_config
    from models import auth, clock, emails
    from models.email import Email, EmailStatus
    from workers.runtime import EmbeddedWorker

    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    await Tortoise.generate_schemas(safe=True)
    team = await auth.get_or_create_team("Bench")
    user = await auth.create_user(team, f"bench-{os.getpid()}@a.example", name="Bench")
    due_at = clock.now() + timedelta(seconds=2 + count / 200)
    ids = []
    for n in range(count):
        draft = await emails.create_draft(
            user,
            emails.DraftFields(
                to=[f"p{n}@prospect.example"],
                subject="Hello",
                body_html="<p>Hi</p>",
                body_text="Hi",
            ),
        )
        ids.append((await emails.schedule_email(user, draft.id, due_at, None)).id)
    worker = EmbeddedWorker(threads=threads, dispatch_interval=0.05)
    await worker.start()
    try:
        await asyncio.sleep(max(0.0, (due_at - clock.now()).total_seconds()))
        started = time.perf_counter()
        deadline = started + 600
        while await Email.filter(id__in=ids, status=EmailStatus.DELIVERED).count() < count:
            if time.perf_counter() > deadline:
                raise SystemExit("pipeline did not deliver everything within 600s")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        await worker.stop()
        await Tortoise.close_connections()
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    port_in, port_out = context.Pipe()
    stop = context.Event()
    sink = context.Process(target=_sink_process, args=(port_out, stop), daemon=True)
    sink.start()
    try:
        if not port_in.poll(30):
            raise SystemExit("the SMTP sink did not start")
        port = port_in.recv()
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite://{tmp}/bench.sqlite3"
            os.environ.update(
                CC_SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=0&pool={args.threads}",
                CC_DAILY_SEND_LIMIT=str(args.emails * 2),
                CC_SEND_RATE_LIMIT="0",
                CC_LOG_LEVEL="WARNING",
            )
            raw = asyncio.run(_raw_loop(port, args.emails))
            piped = asyncio.run(_pipeline(port, args.emails, args.threads, url))
    finally:
        stop.set()
        sink.join(timeout=10)
    raw_rate, piped_rate = args.emails / raw, args.emails / piped
    print(f"send_throughput: {args.emails} emails, {args.threads} worker threads")
    print(f"  raw aiosmtplib loop : {raw_rate:8.1f} emails/s")
    print(f"  pipeline (SCHEDULED → DELIVERED): {piped_rate:8.1f} emails/s")
    verdict = "meets" if piped_rate >= 0.8 * raw_rate else "BELOW"
    print(f"  ratio: {piped_rate / raw_rate:.2f}× ({verdict} the 0.8× target)")


if __name__ == "__main__":
    main()
