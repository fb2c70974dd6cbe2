"""Applying the state machine to a stored email, atomically.

One conditional UPDATE (on id, status and version) moves the email; the EmailEvent and the status
counters are written in the same transaction; listeners hear about it after the commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.base import clock, hooks
from models.base.errors import DomainError, ErrorCode
from models.campaigns import stops as campaign_stops
from models.emails import counters
from models.emails.state_machine import Action, Rule, plan
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.sending import batch_sql as bulk_sql
from models.teams.tables import User

MAX_ATTEMPTS = 3


def status_date(status: EmailStatus, values: dict[str, Any], at: datetime) -> datetime:
    """The date that matters for `status`: the default sort key of folder listings."""
    if status is EmailStatus.SCHEDULED:
        return values["scheduled_at"]
    if status in (EmailStatus.DELIVERED, EmailStatus.ARCHIVED):
        return values.get("delivered_at") or at
    if status in (EmailStatus.FAILED, EmailStatus.BOUNCED, EmailStatus.SPAM):
        return values.get("failed_at") or at
    return at  # DRAFT: last edit; IN_PROGRESS: the claim


class _Conflict(Exception):
    """The row changed between our read and our conditional update."""


async def apply(
    email: Email,
    action: Action,
    actor: User | None,
    *,
    expected_version: int | None = None,
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Email | None:
    """Move `email` by `action`. Returns the updated email, or None when it was deleted.

    With `expected_version` the caller's copy must be current (optimistic locking): any concurrent
    change gives STALE_VERSION. Without it, a concurrent change is re-read and the rules re-checked.
    """
    for _attempt in range(MAX_ATTEMPTS):
        if expected_version is not None and email.version != expected_version:
            raise _stale(email)
        rule = plan(email, action)
        try:
            return await _apply_once(email, action, rule, actor, changes or {}, data or {})
        except _Conflict:
            if expected_version is not None:
                raise _stale(email) from None
            fresh = await Email.get_or_none(id=email.id)
            if fresh is None:
                raise DomainError(ErrorCode.NOT_FOUND, "Email not found.", "id") from None
            email = fresh
    raise DomainError(ErrorCode.STALE_VERSION, "The email keeps changing; try again.", "version")


def _stale(email: Email) -> DomainError:
    return DomainError(
        ErrorCode.STALE_VERSION,
        f"The email was changed by someone else (now at version {email.version}); "
        "reload it and try again.",
        "version",
    )


async def _apply_once(
    email: Email,
    action: Action,
    rule: Rule,
    actor: User | None,
    changes: dict[str, Any],
    data: dict[str, Any],
) -> Email | None:
    at = clock.now()
    previous = email.status
    async with in_transaction() as conn:
        current = Email.filter(id=email.id, status=previous, version=email.version).using_db(conn)
        if rule.to is None:
            if not await current.delete():
                raise _Conflict
        else:
            values = {**_lease(previous, rule.to, changes), "status": rule.to, "updated_at": at}
            merged = {**_row_values(email), **values}
            values["status_at"] = status_date(rule.to, merged, at)
            if not await current.update(**values, version=F("version") + 1):
                raise _Conflict
        event = await EmailEvent.create(
            team_id=email.team_id,
            owner_id=email.owner_id,
            email_id=email.id,
            kind=rule.event,
            actor_id=actor.id if actor else None,
            previous_status=previous,
            new_status=rule.to,
            occurred_at=at,
            data={"action": action.value, **data, **_deleted_links(email, rule.to)},
            using_db=conn,
        )
        await counters.move(email.team_id, email.owner_id, previous, rule.to, conn)
        # Campaign stop rules ride the same transaction (a bounce or spam complaint ends them).
        stopped = await campaign_stops.on_engagement(conn, email, rule.event, at)
    await hooks.events_committed([event, *stopped.email_events])
    if rule.to is None:
        return None
    return await Email.get(id=email.id)


async def apply_batch(
    emails: Sequence[Email],
    action: Action,
    changes_of: Callable[[Email], dict[str, Any]],
    data_of: Callable[[Email], dict[str, Any]] | None = None,
) -> list[Email]:
    """Move many emails by one system `action` in one transaction (the sending pipeline's claim
    and finish). The UPDATE is conditional on each email's (id, status, version), so the rules
    and "exactly one winner" hold per email; emails refused by the rules or changed meanwhile are
    left out of the result. Never deletes. Returns the moved emails, updated in place (no
    re-read); `changes_of` values must be hashable (they group emails into one statement)."""
    at = clock.now()
    planned = []
    for email in emails:
        try:
            rule = plan(email, action)
        except DomainError:
            continue
        assert rule.to is not None, "apply_batch never deletes"
        planned.append((email, rule, rule.to))
    if not planned:
        return []
    # Emails leaving the same status with the same new values move in one statement.
    groups: dict[tuple[Any, ...], list[tuple[Email, Rule, EmailStatus]]] = {}
    values_of: dict[tuple[Any, ...], dict[str, Any]] = {}
    for email, rule, to in planned:
        values = {**_lease(email.status, to, changes_of(email)), "status": to, "updated_at": at}
        values["status_at"] = status_date(to, {**_row_values(email), **values}, at)
        key = (email.status, *sorted(values.items()))
        groups.setdefault(key, []).append((email, rule, to))
        values_of[key] = values
    moved: list[Email] = []
    events: list[EmailEvent] = []
    moves: Counter[tuple[int, int, EmailStatus, EmailStatus]] = Counter()
    async with in_transaction() as conn:
        for key, group in groups.items():
            previous, values = group[0][0].status, values_of[key]
            won = await bulk_sql.update_emails(conn, [e for e, _, _ in group], previous, values)
            for email, rule, to in group:
                if email.id not in won:
                    continue  # changed meanwhile: not this caller's to move
                data = data_of(email) if data_of else {}
                events.append(
                    EmailEvent(
                        team_id=email.team_id,
                        owner_id=email.owner_id,
                        email_id=email.id,
                        kind=rule.event,
                        machine=False,
                        actor_id=None,
                        previous_status=previous,
                        new_status=to,
                        occurred_at=at,
                        data={"action": action.value, **data},
                    )
                )
                moves[(email.team_id, email.owner_id, previous, to)] += 1
                for field, value in values.items():
                    setattr(email, field, value)
                email.version += 1
                moved.append(email)
        await bulk_sql.insert_events(conn, events)
        for (team_id, owner_id, previous, to), count in moves.items():
            await counters.move(team_id, owner_id, previous, to, conn, count=count)
    await hooks.events_committed(events)
    return moved


def _lease(previous: EmailStatus, to: EmailStatus, changes: dict[str, Any]) -> dict[str, Any]:
    """Every IN_PROGRESS email has a lease (the database checks it too): entering IN_PROGRESS
    needs one, leaving it drops it."""
    if to is EmailStatus.IN_PROGRESS and changes.get("lease_expires_at") is None:
        raise ValueError("An email goes IN_PROGRESS only with a lease (lease_expires_at).")
    if previous is EmailStatus.IN_PROGRESS and to is not EmailStatus.IN_PROGRESS:
        return {**changes, "lease_expires_at": None}
    return changes


def _deleted_links(email: Email, to: EmailStatus | None) -> dict[str, Any]:
    # The row is gone after a deletion: keep what subscription filters (person, campaign) need.
    if to is not None:
        return {}
    return {"personId": email.person_id, "campaignId": email.campaign_id}


def _row_values(email: Email) -> dict[str, Any]:
    return {
        "scheduled_at": email.scheduled_at,
        "delivered_at": email.delivered_at,
        "failed_at": email.failed_at,
    }


async def record_created(email: Email, actor: User | None, conn: Any) -> EmailEvent:
    """The CREATED event and counter bump of a new email, inside the caller's transaction."""
    event = await EmailEvent.create(
        team_id=email.team_id,
        owner_id=email.owner_id,
        email_id=email.id,
        kind=EmailEventKind.CREATED,
        actor_id=actor.id if actor else None,
        previous_status=None,
        new_status=email.status,
        occurred_at=email.created_at,
        data={"bulkKind": email.bulk_kind.value},
        using_db=conn,
    )
    await counters.move(email.team_id, email.owner_id, None, email.status, conn)
    return event
