"""Receiving a message: the cheap half, on the caller's event loop.

Checks that the bytes are a message (size, header section, From/Date, no NUL in the headers),
reads its Message-ID from the header section only, and stores the whole message as a RECEIVED row
with its SMTP envelope. No body parsing here: a 9 MB message costs a header scan and one INSERT,
and the transport answers 250 / 202 at once. Processing (models.inbound.processing) follows off
the loop; a crash in between leaves the RECEIVED row for the sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from config.settings import get_settings
from models.base import clock
from models.inbound.parsing import (
    MalformedMessage,
    clean_text,
    own_message_id,
    read_headers,
    sender_of,
)
from models.inbound.tables import InboundMessage, InboundOutcome, InboundVia

log = logging.getLogger(__name__)

__all__ = ["MalformedMessage", "Receipt", "receive"]


@dataclass(frozen=True)
class Receipt:
    record: InboundMessage
    duplicate: bool  # the same Message-ID was received before: nothing is done again

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.record.id,
            "outcome": self.record.outcome.value,
            "duplicate": self.duplicate,
            "messageId": self.record.message_id,
            "detail": self.record.detail,
        }


async def receive(
    raw: bytes,
    via: InboundVia,
    *,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> Receipt:
    """Store one message to be processed. Raises MalformedMessage (refuse it permanently)."""
    try:
        headers = read_headers(raw, max_bytes=get_settings().inbound_max_bytes)
    except MalformedMessage as error:
        log.warning("inbound %s: rejected malformed message: %s", via.value, error.reason)
        raise
    # Without a Message-ID the key is a digest of up to CC_INBOUND_MAX_BYTES: not on the loop.
    message_id = await asyncio.to_thread(own_message_id, headers, raw)
    existing = await InboundMessage.get_or_none(message_id=message_id)
    if existing is not None:
        return Receipt(existing, duplicate=True)
    from_address, subject = sender_of(headers)
    recipients = [_address(a) or "" for a in envelope_to]
    try:
        record = await InboundMessage.create(
            received_at=clock.now(),
            via=via,
            outcome=InboundOutcome.RECEIVED,
            message_id=message_id,
            from_address=from_address,
            subject=subject,
            size=len(raw),
            detail="Received, not processed yet.",
            raw_bytes=raw,
            envelope_from=_address(envelope_from),
            envelope_to="\n".join(a for a in recipients if a)[:8000],
        )
    except IntegrityError:  # the same message delivered concurrently: the other one keeps it
        return Receipt(await InboundMessage.get(message_id=message_id), duplicate=True)
    return Receipt(record, duplicate=False)


def _address(value: str | None) -> str | None:
    """An envelope address as stored: without angle brackets, "" for the null sender."""
    return None if value is None else clean_text(value).strip().strip("<>").strip()[:320]
