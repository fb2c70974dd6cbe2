"""Folders (issues 2, 17): the SENT folder vs raw SQL, keyset pages, folderCounts at 10k vs 1M.

1. Throughput of the SENT folder's first page through the real app over HTTP, against a bare
   Starlette route running the same query as plain SQL (same server, driver and database): by
   the general executor (the document sent as text), by the compiled path (the same document as
   an automatic persisted query, sent by hash: graph/compiled/), and by a stock-Strawberry
   reference app (bench/_stock_app.py: strawberry.asgi.GraphQL + Tortoise `.only()`).
2. Keyset pagination: latency of page 1 and of a deep page reached by following `after` cursors.
3. `folderCounts` latency on a database of 10k emails and one of 1M, over HTTP and in-process.

Compared measurements run in alternating rounds and each keeps its median round, so a burst of
load from elsewhere on the machine hits both sides instead of skewing the ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx2

from bench import _http
from bench._db import orm, seeded_database
from bench._http import Load
from bench._report import Result, log
from bench._seed import ADMIN_EMAIL, MEMBER_EMAIL, MEMBER_TOKEN, SEED_VERSION, seed
from models.emails.folders import folder_counts
from models.teams.tables import User

NODE = "id status subject to statusAt deliveredAt viewCount clickCount repliedAt"
SENT_PAGE = f"""query SentPage($after: String) {{
  emails(folder: SENT, first: 50, after: $after) {{
    edges {{ cursor node {{ {NODE} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
SENT_PAGE_COUNTED = SENT_PAGE.replace("pageInfo {", "totalCount pageInfo {")
FOLDER_COUNTS = "{ folderCounts { sent pending undelivered total statuses { status count } } }"
CONCURRENCY = 4
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    listing: int  # emails in the database of the listing benchmarks
    small: int  # folderCounts: the small database …
    large: int  # … and the large one
    deep_page: int  # page reached through `after` cursors, compared with page 1
    rounds: int  # alternating rounds per comparison
    requests: int  # per measurement and round (also bounded by `seconds`)
    seconds: float


FULL = Sizes(100_000, 10_000, 1_000_000, 200, rounds=3, requests=3000, seconds=3.0)
QUICK = Sizes(5_000, 1_000, 20_000, 20, rounds=2, requests=200, seconds=1.0)


def _database(postgres: str | None, count: int, long_bodies: bool):
    kind = "long" if long_bodies else "short"
    return seeded_database(
        postgres,
        f"emails-{count}-{kind}-v{SEED_VERSION}",
        lambda url: seed(url, count, long_bodies=long_bodies),
    )


def _graphql(query: str, **variables: Any) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def _persisted(query: str, *, with_query: bool) -> bytes:
    """An automatic persisted query: by hash alone once the server has it."""
    digest = hashlib.sha256(query.encode()).hexdigest()
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if with_query:
        body["query"] = query
    return json.dumps(body).encode()


async def _rounds(
    sizes: Sizes, key: Callable[[T], float], measures: dict[str, Callable[[], Awaitable[T]]]
) -> dict[str, T]:
    """Run each measure once per round, alternating; keep each one's median round by `key`."""
    runs: dict[str, list[T]] = {name: [] for name in measures}
    for _ in range(sizes.rounds):
        for name, measure in measures.items():
            runs[name].append(await measure())
    return {name: sorted(done, key=key)[(len(done) - 1) // 2] for name, done in runs.items()}


def _rate(load: Load) -> float:
    return load.per_second


def _p50(load: Load) -> float:
    return load.median_ms


def _load(http: httpx2.AsyncClient, url: str, sizes: Sizes, body: bytes | None, concurrency: int):
    """A measure: warm up (caches, connections), then load `url` with `concurrency` in flight."""

    async def measure() -> Load:
        await _http.load(http, url, body=body, count=10, seconds=1)
        count, seconds = sizes.requests, sizes.seconds
        return await _http.load(
            http, url, body=body, concurrency=concurrency, count=count, seconds=seconds
        )

    return measure


def _throughput(http: httpx2.AsyncClient, url: str, sizes: Sizes, body: bytes | None = None):
    return _load(http, url, sizes, body, CONCURRENCY)


def _latency(http: httpx2.AsyncClient, url: str, sizes: Sizes, body: bytes | None = None):
    return _load(http, url, sizes, body, concurrency=1)


async def _walk(http: httpx2.AsyncClient, url: str, pages: int) -> str:
    """Follow `after` cursors to the start of page `pages`; checks order and no overlap."""
    seen: set[str] = set()
    previous: datetime | None = None
    after = None
    for _ in range(pages - 1):
        response = await http.post(url, content=_graphql(SENT_PAGE, after=after))
        connection = response.json()["data"]["emails"]
        for edge in connection["edges"]:
            node = edge["node"]
            status_at = datetime.fromisoformat(node["statusAt"])
            if node["id"] in seen or (previous and status_at > previous):
                raise RuntimeError(f"page order broken at {node}")
            seen.add(node["id"])
            previous = status_at
        if not connection["pageInfo"]["hasNextPage"]:
            raise RuntimeError(f"only {len(seen)} SENT emails: no page {pages}")
        after = connection["pageInfo"]["endCursor"]
    assert after is not None
    return after


def _same_rows(ours: dict[str, Any], reference: dict[str, Any]) -> None:
    """The reference must list the same emails with the same values (its cursors differ)."""

    def nodes(result: dict[str, Any]) -> list[Any]:
        return [edge["node"] for edge in result["data"]["emails"]["edges"]]

    if nodes(ours) != nodes(reference) or len(nodes(ours)) != 50:
        raise RuntimeError("the stock-Strawberry reference lists other rows than the app")


async def _member_scope(url: str) -> tuple[int, int]:
    async with orm(url):
        member = await User.get(email=MEMBER_EMAIL)
    return member.team_id, member.id


async def listing(postgres: str | None, sizes: Sizes) -> list[Result]:
    async with _database(postgres, sizes.listing, long_bodies=True) as url:
        team_id, owner_id = await _member_scope(url)
        async with (
            _http.serve("bench._raw_app:create_app", url) as raw_base,
            _http.serve("graph.app:create_app", url) as base,
            _http.serve("bench._stock_app:create_app", url) as stock_base,
            _http.client(concurrency=CONCURRENCY) as raw_http,
            _http.client(MEMBER_TOKEN, CONCURRENCY) as http,
        ):
            endpoint = f"{base}/graphql"
            stock = f"{stock_base}/graphql?team={team_id}&owner={owner_id}"
            # Register the persisted query once (as Apollo's link does), then send its hash only;
            # and check that both our paths and the reference answer the same page.
            registered = await http.post(endpoint, content=_persisted(SENT_PAGE, with_query=True))
            general_page = await http.post(endpoint, content=_graphql(SENT_PAGE))
            stock_page = await raw_http.post(stock, content=_graphql(SENT_PAGE))
            if registered.json()["data"] != general_page.json()["data"]:
                raise RuntimeError("the compiled path and the general path answer differently")
            _same_rows(general_page.json(), stock_page.json())
            log(f"SENT page: GraphQL vs raw SQL, {sizes.rounds} rounds")
            rate = await _rounds(
                sizes,
                _rate,
                {
                    "ceiling": _throughput(raw_http, f"{raw_base}/ping", sizes),
                    "raw": _throughput(
                        raw_http, f"{raw_base}/sent?team={team_id}&owner={owner_id}", sizes
                    ),
                    "graphql": _throughput(http, endpoint, sizes, _graphql(SENT_PAGE)),
                    "compiled": _throughput(
                        http, endpoint, sizes, _persisted(SENT_PAGE, with_query=False)
                    ),
                    "stock": _throughput(raw_http, stock, sizes, _graphql(SENT_PAGE)),
                    "counted": _throughput(http, endpoint, sizes, _graphql(SENT_PAGE_COUNTED)),
                },
            )
            log(f"keyset pagination: page 1 vs page {sizes.deep_page}")
            deep_cursor = await _walk(http, endpoint, sizes.deep_page)
            pages = await _rounds(
                sizes,
                _p50,
                {
                    "first": _latency(http, endpoint, sizes, _graphql(SENT_PAGE)),
                    "deep": _latency(http, endpoint, sizes, _graphql(SENT_PAGE, after=deep_cursor)),
                },
            )
    graphql, raw = rate["graphql"], rate["raw"]
    compiled, stock = rate["compiled"], rate["stock"]
    conditions = f"{sizes.listing:,} emails, {CONCURRENCY} concurrent"
    return [
        Result(
            "emails(SENT, first: 50) general path vs raw",
            graphql.per_second,
            "req/s",
            raw.per_second,
            at_least=0.3,
            note=f"{conditions}; p50 {graphql.median_ms:.1f} ms vs raw {raw.median_ms:.1f} ms",
        ),
        Result(
            "emails(SENT, first: 50) persisted compiled path vs raw",
            compiled.per_second,
            "req/s",
            raw.per_second,
            at_least=0.8,
            note=f"APQ by hash; p50 {compiled.median_ms:.1f} ms",
        ),
        Result(
            "stock-Strawberry reference vs raw",
            stock.per_second,
            "req/s",
            raw.per_second,
            note=f"strawberry.asgi.GraphQL + Tortoise .only(), no auth; p50 "
            f"{stock.median_ms:.1f} ms",
        ),
        Result(
            "general path vs stock-Strawberry reference",
            graphql.per_second,
            "req/s",
            stock.per_second,
            at_least=2.0,
        ),
        Result(
            "raw route vs static JSON (HTTP ceiling)",
            raw.per_second,
            "req/s",
            rate["ceiling"].per_second,
            note="near 1× would mean the client or HTTP layer, not the database, caps the baseline",
        ),
        Result(
            "emails + totalCount vs without",
            rate["counted"].per_second,
            "req/s",
            graphql.per_second,
        ),
        Result(
            f"page {sizes.deep_page} via cursors vs page 1 (p50)",
            pages["deep"].median_ms,
            "ms",
            pages["first"].median_ms,
            at_most=1.5,
            note="one request at a time",
        ),
    ]


def _timed(call: Callable[[], Awaitable[object]], sizes: Sizes) -> Callable[[], Awaitable[float]]:
    """A measure: median seconds of `call` after a warm-up, bounded by count and time."""

    async def measure() -> float:
        for _ in range(10):
            await call()
        times: list[float] = []
        deadline = time.perf_counter() + sizes.seconds
        while len(times) < sizes.requests and time.perf_counter() < deadline:
            started = time.perf_counter()
            await call()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return measure


async def _in_process(url: str, email: str, sizes: Sizes) -> float:
    """folder_counts() p50 in µs for the user `email`, in this process."""
    async with orm(url):
        user = await User.get(email=email)
        if (await folder_counts(user)).total == 0:
            raise RuntimeError(f"{email} sees no emails")
        return await _timed(lambda: folder_counts(user), sizes)() * 1e6


async def counts(postgres: str | None, sizes: Sizes) -> list[Result]:
    small, large = f"{sizes.small:,}", f"{sizes.large:,}"
    async with (
        _database(postgres, sizes.small, long_bodies=False) as small_url,
        _database(postgres, sizes.large, long_bodies=False) as large_url,
    ):
        log(f"folderCounts over HTTP: {small} vs {large} emails")
        async with (
            _http.serve("graph.app:create_app", small_url) as small_base,
            _http.serve("graph.app:create_app", large_url) as large_base,
            _http.client(MEMBER_TOKEN) as http,
        ):
            body = _graphql(FOLDER_COUNTS)
            over_http = await _rounds(
                sizes,
                _p50,
                {
                    small: _latency(http, f"{small_base}/graphql", sizes, body),
                    large: _latency(http, f"{large_base}/graphql", sizes, body),
                },
            )
        log("folder_counts() in-process")
        direct = await _rounds(
            sizes,
            float,
            {
                f"{size} {who}": lambda url=url, email=email: _in_process(url, email, sizes)
                for size, url in ((small, small_url), (large, large_url))
                for who, email in (("member", MEMBER_EMAIL), ("admin", ADMIN_EMAIL))
            },
        )
    vs = f"{large} vs {small}"
    return [
        Result(
            f"folderCounts HTTP p50, {vs}",
            over_http[large].median_ms,
            "ms",
            over_http[small].median_ms,
            at_most=1.5,
        ),
        *(
            Result(
                f"folder_counts() {who} p50, {vs}",
                direct[f"{large} {who}"],
                "µs",
                direct[f"{small} {who}"],
                at_most=1.5,
                note="in-process; the admin sums the whole team's counters"
                if who == "admin"
                else "",
            )
            for who in ("member", "admin")
        ),
    ]


async def main(args: argparse.Namespace) -> list[Result]:
    sizes = QUICK if args.quick else FULL
    return [*await listing(args.postgres, sizes), *await counts(args.postgres, sizes)]
