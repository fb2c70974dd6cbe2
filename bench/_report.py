"""One benchmark number, the machine's load while it was measured, and the table the runner
prints."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

_START = time.perf_counter()
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the tables."""
    print(f"[{time.perf_counter() - _START:6.1f}s] {message}", file=sys.stderr, flush=True)


def _busy_ticks() -> int | None:
    """CPU ticks spent by everything on the machine (all cores), idle and iowait excluded."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + irq + softirq + steal


def _our_ticks() -> int:
    """CPU ticks of this process, of its children already waited for, and of the live ones
    (benchmark servers, sinks, attackers): what the benchmark itself spent."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        own = int(fields[11]) + int(fields[12])
        waited = int(fields[13]) + int(fields[14])
        ticks[pid] = own + waited if pid == me else own
    ours = {me}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    return sum(ticks.get(pid, 0) for pid in ours)


class Machine:
    """The machine's load over a stretch of a benchmark: the 1-minute load average at its end
    and the cores other processes (other benchmarks' neighbours, other users) kept busy. A
    database server is not a child of the benchmark: its work for it counts as others' too.

        machine = Machine()
        ... measure ...
        Result(..., load=machine.load())
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.busy = _busy_ticks()
        self.ours = _our_ticks() if self.busy is not None else 0

    def load(self) -> str:
        average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        busy = _busy_ticks()
        cores = os.cpu_count() or 1
        if busy is None or self.busy is None:
            return f"la {average:.1f}/{cores}"
        seconds = max(time.monotonic() - self.started, 1e-3)
        others = max(0, (busy - self.busy) - (_our_ticks() - self.ours)) / _TICKS / seconds
        return f"la {average:.1f}/{cores}, others {others:.1f} cores"


@dataclass(frozen=True)
class Result:
    """A measured `value`, optionally against a `baseline` with a target on value / baseline,
    and/or an absolute target on the value itself (`value_at_most`, in `unit`)."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    at_least: float | None = None  # target: ratio >= at_least
    at_most: float | None = None  # target: ratio <= at_most
    note: str = ""
    value_at_most: float | None = None  # absolute target: value <= value_at_most
    load: str = ""  # the machine's load while this was measured (Machine.load())

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def target(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f"≥ {self.at_least:g}×")
        if self.at_most is not None:
            parts.append(f"≤ {self.at_most:g}×")
        if self.value_at_most is not None:
            parts.append(f"≤ {self.value_at_most:g} {self.unit}")
        return ", ".join(parts)

    @property
    def verdict(self) -> str:
        """PASS / MISS against every target given (a ratio target without a ratio is a MISS:
        the comparison could not be made); empty without targets."""
        if not self.target:
            return ""
        ratio = self.ratio
        checks = []
        if self.at_least is not None:
            checks.append(ratio is not None and ratio >= self.at_least)
        if self.at_most is not None:
            checks.append(ratio is not None and ratio <= self.at_most)
        if self.value_at_most is not None:
            checks.append(self.value <= self.value_at_most)
        return "PASS" if all(checks) else "MISS"

    def measured_under(self, load: str) -> Result:
        """This result with `load` unless it already has its own."""
        return self if self.load else replace(self, load=load)


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    digits = 0 if abs(value) >= 100 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f} {unit}".strip()


def table(results: Iterable[Result]) -> str:
    results = list(results)
    header = ("name", "value", "baseline", "ratio", "machine load", "target", "result")
    rows = [
        (
            r.name,
            _number(r.value, r.unit),
            _number(r.baseline, r.unit),
            "" if r.ratio is None else f"{r.ratio:.2f}×",
            r.load,
            r.target,
            r.verdict,
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    right = {1, 2, 3}

    def line(row: tuple[str, ...]) -> str:
        cells = (
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    notes = [f"  * {r.name}: {r.note}" for r in results if r.note]
    return "\n".join([line(header), rule, *(line(row) for row in rows), *notes])
