"""The activity feed: the prospect's side of the caller's visible emails (opens, clicks, replies,
delivery problems, unsubscribes), newest first. Likely machine opens and clicks are left out
unless asked for. The same rules serve the query and the live subscription."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.queryset import QuerySet

from models.base.errors import DomainError, ErrorCode
from models.base.pagination import Order
from models.emails.tables import ENGAGEMENT_KINDS, EmailEvent, EmailEventKind
from models.teams import scope
from models.teams.tables import User

FEED_ORDER = Order("id", descending=True)


@dataclass(frozen=True)
class ActivityFilter:
    kinds: frozenset[EmailEventKind]
    include_machine: bool = False

    @classmethod
    def of(
        cls, kinds: Iterable[EmailEventKind] | None, include_machine: bool = False
    ) -> ActivityFilter:
        if kinds is None:
            return cls(ENGAGEMENT_KINDS, include_machine)
        wanted = frozenset(EmailEventKind(kind) for kind in kinds)
        outside = sorted(kind.value for kind in wanted - ENGAGEMENT_KINDS)
        if outside:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"Not an engagement kind: {', '.join(outside)}.",
                "kinds",
            )
        return cls(wanted, include_machine)

    def matches(self, kind: EmailEventKind, machine: bool) -> bool:
        return kind in self.kinds and (self.include_machine or not machine)


def activity_events(viewer: User, activity: ActivityFilter) -> QuerySet[EmailEvent]:
    """The viewer's visible engagement events (members: their own emails; admins: the team's)."""
    query = scope.visible_events(viewer).filter(kind__in=sorted(k.value for k in activity.kinds))
    if not activity.include_machine:
        query = query.filter(machine=False)
    return query
