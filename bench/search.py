"""Search (issue 7): a saved search with three engagement conditions, and live matching cost.

1. p50 latency of a saved search (viewed ∧ clicked within 30 days ∧ not replied) for the busiest
   rep: its first page of 50 and its count, through models/search/saved (the ORM query the API
   runs), each beside the same question asked in hand-written SQL on the same connection.
2. Live matching: 1,000 saved searches of one team watched at once (graph/live/search_hub.py);
   clicks are recorded and published; the per-event cost is the hub's time per change (load the
   row once, the recent events once, evaluate every watch), beside a primary-key SELECT of the
   same email (the least any live update must do) measured in the same run.

Targets: search ≤ 100 ms p50 on PostgreSQL (absolute) and its count ≤ 1.2× the hand-written SQL
there; live matching ≤ 1.5 ms per event on PostgreSQL, ≤ 2 ms on SQLite (absolute). On SQLite
the benchmark runs on a scratch copy of the cached database (bench/_db.py): it saves a search
and records clicks.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise import connections

from bench._db import orm, seeded_database
from bench._report import Machine, Result, log
from bench._seed import MEMBER_EMAIL, SEED_VERSION, seed
from events.setup import running_bus
from graph.live.dispatcher import get_dispatcher
from graph.live.search_hub import get_hub
from models.base import clock
from models.base.pagination import paginate
from models.campaigns.tables import Campaign
from models.emails.folders import DEFAULT_ORDER
from models.emails.tables import Email, EmailStatus
from models.engagement import recorders as engagement
from models.search import filters as search
from models.search import saved as saved_searches
from models.search.filters import EmailFilter, Engagement
from models.search.tables import SavedSearch
from models.teams.tables import User

HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"


@dataclass(frozen=True)
class Sizes:
    emails: int
    runs: int  # measurements per query (also bounded by `seconds`)
    seconds: float
    watches: int
    events: int


# ms per event: issue 17 asks for 1.5 on PostgreSQL; SQLite keeps issue 7's 2 (one connection:
# the row and events queries cannot run side by side).
LIVE_TARGET = {"postgres": 1.5, "sqlite": 2.0}
FULL = Sizes(1_000_000, runs=60, seconds=20.0, watches=1000, events=300)
QUICK = Sizes(20_000, runs=10, seconds=3.0, watches=1000, events=50)

THREE = EmailFilter(
    viewed=Engagement(),
    clicked=Engagement(within_days=30),
    replied=Engagement(happened=False),
)
# The same question in plain SQL ($1 team, $2 owner, $3 the window start).
WHERE = """team_id = {team} AND owner_id = {owner}
  AND (view_count >= 1 OR machine_view_count >= 1) AND reply_count = 0
  AND id IN (SELECT email_id FROM email_event WHERE team_id = {team}
             AND kind = 'CLICKED' AND occurred_at >= {since})"""
PAGE_SQL = "SELECT * FROM email WHERE {where} ORDER BY status_at DESC, id DESC LIMIT 51"
COUNT_SQL = "SELECT COUNT(*) FROM email WHERE {where}"


async def _p50(call: Callable[[], Awaitable[Any]], sizes: Sizes) -> float:
    times: list[float] = []
    deadline = time.perf_counter() + sizes.seconds
    await call()  # warm caches and the statement cache
    while len(times) < sizes.runs and time.perf_counter() < deadline:
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def _pair(
    a: Callable[[], Awaitable[Any]], b: Callable[[], Awaitable[Any]], sizes: Sizes
) -> tuple[float, float]:
    """Alternating rounds (A, B, A, B): each keeps its median round."""
    half = Sizes(sizes.emails, sizes.runs // 3 or 1, sizes.seconds / 6, 0, 0)
    a_rounds, b_rounds = [], []
    for _ in range(3):
        a_rounds.append(await _p50(a, half))
        b_rounds.append(await _p50(b, half))
    return statistics.median(a_rounds), statistics.median(b_rounds)


def _sql(template: str, team: int, owner: int, since: str, postgres: bool) -> str:
    where = WHERE.format(team=team, owner=owner, since=since)
    return template.format(where=where)


async def _search(viewer: User, postgres: bool, sizes: Sizes) -> list[Result]:
    row = await SavedSearch.create(
        team_id=viewer.team_id,
        owner_id=viewer.id,
        name=f"bench {time.time()}",
        conditions=THREE.to_json(),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    conn = connections.get("default")
    since = clock.now() - timedelta(days=30)
    literal = f"'{since.isoformat()}'" if postgres else f"'{since.isoformat(' ')}'"

    async def page() -> None:
        query = await saved_searches.results(viewer, row)
        await paginate(query, DEFAULT_ORDER, first=50)

    async def page_sql() -> None:
        await conn.execute_query(_sql(PAGE_SQL, viewer.team_id, viewer.id, literal, postgres))

    async def count() -> int:
        return await saved_searches.count(viewer, row)

    async def count_sql() -> int:
        sql = _sql(COUNT_SQL, viewer.team_id, viewer.id, literal, postgres)
        _, rows = await conn.execute_query(sql)
        return int(next(iter(dict(rows[0]).values())))

    try:
        return await _measure_search(viewer, row, page, page_sql, count, count_sql, sizes, postgres)
    finally:
        await row.delete()


async def _measure_search(
    viewer: User,
    row: SavedSearch,
    page: Callable[[], Awaitable[Any]],
    page_sql: Callable[[], Awaitable[Any]],
    count: Callable[[], Awaitable[int]],
    count_sql: Callable[[], Awaitable[int]],
    sizes: Sizes,
    postgres: bool,
) -> list[Result]:
    # Same answers, or the comparison means nothing.
    expected = await count_sql()
    matched = await count()
    if matched != expected:
        raise RuntimeError(f"saved search counts {matched}, plain SQL {expected}")
    log(f"search: {matched:,} matches for the rep")
    machine = Machine()
    page_ms, page_base = await _pair(page, page_sql, sizes)
    page_load = machine.load()
    log(f"search: page p50 {page_ms:.1f} ms, plain SQL {page_base:.1f} ms ({page_load})")
    machine = Machine()
    count_ms, count_base = await _pair(count, count_sql, sizes)
    count_load = machine.load()
    log(f"search: count p50 {count_ms:.1f} ms, plain SQL {count_base:.1f} ms ({count_load})")
    return [
        Result(
            "saved search page (50), 3 engagement conds, p50",
            page_ms,
            "ms",
            baseline=page_base,
            value_at_most=100.0 if postgres else None,
            load=page_load,
            note="target on PostgreSQL only" if not postgres else "",
        ),
        Result(
            "saved search count, p50",
            count_ms,
            "ms",
            baseline=count_base,
            at_most=1.2 if postgres else None,
            load=count_load,
            note=f"{matched:,} matches" + ("" if postgres else "; target on PostgreSQL only"),
        ),
    ]


def _random_spec(rng: random.Random, campaigns: list[int], people: list[int]) -> EmailFilter:
    def condition() -> Engagement | None:
        pick = rng.random()
        if pick < 0.4:
            return None
        within = rng.choice([None, None, 7, 30])
        if pick < 0.55:
            return Engagement(happened=False, within_days=within)
        return Engagement(at_least=rng.choice([1, 1, 2]), within_days=within)

    viewed, clicked = condition(), condition()
    # Follow-up lists: about one campaign, or one prospect across campaigns (these are
    # evaluated for every change of the team). Each watch is seeded by SQL at subscribe time.
    by_person = rng.random() < 0.2
    return EmailFilter(
        campaign_id=None if by_person else rng.choice(campaigns),
        person_id=rng.choice(people) if by_person or rng.random() < 0.2 else None,
        folder=rng.choice([None, search.EmailFolder.SENT]),
        viewed=viewed,
        clicked=clicked,
        replied=condition(),
        exclude_machine=bool((viewed or clicked) and rng.random() < 0.3),
    )


async def _live(viewer: User, admin: User, sizes: Sizes, postgres: bool) -> list[Result]:
    rng = random.Random(7)
    campaigns = list(
        await Campaign.filter(team_id=viewer.team_id).values_list("id", flat=True)  # type: ignore[arg-type]
    )
    people = list(
        await Email.filter(team_id=viewer.team_id).limit(2000).values_list("person_id", flat=True)  # type: ignore[arg-type]
    )
    # Never-clicked emails: the clicks change their matches (on SQLite, in a scratch copy).
    targets = list(
        await Email.filter(
            owner_id=viewer.id,
            status=EmailStatus.DELIVERED,
            click_count=0,
            machine_click_count=0,
        )
        .order_by("-id")
        .limit(sizes.events)
    )
    async with running_bus(""):
        hub = get_hub(get_dispatcher())
        started = time.perf_counter()
        async with _watches(hub, admin, rng, campaigns, people, sizes.watches):
            log(f"live: {sizes.watches} watches seeded in {time.perf_counter() - started:.1f}s")
            hub.handled, hub.busy, hub.loading = 0, 0.0, 0.0
            machine = Machine()
            # One click at a time, each handled before the next: the hub's time is its own,
            # not shared with the recorder's queries on the same connection.
            times: list[float] = []  # the hub's time for each change (one at a time)
            async with asyncio.timeout(120):
                for done, email in enumerate(targets, 1):
                    busy = hub.busy
                    await engagement.record_click(email, "https://x.example/p", HUMAN)
                    while hub.handled < done:  # noqa: ASYNC110
                        await asyncio.sleep(0.0005)
                    times.append(hub.busy - busy)
            # The median, like the baseline's: on a shared machine the mean also carries the
            # stalls of other processes (printed in the note).
            per_event = statistics.median(times) * 1000
            mean = hub.busy / hub.handled * 1000
            loading = hub.loading / hub.handled * 1000
            entered = sum(w.queue.qsize() for team in hub._teams.values() for w in team.all)

    async def pk_select() -> None:
        await Email.get(id=targets[rng.randrange(len(targets))].id)

    baseline = await _p50(pk_select, Sizes(0, 200, 3.0, 0, 0))
    return [
        Result(
            f"live matching per event, {sizes.watches:,} saved searches, p50",
            per_event,
            "ms",
            baseline=baseline,
            value_at_most=LIVE_TARGET["postgres" if postgres else "sqlite"],
            load=machine.load(),
            note=f"p50; mean {mean:.2f} ms, of which {loading:.2f} ms waiting for the row "
            f"and events queries; {entered} ENTERED/EXITED from {len(targets)} clicks; "
            "baseline: one email SELECT by id",
        )
    ]


class _watches:
    """`count` watches of one team (the team admin's view), entered and left together."""

    def __init__(
        self,
        hub: Any,
        viewer: User,
        rng: random.Random,
        campaigns: list[int],
        people: list[int],
        count: int,
    ) -> None:
        self.contexts = [
            hub.watch(viewer, None, _random_spec(rng, campaigns, people)) for _ in range(count)
        ]

    async def __aenter__(self) -> None:
        for done, context in enumerate(self.contexts, 1):
            await context.__aenter__()
            if done % 100 == 0:
                log(f"live: {done} watches seeded")

    async def __aexit__(self, *exc: object) -> None:
        for context in reversed(self.contexts):
            await context.__aexit__(None, None, None)


async def main(args: argparse.Namespace) -> list[Result]:
    sizes = QUICK if args.quick else FULL
    if getattr(args, "search_emails", None):
        sizes = Sizes(args.search_emails, sizes.runs, sizes.seconds, sizes.watches, sizes.events)
    postgres = bool(args.postgres)
    key = f"emails-{sizes.emails}-short-v{SEED_VERSION}"
    async with (
        seeded_database(
            args.postgres,
            key,
            lambda url: seed(url, sizes.emails, long_bodies=False),
        ) as url,
        orm(url),
    ):
        viewer = await User.get(email=MEMBER_EMAIL)
        admin = await User.get(team_id=viewer.team_id, role="TEAM_ADMIN")
        results = await _search(viewer, postgres, sizes)
        results += await _live(viewer, admin, sizes, postgres)
    for result in results:
        result_note = result.note
        log(
            f"{result.name}: {result.value:.2f} {result.unit} (baseline {result.baseline}) "
            f"{result_note}"
        )
    return results
