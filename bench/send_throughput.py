"""Send throughput: SCHEDULED → DELIVERED emails/s vs a raw aiosmtplib loop to the same sink.

The whole pipeline (dispatcher, Dramatiq worker threads, claim, render, SMTP, finish) sends into an
aiosmtpd sink running in another process; the baseline is a raw aiosmtplib loop sending as many
messages to the same sink in the same run, over as many connections as the pipeline's SMTP pool
(8), so both sides send at the same concurrency.

    make bench / python -m bench send_throughput [--quick] [--postgres URL]

Uses the embedded (in-process) worker with 8 threads; the database is a fresh SQLite file, or a
throwaway PostgreSQL database with --postgres. Target: pipeline ≥ 0.8 × raw. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def sink_in_another_process() -> Iterator[int]:
    """`_sink_process` started in a spawned process for the block; yields its port."""
    context = multiprocessing.get_context("spawn")
    port_in, port_out = context.Pipe()
    stop = context.Event()
    sink = context.Process(target=_sink_process, args=(port_out, stop), daemon=True)
    sink.start()
    try:
        if not port_in.poll(30):
            raise RuntimeError("the SMTP sink did not start")
        yield port_in.recv()
    finally:
        stop.set()
        sink.join(timeout=10)


async def _raw_loop(port: int, count: int, connections: int) -> float:
    """The floor: `connections` long-lived aiosmtplib connections sending `count` ready-made
    messages between them, each taking the next message as soon as its last one is accepted."""
    import aiosmtplib

    from models.sending.outgoing import Outgoing
    from workers import mime

    outgoing = Outgoing(0, "", "Bench", "bench@a.example", [], [], [], "Hello", "<p>Hi</p>", "Hi")
    messages = []
    for n in range(count):
        message = mime.build(
            Outgoing(**{**outgoing.__dict__, "message_id": f"<raw-{n}@bench>"}),
            time_now(),
        )
        messages.append(message)
    queue = list(enumerate(messages))
    queue.reverse()

    async def one_connection() -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as client:
            while queue:
                n, message = queue.pop()
                await client.send_message(
                    message, sender="bench@a.example", recipients=[f"p{n}@prospect.example"]
                )

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return time.perf_counter() - started


def time_now() -> Any:
    from models.base import clock

    return clock.now()


async def _pipeline(port: int, count: int, threads: int, database_url: str) -> float:
    from bench._db import orm

    async with orm(database_url, create_schema=database_url.startswith("sqlite")):
        return await _timed_pipeline(count, threads)


async def _timed_pipeline(count: int, threads: int) -> float:
    from models.base import clock
    from models.emails import commands as emails
    from models.emails.tables import Email, EmailStatus
    from models.teams import auth
    from workers.runtime import EmbeddedWorker

    team = await auth.get_or_create_team("Bench")
    user = await auth.create_user(team, f"bench-{os.getpid()}@a.example", name="Bench")
    # Scheduled far ahead while seeding (however slow the machine), then all made due at once.
    later = clock.now() + timedelta(hours=1)
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
        ids.append((await emails.schedule_email(user, draft.id, later, None)).id)
    worker = EmbeddedWorker(threads=threads, dispatch_interval=0.05)
    await worker.start()
    try:
        now = clock.now()
        await Email.filter(id__in=ids).update(scheduled_at=now, status_at=now)
        started = time.perf_counter()
        deadline = started + 600
        # Polled cheaply (the sender's emails, one indexed count): the pipeline shares this loop.
        delivered = Email.filter(owner_id=user.id, status=EmailStatus.DELIVERED)
        while await delivered.count() < count:
            if time.perf_counter() > deadline:
                raise SystemExit("pipeline did not deliver everything within 600s")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        await worker.stop()
    return elapsed


async def main(args: argparse.Namespace) -> list[Any]:
    from bench._db import postgres_database
    from bench._report import Machine, Result, log
    from config.settings import get_settings

    count = 300 if args.quick else 1000
    threads = 8
    with sink_in_another_process() as port:
        os.environ.update(
            CC_SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=0&pool={threads}",
            CC_DAILY_SEND_LIMIT=str(count * 2),
            CC_SEND_RATE_LIMIT="0",
        )
        get_settings.cache_clear()
        machine = Machine()
        log(f"send_throughput: raw aiosmtplib loop, {count} messages, {threads} connections")
        raw = await _raw_loop(port, count, threads)
        log(f"send_throughput: pipeline, {count} emails, {threads} worker threads")
        if args.postgres:
            async with postgres_database(args.postgres, "send", _no_seed) as url:
                piped = await _pipeline(port, count, threads, url)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                piped = await _pipeline(port, count, threads, f"sqlite://{tmp}/send.sqlite3")
    return [
        Result(
            f"send {count} emails SCHEDULED → DELIVERED",
            count / piped,
            "emails/s",
            baseline=count / raw,
            at_least=0.8,
            note=f"baseline: raw aiosmtplib loop, {threads} connections (the pipeline's pool), "
            "same sink (another process)",
            load=machine.load(),
        )
    ]


async def _no_seed(_url: str) -> None:
    return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("CC_BENCH_POSTGRES_URL"))
    for result in asyncio.run(main(parser.parse_args())):
        print(
            f"{result.name}: {result.value:.1f} {result.unit} vs {result.baseline:.1f} "
            f"= {result.ratio:.2f}× (target ≥ 0.8×) {result.verdict}"
        )
