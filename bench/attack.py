"""Attacks (issue 13): time to refuse a fragment bomb and a costly query; latency under attack.

A member of another team sends, with a valid token, the two documents that stalled the server
before the limits (README: Limits):
- the 40-level fragment bomb (2^40 fields once expanded, ~1.6 KB): refused as QUERY_TOO_LARGE;
- 30 aliases of emails(100) → events(100) → email → events(100): refused as QUERY_TOO_COSTLY.
Each is made unique per request (a fresh operation name) so no cache answers for the server.

Rows: the time to each refusal, against `{ me { id } }` at rest (one request's usual price); and
`{ me { id } }` latency while a separate process sends both attacks without pause, against the same
latency at rest (target ≤ 2×). At-rest and under-attack rounds alternate, each side keeps its
median round. The machine's load average is printed with the results: on a shared 2-core machine
the server, the attacker and this client compete for the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from bench import _db, _http
from bench._attacker import costly_query, fragment_bomb
from bench._report import Result, log

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.0
ATTACKERS = 2  # concurrent attack requests
ME = '{"query": "{ me { id } }"}'


@dataclass(frozen=True)
class Sizes:
    rounds: int
    requests: int  # per round and side
    emails: int  # the attacked team's emails, so an admitted costly query would have work


FULL = Sizes(rounds=5, requests=100, emails=50)
QUICK = Sizes(rounds=3, requests=40, emails=10)


async def _seed(database_url: str, emails: int) -> tuple[str, str]:
    """Two teams: the victim (with emails) and the attacker; returns (victim, attacker) tokens."""
    from models.emails import commands
    from models.teams import auth

    async with _db.orm(database_url):
        victim = await auth.create_user(
            await auth.get_or_create_team("Victims"), "rep@victim.example", role=auth.Role.ADMIN
        )
        attacker = await auth.create_user(
            await auth.get_or_create_team("Attackers"), "x@attacker.example"
        )
        for n in range(emails):
            fields = commands.DraftFields(to=[f"p{n}@example.com"], subject=f"Hello {n}")
            await commands.create_draft(victim, fields)
        return await auth.issue_token(victim), await auth.issue_token(attacker)


async def _timed(client: httpx2.AsyncClient, url: str, body: str, code: str | None) -> float:
    started = time.perf_counter()
    response = await client.post(url, content=body)
    elapsed = time.perf_counter() - started
    if code is None:
        if response.status_code != 200 or "errors" in response.json():
            raise RuntimeError(f"{response.status_code} {response.text[:300]}")
    elif code not in response.text:
        raise RuntimeError(f"expected {code}: {response.status_code} {response.text[:300]}")
    return elapsed


async def _median_ms(
    client: httpx2.AsyncClient, url: str, bodies: list[str], code: str | None = None
) -> float:
    return statistics.median([await _timed(client, url, body, code) for body in bodies]) * 1000


def _body(query: str) -> str:
    return json.dumps({"query": query})


async def _measure(args: argparse.Namespace, sizes: Sizes) -> dict[str, list[float]]:
    tokens: list[str] = []

    async def seed(url: str) -> None:
        tokens.extend(await _seed(url, sizes.emails))

    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="cc-attack-") as directory:
        if args.postgres:
            database = _db.postgres_database(args.postgres, "attack", seed)
        else:
            database = _sqlite(f"sqlite://{directory}/attack.sqlite3", seed)
        async with database as url:
            victim, attacker = tokens
            # The same attack traffic sent to a bare app on this machine: the baseline that has
            # the attacker's own load on the cores, without our API having to answer it.
            async with _http.serve("bench._raw_app:create_app", url) as decoy:
                # Without budgets: what refusing costs, each attack document parsed and checked.
                async with _http.serve("graph.app:create_app", url) as base:
                    times |= await _rounds(base, decoy, victim, attacker, sizes, refusals=True)
                # As in production (the default budget): the attacker pays for what it sends.
                env = {"CC_QUERY_BUDGET": "100000"}
                async with _http.serve("graph.app:create_app", url, env=env) as base:
                    limited = await _rounds(base, decoy, victim, attacker, sizes, refusals=False)
                    times |= {f"budget {key}": value for key, value in limited.items()}
    return times


@asynccontextmanager
async def _sqlite(url: str, seed: _db.Seeder) -> AsyncIterator[str]:
    async with _db.orm(url, create_schema=True):
        pass
    await seed(url)
    yield url


async def _rounds(
    base: str, decoy: str, victim: str, attacker: str, sizes: Sizes, *, refusals: bool
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"rest": [], "decoy": [], "attack": [], "bomb": [], "cost": []}
    url = f"{base}/graphql"
    me = [ME] * sizes.requests
    number = 0
    async with (
        _http.client(victim, 1) as victim_client,
        _http.client(attacker, 1) as attacker_client,
    ):
        await _median_ms(victim_client, url, me[:10])  # warm up
        for round_number in range(sizes.rounds):
            log(f"attack: round {round_number + 1}/{sizes.rounds}")
            times["rest"].append(await _median_ms(victim_client, url, me))
            if refusals:
                bombs = [_body(fragment_bomb(number + n)) for n in range(sizes.requests // 4)]
                costly = [_body(costly_query(number + n)) for n in range(sizes.requests // 4)]
                number += sizes.requests
                bomb_ms = await _median_ms(attacker_client, url, bombs, "QUERY_TOO_LARGE")
                times["bomb"].append(bomb_ms)
                cost_ms = await _median_ms(attacker_client, url, costly, "QUERY_TOO_COSTLY")
                times["cost"].append(cost_ms)
            for side, target in (("decoy", decoy), ("attack", base)):
                async with _attack(target, attacker):
                    times[side].append(await _median_ms(victim_client, url, me))
    return times


@asynccontextmanager
async def _attack(base: str, token: str) -> AsyncIterator[None]:
    """The attacker process sending to `base` for the duration of the block."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench._attacker", base, token, str(ATTACKERS)),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(60):
            ready = await process.stdout.readline()  # its first attack has been answered
        if not ready.startswith(b"ready"):
            raise RuntimeError("the attacker did not start")
        yield
    finally:
        process.terminate()
        output, _ = await process.communicate()
    if process.returncode not in (0, -15):
        raise RuntimeError(f"the attacker failed ({process.returncode})")
    log(f"attack on {base}: {output.decode().strip() or '?'}")


async def main(args: argparse.Namespace) -> list[Result]:
    sizes = QUICK if args.quick else FULL
    times = await _measure(args, sizes)
    median = {key: statistics.median(values) for key, values in times.items() if values}
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    at_rest = "baseline: { me { id } } at rest"
    decoy = "baseline: the same attack traffic sent to a bare app on this machine"
    return [
        Result(
            "refusal of the 40-level fragment bomb",
            median["bomb"],
            "ms",
            median["rest"],
            note=at_rest,
        ),
        Result(
            "refusal of the 30-alias costly query",
            median["cost"],
            "ms",
            median["rest"],
            note=at_rest,
        ),
        Result(
            "{ me { id } } during the attack",
            median["budget attack"],
            "ms",
            median["budget decoy"],
            at_most=TARGET,
            note=f"default budget; {decoy}; load average {load}",
        ),
        Result(
            "{ me { id } } during the attack, vs idle",
            median["budget attack"],
            "ms",
            median["budget rest"],
            note="the same, against a machine with no attacker process at all",
        ),
        Result(
            "{ me { id } } during the attack, no budget",
            median["attack"],
            "ms",
            median["decoy"],
            note=f"CC_QUERY_BUDGET=0: every attack document is parsed and checked; {decoy}",
        ),
    ]
