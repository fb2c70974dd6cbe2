"""Helpers for the sending tests: bounded waits and emails made through the user commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from graph.relay import decode_id
from models.emails import commands as emails
from models.emails.tables import Email, EmailStatus
from models.teams.tables import User


async def wait_until(
    check: Callable[[], Awaitable[bool]], within: float = 60.0, what: str = "condition"
) -> None:
    """Poll `check` until true; fail after `timeout` seconds (a bound, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_for_status(email_id: int, *statuses: EmailStatus, within: float = 60.0) -> Email:
    async def reached() -> bool:
        email = await Email.get(id=email_id)
        return email.status in statuses

    await wait_until(reached, within, f"email {email_id} to reach {statuses}")
    return await Email.get(id=email_id)


def pk(global_id: str) -> int:
    value = decode_id(global_id, "Email")
    assert value is not None
    return value


async def due_email(user: User, **fields: Any) -> Email:
    """A draft sent now (SCHEDULED, due), through the user commands."""
    fields.setdefault("to", ["prospect@example.com"])
    fields.setdefault("subject", "Hello")
    fields.setdefault("body_text", "Hi there")
    draft = await emails.create_draft(user, emails.DraftFields(**fields))
    return await emails.send_email_now(user, draft.id, None)
