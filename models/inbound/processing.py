"""The one inbound path: SMTP and HTTP both hand raw bytes to `process`.

A received message is recorded once (by its Message-ID: a redelivery changes nothing), matched to
one of our emails by the Message-IDs it refers to, and applied through the engagement recorders.
Malformed input raises MalformedMessage (the transport refuses it: 5xx / 4xx); anything else that
goes wrong is stored as ERROR and logged, never raised to the transport.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from config.settings import get_settings
from models.base import clock
from models.emails.tables import Email
from models.engagement import recorders as engagement
from models.engagement import replies
from models.inbound.parsing import Kind, MalformedMessage, ParsedInbound, parse
from models.inbound.tables import RAW_KEEP_BYTES, InboundMessage, InboundOutcome, InboundVia

log = logging.getLogger(__name__)

__all__ = ["InboundResult", "MalformedMessage", "process"]


@dataclass(frozen=True)
class InboundResult:
    record: InboundMessage
    duplicate: bool  # the same Message-ID was received before: nothing was done again

    @property
    def outcome(self) -> InboundOutcome:
        return self.record.outcome

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.record.id,
            "outcome": self.record.outcome.value,
            "duplicate": self.duplicate,
            "messageId": self.record.message_id,
            "detail": self.record.detail,
        }


async def process(
    raw: bytes, via: InboundVia, *, envelope_from: str | None = None
) -> InboundResult:
    """Record and apply one received message. Raises only MalformedMessage."""
    max_bytes = get_settings().inbound_max_bytes
    try:
        parsed = parse(raw, max_bytes=max_bytes, envelope_from=envelope_from)
    except MalformedMessage as error:
        log.warning("inbound %s: rejected malformed message: %s", via.value, error.reason)
        raise
    except Exception as error:  # the parser itself failed: keep the bytes, answer normally
        log.exception("inbound %s: could not parse a message", via.value)
        return await _store_error(raw, via, f"Parsing failed: {error!r}")

    existing = await InboundMessage.get_or_none(message_id=parsed.message_id)
    if existing is not None:
        return InboundResult(existing, duplicate=True)
    try:
        record = await InboundMessage.create(
            received_at=clock.now(),
            via=via,
            outcome=InboundOutcome.ERROR,  # until applied: a crash midway leaves ERROR behind
            message_id=parsed.message_id,
            from_address=parsed.from_address,
            subject=parsed.subject,
            size=parsed.size,
            detail="Processing",
        )
    except IntegrityError:  # the same message delivered concurrently: the other one applies it
        return InboundResult(await InboundMessage.get(message_id=parsed.message_id), True)

    try:
        await _apply(record, parsed, raw)
    except Exception as error:
        log.exception("inbound %s: processing %s failed", via.value, parsed.message_id)
        record.outcome = InboundOutcome.ERROR
        record.detail = f"Processing failed: {error!r}"[:2000]
        record.raw_bytes = raw[:RAW_KEEP_BYTES]
        await record.save(update_fields=["outcome", "detail", "raw_bytes"])
    return InboundResult(record, duplicate=False)


async def _apply(record: InboundMessage, parsed: ParsedInbound, raw: bytes) -> None:
    email = await _match(parsed, raw)
    matched_by = replies.ReplyMatch.THREAD
    if email is None and parsed.kind in (Kind.REPLY, Kind.AUTO_REPLY) and not parsed.refers_to:
        # No thread at all: a prospect writing anew, tied to the latest email delivered to them.
        # (A reply in some other thread, one we never sent, is not ours to guess.)
        recipients = replies.addressed_to(parsed.message)
        email = await replies.match_by_address(parsed.from_address, recipients)
        matched_by = replies.ReplyMatch.ADDRESS
    if email is None:
        record.outcome = InboundOutcome.UNMATCHED
        record.detail = f"{parsed.kind.value} about none of our emails. {parsed.detail}".strip()
        record.raw_bytes = raw[:RAW_KEEP_BYTES]
        await record.save(update_fields=["outcome", "detail", "raw_bytes"])
        log.info("inbound: unmatched %s %s", parsed.kind.value, parsed.message_id)
        return
    record.team_id, record.email_id, record.owner_id = email.team_id, email.id, email.owner_id
    data: dict[str, object] = {
        "inboundId": record.id,
        "messageId": parsed.message_id,
        "from": parsed.from_address,
    }
    applied: object
    if parsed.kind in (Kind.REPLY, Kind.AUTO_REPLY):
        automatic = parsed.kind is Kind.AUTO_REPLY
        applied = await engagement.record_reply(
            email,
            automatic=automatic,
            data={**data, "subject": parsed.subject[:300]},
            text=replies.reply_text(parsed.message),
            matched_by=matched_by,
        )
        record.outcome = InboundOutcome.AUTO_REPLY if automatic else InboundOutcome.REPLY
        record.detail = parsed.subject[:300]
        if matched_by is replies.ReplyMatch.ADDRESS:
            record.detail = f"Matched by address (no thread). {record.detail}"
    elif parsed.kind is Kind.SPAM_COMPLAINT:
        applied = await engagement.record_spam(email, {**data, "detail": parsed.detail})
        record.outcome = InboundOutcome.SPAM_COMPLAINT
        record.detail = parsed.detail
    else:
        permanent = parsed.kind is Kind.BOUNCE_PERMANENT
        applied = await engagement.record_bounce(
            email,
            permanent=permanent,
            detail=parsed.detail,
            data={**data, "recipients": parsed.failed[:20], "detail": parsed.detail[:500]},
            addresses=parsed.failed,
        )
        record.outcome = (
            InboundOutcome.BOUNCE_PERMANENT if permanent else InboundOutcome.BOUNCE_TEMPORARY
        )
        record.detail = parsed.detail
    if applied is None:  # the email was never sent (a draft's Message-ID): matched, not recorded
        record.detail = f"Not recorded: the email is {email.status.value}. {record.detail}"
    await record.save(update_fields=["outcome", "detail", "team_id", "email_id", "owner_id"])


async def _match(parsed: ParsedInbound, raw: bytes) -> Email | None:
    """The email the message is about: its referenced Message-IDs in order, then (last resort
    for odd report formats) any of our Message-IDs quoted anywhere in the bytes."""
    candidates = list(parsed.refers_to)
    if parsed.kind not in (Kind.REPLY, Kind.AUTO_REPLY) or not candidates:
        domain = re.escape(get_settings().message_id_domain.encode())
        pattern = rb"<[0-9a-f]{32}@" + domain + rb">"
        for found in re.findall(pattern, raw, re.IGNORECASE):
            text = found.decode("ascii").lower()
            if text not in candidates and text != parsed.message_id:
                candidates.append(text)
    if not candidates:
        return None
    emails = {e.message_id: e for e in await Email.filter(message_id__in=candidates[:50])}
    for candidate in candidates:
        if candidate in emails:
            return emails[candidate]
    return None


async def _store_error(raw: bytes, via: InboundVia, detail: str) -> InboundResult:
    message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound>"
    existing = await InboundMessage.get_or_none(message_id=message_id)
    if existing is not None:
        return InboundResult(existing, duplicate=True)
    record = await InboundMessage.create(
        received_at=clock.now(),
        via=via,
        outcome=InboundOutcome.ERROR,
        message_id=message_id,
        size=len(raw),
        detail=detail[:2000],
        raw_bytes=raw[:RAW_KEEP_BYTES],
    )
    return InboundResult(record, duplicate=False)
