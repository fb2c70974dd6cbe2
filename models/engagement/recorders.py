"""Engagement: opens, clicks, replies, delivery reports, spam complaints and unsubscribes.

Every recorder writes one EmailEvent and the email's counters in one transaction, then publishes
the event (dashboards and the activity feed update live). Engagement is not an edit: it never
bumps `version`, so a user's mutation in flight is not refused because the prospect clicked.
Tracking (opens, clicks) is off for ARCHIVED emails and for emails that never left; replies,
bounces and complaints are facts about mail already sent and are recorded whatever the status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock, hooks
from models.base.errors import DomainError
from models.campaigns import stops as campaign_stops
from models.emails import transitions
from models.emails.sendable import recipients_of
from models.emails.state_machine import TRANSITIONS, Action
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.engagement.replies import EmailReply, ReplyMatch, snippet
from models.people import bounces
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
DELIVERED_STATUSES = (EmailStatus.DELIVERED, EmailStatus.ARCHIVED)

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
    reply: EmailReply | None = None,
) -> EmailEvent | None:
    """Write the event and the counter updates unless the email left `statuses` meanwhile.
    `first` names a date column set to `at` only while it is still empty (first view, reply);
    `reply` (unsaved) is stored with the event."""
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
        if reply is not None:
            reply.received_at = at
            await reply.save(using_db=conn)
        # Campaign stop rules ride the same transaction (a reply or an unsubscribe ends them).
        stopped = await campaign_stops.on_engagement(conn, email, kind, at)
    await hooks.events_committed([event, *stopped.email_events])
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
    email: Email,
    *,
    automatic: bool,
    data: dict[str, Any],
    at: datetime | None = None,
    text: str | None = None,
    matched_by: ReplyMatch = ReplyMatch.THREAD,
) -> EmailEvent | None:
    """A reply (sets repliedAt the first time) or an automatic answer (recorded, not counted).
    With `text` (the reply's own words) it is kept for `Email.replies`."""
    at = at or clock.now()
    data = {**data, "matchedBy": matched_by.value}
    reply = None
    if text is not None:
        reply = EmailReply(
            team_id=email.team_id,
            email_id=email.id,
            inbound_id=data.get("inboundId"),
            from_address=str(data.get("from") or "")[:320],
            subject=str(data.get("subject") or "")[:998],
            text=text,
            snippet=snippet(text),
            matched_by=matched_by,
            automatic=automatic,
        )
    if automatic:
        return await _record(
            email,
            EmailEventKind.AUTO_REPLIED,
            data,
            {},
            statuses=SENT_STATUSES,
            at=at,
            reply=reply,
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
        reply=reply,
    )


async def record_bounce(
    email: Email,
    *,
    permanent: bool,
    detail: str,
    data: dict[str, Any],
    addresses: Sequence[str] = (),
) -> EmailEvent | Email | None:
    """A delivery status notification. Permanent: DELIVERED (or IN_PROGRESS) → BOUNCED with the
    reason; where the state machine allows no such move (archived, already bounced) the report is
    only recorded. Temporary: recorded as DELIVERY_DELAYED, the status stays. Either way the
    failed `addresses` (those of the email's recipients; its only one when the report names
    none) are marked undeliverable or get a soft bounce counted (models/people/bounces.py)."""
    failed = _failed_recipients(email, addresses)
    if not permanent:
        recorded = await _record(
            email, EmailEventKind.DELIVERY_DELAYED, data, {}, statuses=SENT_STATUSES
        )
        if recorded is not None:
            for address in failed:
                await _count_soft_bounce(email, address, detail)
        return recorded
    for address in failed:
        await bounces.mark_undeliverable(email.team_id, address, detail or "Bounced", email.id)
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


def _failed_recipients(email: Email, addresses: Sequence[str]) -> list[str]:
    # Only the email's own recipients: a report never marks an address we did not send it to.
    recipients = recipients_of(email)
    named = {a.lower() for a in addresses}
    if not named:
        return recipients[:1] if len(recipients) == 1 else []
    return [a for a in recipients if a in named]


async def _count_soft_bounce(email: Email, address: str, detail: str) -> None:
    state = (await bounces.states(email.team_id, [address])).get(address)
    delivered_since = False
    if state is not None and state.last_soft_sent_at is not None and email.sent_at is not None:
        # "In a row": another email to the address delivered between the last soft-bounced one
        # and this one restarts the count.
        delivered_since = await (
            Email.filter(team_id=email.team_id, status__in=DELIVERED_STATUSES)
            .filter(Q(recipients_text=address) | Q(person_id=email.person_id or 0))
            .filter(sent_at__gt=state.last_soft_sent_at, sent_at__lt=email.sent_at)
            .exclude(id=email.id)
            .exists()
        )
    await bounces.count_soft_bounce(
        email.team_id,
        address,
        detail or "Delivery delayed",
        email.id,
        email.sent_at,
        delivered_since_last=delivered_since,
    )


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
