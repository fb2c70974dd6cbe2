"""Hypothesis as a generator of fixed test data: the same examples on every run and machine."""

from __future__ import annotations

from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

T = TypeVar("T")


def drawn(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """`count` examples of `strategy`, derandomized (no example database, no deadline): tests
    that run a costly check per example (a live server, two databases) draw them once, up front."""
    examples: list[T] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def keep(value: T) -> None:
        examples.append(value)

    keep()
    return examples
