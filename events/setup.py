"""The process's bus: opened at start-up (API lifespan, worker start-up), fed by
`models.base.hooks`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from config.settings import get_settings
from events.bus import EmailChange, EventBus
from events.memory import MemoryBus
from models.base import hooks
from models.emails.tables import EmailEvent
from models.sending.relay_changes import RelayChanged
from models.tasks.changes import TaskChange
from models.teams.revocations import TokenRevoked, UserChanged
from models.teams.token_cache import tokens as token_cache

_bus: EventBus | None = None
_stop_cache: Callable[[], None] | None = None


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


async def _publish_user_changes(changes: Sequence[UserChanged]) -> None:
    if _bus is not None:
        await _bus.publish(changes)


async def _publish_relay(change: RelayChanged) -> None:
    if _bus is not None:
        await _bus.publish([change])


async def open_bus(
    url: str | None = None, channel: str | None = None, *, listen: bool = True
) -> EventBus:
    """Start the process's bus and publish every committed EmailEvent and task change to it.

    Workers that hold no subscriptions pass `listen=False` (no Redis subscription).
    """
    global _bus, _stop_cache
    if _bus is not None:
        raise RuntimeError("the event bus is already open")
    bus = create_bus(url, channel, listen=listen)
    await bus.start()
    _bus = bus
    hooks.on_events_committed(_publish)
    hooks.on_tasks_committed(_publish_tasks)
    hooks.on_tokens_revoked(_publish_revocations)
    hooks.on_users_changed(_publish_user_changes)
    # Tokens kept in memory are dropped when any process revokes them or changes their user;
    # what was kept before this bus (another database, perhaps) is dropped now.
    token_cache.clear()
    _stop_cache = bus.listen(token_cache.heard)
    token_cache.listening = listen
    hooks.on_relay_changed(_publish_relay)
    return bus


async def close_bus() -> None:
    global _bus, _stop_cache
    bus, _bus = _bus, None
    hooks.remove_listener(_publish)
    hooks.remove_task_listener(_publish_tasks)
    hooks.remove_revocation_listener(_publish_revocations)
    hooks.remove_user_listener(_publish_user_changes)
    if _stop_cache is not None:
        _stop_cache()
        _stop_cache = None
    token_cache.listening = False  # nothing tells this process about revocations any more
    token_cache.clear()
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
