"""The process's bus: opened at start-up (API lifespan, worker start-up), fed by
`models.base.hooks`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from config.settings import get_settings
from events.bus import EmailChange, EventBus
from events.memory import MemoryBus
from models.base import hooks
from models.emails.tables import EmailEvent
from models.sending.relay_changes import RelayChanged
from models.tasks.changes import TaskChange
from models.teams.revocations import TokenRevoked

_bus: EventBus | None = None


def create_bus(
    url: str | None = None, channel: str | None = None, *, listen: bool = True
) -> EventBus:
    settings = get_settings()
    url = settings.events_url if url is None else url
    if not url or url.startswith("memory:"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from events.redis import RedisBus

        return RedisBus(url, channel or settings.events_channel, listen=listen)
    raise ValueError(f"CC_EVENTS_URL must be empty, memory:// or redis://…, not {url!r}")


async def _publish(rows: Sequence[EmailEvent]) -> None:
    if _bus is not None:
        await _bus.publish([EmailChange.of(row) for row in rows])


async def _publish_tasks(changes: Sequence[TaskChange]) -> None:
    if _bus is not None:
        await _bus.publish(changes)


async def _publish_revocations(revocations: Sequence[TokenRevoked]) -> None:
    if _bus is not None:
        await _bus.publish(revocations)


async def _publish_relay(change: RelayChanged) -> None:
    if _bus is not None:
        await _bus.publish([change])


async def open_bus(
    url: str | None = None, channel: str | None = None, *, listen: bool = True
) -> EventBus:
    """Start the process's bus and publish every committed EmailEvent and task change to it.

    Workers that hold no subscriptions pass `listen=False` (no Redis subscription).
    """
    global _bus
    if _bus is not None:
        raise RuntimeError("the event bus is already open")
    bus = create_bus(url, channel, listen=listen)
    await bus.start()
    _bus = bus
    hooks.on_events_committed(_publish)
    hooks.on_tasks_committed(_publish_tasks)
    hooks.on_tokens_revoked(_publish_revocations)
    hooks.on_relay_changed(_publish_relay)
    return bus


async def close_bus() -> None:
    global _bus
    bus, _bus = _bus, None
    hooks.remove_listener(_publish)
    hooks.remove_task_listener(_publish_tasks)
    hooks.remove_revocation_listener(_publish_revocations)
    hooks.remove_relay_listener(_publish_relay)
    if bus is not None:
        await bus.close()


@asynccontextmanager
async def running_bus(
    url: str | None = None, channel: str | None = None, *, listen: bool = True
) -> AsyncIterator[EventBus]:
    bus = await open_bus(url, channel, listen=listen)
    try:
        yield bus
    finally:
        await close_bus()


def current_bus() -> EventBus:
    if _bus is None:
        raise RuntimeError("no event bus is open (events.open_bus at start-up)")
    return _bus
