"""Email events, task changes and token revocations after commit, published to every process
that holds subscriptions.

One small interface (`EventBus`) with two implementations: in-process memory (the embedded default)
and Redis pub/sub (`CC_EVENTS_URL=redis://…`, several API and worker processes). Publishing is wired
to `models.base.hooks`, so whoever commits a transition (API or worker) publishes it.

This package depends on `models` only: workers import it without the GraphQL layer.
"""

from events.bus import Change, EmailChange, EventBus, Listener
from events.setup import close_bus, current_bus, open_bus, running_bus
from models.tasks.changes import TaskChange
from models.teams.revocations import TokenRevoked

__all__ = [
    "Change",
    "EmailChange",
    "EventBus",
    "Listener",
    "TaskChange",
    "TokenRevoked",
    "close_bus",
    "current_bus",
    "open_bus",
    "running_bus",
]
