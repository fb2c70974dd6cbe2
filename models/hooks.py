"""Callbacks run after a transaction that wrote email events has committed.

The event bus registers here; the domain code never imports transport code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from models.email import EmailEvent

EventsCommitted = Callable[[Sequence[EmailEvent]], Awaitable[None]]

_listeners: list[EventsCommitted] = []
log = logging.getLogger(__name__)


def on_events_committed(listener: EventsCommitted) -> EventsCommitted:
    _listeners.append(listener)
    return listener


def remove_listener(listener: EventsCommitted) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def events_committed(events: Sequence[EmailEvent]) -> None:
    for listener in list(_listeners):
        try:
            await listener(events)
        except Exception:
            # The commit stands; a subscriber catches up later from the event table.
            log.exception("events_committed listener failed")
