"""Scale-out: send throughput with 1 vs 2 worker processes, API listing throughput with 1 vs 2
API processes, on PostgreSQL with the Redis broker and event bus.

    make bench scale / python -m bench scale [--quick] [--postgres URL]

Every process is a real `command-center serve` / `command-center worker` child on loopback
(tests/scale/cluster.py sets them up; Redis is a private redis-server on a free port). Rounds
alternate (1, 2, 1, 2…) and each side keeps its median round, so load from elsewhere lands on
both. Needs PostgreSQL (--postgres or $CC_BENCH_POSTGRES_URL); without it the benchmark is
skipped with a note. Each round also logs the CPU its processes used and how busy the machine was,
to say where the time went. Not a test.

- Sending: the emails of a round are created SCHEDULED a day ahead through `sendBulkEmail`, then
  made due at once; the round lasts until every one is DELIVERED. The SMTP sink accepts everything
  in another process. A worker process that joins for a round is ready (it logged that it
  consumes) before the clock starts.
- Listing: a load generator in another process (httpx2, 8 connections) reads the SENT folder's
  first page (50 emails) for a fixed time; with 2 API processes its requests alternate between
  the two ports (round-robin: no proxy in between, nothing shared but PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._report import Result, log

LISTING = """{ emails(folder: SENT, first: 50) {
  edges { node { id status subject to statusAt deliveredAt viewCount } }
  pageInfo { hasNextPage endCursor } } }"""
BULK = """mutation($input: SendBulkEmailInput!) {
  sendBulkEmail(input: $input) { groupId queuedCount userErrors { code message } } }"""
GROUP_LIMIT = 1000  # recipients per sendBulkEmail GROUP call
CONNECTIONS = 8


async def main(args: argparse.Namespace) -> list[Result]:
    server = args.postgres
    if not server:
        log("scale: skipped, it needs PostgreSQL (--postgres URL or $CC_BENCH_POSTGRES_URL)")
        return []
    from bench.send_throughput import sink_in_another_process
    from tests.scale.cluster import Cluster, Timings

    per_round = 600 if args.quick else 2000
    rounds = 2 if args.quick else 3
    listing_seconds = 4.0 if args.quick else 10.0
    timings = Timings(lease=600, redispatch_after=60, dispatch_interval=0.1, worker_threads=8)
    with sink_in_another_process() as port, tempfile.TemporaryDirectory() as tmp:
        smtp = f"smtp://127.0.0.1:{port}?starttls=0&pool={timings.worker_threads}"
        logs = Path(tmp) / "logs"
        async with Cluster(server, smtp, logs, None, timings) as cluster:
            try:
                return await _measure(cluster, per_round, rounds, listing_seconds)
            except BaseException:
                log(cluster.diagnostics())
                raise


async def _measure(
    cluster: Any, per_round: int, rounds: int, listing_seconds: float
) -> list[Result]:
    from tests.database import database

    async with database(cluster.database_url):
        user_id, token, people = await _seed(per_round)
        api1, api2 = cluster.add_api(0), cluster.add_api(1)
        await asyncio.gather(api1.start(), api2.start())
        worker1, worker2 = cluster.add_worker(), cluster.add_worker()
        await worker1.start()
        caller = _Caller(cluster.api_url(0), token)
        try:
            sends: dict[int, list[float]] = {1: [], 2: []}
            for round_no, workers in enumerate(
                itertools.islice(itertools.cycle([1, 2]), 2 * rounds)
            ):
                group = await caller.schedule(people, f"round-{round_no}")
                if workers == 2:
                    await worker2.start()
                running = [w for w in (worker1, worker2) if w.running]
                pids = {w.name: w.process.pid for w in running}
                for number, child in enumerate(multiprocessing.active_children()):
                    pids[f"sink{number or ''}"] = child.pid or 0
                meter = CpuMeter(pids)
                seconds = await _send_round(group, per_round, user_id)
                log(f"scale: CPU during the round: {meter.report()}")
                if workers == 2:
                    await worker2.stop()
                sends[workers].append(rate := per_round / seconds)
                log(f"scale: send round {round_no + 1}, {workers} worker(s): {rate:.0f}/s")
            listings: dict[int, list[float]] = {1: [], 2: []}
            urls = [cluster.api_url(0), cluster.api_url(1)]
            for apis in itertools.islice(itertools.cycle([1, 2]), 2 * rounds):
                meter = CpuMeter({api.name: api.process.pid for api in (api1, api2)})
                rate = await _listing_round(urls[:apis], token, listing_seconds)
                log(f"scale: CPU during the round: {meter.report()}")
                listings[apis].append(rate)
                log(f"scale: listing round, {apis} API process(es): {rate:.0f} requests/s")
        finally:
            await caller.close()
    send1, send2 = statistics.median(sends[1]), statistics.median(sends[2])
    list1, list2 = statistics.median(listings[1]), statistics.median(listings[2])
    cores = os.cpu_count()
    return [
        Result(
            f"send {per_round} emails, 2 worker processes vs 1",
            send2,
            "emails/s",
            baseline=send1,
            at_least=1.5,
            note=f"PostgreSQL + Redis broker, 8 threads each, SMTP sink in another process, "
            f"{cores} cores; medians of {rounds} rounds each",
        ),
        Result(
            "emails(SENT, first: 50), 2 API processes vs 1",
            list2,
            "requests/s",
            baseline=list1,
            note=f"load generator in another process, {CONNECTIONS} connections, "
            f"round-robin over the two ports; {cores} cores",
        ),
    ]


async def _seed(count: int) -> tuple[int, str, list[str]]:
    from graph.relay import to_global_id
    from models.people.tables import Person
    from models.teams import auth
    from models.teams.tables import Role

    team = await auth.get_or_create_team("Scale bench")
    user = await auth.create_user(team, "rep@scale.example", name="Rep", role=Role.MEMBER)
    await Person.bulk_create(
        [
            Person(team_id=team.id, owner_id=user.id, email=f"p{n}@x.example", first_name=f"P{n}")
            for n in range(count)
        ],
        batch_size=1000,
    )
    ids = await Person.filter(owner_id=user.id).order_by("id").values_list("id", flat=True)
    people = [str(to_global_id("Person", str(pk))) for pk in ids]
    return user.id, await auth.issue_token(user), people


class _Caller:
    def __init__(self, base_url: str, token: str) -> None:
        import httpx2

        headers = {"Authorization": f"Bearer {token}"}
        self.client = httpx2.AsyncClient(base_url=base_url, headers=headers, timeout=300)

    async def schedule(self, people: list[str], key: str) -> list[str]:
        """One email per person, SCHEDULED a day ahead (so nothing sends yet); the group IDs."""
        from models.base import clock

        send_at = (clock.now() + timedelta(days=1)).isoformat()
        groups = []
        for start in range(0, len(people), GROUP_LIMIT):
            chunk = people[start : start + GROUP_LIMIT]
            input = {
                "kind": "GROUP",
                "personIds": chunk,
                "idempotencyKey": f"{key}-{start}",
                "subject": "Hello {{first_name}}",
                "bodyText": "Hi {{first_name}}, a short note from us.",
                "bodyHtml": "<p>Hi {{first_name}}, a short note from us.</p>",
                "sendAt": send_at,
            }
            body = {"query": BULK, "variables": {"input": input}}
            result = (await self.client.post("/graphql", json=body)).json()
            payload = result["data"]["sendBulkEmail"]
            if payload["queuedCount"] != len(chunk):
                raise RuntimeError(f"sendBulkEmail queued {payload}")
            groups.append(payload["groupId"])
        return groups

    async def close(self) -> None:
        await self.client.aclose()


class CpuMeter:
    """Where a round's time went: CPU seconds of some of our processes (from /proc) and how busy
    the whole machine was (other jobs included). Linux only; empty elsewhere."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.wall = time.perf_counter()
        self.start = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        self.machine = _machine_jiffies()

    def report(self) -> str:
        wall = time.perf_counter() - self.wall
        used = {
            name: (_cpu_seconds(pid) - self.start[name]) / wall for name, pid in self.pids.items()
        }
        busy, total = (b - a for a, b in zip(self.machine, _machine_jiffies(), strict=True))
        parts = [f"{name} {share:.2f} cores" for name, share in used.items()]
        if total:
            parts.append(f"machine {busy / total:.0%} busy ({os.getloadavg()[0]:.1f} load)")
        return ", ".join(parts)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_jiffies() -> tuple[int, int]:
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return (0, 0)
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


async def _send_round(groups: list[str], count: int, user_id: int) -> float:
    """Make the groups' emails due now; seconds until all of them are DELIVERED."""
    from models.base import clock
    from models.emails.tables import Email, EmailStatus

    emails = Email.filter(owner_id=user_id, group_id__in=groups)
    now = clock.now()
    started = time.perf_counter()
    await emails.update(scheduled_at=now, status_at=now)
    delivered = Email.filter(owner_id=user_id, group_id__in=groups, status=EmailStatus.DELIVERED)
    deadline = started + 600
    while await delivered.count() < count:
        if time.perf_counter() > deadline:
            raise RuntimeError("the round did not deliver everything within 600 s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def _load_process(urls: list[str], token: str, seconds: float, out: Any) -> None:
    """The load generator (another process): CONNECTIONS tasks, each taking the next URL in
    turn; sends back how many requests completed in `seconds`."""
    import httpx2

    async def run() -> int:
        headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        limits = httpx2.Limits(max_connections=CONNECTIONS * len(urls))
        body = {"query": LISTING}
        turn = itertools.cycle(urls)
        done = 0
        async with httpx2.AsyncClient(headers=headers, limits=limits, timeout=60) as client:
            deadline = time.perf_counter() + seconds

            async def one() -> None:
                nonlocal done
                while time.perf_counter() < deadline:
                    response = await client.post(f"{next(turn)}/graphql", json=body)
                    if response.status_code != 200 or b'"errors"' in response.content[:200]:
                        raise RuntimeError(f"{response.status_code} {response.text[:300]}")
                    done += 1

            await asyncio.gather(*(one() for _ in range(CONNECTIONS)))
        return done

    out.send(asyncio.run(run()))


async def _listing_round(urls: list[str], token: str, seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_load_process, args=(urls, token, seconds, send))
    process.start()
    try:
        while not receive.poll():
            if not process.is_alive():
                raise RuntimeError("the load generator failed")
            await asyncio.sleep(0.1)
        done: int = receive.recv()
    finally:
        process.join(timeout=30)
    # Counted over the generator's own `seconds` of load, not its start-up (imports).
    return done / seconds
