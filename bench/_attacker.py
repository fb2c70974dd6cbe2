"""`python -m bench._attacker URL TOKEN CONCURRENCY`: send attack documents until killed.

Runs in its own process so that generating the attack does not slow down the measuring client.
Imports little (it must start fast). Prints "ready" once its first attack has been answered.
Each document is made unique (a fresh operation name) so that no parser or validation cache
answers for the server. Prints how many requests it sent (and how many got 429) on SIGTERM.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import sys

import httpx2


def fragment_bomb(number: int, levels: int = 40) -> str:
    spreads = " ".join(
        f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)
    )
    return f"query Bomb{number} {{ ...F0 }} {spreads} fragment F{levels} on Query {{ me {{ id }} }}"


def costly_query(number: int) -> str:
    inner = (
        "emails(first: 100) { edges { node { events(first: 100) { edges { node { "
        "email { events(first: 100) { edges { node { id kind } } } } } } } } } }"
    )
    return f"query Cost{number} {{ " + " ".join(f"a{n}: {inner}" for n in range(30)) + " }"


def attack_document(number: int) -> str:
    """The attacker alternates both documents."""
    return fragment_bomb(number) if number % 2 == 0 else costly_query(number)


_sent = itertools.count()
_limited = itertools.count()  # answered 429: refused unread, the budget spent


async def _worker(
    client: httpx2.AsyncClient, numbers: itertools.count[int], started: asyncio.Event
) -> None:
    while True:
        number = next(numbers)
        body = json.dumps({"query": attack_document(number)})
        response = await client.post("/graphql", content=body)
        if not started.is_set():
            started.set()
            print("ready", flush=True)  # the attack is under way
        next(_sent)
        if response.status_code == 429:
            next(_limited)
        if response.status_code >= 500:
            raise RuntimeError(f"attack request answered {response.status_code}")


async def main(url: str, token: str, concurrency: int) -> None:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    numbers = itertools.count()
    async with httpx2.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        started = asyncio.Event()
        workers = [
            asyncio.create_task(_worker(client, numbers, started)) for _ in range(concurrency)
        ]
        stopped = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopped, *workers], return_when=asyncio.FIRST_COMPLETED)
        for task in workers:
            task.cancel()
        for task in done:
            if task is not stopped:
                task.result()  # a worker failed: re-raise
    print(f"{next(_sent)} sent, {next(_limited)} answered 429", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
