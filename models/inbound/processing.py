"""Processing a received message: parse it off the event loop, verify it, apply it.

Both ways in (SMTP, POST /inbound) store the message first (models.inbound.receiving); then a
processor claims the RECEIVED row with one conditional UPDATE and a lease (a duplicated actor
message, or a sweep racing the first attempt, loses the claim and does nothing), parses it in a
thread (CPU work on up to CC_INBOUND_MAX_BYTES must not hold the event loop), and applies it
through the engagement recorders. Reports are applied only once verified
(models.inbound.verification); a null-sender message that is no report is never a reply.
Anything that goes wrong is stored as ERROR with the reason and logged: a RECEIVED row left by a
crash is processed by the next sweep (`unprocessed`), never lost.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

from tortoise.expressions import Q

from config.settings import get_settings
from models.base import clock
from models.emails.tables import Email
from models.engagement import recorders as engagement
from models.engagement import replies
from models.inbound import verp
from models.inbound.parsing import Kind, MalformedMessage, ParsedInbound, clean_text, parse
from models.inbound.tables import RAW_KEEP_BYTES, InboundMessage, InboundOutcome
from models.inbound.verification import verify_report

log = logging.getLogger(__name__)

# How long one processor owns a RECEIVED row; after that a sweep may take it over.
PROCESS_LEASE = timedelta(minutes=5)
NULL_SENDER = (
    "Null sender (MAIL FROM:<>) and not a delivery or feedback report: automatic mail, "
    "never a reply."
)


async def process_received(inbound_id: int) -> InboundMessage | None:
    """Process a RECEIVED row if this caller wins its claim; the finished row, else None."""
    now = clock.now()
    won = await InboundMessage.filter(
        Q(claimed_until=None) | Q(claimed_until__lt=now),
        id=inbound_id,
        outcome=InboundOutcome.RECEIVED,
    ).update(claimed_until=now + PROCESS_LEASE)
    if not won:
        return None
    record = await InboundMessage.get(id=inbound_id)
    raw = record.raw_bytes or b""
    try:
        parsed = await asyncio.to_thread(
            parse, raw, max_bytes=len(raw), envelope_from=record.envelope_from
        )
    except MalformedMessage as error:
        await _finish(record, InboundOutcome.ERROR, f"Unreadable: {error.reason}", raw)
        return record
    except Exception as error:  # the parser itself failed: keep the bytes
        log.exception("inbound %s: could not parse message %s", record.via.value, record.id)
        await _finish(record, InboundOutcome.ERROR, f"Parsing failed: {error!r}", raw)
        return record
    try:
        await _apply(record, parsed, raw)
    except Exception as error:
        log.exception("inbound %s: processing %s failed", record.via.value, record.message_id)
        await _finish(record, InboundOutcome.ERROR, f"Processing failed: {error!r}", raw)
    return record


async def unprocessed(older_than: timedelta, limit: int = 100) -> list[int]:
    """RECEIVED rows nobody is processing: left by a crash, or by a broker that lost the
    message. `older_than` leaves the first attempt its time."""
    now = clock.now()
    query = (
        InboundMessage.filter(
            Q(claimed_until=None) | Q(claimed_until__lt=now),
            outcome=InboundOutcome.RECEIVED,
            received_at__lt=now - older_than,
        )
        .order_by("received_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    ids: list[int] = await query  # type: ignore[assignment]
    return ids


async def _finish(
    record: InboundMessage,
    outcome: InboundOutcome,
    detail: str,
    raw: bytes | None,
    email: Email | None = None,
) -> None:
    """Write what became of the message. Raw bytes are kept (capped) only when `raw` is given:
    for what was not used, so an operator can look at it."""
    record.outcome = outcome
    record.detail = clean_text(detail)[:2000]
    record.raw_bytes = None if raw is None else raw[:RAW_KEEP_BYTES]
    record.claimed_until = None
    if email is not None:
        record.team_id, record.email_id, record.owner_id = email.team_id, email.id, email.owner_id
    fields = ["outcome", "detail", "raw_bytes", "claimed_until", "team_id", "email_id", "owner_id"]
    await record.save(update_fields=fields)


async def _apply(record: InboundMessage, parsed: ParsedInbound, raw: bytes) -> None:
    record.from_address, record.subject = parsed.from_address, parsed.subject
    await record.save(update_fields=["from_address", "subject"])
    if parsed.kind in (Kind.REPLY, Kind.AUTO_REPLY):
        await _apply_reply(record, parsed, raw)
        return
    verdict = await verify_report(parsed, record.envelope_to.splitlines())
    email = verdict.email
    if email is None:
        outcome = InboundOutcome.UNMATCHED if verdict.gone else InboundOutcome.UNVERIFIED
        detail = f"{parsed.kind.value}: {verdict.reason} {parsed.detail}".strip()
        await _finish(record, outcome, detail, raw, verdict.signed)
        log.info("inbound: %s %s: %s", outcome.value, record.message_id, verdict.reason)
        return
    data = _event_data(record, parsed)
    applied: object
    if parsed.kind is Kind.SPAM_COMPLAINT:
        applied = await engagement.record_spam(email, {**data, "detail": parsed.detail})
        outcome = InboundOutcome.SPAM_COMPLAINT
    else:
        permanent = parsed.kind is Kind.BOUNCE_PERMANENT
        applied = await engagement.record_bounce(
            email,
            permanent=permanent,
            detail=parsed.detail,
            data={**data, "recipients": parsed.failed[:20], "detail": parsed.detail[:500]},
            addresses=parsed.failed,
        )
        outcome = InboundOutcome.BOUNCE_PERMANENT if permanent else InboundOutcome.BOUNCE_TEMPORARY
    await _finish(record, outcome, _noted(email, applied, parsed.detail), None, email)


async def _apply_reply(record: InboundMessage, parsed: ParsedInbound, raw: bytes) -> None:
    if parsed.null_sender:
        await _finish(record, InboundOutcome.UNVERIFIED, NULL_SENDER, raw)
        return
    addressed_to = [*record.envelope_to.splitlines(), *parsed.recipients]
    email = await _match_reply_address(addressed_to) or await _match_thread(parsed, raw)
    matched_by = replies.ReplyMatch.THREAD
    if email is None and not parsed.refers_to:
        # No thread at all: a prospect writing anew, tied to the latest email delivered to them.
        # (A reply in some other thread, one we never sent, is not ours to guess.)
        email = await replies.match_by_address(
            parsed.from_address, replies.addressed_to(parsed.message)
        )
        matched_by = replies.ReplyMatch.ADDRESS
    if email is None:
        detail = f"{parsed.kind.value} about none of our emails."
        await _finish(record, InboundOutcome.UNMATCHED, detail, raw)
        log.info("inbound: unmatched %s %s", parsed.kind.value, record.message_id)
        return
    automatic = parsed.kind is Kind.AUTO_REPLY
    data = {**_event_data(record, parsed), "subject": parsed.subject[:300]}
    applied = await engagement.record_reply(
        email,
        automatic=automatic,
        data=data,
        # Stored as text: PostgreSQL refuses NUL, and the body is the sender's bytes.
        text=clean_text(replies.reply_text(parsed.message)),
        matched_by=matched_by,
    )
    outcome = InboundOutcome.AUTO_REPLY if automatic else InboundOutcome.REPLY
    detail = parsed.subject[:300]
    if matched_by is replies.ReplyMatch.ADDRESS:
        detail = f"Matched by address (no thread). {detail}"
    await _finish(record, outcome, _noted(email, applied, detail), None, email)


def _event_data(record: InboundMessage, parsed: ParsedInbound) -> dict[str, object]:
    return {"inboundId": record.id, "messageId": record.message_id, "from": parsed.from_address}


def _noted(email: Email, applied: object, detail: str) -> str:
    if applied is None:  # the email was never sent (a draft's Message-ID): matched, not recorded
        return f"Not recorded: the email is {email.status.value}. {detail}"
    return detail


async def _match_reply_address(addresses: list[str]) -> Email | None:
    """The email whose own signed reply address (CC_REPLY_DOMAIN) the reply was sent to."""
    for address in addresses:
        email_id = verp.email_of_reply_address(address)
        if email_id is not None:
            return await Email.get_or_none(id=email_id)
    return None


async def _match_thread(parsed: ParsedInbound, raw: bytes) -> Email | None:
    """The email a reply answers: In-Reply-To, then References, in order; without either (some
    clients drop them), any of our Message-IDs quoted in the message."""
    candidates = list(parsed.refers_to)
    if not candidates:
        domain = re.escape(get_settings().message_id_domain.encode())
        pattern = rb"<[0-9a-f]{32}@" + domain + rb">"
        quoted = await asyncio.to_thread(re.findall, pattern, raw, re.IGNORECASE)  # up to 10 MB
        for found in quoted:
            text = found.decode("ascii").lower()
            if text not in candidates and text != parsed.message_id:
                candidates.append(text)
    if not candidates:
        return None
    emails = {e.message_id: e for e in await Email.filter(message_id__in=candidates[:50])}
    return next((emails[c] for c in candidates if c in emails), None)
