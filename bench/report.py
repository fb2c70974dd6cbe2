"""Reports (issue 19): engagementReport's aggregate vs the same aggregate as hand-written SQL.

On the seeded database (bench/_seed.py: a year of emails, two teams, the busiest rep owns 35%),
each case runs `models.engagement.report.engagement_report` in-process (the one aggregate query,
the labels query and the assembly into series) and a hand-written GROUP BY that answers the same
question the way one would write it for the database at hand: on PostgreSQL with its own zone
support (`date_trunc(…, sent_at AT TIME ZONE …)`), on SQLite with a fixed UTC offset (SQLite has
no zones; exact in UTC only). Both answers are compared cell by cell where they must agree (every
PostgreSQL case, UTC cases on SQLite): a mismatch fails the benchmark. The HTTP row is the whole
GraphQL query through the real app, for the latency a client sees.

Compared measurements run in alternating rounds and each keeps its median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from bench import _http
from bench._db import orm, seeded_database
from bench._report import Result, log
from bench._seed import ADMIN_EMAIL, ADMIN_TOKEN, MEMBER_EMAIL, SEED_VERSION, seed
from models.base import clock
from models.engagement import report as domain
from models.engagement.report import ReportDimension, ReportInterval
from models.teams.tables import User

KEY = {
    ReportDimension.SENDER: "owner_id",
    ReportDimension.CAMPAIGN: "campaign_id",
    ReportDimension.TEMPLATE: "template_id",
}
QUERY = """query($range: ReportRange!) {
  engagementReport(groupBy: DAY, by: SENDER, range: $range) {
    periods
    series { key label total { sent openRate } points { start counts { sent opened clicked
      replied bounced openRate clickRate replyRate bounceRate } } }
    total { sent delivered opened clicked replied bounced }
  }
}"""


@dataclass(frozen=True)
class Sizes:
    emails: int
    rounds: int
    repeats: int  # runs per measurement and round (the median is kept)


FULL = Sizes(1_000_000, rounds=3, repeats=3)
QUICK = Sizes(20_000, rounds=2, repeats=3)


@dataclass(frozen=True)
class Case:
    name: str
    viewer: str  # user's address
    zone: str
    interval: ReportInterval
    dimension: ReportDimension
    days: int  # ending today

    def range(self) -> tuple[date, date]:
        today = clock.now().date()
        return today - timedelta(days=self.days - 1), today


CASES = [
    Case("team, 365 days by DAY × SENDER, UTC", ADMIN_EMAIL, "UTC", ReportInterval.DAY,
         ReportDimension.SENDER, 365),
    Case("team, 365 days by DAY × SENDER, New York", ADMIN_EMAIL, "America/New_York",
         ReportInterval.DAY, ReportDimension.SENDER, 365),
    Case("rep, 365 days by WEEK × CAMPAIGN, UTC", MEMBER_EMAIL, "UTC", ReportInterval.WEEK,
         ReportDimension.CAMPAIGN, 365),
    Case("rep, 30 days by DAY × TEMPLATE, Paris", MEMBER_EMAIL, "Europe/Paris",
         ReportInterval.DAY, ReportDimension.TEMPLATE, 30),
]  # fmt: skip

Cells = dict[tuple[int | None, date], tuple[int, ...]]


def hand_written(dialect: str, viewer: User, case: Case) -> tuple[str, list[Any]]:
    """The aggregate as one would write it by hand for this database."""
    start, end = case.range()
    tz = ZoneInfo(case.zone)
    window = domain.window_of(tz, case.interval, start, end)
    key = KEY[case.dimension]
    unit = "week" if case.interval is ReportInterval.WEEK else "day"
    owner = "" if viewer.sees_whole_team else f' AND "owner_id" = {viewer.id}'
    counts = """COUNT(*),
      SUM(CASE WHEN "status" IN ('DELIVERED', 'ARCHIVED', 'SPAM') THEN 1 ELSE 0 END),
      SUM(CASE WHEN "view_count" > 0 THEN 1 ELSE 0 END),
      SUM(CASE WHEN "click_count" > 0 THEN 1 ELSE 0 END),
      SUM(CASE WHEN "reply_count" > 0 THEN 1 ELSE 0 END),
      SUM(CASE WHEN "status" = 'BOUNCED' THEN 1 ELSE 0 END)"""
    where = (
        f"\"team_id\" = {viewer.team_id}{owner} AND \"status\" IN ('DELIVERED', 'ARCHIVED', "
        "'SPAM', 'BOUNCED')"
    )
    if dialect == "postgres":
        period = f"date_trunc('{unit}', \"sent_at\" AT TIME ZONE '{case.zone}')::date"
        sql = (
            f'SELECT "{key}", {period}, {counts} FROM "email" WHERE {where} '
            'AND "sent_at" >= $1 AND "sent_at" < $2 GROUP BY 1, 2'
        )
        return sql, [window.start, window.end]
    offset = window.offsets[0][1]  # no zones in SQLite: today's offset, all year
    day = f"date(\"sent_at\", '{offset} seconds')"
    period = day if unit == "day" else f"date({day}, '-6 days', 'weekday 1')"
    sql = (
        f'SELECT "{key}", {period}, {counts} FROM "email" WHERE {where} '
        'AND "sent_at" >= ? AND "sent_at" < ? GROUP BY 1, 2'
    )
    return sql, [window.start.isoformat(" "), window.end.isoformat(" ")]


def _cells_of_rows(rows: list[tuple[Any, ...]]) -> Cells:
    out: Cells = {}
    for key, period, *counts in rows:
        start = period if isinstance(period, date) else date.fromisoformat(str(period))
        out[(key, start)] = tuple(int(c or 0) for c in counts)
    return out


def _cells_of_report(report: domain.Report) -> Cells:
    return {
        (series.key, start): tuple(getattr(counts, n) for n in domain.COUNT_NAMES)
        for series in report.series
        for start, counts in zip(report.periods, series.points, strict=True)
        if counts.sent
    }


async def _median_ms(call: Callable[[], Awaitable[object]], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _case(case: Case, sizes: Sizes) -> tuple[Result, int]:
    viewer = await User.get(email=case.viewer)
    viewer.timezone = case.zone
    conn = connections.get("default")
    dialect = conn.capabilities.dialect
    start, end = case.range()
    sql, params = hand_written(dialect, viewer, case)

    async def ours() -> domain.Report:
        return await domain.engagement_report(viewer, case.interval, case.dimension, start, end)

    async def theirs() -> Cells:
        _count, rows = await conn.execute_query(sql, params)
        return _cells_of_rows([tuple(row) for row in rows])

    report, raw = await ours(), await theirs()
    exact = dialect == "postgres" or case.zone == "UTC"
    if exact and _cells_of_report(report) != raw:
        raise AssertionError(f"{case.name}: the report and the hand-written SQL disagree")
    medians: dict[str, list[float]] = {"ours": [], "theirs": []}
    for _ in range(sizes.rounds):
        medians["ours"].append(await _median_ms(ours, sizes.repeats))
        medians["theirs"].append(await _median_ms(theirs, sizes.repeats))
    value, baseline = (statistics.median(medians[k]) for k in ("ours", "theirs"))
    note = f"{report.total.sent:,} sent emails, {len(report.series)} series"
    note += "; same counts" if exact else "; baseline ignores DST (SQLite has no zones)"
    return Result(case.name, value, "ms", baseline, at_most=1.5, note=note), report.total.sent


async def main(args: argparse.Namespace) -> list[Result]:
    sizes = QUICK if args.quick else FULL
    key = f"emails-{sizes.emails}-short-v{SEED_VERSION}"
    results: list[Result] = []
    async with seeded_database(
        args.postgres, key, lambda url: seed(url, sizes.emails, long_bodies=False)
    ) as url:
        async with orm(url):
            if connections.get("default").capabilities.dialect == "postgres":
                # What autovacuum gives a live table: statistics, and a visibility map that lets
                # both sides read the index alone (right after COPY every heap page is checked).
                await connections.get("default").execute_script("VACUUM ANALYZE email")
            for case in CASES:
                log(f"report: {case.name}")
                result, _sent = await _case(case, sizes)
                results.append(result)
        results.append(await _over_http(url, sizes))
    return results


async def _over_http(url: str, sizes: Sizes) -> Result:
    today = clock.now().date()
    body = json.dumps(
        {
            "query": QUERY,
            "variables": {"range": {"from": str(today - timedelta(days=364)), "to": str(today)}},
        }
    ).encode()
    async with (
        _http.serve("graph.app:create_app", url) as base,
        _http.client(ADMIN_TOKEN, 1) as http,
    ):

        async def call() -> None:
            response = await http.post(
                f"{base}/graphql", content=body, headers={"content-type": "application/json"}
            )
            payload = response.json()
            if response.status_code != 200 or payload.get("errors"):
                raise AssertionError(f"engagementReport over HTTP failed: {payload}")

        await call()
        latency = statistics.median(
            [await _median_ms(call, sizes.repeats) for _ in range(sizes.rounds)]
        )
    return Result(
        "engagementReport over HTTP (team, 365 days by DAY × SENDER)",
        latency,
        "ms",
        note=f"{sizes.emails:,} emails; whole request: aggregate, labels, 5 × 365 points as JSON",
    )
