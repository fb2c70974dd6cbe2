"""The event-bus interface and the messages it carries: email changes and task changes."""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.emails.tables import EmailEvent, EmailEventKind, EmailStatus
from models.sending.relay_changes import TYPE as RELAY_TYPE
from models.sending.relay_changes import RelayChanged
from models.tasks.changes import TYPE as TASK_TYPE
from models.tasks.changes import TaskChange
from models.teams.revocations import TYPE as REVOCATION_TYPE
from models.teams.revocations import USER_CHANGED, TokenRevoked, UserChanged

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmailChange:
    """One committed EmailEvent, as published. `cursor` is the EmailEvent id: it only grows."""

    cursor: int
    email_id: int
    team_id: int
    owner_id: int
    kind: EmailEventKind
    previous_status: EmailStatus | None
    new_status: EmailStatus | None  # None: the email was deleted
    occurred_at: datetime
    actor_id: int | None
    data: dict[str, Any]

    @classmethod
    def of(cls, row: EmailEvent) -> EmailChange:
        return cls(
            cursor=row.id,
            email_id=row.email_id,
            team_id=row.team_id,
            owner_id=row.owner_id,
            kind=EmailEventKind(row.kind),
            previous_status=EmailStatus(row.previous_status) if row.previous_status else None,
            new_status=EmailStatus(row.new_status) if row.new_status else None,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            data=dict(row.data or {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "emailId": self.email_id,
            "teamId": self.team_id,
            "ownerId": self.owner_id,
            "kind": self.kind.value,
            "previousStatus": self.previous_status.value if self.previous_status else None,
            "newStatus": self.new_status.value if self.new_status else None,
            "occurredAt": self.occurred_at.isoformat(),
            "actorId": self.actor_id,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> EmailChange:
        previous, new = value.get("previousStatus"), value.get("newStatus")
        return cls(
            cursor=int(value["cursor"]),
            email_id=int(value["emailId"]),
            team_id=int(value["teamId"]),
            owner_id=int(value["ownerId"]),
            kind=EmailEventKind(value["kind"]),
            previous_status=EmailStatus(previous) if previous else None,
            new_status=EmailStatus(new) if new else None,
            occurred_at=datetime.fromisoformat(value["occurredAt"]),
            actor_id=value.get("actorId"),
            data=dict(value.get("data") or {}),
        )


# Everything the bus carries. Email changes are serialised without a "type" (as before tasks
# existed); task changes carry "type": "task", token revocations "type": "token-revoked", user
# changes "type": "user-changed", relay state changes "type": "relay", and `change_from_json`
# tells them apart.
Change = EmailChange | TaskChange | TokenRevoked | UserChanged | RelayChanged


def change_from_json(value: dict[str, Any]) -> Change:
    if value.get("type") == TASK_TYPE:
        return TaskChange.from_json(value)
    if value.get("type") == REVOCATION_TYPE:
        return TokenRevoked.from_json(value)
    if value.get("type") == USER_CHANGED:
        return UserChanged.from_json(value)
    if value.get("type") == RELAY_TYPE:
        return RelayChanged.from_json(value)
    return EmailChange.from_json(value)


# Called on the bus's event loop with every batch, in publish order. It must not block: the
# per-process dispatcher only enqueues.
Listener = Callable[[Sequence[Change]], None]
GapListener = Callable[[], None]


class EventBus(abc.ABC):
    """Publish committed changes; hear every change published by any process on the same bus."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._gap_listeners: list[GapListener] = []

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect (called once, on the event loop that will deliver)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Disconnect; no listener is called afterwards."""

    async def ping(self) -> None:  # noqa: B027 - in-process buses are always there
        """Raise when the bus cannot carry a change right now (readiness: GET /readyz)."""

    @abc.abstractmethod
    async def publish(self, changes: Sequence[Change]) -> None: ...

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Register `listener`; returns the function that unregisters it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def on_gap(self, listener: GapListener) -> Callable[[], None]:
        """Call `listener` whenever the bus may have missed changes (it reconnected after losing
        its connection); returns the function that unregisters it."""
        self._gap_listeners.append(listener)

        def stop() -> None:
            if listener in self._gap_listeners:
                self._gap_listeners.remove(listener)

        return stop

    def gap(self) -> None:
        """Changes published while this process was not listening are lost: tell the listeners,
        once listening again, so they can read what they missed from the database."""
        for listener in list(self._gap_listeners):
            try:
                listener()
            except Exception:
                log.exception("event gap listener failed")

    def deliver(self, changes: Sequence[Change]) -> None:
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:
                # One broken listener must not starve the others.
                log.exception("event listener failed")
