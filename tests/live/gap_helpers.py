"""Shared by the gap tests: wait for a condition, drain a stream into a list, write a draft."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import pytest

from models.emails import commands as emails
from models.emails.tables import Email
from models.teams.tables import User
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


async def email_of(user: User) -> Email:
    """A draft, committed where a test's own bus does not hear it (the app's bus, if any)."""
    return await emails.create_draft(user, emails.DraftFields(to=["p@x.example"], subject="Hi"))
