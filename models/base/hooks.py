"""Callbacks run after a transaction that wrote email events (or changed a task, revoked a token,
changed a user) has committed.

The event bus registers here; the domain code never imports transport code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from models.emails.tables import EmailEvent
from models.sending.relay_changes import RelayChanged
from models.tasks.changes import TaskChange
from models.teams.revocations import TokenRevoked, UserChanged

EventsCommitted = Callable[[Sequence[EmailEvent]], Awaitable[None]]
TasksCommitted = Callable[[Sequence[TaskChange]], Awaitable[None]]
TokensRevoked = Callable[[Sequence[TokenRevoked]], Awaitable[None]]
UsersChanged = Callable[[Sequence[UserChanged]], Awaitable[None]]
RelayListener = Callable[[RelayChanged], Awaitable[None]]

_listeners: list[EventsCommitted] = []
_task_listeners: list[TasksCommitted] = []
_revocation_listeners: list[TokensRevoked] = []
_user_listeners: list[UsersChanged] = []
_relay_listeners: list[RelayListener] = []
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


def on_tasks_committed(listener: TasksCommitted) -> TasksCommitted:
    _task_listeners.append(listener)
    return listener


def remove_task_listener(listener: TasksCommitted) -> None:
    if listener in _task_listeners:
        _task_listeners.remove(listener)


async def tasks_committed(changes: Sequence[TaskChange]) -> None:
    for listener in list(_task_listeners):
        try:
            await listener(changes)
        except Exception:
            # The commit stands; task subscribers re-read the list on their next change.
            log.exception("tasks_committed listener failed")


def on_tokens_revoked(listener: TokensRevoked) -> TokensRevoked:
    _revocation_listeners.append(listener)
    return listener


def remove_revocation_listener(listener: TokensRevoked) -> None:
    if listener in _revocation_listeners:
        _revocation_listeners.remove(listener)


async def tokens_revoked(revocations: Sequence[TokenRevoked]) -> None:
    for listener in list(_revocation_listeners):
        try:
            await listener(revocations)
        except Exception:
            # The revocation stands (HTTP refuses the token at once); open sockets are also
            # re-checked against the database periodically (graph/live/revocations.py).
            log.exception("tokens_revoked listener failed")


def on_users_changed(listener: UsersChanged) -> UsersChanged:
    _user_listeners.append(listener)
    return listener


def remove_user_listener(listener: UsersChanged) -> None:
    if listener in _user_listeners:
        _user_listeners.remove(listener)


async def users_changed(changes: Sequence[UserChanged]) -> None:
    for listener in list(_user_listeners):
        try:
            await listener(changes)
        except Exception:
            # The change stands; other processes' cached tokens expire (CC_TOKEN_CACHE_SECONDS).
            log.exception("users_changed listener failed")


def on_relay_changed(listener: RelayListener) -> RelayListener:
    _relay_listeners.append(listener)
    return listener


def remove_relay_listener(listener: RelayListener) -> None:
    if listener in _relay_listeners:
        _relay_listeners.remove(listener)


async def relay_changed(change: RelayChanged) -> None:
    for listener in list(_relay_listeners):
        try:
            await listener(change)
        except Exception:
            # The state is in the database; sendingStatus readers see it on their next query.
            log.exception("relay_changed listener failed")
