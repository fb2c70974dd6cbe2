"""Shared by the gap tests: wait for a condition, and drain a stream into a list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import pytest

from tests.live_clients import TIMEOUT

T = TypeVar("T")


async def until(check: Callable[[], object], what: str) -> None:
    try:
        async with asyncio.timeout(TIMEOUT):
            while not check():  # noqa: ASYNC110 - polling another task's state
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


async def collect(stream: AsyncIterator[T], into: list[T]) -> None:
    async for item in stream:
        into.append(item)
