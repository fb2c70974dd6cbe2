"""One benchmark number, and the table the runner prints."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

_START = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the tables."""
    print(f"[{time.perf_counter() - _START:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Result:
    """A measured `value`, optionally against a `baseline` with a target on value / baseline."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    at_least: float | None = None  # target: ratio >= at_least
    at_most: float | None = None  # target: ratio <= at_most
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def target(self) -> str:
        if self.at_least is not None:
            return f"≥ {self.at_least:g}×"
        if self.at_most is not None:
            return f"≤ {self.at_most:g}×"
        return ""

    @property
    def verdict(self) -> str:
        ratio = self.ratio
        if ratio is None or not self.target:
            return ""
        low_ok = self.at_least is None or ratio >= self.at_least
        high_ok = self.at_most is None or ratio <= self.at_most
        return "PASS" if low_ok and high_ok else "MISS"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    digits = 0 if abs(value) >= 100 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f} {unit}".strip()


def table(results: Iterable[Result]) -> str:
    results = list(results)
    header = ("name", "value", "baseline", "ratio", "target", "result")
    rows = [
        (
            r.name,
            _number(r.value, r.unit),
            _number(r.baseline, r.unit),
            "" if r.ratio is None else f"{r.ratio:.2f}×",
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
