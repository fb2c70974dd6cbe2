"""Campaigns: due step emails delivered vs the bulk-send path; the due-step sweep at 1M memberships.

1. N memberships (10,000; --quick 500) with a due AUTO_EMAIL step, advanced by the engine through
   the dispatcher and the embedded Dramatiq worker, their emails sent to an aiosmtpd sink in another
   process: time until all N step emails are DELIVERED. Baseline: the same N emails made by the
   bulk-send path (`sendBulkEmail` GROUP, scheduled ahead then made due at once), sent by the same
   pipeline to the same sink, in the same run. Target ≥ 0.8×.
2. The due-step sweep (`models.campaigns.engine.due_for_dispatch` until 1,000 ids are picked) on a
   database of 1,000,000 memberships with 1,000 due, against one of 10,000 with 1,000 due
   (--quick: 100,000 vs 10,000). Median of alternating rounds. Target ≤ 1.5×.

    make bench / python -m bench campaigns [--quick] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._report import Result, log
from bench.send_throughput import sink_in_another_process

THREADS = 8
DUE = 1_000
SEED_VERSION = "v1"


@asynccontextmanager
async def _fresh(postgres: str | None, key: str) -> AsyncIterator[None]:
    """A fresh empty database for one side of the delivery comparison."""
    from bench._db import orm, postgres_database

    if postgres:
        async with postgres_database(postgres, key, _no_seed) as url, orm(url):
            yield
        return
    with tempfile.TemporaryDirectory() as tmp:
        async with orm(f"sqlite://{tmp}/{key}.sqlite3", create_schema=True):
            yield


async def _no_seed(_url: str) -> None:
    return None


async def _sender(name: str) -> tuple[Any, Any]:
    from models.teams import auth

    team = await auth.get_or_create_team(f"Bench {name}")
    user = await auth.create_user(team, f"{name}-{os.getpid()}@a.example", name="Bench")
    return user, team


async def _people(user: Any, count: int) -> list[int]:
    from models.people.tables import Person

    rows = [
        Person(team_id=user.team_id, owner_id=user.id, email=f"p{n}@prospect.example")
        for n in range(count)
    ]
    await Person.bulk_create(rows, batch_size=500)
    ids: list[Any] = (
        await Person.filter(team_id=user.team_id).order_by("id").values_list("id", flat=True)
    )
    return ids


async def _until_delivered(user: Any, count: int, make_due: Callable[[], Awaitable[None]]) -> float:
    from models.emails.tables import Email, EmailStatus
    from workers.runtime import EmbeddedWorker

    worker = EmbeddedWorker(threads=THREADS, dispatch_interval=0.05)
    await worker.start()
    try:
        started = time.perf_counter()
        await make_due()
        delivered = Email.filter(owner_id=user.id, status=EmailStatus.DELIVERED)
        while await delivered.count() < count:
            if time.perf_counter() - started > 1800:
                raise SystemExit("not everything was delivered within 30 minutes")
            await asyncio.sleep(0.05)
        return time.perf_counter() - started
    finally:
        await worker.stop()


async def _bulk_path(count: int) -> float:
    from models.bulk.commands import send_bulk
    from models.bulk.shapes import BulkSend
    from models.emails.tables import BulkKind

    user, _team = await _sender("bulk")
    ids = await _people(user, count)

    async def make_due() -> None:
        # Timed from here, like the campaign side: the sends create the emails, due now.
        for start in range(0, count, 1000):
            await send_bulk(
                user,
                BulkSend(
                    kind=BulkKind.GROUP,
                    person_ids=list(ids[start : start + 1000]),
                    idempotency_key=f"bench-{start}",
                    subject='Hi {{first_name | default: "there"}}',
                    body_html="<p>Hi</p>",
                    body_text="Hi",
                ),
            )

    return await _until_delivered(user, count, make_due)


async def _campaign_path(count: int) -> float:
    from models.base import clock
    from models.campaigns import commands, steps
    from models.campaigns.commands import CampaignFields
    from models.campaigns.steps import StepFields
    from models.campaigns.tables import CampaignMembership, StepKind

    user, _team = await _sender("campaign")
    ids = await _people(user, count)
    campaign = await commands.create_campaign(
        user,
        CampaignFields(name="Bench", window_days=list(range(7)), window_start=0, window_end=1440),
    )
    await steps.add_step(
        user,
        campaign.id,
        StepFields(
            kind=StepKind.AUTO_EMAIL,
            subject='Hi {{first_name | default: "there"}}',
            body_html="<p>Hi</p>",
            body_text="Hi",
        ),
    )
    await commands.activate_campaign(user, campaign.id)
    later = clock.now() + timedelta(hours=1)
    # Memberships as a launch makes them (bulk-inserted: seeding is not what is measured).
    now = clock.now()
    await CampaignMembership.bulk_create(
        [
            CampaignMembership(
                team_id=user.team_id,
                campaign_id=campaign.id,
                person_id=pk,
                sender_id=user.id,
                next_due_at=later,
                added_at=now,
                updated_at=now,
            )
            for pk in ids
        ],
        batch_size=500,
    )

    async def make_due() -> None:
        await CampaignMembership.filter(campaign_id=campaign.id).update(next_due_at=clock.now())

    return await _until_delivered(user, count, make_due)


async def _delivery(args: argparse.Namespace) -> Result:
    from config.settings import get_settings

    count = 500 if args.quick else 10_000
    with sink_in_another_process() as port:
        os.environ.update(
            CC_SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=0&pool={THREADS}",
            CC_DAILY_SEND_LIMIT=str(count * 3),
            CC_SEND_RATE_LIMIT="0",
        )
        get_settings.cache_clear()
        log(f"campaigns: bulk-send path, {count} emails")
        async with _fresh(args.postgres, "bulk"):
            bulk = await _bulk_path(count)
        log(f"campaigns: campaign path, {count} due memberships")
        async with _fresh(args.postgres, "campaign"):
            steps = await _campaign_path(count)
    return Result(
        f"{count:,} due campaign steps → DELIVERED",
        count / steps,
        "emails/s",
        baseline=count / bulk,
        at_least=0.8,
        note="baseline: the same emails from sendBulkEmail (GROUP), same pipeline and sink",
    )


def _seeder(total: int) -> Callable[[str], Awaitable[None]]:
    async def seed(url: str) -> None:
        from bench._db import orm

        async with orm(url):
            await _seed_memberships(total)

    return seed


async def _seed_memberships(total: int) -> None:
    """`total` memberships over 1,000-person campaigns: DUE due now, the rest ACTIVE later, PAUSED
    or ended (the mix of a long-lived team), inserted with one executemany per chunk."""
    from tortoise import connections

    from models.campaigns.tables import Campaign, CampaignStatus
    from models.people.tables import Person

    user, _team = await _sender("sweep")
    per = 1000
    await Person.bulk_create(
        [
            Person(team_id=user.team_id, owner_id=user.id, email=f"s{n}@x.example")
            for n in range(per)
        ],
        batch_size=500,
    )
    people: list[Any] = await Person.filter(team_id=user.team_id).values_list("id", flat=True)
    campaigns = []
    for n in range(max(1, total // per)):
        campaigns.append(
            (
                await Campaign.create(
                    team_id=user.team_id,
                    owner_id=user.id,
                    name=f"C{n}",
                    status=CampaignStatus.ACTIVE,
                )
            ).id
        )
    conn = connections.get("default")
    past = datetime(2026, 1, 1, tzinfo=UTC)
    future = datetime(2030, 1, 1, tzinfo=UTC)
    states = ("ACTIVE", "FINISHED", "REPLIED", "PAUSED", "ACTIVE")
    numbered = conn.capabilities.dialect == "postgres"  # $1… on PostgreSQL, ? on SQLite
    markers = ", ".join(f"${i}" if numbered else "?" for i in range(1, 11))
    sql = (
        "INSERT INTO campaign_membership (team_id, campaign_id, person_id, sender_id, state, "
        f"step, next_due_at, added_at, updated_at, version) VALUES ({markers})"
    )
    n = 0
    rows: list[tuple[Any, ...]] = []
    for campaign_id in campaigns:
        for person_id in people:
            due = n < DUE
            state = "ACTIVE" if due else states[n % len(states)]
            when = past if due else (future if state == "ACTIVE" else None)
            rows.append(
                (user.team_id, campaign_id, person_id, user.id, state, 2, when, past, past, 1)
            )
            n += 1
        if len(rows) >= 20_000:
            await conn.execute_many(sql, rows)
            rows = []
    if rows:
        await conn.execute_many(sql, rows)


async def _sweep_once() -> float:
    from models.campaigns import engine
    from models.campaigns.tables import CampaignMembership

    started = time.perf_counter()
    picked: list[int] = []
    while len(picked) < DUE and (ids := await engine.due_for_dispatch(500)):
        picked += ids
    elapsed = time.perf_counter() - started
    assert len(picked) == DUE, len(picked)
    await CampaignMembership.filter(id__in=picked).update(dispatch_after=None)  # next round
    return elapsed


async def _sweeps(args: argparse.Namespace) -> Result:
    from bench._db import orm, seeded_database

    small, large = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    rounds = 5 if args.quick else 15
    timings: dict[int, list[float]] = {small: [], large: []}
    for size in (small, large):
        log(f"campaigns: sweep database with {size:,} memberships")
    async with (
        seeded_database(args.postgres, f"memberships-{small}-{SEED_VERSION}", _seeder(small)) as a,
        seeded_database(args.postgres, f"memberships-{large}-{SEED_VERSION}", _seeder(large)) as b,
    ):
        for _round in range(rounds):  # alternating rounds: load spikes land on both sides
            for size, url in ((small, a), (large, b)):
                async with orm(url):
                    timings[size].append(await _sweep_once())
    base, value = statistics.median(timings[small]), statistics.median(timings[large])
    return Result(
        f"due-step sweep, {large:,} vs {small:,} memberships ({DUE:,} due), p50",
        value * 1000,
        "ms",
        baseline=base * 1000,
        at_most=1.5,
        note="index (state, next_due_at): only due ACTIVE rows are read",
    )


async def main(args: argparse.Namespace) -> list[Result]:
    return [await _sweeps(args), await _delivery(args)]
