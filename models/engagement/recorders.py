"""Engagement: opens, clicks, replies, delivery reports, spam complaints and unsubscribes.

Every recorder writes one EmailEvent and the email's counters in one transaction, then publishes
the event (dashboards and the activity feed update live). Engagement is not an edit: it never
bumps `version`, so a user's mutation in flight is not refused because the prospect clicked.
Tracking (opens, clicks) is off for ARCHIVED emails and for emails that never left; replies,
bounces and complaints are facts about mail already sent and are recorded whatever the status.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock, hooks
from models.base.errors import DomainError
from models.emails import transitions
from models.emails.state_machine import TRANSITIONS, Action
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.people.tables import Person
from models.sending.rules import FailureCode

# Opens and clicks count only while the email is out and not archived.
TRACKED_STATUSES = (
    EmailStatus.IN_PROGRESS,  # SMTP accepted it, the worker has not yet written DELIVERED
    EmailStatus.DELIVERED,
    EmailStatus.BOUNCED,  # a late bounce does not undo an open that happened
    EmailStatus.SPAM,
)
# Replies and reports concern mail that was sent.
SENT_STATUSES = (*TRACKED_STATUSES, EmailStatus.ARCHIVED, EmailStatus.FAILED)

# User agents of mail-privacy proxies, security scanners and scripts: their fetches are not a
# person reading. (Gmail's and Yahoo's image proxies fetch when the reader opens: those count.)
_MACHINE_AGENTS = re.compile(
    r"bot\b|spider|crawler|scanner|preview|headless|python-|curl/|wget/|go-http-client|"
    r"java/|okhttp|barracuda|mimecast|proofpoint|symantec|messagelabs|forcepoint|ironport|"
    r"trendmicro|microsoft office/|ms-office|safelinks|outlook-ios-?linkpreview|"
    r"slackbot|facebookexternalhit|skypeuripreview|^mozilla/5\.0$",
    re.IGNORECASE,
)


def is_machine(user_agent: str, email: Email, at: datetime) -> bool:
    """A likely machine open or click: a known automated agent, or within seconds of delivery
    (scanners and Apple's privacy proxy fetch everything as soon as the message arrives)."""
    agent = user_agent.strip()
    if not agent or _MACHINE_AGENTS.search(agent):
        return True
    arrived = email.delivered_at or email.sent_at
    window = timedelta(seconds=get_settings().machine_engagement_seconds)
    return arrived is not None and at - arrived < window


async def _record(
    email: Email,
    kind: EmailEventKind,
    data: dict[str, Any],
    updates: dict[str, Any],
    *,
    statuses: tuple[EmailStatus, ...],
    machine: bool = False,
    at: datetime | None = None,
    first: str | None = None,
) -> EmailEvent | None:
    """Write the event and the counter updates unless the email left `statuses` meanwhile.
    `first` names a date column set to `at` only while it is still empty (first view, reply)."""
    at = at or clock.now()
    async with in_transaction() as conn:
        moved = (
            await Email.filter(id=email.id, status__in=statuses)
            .using_db(conn)
            .update(**updates, updated_at=at)
        )
        if not moved:
            return None
        if first is not None:
            await Email.filter(id=email.id, **{first: None}).using_db(conn).update(**{first: at})
        event = await EmailEvent.create(
            team_id=email.team_id,
            owner_id=email.owner_id,
            email_id=email.id,
            kind=kind,
            machine=machine,
            actor_id=None,
            previous_status=email.status,
            new_status=email.status,
            occurred_at=at,
            data=data,
            using_db=conn,
        )
    await hooks.events_committed([event])
    return event


async def record_view(
    email: Email, user_agent: str, at: datetime | None = None
) -> EmailEvent | None:
    """An open (the tracking pixel was fetched). None when tracking is off for the email."""
    return await _record_tracked(email, EmailEventKind.VIEWED, "view_count", user_agent, {}, at)


async def record_click(
    email: Email, url: str, user_agent: str, at: datetime | None = None
) -> EmailEvent | None:
    """A click on a tracked link. None when tracking is off for the email."""
    data = {"url": url}
    return await _record_tracked(email, EmailEventKind.CLICKED, "click_count", user_agent, data, at)


async def _record_tracked(
    email: Email,
    kind: EmailEventKind,
    counter: str,
    user_agent: str,
    data: dict[str, Any],
    at: datetime | None,
) -> EmailEvent | None:
    """An open or click: a person's counts `counter` (and is the prospect's latest activity); a
    likely machine's counts `machine_<counter>` only. The first human open sets firstViewedAt."""
    at = at or clock.now()
    machine = is_machine(user_agent, email, at)
    updates: dict[str, Any]
    if machine:
        updates = {f"machine_{counter}": F(f"machine_{counter}") + 1}
    else:
        updates = {counter: F(counter) + 1, "last_activity_at": at}
    first = "first_viewed_at" if kind is EmailEventKind.VIEWED and not machine else None
    return await _record(
        email,
        kind,
        {**data, "userAgent": user_agent[:500]},
        updates,
        statuses=TRACKED_STATUSES,
        machine=machine,
        at=at,
        first=first,
    )


async def record_reply(
    email: Email, *, automatic: bool, data: dict[str, Any], at: datetime | None = None
) -> EmailEvent | None:
    """A reply (sets repliedAt the first time) or an automatic answer (recorded, not counted)."""
    at = at or clock.now()
    if automatic:
        return await _record(
            email, EmailEventKind.AUTO_REPLIED, data, {}, statuses=SENT_STATUSES, at=at
        )
    updates = {
        "reply_count": F("reply_count") + 1,
        "last_activity_at": at,
    }
    return await _record(
        email,
        EmailEventKind.REPLIED,
        data,
        updates,
        statuses=SENT_STATUSES,
        at=at,
        first="replied_at",
    )


async def record_bounce(
    email: Email, *, permanent: bool, detail: str, data: dict[str, Any]
) -> EmailEvent | Email | None:
    """A delivery status notification. Permanent: DELIVERED (or IN_PROGRESS) → BOUNCED with the
    reason; where the state machine allows no such move (archived, already bounced) the report is
    only recorded. Temporary: recorded as DELIVERY_DELAYED, the status stays."""
    if not permanent:
        return await _record(
            email, EmailEventKind.DELIVERY_DELAYED, data, {}, statuses=SENT_STATUSES
        )
    if (email.status, Action.MARK_BOUNCED) in TRANSITIONS:
        changes = {
            "failed_at": clock.now(),
            "failure_code": FailureCode.BOUNCE_REPORTED.value,
            "failure_detail": detail[:2000],
            "lease_expires_at": None,
        }
        try:
            return await transitions.apply(
                email, Action.MARK_BOUNCED, None, changes=changes, data=data
            )
        except DomainError:
            pass  # moved on meanwhile: fall through and keep the report
    return await _record(email, EmailEventKind.BOUNCE_REPORTED, data, {}, statuses=SENT_STATUSES)


async def record_spam(email: Email, data: dict[str, Any]) -> Email | EmailEvent | None:
    """A spam complaint: the person is suppressed first (never mailed again, whatever happens
    next), then DELIVERED → SPAM; an email that cannot move keeps a SPAM_REPORTED note."""
    await suppress_recipient(email, "Spam complaint")
    if (email.status, Action.MARK_SPAM) in TRANSITIONS:
        changes = {
            "failed_at": clock.now(),
            "failure_code": FailureCode.SPAM_COMPLAINT.value,
            "failure_detail": "The recipient reported this email as spam.",
        }
        try:
            return await transitions.apply(
                email, Action.MARK_SPAM, None, changes=changes, data=data
            )
        except DomainError:
            pass
    return await _record(email, EmailEventKind.SPAM_REPORTED, data, {}, statuses=SENT_STATUSES)


async def suppress_recipient(email: Email, reason: str) -> Person:
    """Mark the email's person unsubscribed (created from the first recipient if unknown), so no
    later send reaches them. Idempotent: the first reason and time are kept."""
    person, _changed = await _suppress(email, reason)
    return person


async def _suppress(email: Email, reason: str) -> tuple[Person, bool]:
    """`suppress_recipient`, and whether this call is the one that unsubscribed the person (one
    conditional UPDATE: of concurrent calls exactly one wins)."""
    person = await Person.get_or_none(id=email.person_id) if email.person_id else None
    if person is None:
        address = (email.to_addresses or [""])[0].lower()
        person, _ = await Person.get_or_create(
            team_id=email.team_id,
            email=address,
            defaults={"owner_id": email.owner_id},
        )
    changed = False
    if not person.unsubscribed:
        now = clock.now()
        changed = bool(
            await Person.filter(id=person.id, unsubscribed=False).update(
                unsubscribed=True,
                unsubscribed_at=now,
                unsubscribe_reason=reason[:200],
                updated_at=now,
            )
        )
        await person.refresh_from_db()
    return person, changed


async def unsubscribe(email: Email, source: str) -> EmailEvent | None:
    """The recipient unsubscribed through this email's link (`source`: "link" or "one-click").
    Idempotent: only the request that unsubscribes the person records the event; a repeated or
    concurrent one (mail clients resend one-click POSTs) changes nothing and returns None."""
    person, changed = await _suppress(email, f"Unsubscribed ({source})")
    if not changed:
        return None
    data = {"source": source, "personId": person.id}
    at = clock.now()  # one time for the event and the email's last activity
    return await _record(
        email,
        EmailEventKind.UNSUBSCRIBED,
        data,
        {"last_activity_at": at},
        statuses=SENT_STATUSES,
        at=at,
    )
