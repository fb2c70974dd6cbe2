"""Synthetic emails in bulk: a realistic mix of owners and statuses, inserted with one plain
executemany (SQLite) or COPY (PostgreSQL) with the email indexes rebuilt afterwards, and the
StatusCount counters recomputed from the rows so `folderCounts` agrees with the data."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import asyncpg

from bench._db import asyncpg_url, orm
from bench._report import log
from models.campaigns.tables import Campaign
from models.emails.tables import BulkKind, EmailStatus
from models.people.tables import Person
from models.teams import auth
from models.teams.tables import ApiToken, Role

SEED_VERSION = 2  # bump when the generated data changes: cached databases are keyed by it

MEMBER_TOKEN = "cc_bench_member"  # rep1, the busiest rep of the main team
ADMIN_TOKEN = "cc_bench_admin"  # the main team's TEAM_ADMIN
MEMBER_EMAIL = "rep1@bench.example"
ADMIN_EMAIL = "admin@bench.example"

# team, user, role, share of all emails, API token
USERS = [
    ("Bench Sales", ADMIN_EMAIL, Role.TEAM_ADMIN, 0.05, ADMIN_TOKEN),
    ("Bench Sales", MEMBER_EMAIL, Role.MEMBER, 0.35, MEMBER_TOKEN),
    ("Bench Sales", "rep2@bench.example", Role.MEMBER, 0.25, None),
    ("Bench Sales", "rep3@bench.example", Role.MEMBER, 0.15, None),
    ("Bench Sales", "rep4@bench.example", Role.MEMBER, 0.10, None),
    ("Other Team", "rep5@other.example", Role.MEMBER, 0.06, None),
    ("Other Team", "rep6@other.example", Role.MEMBER, 0.04, None),
]
S = EmailStatus
STATUS_SHARES = {
    S.DELIVERED: 0.70,
    S.ARCHIVED: 0.08,
    S.SCHEDULED: 0.06,
    S.DRAFT: 0.04,
    S.IN_PROGRESS: 0.002,
    S.FAILED: 0.03,
    S.BOUNCED: 0.05,
    S.SPAM: 0.008,
}
PEOPLE_PER_TEAM = 500
COMPANIES = ["Northwind", "Helios Energy", "BrightPath", "Acme Foods", "Lumen Health", "Orbital"]
SUBJECTS = ["Quick question for {}", "Following up: {} and Q4", "Idea for the {} team", "Re: {}"]
LOREM = "<p>" + "Lorem ipsum dolor sit amet. " * 30 + "</p>"
LONG_BODY = (  # about 1.3 kB, like a real sales email
    "<p>Hi {first},</p><p>I noticed {company} is expanding this quarter. Teams like yours use us "
    "to cut the time spent on manual follow-ups by a third, and to see at a glance which "
    f"prospects opened, clicked or replied.</p>{LOREM}"
    "<p>Worth a 15-minute call next week?</p><p>Best,<br>Rep</p>"
)
SHORT_BODY = "<p>Hi {first}, worth a quick call about {company}?</p>"

COLUMNS = (
    "team_id", "owner_id", "person_id", "campaign_id", "to_addresses", "cc_addresses",
    "bcc_addresses", "recipients_text", "subject", "body_html", "body_text", "status", "status_at",
    "bulk_kind", "group_id", "scheduled_at", "sent_at", "delivered_at", "failed_at", "archived_at",
    "failure_code", "failure_detail", "message_id", "view_count", "click_count", "replied_at",
    "last_activity_at", "version", "created_at", "updated_at", "machine_view_count",
    "machine_click_count", "first_viewed_at", "reply_count", "lease_expires_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "team_id", "owner_id", "email_id", "kind", "machine", "actor_id", "previous_status",
    "new_status", "occurred_at", "data",
)  # fmt: skip
CHUNK = 50_000
RECOUNT = (
    "UPDATE status_count SET count = (SELECT COUNT(*) FROM email"
    " WHERE email.owner_id = status_count.owner_id AND email.status = status_count.status)"
)
FAILURES = {S.FAILED: "SMTP_UNAVAILABLE", S.BOUNCED: "HARD_BOUNCE", S.SPAM: "SPAM_COMPLAINT"}


@dataclass(frozen=True)
class Owner:
    team_id: int
    user_id: int
    people: list[tuple[int, str, str, str]]  # id, address, first name, company
    campaigns: list[int]


async def _users_and_people() -> tuple[list[Owner], list[float]]:
    owners: list[Owner] = []
    for team_name, email, role, _share, token in USERS:
        team = await auth.get_or_create_team(team_name)
        user = await auth.create_user(team, email, name=email.split("@")[0], role=role)
        if token:
            await ApiToken.create(user_id=user.id, token_hash=auth.hash_token(token), label="bench")
        if not await Person.filter(team_id=team.id).exists():
            await Person.bulk_create(
                Person(
                    team_id=team.id,
                    owner_id=user.id,
                    email=f"prospect{k}@{COMPANIES[k % len(COMPANIES)].split()[0].lower()}.example",
                    first_name=f"Pat{k}",
                    company=COMPANIES[k % len(COMPANIES)],
                )
                for k in range(PEOPLE_PER_TEAM)
            )
        await Campaign.bulk_create(
            Campaign(team_id=team.id, owner_id=user.id, name=f"Outbound {k}") for k in range(3)
        )
        people = await Person.filter(team_id=team.id).values_list(
            "id", "email", "first_name", "company"
        )
        campaigns = await Campaign.filter(owner_id=user.id).values_list("id", flat=True)
        owners.append(Owner(team.id, user.id, list(people), list(campaigns)))  # type: ignore[arg-type]
    return owners, [share for *_, share, _token in USERS]


def _rows(
    count: int, owners: list[Owner], weights: list[float], long: bool, events: list[tuple[Any, ...]]
):
    """One tuple per email, in COLUMNS order; ids grow with created_at as in real life (the
    table starts empty, so email i gets id i + 1). Its engagement events (EVENT_COLUMNS) are
    appended to `events`, matching the counters: human and machine opens (privacy proxies fetch
    right after delivery), clicks (a few by link scanners), replies."""
    rng = random.Random(SEED_VERSION)
    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    step = 365 * 86400 / count
    body = LONG_BODY if long else SHORT_BODY
    picks = rng.choices(range(len(owners)), weights, k=count)
    statuses = rng.choices(list(STATUS_SHARES), list(STATUS_SHARES.values()), k=count)

    def later(at: datetime, low: float, high: float) -> datetime:
        return min(now, at + timedelta(seconds=rng.uniform(low, high)))

    for i, owner_index, status in zip(range(count), picks, statuses, strict=True):
        owner = owners[owner_index]
        person_id, address, first, company = rng.choice(owner.people)
        created = start + timedelta(seconds=i * step + rng.uniform(0, step))
        scheduled = sent = delivered = failed = archived = replied = None
        views = clicks = machine_views = machine_clicks = replies = 0
        first_view = last_activity = None
        if status is S.SCHEDULED:
            scheduled = status_at = now + timedelta(seconds=rng.uniform(60, 30 * 86400))
        elif status is S.DRAFT:
            status_at = later(created, 0, 86400)
        elif status is S.IN_PROGRESS:
            scheduled = status_at = now - timedelta(seconds=rng.uniform(1, 30))
        elif status is S.FAILED:
            scheduled = created
            failed = status_at = later(created, 60, 3600)
        else:  # went out: DELIVERED, ARCHIVED, BOUNCED, SPAM
            scheduled = sent = status_at = later(created, 60, 2 * 86400)
            if status is S.BOUNCED:
                failed = status_at = later(sent, 1, 600)
            else:
                delivered = sent
                views = rng.choice((0, 0, 1, 1, 2, 3, 5))
                clicks = rng.choice((0, 0, 0, 0, 1, 2)) if views else 0
                machine_views = 1 if rng.random() < 0.4 else 0  # Apple's privacy proxy
                machine_clicks = 1 if rng.random() < 0.05 else 0  # a link scanner
                replies = (1 if rng.random() < 0.8 else 2) if rng.random() < 0.05 else 0
                human: list[tuple[str, datetime]] = []
                for _ in range(views):
                    human.append(("VIEWED", later(sent, 300, 10 * 86400)))
                for _ in range(clicks):
                    human.append(("CLICKED", later(sent, 600, 10 * 86400)))
                for _ in range(replies):
                    human.append(("REPLIED", later(sent, 3600, 3 * 86400)))
                human.sort(key=lambda event: event[1])
                machine = [("VIEWED", later(sent, 1, 5))] * machine_views + [
                    ("CLICKED", later(sent, 1, 5))
                ] * machine_clicks
                for kind, at, is_machine in [
                    *((k, a, True) for k, a in machine),
                    *((k, a, False) for k, a in human),
                ]:
                    events.append(
                        (owner.team_id, owner.user_id, i + 1, kind, is_machine, None,
                         status.value, status.value, at, "{}")
                    )  # fmt: skip
                viewed = [at for kind, at in human if kind == "VIEWED"]
                first_view = viewed[0] if viewed else None
                last_activity = human[-1][1] if human else None
                replied = next((at for kind, at in human if kind == "REPLIED"), None)
            if status is S.ARCHIVED:
                archived = later(sent, 86400, 20 * 86400)
            elif status is S.SPAM:
                failed = status_at = later(sent, 3600, 5 * 86400)
        bulk = BulkKind.SINGLE
        if status is not S.DRAFT and rng.random() < 0.3:
            bulk = BulkKind.SELECT_AND_SEND if rng.random() < 0.7 else BulkKind.GROUP
        updated = archived or (created if status is S.SCHEDULED else status_at)
        yield (
            owner.team_id, owner.user_id, person_id,
            rng.choice(owner.campaigns) if rng.random() < 0.3 else None,
            f'["{address}"]', "[]", "[]", address,
            SUBJECTS[i % len(SUBJECTS)].format(company), body.format(first=first, company=company),
            f"Hi {first}, worth a quick call about {company}?",
            status.value, status_at, bulk.value,
            None if bulk is BulkKind.SINGLE else f"bench-{owner.user_id}-{i // 50}",
            scheduled, sent, delivered, failed, archived,
            FAILURES.get(status), None, f"<bench.{i}@command-center.local>",
            views, clicks, replied, last_activity,
            rng.randint(1, 4), created, updated, machine_views, machine_clicks, first_view, replies,
            now + timedelta(minutes=10) if status is S.IN_PROGRESS else None,  # has a lease
        )  # fmt: skip


def _insert_sqlite(
    path: str, rows: Iterator[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> None:
    # Datetimes stored exactly as Tortoise's SQLite backend writes them (its adapter, same text).
    sqlite3.register_adapter(datetime, lambda value: value.isoformat(" "))
    con = sqlite3.connect(path, isolation_level=None)
    try:
        # Bulk load: no journal (a failed build is thrown away), a big cache for the index sorts.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")
        indexes = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name IN ('email', 'email_event') AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in indexes:
            con.execute(f'DROP INDEX "{name}"')
        con.execute("BEGIN")
        marks = ", ".join("?" * len(COLUMNS))
        event_marks = ", ".join("?" * len(EVENT_COLUMNS))
        while chunk := list(islice(rows, CHUNK)):
            con.executemany(f"INSERT INTO email ({', '.join(COLUMNS)}) VALUES ({marks})", chunk)
            con.executemany(
                f"INSERT INTO email_event ({', '.join(EVENT_COLUMNS)}) VALUES ({event_marks})",
                events,
            )
            events.clear()
        con.execute("COMMIT")
        for _name, sql in indexes:
            con.execute(sql)
        con.execute(RECOUNT)
        counted, emails = con.execute(
            "SELECT (SELECT SUM(count) FROM status_count), (SELECT COUNT(*) FROM email)"
        ).fetchone()
        if counted != emails:
            raise RuntimeError(f"status_count says {counted} emails, the table has {emails}")
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


async def _insert_postgres(
    url: str, rows: Iterator[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> None:
    con = await asyncpg.connect(asyncpg_url(url))
    try:
        indexes = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('email', 'email_event')"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for index in indexes:
            await con.execute(f'DROP INDEX "{index["indexname"]}"')
        async with con.transaction():
            while chunk := list(islice(rows, CHUNK)):
                await con.copy_records_to_table("email", records=chunk, columns=COLUMNS)
                await con.copy_records_to_table(
                    "email_event", records=events, columns=EVENT_COLUMNS
                )
                events.clear()
        for index in indexes:
            await con.execute(index["indexdef"])
        await con.execute(RECOUNT)
        counted = await con.fetchval("SELECT SUM(count) FROM status_count")
        emails = await con.fetchval("SELECT COUNT(*) FROM email")
        if counted != emails:
            raise RuntimeError(f"status_count says {counted} emails, the table has {emails}")
        await con.execute("ANALYZE")  # autovacuum would, soon after a bulk load
    finally:
        await con.close()


async def seed(url: str, count: int, *, long_bodies: bool) -> None:
    """Users, tokens, people and campaigns through the models; `count` emails in bulk."""
    started = time.perf_counter()
    async with orm(url):
        owners, weights = await _users_and_people()
    sqlite = url.startswith("sqlite://")
    events: list[tuple[Any, ...]] = []
    rows = _rows(count, owners, weights, long_bodies, events)
    if sqlite:
        await asyncio.to_thread(_insert_sqlite, url.removeprefix("sqlite://"), rows, events)
    else:
        await _insert_postgres(url, rows, events)
    log(f"seeded {count:,} emails in {time.perf_counter() - started:.1f}s")
