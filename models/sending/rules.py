"""Sending rules: which emails go out, who may send them, and how a send ends. No transport code.

How "never sent twice" and "never lost" both hold (the database is the outbox):

1. Dispatch. `due_for_dispatch` picks SCHEDULED emails whose time has come and stamps each with
   `dispatch_after = now + CC_REDISPATCH_AFTER`; the caller enqueues one `send_emails(ids)` message
   per CC_SEND_BATCH ids. Nothing is claimed yet, so a message the broker loses costs nothing: the
   emails are still SCHEDULED and due; the next sweep after `dispatch_after` enqueues them again.
2. Claim. The actor calls `claim_batch(ids)`: one UPDATE conditional on each email's
   (id, status=SCHEDULED, version) moves them to IN_PROGRESS with a lease. Of any number of
   messages for the same email (duplicates, replays, re-dispatches) exactly one wins it; the
   others see a non-SCHEDULED email and leave it alone. Only the winner talks to SMTP.
3. Finish. `finish_*` moves the email from IN_PROGRESS to DELIVERED/BOUNCED/FAILED, conditional on
   the version the claim produced: a worker whose lease was already expired changes nothing.
4. Leases. A worker that dies between the claim and the finish leaves the email IN_PROGRESS.
   Just before MAIL FROM the worker records `smtp_started_at`, and the relay's 250 as soon as it
   comes (`smtp_reply`; `record_smtp`, one UPDATE for several emails). Once the lease ends,
   `expire_leases` moves an accepted email to DELIVERED, one whose SMTP transaction had started
   without an answer to FAILED with
   DELIVERY_UNCERTAIN (SMTP may or may not have accepted it, so it is never resent blindly; the
   user decides with retryEmail), and one that never reached MAIL FROM back to SCHEDULED
   (`release`): it goes out once, later. workers/delivery.py keeps at most one email per SMTP
   connection started and unrecorded, so a crash leaves at most CC_SMTP_POOL_SIZE uncertain.
5. Temporary failures and outages. A 4xx for this email's recipients (the relay being UP) puts
   it back to SCHEDULED with a backoff (`defer`: CC_SEND_RETRY_BACKOFF doubling up to
   CC_SEND_RETRY_MAX_BACKOFF) until CC_SEND_MAX_AGE after its first temporary failure, then
   FAILED SMTP_UNAVAILABLE. While the relay is DOWN (models/sending/relay.py) nothing is claimed,
   and claimed emails that could not go out are released unchanged: an outage is not the email's
   fault, so it counts no attempt.

Limits (checked at claim time, per sender, across all processes via `models.sending.quota`):
- daily limit (CC_DAILY_SEND_LIMIT, the sender's calendar day): an email over the limit is not
  dropped: the system reschedules it to the start of the sender's next day, with failure code
  DAILY_LIMIT_REACHED and a RESCHEDULED event saying why. sendEmailNow / retryEmail (and
  scheduleEmail for today) are refused with DAILY_LIMIT_REACHED once today's quota is used up.
- throttle (CC_SEND_RATE_LIMIT emails per CC_SEND_RATE_INTERVAL seconds): an email over it stays
  SCHEDULED and is not dispatched again before the current slot ends (a delay of seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock
from models.base.errors import DomainError, ErrorCode
from models.campaigns import timing
from models.emails import transitions
from models.emails.state_machine import Action
from models.emails.tables import Email, EmailStatus
from models.people import bounces
from models.sending import batch_sql, quota, relay
from models.teams.tables import User

log = logging.getLogger(__name__)


class FailureCode(StrEnum):
    """`Email.failure_code` values written by the sending pipeline."""

    SMTP_REJECTED = "SMTP_REJECTED"  # 5xx from the recipient's server: BOUNCED
    SMTP_UNAVAILABLE = "SMTP_UNAVAILABLE"  # 4xx / no connection for CC_SEND_MAX_AGE
    DELIVERY_UNCERTAIN = "DELIVERY_UNCERTAIN"  # the worker died mid-send: not resent blindly
    RECIPIENT_UNSUBSCRIBED = "RECIPIENT_UNSUBSCRIBED"
    RECIPIENT_BOUNCED = "RECIPIENT_BOUNCED"  # an address marked undeliverable (hard bounce)
    UNRESOLVED_MERGE_FIELD = "UNRESOLVED_MERGE_FIELD"
    PROMPT_NOT_REPLACED = "PROMPT_NOT_REPLACED"
    NO_RECIPIENT = "NO_RECIPIENT"
    # Written by inbound processing (models/engagement/recorders.py).
    BOUNCE_REPORTED = "BOUNCE_REPORTED"  # a delivery status notification: permanent failure
    SPAM_COMPLAINT = "SPAM_COMPLAINT"  # an abuse report (ARF) from the recipient's provider
    # Addresses (h13c): stored before addresses were checked for it; we do not send SMTPUTF8.
    RECIPIENT_NOT_ASCII = "RECIPIENT_NOT_ASCII"
    # Relay outages (h18a): on a SCHEDULED email, why it waits; on a FAILED one, why it stopped.
    SMTP_DEFERRED = "SMTP_DEFERRED"  # a temporary failure: tried again after a backoff


async def due_for_dispatch(limit: int = 500) -> list[int]:
    """Ids of due SCHEDULED emails that have no live send message, stamped as dispatched."""
    settings = get_settings()
    now = clock.now()
    due = (
        Email.filter(status=EmailStatus.SCHEDULED, scheduled_at__lte=now)
        .filter(Q(dispatch_after=None) | Q(dispatch_after__lte=now))
        .order_by("scheduled_at", "id")
        .limit(limit)
    )
    async with in_transaction() as conn:
        # Rows another dispatcher is stamping are skipped, not waited for (PostgreSQL): two
        # sweeps share the due emails and never deadlock on each other's rows (as campaigns do).
        rows = await due.select_for_update(skip_locked=True).only("id").using_db(conn)
        ids = [row.id for row in rows]
        if ids:
            # Not a state change (no version bump): a user editing the email meanwhile is not
            # refused.
            await (
                Email.filter(id__in=ids, status=EmailStatus.SCHEDULED)
                .using_db(conn)
                .update(dispatch_after=now + timedelta(seconds=settings.redispatch_after))
            )
    return ids


async def claim(email_id: int) -> Email | None:
    """Take the email for sending (SCHEDULED → IN_PROGRESS), or None when this caller must not."""
    claimed = await claim_batch([email_id])
    return claimed[0] if claimed else None


async def claim_batch(email_ids: Sequence[int]) -> list[Email]:
    """Take the due emails among `email_ids` for sending; the others are not this caller's.

    One UPDATE claims the batch, conditional on each email's status and version (and one INSERT
    writes their events), so of any number of callers holding the same id exactly one wins it.
    While the relay is DOWN nothing is claimed: the emails stay SCHEDULED and are dispatched
    again once it is UP."""
    if await relay.is_down():
        await Email.filter(id__in=list(email_ids), status=EmailStatus.SCHEDULED).update(
            dispatch_after=None
        )
        return []
    emails = await Email.filter(id__in=list(email_ids), status=EmailStatus.SCHEDULED).order_by(
        "scheduled_at", "id"
    )
    now = clock.now()
    not_due = [e.id for e in emails if e.scheduled_at is None or e.scheduled_at > now]
    if not_due:
        # Rescheduled after it was dispatched: the dispatcher picks it up when it is due.
        await Email.filter(id__in=not_due, status=EmailStatus.SCHEDULED).update(dispatch_after=None)
    later = set(not_due)
    due = [e for e in emails if e.id not in later]
    if not due:
        return []
    senders = {u.id: u for u in await User.filter(id__in={e.owner_id for e in due})}
    allowed: list[Email] = []
    taken: dict[int, list[quota.Window]] = {}
    for owner_id in sorted(senders):
        mine = [e for e in due if e.owner_id == owner_id]
        granted, windows = await _take_quota(mine, senders[owner_id], now)
        allowed += granted
        taken[owner_id] = windows
    lease = timedelta(seconds=get_settings().send_lease)
    changes = {
        "sent_at": now,
        "lease_expires_at": now + lease,
        "dispatch_after": None,
        "smtp_started_at": None,
        "smtp_reply": None,
        "failure_code": None,
        "failure_detail": None,
    }
    claimed = await transitions.apply_batch(allowed, Action.CLAIM, lambda _email: changes)
    won = {e.id for e in claimed}
    for owner_id, windows in taken.items():
        # Another message claimed it first, or the user changed it: give its units back.
        lost = sum(1 for e in allowed if e.owner_id == owner_id and e.id not in won)
        for window in windows:
            await quota.give_back(owner_id, window, lost)
    return claimed


async def _take_quota(
    emails: list[Email], sender: User, now: datetime
) -> tuple[list[Email], list[quota.Window]]:
    """Count the sender's emails against their limits; those over a limit are deferred.
    Returns the emails that may go and the windows they were counted in."""
    settings = get_settings()
    day = quota.day_window(now, sender.timezone)
    granted = await quota.take_many(sender.id, day, settings.daily_send_limit, len(emails))
    for email in emails[granted:]:
        await _defer_to_next_day(email, day)
    allowed = emails[:granted]
    if settings.send_rate_limit <= 0 or not allowed:
        return allowed, [day]
    slot = quota.rate_window(now, settings.send_rate_interval)
    in_slot = await quota.take_many(sender.id, slot, settings.send_rate_limit, len(allowed))
    over = allowed[in_slot:]
    if over:
        await quota.give_back(sender.id, day, len(over))
        await Email.filter(id__in=[e.id for e in over], status=EmailStatus.SCHEDULED).update(
            dispatch_after=slot.ends_at
        )
    return allowed[:in_slot], [day, slot]


async def _defer_to_next_day(email: Email, day: quota.Window) -> None:
    limit = get_settings().daily_send_limit
    # A campaign step email moves to its send window's next opening from then.
    later = await timing.window_after(email, day.ends_at)
    detail = f"Daily sending limit of {limit} reached; deferred to {later.isoformat()}."
    changes = {
        "scheduled_at": later,
        "dispatch_after": None,
        "failure_code": ErrorCode.DAILY_LIMIT_REACHED.value,
        "failure_detail": detail,
    }
    with suppress(DomainError):  # changed meanwhile: the next dispatch looks at it again
        await transitions.apply(
            email,
            Action.RESCHEDULE,
            None,
            expected_version=email.version,
            changes=changes,
            data={"reason": ErrorCode.DAILY_LIMIT_REACHED.value, "detail": detail},
        )


async def check_daily_quota(user: User, at: datetime, field: str | None = None) -> None:
    """Refuse a request to send at `at` when that day's quota is already used up."""
    settings = get_settings()
    day = quota.day_window(clock.now(), user.timezone)
    if quota.local_day(at, user.timezone) != quota.local_day(clock.now(), user.timezone):
        return  # another day: counted when it goes
    if await quota.used(user.id, day) >= settings.daily_send_limit:
        raise DomainError(
            ErrorCode.DAILY_LIMIT_REACHED,
            f"You have reached your daily sending limit of {settings.daily_send_limit} emails; "
            f"schedule it for after {day.ends_at.isoformat()}.",
            field,
        )


async def _finish(
    claimed: Email, action: Action, changes: dict[str, Any], data: dict[str, Any]
) -> Email | None:
    try:
        return await transitions.apply(
            claimed,
            action,
            None,
            expected_version=claimed.version,
            changes={**changes, **_FINISHED},
            data=data,
        )
    except DomainError as error:
        # The lease ran out and the email moved on (DELIVERY_UNCERTAIN, then maybe a retry).
        log.warning("email %s: %s dropped: %s", claimed.id, action.value, error.message)
        return None


async def finish_delivered(claimed: Email, reply: str) -> Email | None:
    now = clock.now()
    return await _finish(
        claimed, Action.MARK_DELIVERED, {"delivered_at": now}, {"smtpReply": reply[:1000]}
    )


async def finish_delivered_batch(sent: Sequence[tuple[Email, str]]) -> list[Email]:
    """Many claimed emails accepted by SMTP (`(email, reply)` pairs), recorded in one transaction.
    An email whose lease already ran out (it moved on) is left as it is, as in `_finish`."""
    now = clock.now()
    replies = {email.id: reply for email, reply in sent}
    done = await transitions.apply_batch(
        [email for email, _ in sent],
        Action.MARK_DELIVERED,
        lambda _email: {**_FINISHED, "delivered_at": now},
        lambda email: {"smtpReply": replies[email.id][:1000]},
    )
    if len(done) < len(sent):
        missed = sorted(replies.keys() - {e.id for e in done})
        log.warning("emails %s: delivered after their lease ran out; left as they are", missed)
    return done


async def finish_bounced(claimed: Email, code: FailureCode, detail: str) -> Email | None:
    return await _finish_failure(claimed, Action.MARK_BOUNCED, code, detail)


async def mark_refused_recipients(claimed: Email, refused: Sequence[str], reply: str) -> None:
    """Recipients the receiving server refused with a 5xx at RCPT: hard bounces, marked
    undeliverable for the team (whether the rest of the email went out or not)."""
    for address in refused:
        await bounces.mark_undeliverable(claimed.team_id, address, reply[:2000], claimed.id)


async def finish_failed(claimed: Email, code: FailureCode, detail: str) -> Email | None:
    return await _finish_failure(claimed, Action.MARK_FAILED, code, detail)


async def _finish_failure(
    claimed: Email, action: Action, code: FailureCode, detail: str
) -> Email | None:
    changes = {"failed_at": clock.now(), "failure_code": code.value, "failure_detail": detail}
    return await _finish(claimed, action, changes, {"failureCode": code.value, "detail": detail})


@dataclass(frozen=True)
class Expired:
    uncertain: list[int]  # SMTP had started: FAILED DELIVERY_UNCERTAIN
    released: list[int]  # SMTP never started: SCHEDULED again, due now
    delivered: list[int]  # the relay's 250 was recorded, not the transition: DELIVERED

    def __bool__(self) -> bool:
        return bool(self.uncertain or self.released or self.delivered)


_UNCERTAIN_DETAIL = (
    "The worker sending this email stopped during the SMTP transaction, before the mail server's "
    "answer; it may or may not have been delivered. Retry it to send it again."
)


async def expire_leases(limit: int = 500) -> Expired:
    """IN_PROGRESS emails whose lease ended: those whose SMTP transaction had started →
    FAILED DELIVERY_UNCERTAIN; the others (never attempted) → SCHEDULED, to go out once."""
    now = clock.now()
    stale = await (
        Email.filter(status=EmailStatus.IN_PROGRESS, lease_expires_at__lte=now)
        .order_by("lease_expires_at", "id")
        .limit(limit)
    )
    # The relay had accepted it; only the DELIVERED record was missing.
    accepted = [e for e in stale if e.smtp_reply is not None]
    delivered = await finish_delivered_batch([(e, e.smtp_reply or "") for e in accepted])
    started = [e for e in stale if e.smtp_started_at is not None and e.smtp_reply is None]
    code = FailureCode.DELIVERY_UNCERTAIN.value
    uncertain = await transitions.apply_batch(
        started,
        Action.MARK_FAILED,
        lambda _e: {
            **_FINISHED,
            "failed_at": now,
            "failure_code": code,
            "failure_detail": _UNCERTAIN_DETAIL,
        },
        lambda _e: {"failureCode": code, "detail": _UNCERTAIN_DETAIL},
    )
    released = await release([e for e in stale if e.smtp_started_at is None], "LEASE_EXPIRED")
    await quota.prune(now - timedelta(days=2))
    return Expired([e.id for e in uncertain], [e.id for e in released], [e.id for e in delivered])


# What every finished email drops: its lease, its SMTP start and its temporary-failure count.
_FINISHED: dict[str, Any] = {
    "lease_expires_at": None,
    "smtp_started_at": None,
    "smtp_reply": None,
    "send_attempts": 0,
    "deferred_since": None,
}


async def record_smtp(started: Sequence[Email], accepted: Sequence[tuple[Email, str]]) -> None:
    """Record, in one statement, that the SMTP transactions of `started` begin now (just before
    MAIL FROM) and that the relay accepted `accepted` (`(email, reply)`; their DELIVERED
    transition follows in a batch, and the lease sweep completes it after a crash)."""
    now = clock.now()
    # One statement: it commits on its own, no BEGIN/COMMIT round trips around it.
    await batch_sql.record_smtp(
        Email._meta.db,
        [e.id for e in started],
        [(e.id, reply[:1000]) for e, reply in accepted],
        now,
    )
    for email in started:
        email.smtp_started_at = now


async def mark_started(emails: Sequence[Email]) -> None:
    """`record_smtp` for starts only."""
    await record_smtp(emails, [])


async def release(
    emails: Sequence[Email], reason: str, *, dispatch_after: datetime | None = None
) -> list[Email]:
    """Claimed emails that did not go out (never started, or the relay refused them) back to
    SCHEDULED without counting an attempt; their quota units are given back."""
    if not emails:
        return []
    changes = {"dispatch_after": dispatch_after, "smtp_started_at": None, "smtp_reply": None}
    moved = await transitions.apply_batch(
        emails, Action.RELEASE, lambda _e: changes, lambda _e: {"reason": reason}
    )
    await _give_back_quota(moved)
    return moved


async def defer(claimed: Email, detail: str) -> Email | None:
    """A temporary failure for this email (the relay is UP): SCHEDULED again after a backoff
    that doubles per failure, or FAILED SMTP_UNAVAILABLE once CC_SEND_MAX_AGE has passed since
    the first one."""
    settings = get_settings()
    now = clock.now()
    since = claimed.deferred_since or now
    attempts = claimed.send_attempts + 1
    delay = min(settings.send_retry_backoff * 2 ** (attempts - 1), settings.send_retry_max_backoff)
    retry_at = now + timedelta(seconds=delay)
    if retry_at > since + timedelta(seconds=settings.send_max_age):
        age = (now - since).total_seconds()
        text = f"{detail} (temporary failures for {age:.0f}s, {attempts} attempts: gave up)"
        await _give_back_quota([claimed])
        return await finish_failed(claimed, FailureCode.SMTP_UNAVAILABLE, text)
    text = f"{detail} (attempt {attempts}; trying again at {retry_at.isoformat()})"
    changes = {
        "dispatch_after": retry_at,
        "smtp_started_at": None,
        "smtp_reply": None,
        "send_attempts": attempts,
        "deferred_since": since,
        "failure_code": FailureCode.SMTP_DEFERRED.value,
        "failure_detail": text[:2000],
    }
    moved = await transitions.apply_batch(
        [claimed],
        Action.RELEASE,
        lambda _e: changes,
        lambda _e: {"reason": FailureCode.SMTP_DEFERRED.value, "detail": text[:1000]},
    )
    await _give_back_quota(moved)
    return moved[0] if moved else None


async def _give_back_quota(emails: Sequence[Email]) -> None:
    """Units taken at claim for emails that did not go out: the sender's day counts sends."""
    owners = {e.owner_id for e in emails}
    if not owners:
        return
    zones = dict(await User.filter(id__in=owners).values_list("id", "timezone"))
    counted: dict[tuple[int, str], tuple[quota.Window, int]] = {}
    for email in emails:
        window = quota.day_window(email.sent_at or clock.now(), zones.get(email.owner_id, "UTC"))
        key = (email.owner_id, window.key)
        counted[key] = (window, counted.get(key, (window, 0))[1] + 1)
    for (owner_id, _key), (window, count) in counted.items():
        await quota.give_back(owner_id, window, count)
