"""The event bus: the message, the in-process bus, and Redis pub/sub."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from events import EmailChange
from events.memory import MemoryBus
from events.redis import RedisBus
from events.setup import create_bus
from models.emails.tables import EmailEventKind, EmailStatus
from tests import services
from tests.live_clients import TIMEOUT

CHANGE = EmailChange(
    cursor=42,
    email_id=7,
    team_id=1,
    owner_id=3,
    kind=EmailEventKind.DELIVERED,
    previous_status=EmailStatus.IN_PROGRESS,
    new_status=EmailStatus.DELIVERED,
    occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    actor_id=None,
    data={"action": "MARK_DELIVERED"},
)


class Inbox:
    def __init__(self) -> None:
        self.changes: list[EmailChange] = []
        self.arrived = asyncio.Event()

    def __call__(self, changes: Sequence[EmailChange]) -> None:
        self.changes.extend(changes)
        self.arrived.set()

    async def wait(self, count: int) -> list[EmailChange]:
        async with asyncio.timeout(TIMEOUT):
            while len(self.changes) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.changes


def test_a_change_survives_json() -> None:
    assert EmailChange.from_json(CHANGE.to_json()) == CHANGE
    deleted = EmailChange.from_json({**CHANGE.to_json(), "newStatus": None})
    assert deleted.new_status is None


def test_bus_from_url() -> None:
    assert isinstance(create_bus(""), MemoryBus)
    assert isinstance(create_bus("memory://"), MemoryBus)
    assert isinstance(create_bus("redis://127.0.0.1:6379/0", "c"), RedisBus)
    with pytest.raises(ValueError, match="CC_EVENTS_URL"):
        create_bus("kafka://x")


async def test_memory_bus_delivers_in_order_even_from_another_thread() -> None:
    bus, inbox = MemoryBus(), Inbox()
    await bus.start()
    stop = bus.listen(inbox)
    await bus.publish([CHANGE])
    other = EmailChange.from_json({**CHANGE.to_json(), "cursor": 43})
    thread = threading.Thread(target=lambda: asyncio.run(bus.publish([other])))
    thread.start()
    thread.join(TIMEOUT)
    assert [c.cursor for c in await inbox.wait(2)] == [42, 43]
    stop()
    await bus.publish([CHANGE])
    assert len(inbox.changes) == 2


@pytest.mark.redis
async def test_redis_bus_carries_changes_between_buses() -> None:
    url = services.service_url(services.REDIS_VAR, "Redis")
    channel = f"cc-test:{uuid.uuid4().hex}"
    listener, publisher = RedisBus(url, channel), RedisBus(url, channel, listen=False)
    await listener.start()
    await publisher.start()
    inbox = Inbox()
    listener.listen(inbox)
    try:
        await publisher.publish([CHANGE])
        await listener.publish([EmailChange.from_json({**CHANGE.to_json(), "cursor": 43})])
        assert [c.cursor for c in await inbox.wait(2)] == [42, 43]
        assert inbox.changes[0] == CHANGE
    finally:
        await publisher.close()
        await listener.close()
