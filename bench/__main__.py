"""`python -m bench [NAME ...] [--quick] [--postgres URL]`: run the benchmarks, print the tables.

A benchmark is any module bench/NAME.py (not starting with "_") that defines
`async def main(args: argparse.Namespace) -> list[Result]`; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import pkgutil
import sys
import traceback
from pathlib import Path

from bench._report import Machine, Result, log, table

os.environ.setdefault("CC_DEMO", "0")


def available() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not module.name.startswith("_")
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(available())}")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run (< 1 min)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CC_BENCH_POSTGRES_URL"),
        help="run on PostgreSQL (a throwaway database is created on this server and dropped); "
        "default: $CC_BENCH_POSTGRES_URL, else SQLite files under var/bench/",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with 1 when a target is missed, not only on errors",
    )
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(available())
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return args


def describe(name: str) -> str:
    doc = importlib.import_module(f"bench.{name}").__doc__ or ""
    return doc.strip().split("\n")[0]


async def run(args: argparse.Namespace) -> int:
    database = "PostgreSQL" if args.postgres else "SQLite"
    size = "quick" if args.quick else "full"
    errors = misses = 0
    for name in args.names or available():
        main = getattr(importlib.import_module(f"bench.{name}"), "main", None)
        if not inspect.iscoroutinefunction(main):
            log(f"skipping bench/{name}.py: no `async def main(args)`")
            continue
        log(f"{name}: starting ({database}, {size})")
        machine = Machine()
        try:
            results: list[Result] = list(await main(args) or [])
        except Exception:
            errors += 1
            traceback.print_exc()
            print(f"\n== {name}: FAILED (traceback above)\n", flush=True)
            continue
        # Rows without their own load get the benchmark's: the whole run's neighbours.
        load = machine.load()
        results = [result.measured_under(load) for result in results]
        misses += sum(result.verdict == "MISS" for result in results)
        print(f"\n== {name} — {describe(name)} [{database}, {size}]\n", flush=True)
        print(table(results), end="\n\n", flush=True)
    summary = f"done: {errors} failed, {misses} target(s) missed"
    print(summary, flush=True)
    log(summary)
    return 1 if errors or (args.strict and misses) else 0


def main() -> None:
    args = parse()
    if args.list:
        for name in available():
            print(f"{name:20} {describe(name)}")
        return
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
