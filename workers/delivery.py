"""One email from claim to result: claim, render, hand to SMTP (retrying 4xx), record the outcome.

Safe to run any number of times for the same id (duplicate or replayed messages): only the caller
that wins the claim in `models.sending.rules.claim` goes further. SMTP retries happen here, inside
the
claim, rather than as Dramatiq retries: a redelivered message cannot tell "retry after a 4xx" from
"replay after a crash mid-send", and only the first is safe to send again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from config.settings import get_settings
from models.base import clock
from models.emails.tables import Email
from models.inbound import verp
from models.sending import outgoing
from models.sending import rules as sending
from models.sending.rules import FailureCode
from workers import metrics, mime, smtp

log = logging.getLogger(__name__)

_transports: dict[int, smtp.Transport] = {}  # per event loop: connections belong to one loop


def transport() -> smtp.Transport:
    """The transport of the running loop, built from CC_SMTP_URL on first use."""
    key = id(asyncio.get_running_loop())
    if key not in _transports:
        _transports[key] = smtp.from_url(get_settings().smtp_url)
    return _transports[key]


async def close_transport() -> None:
    found = _transports.pop(id(asyncio.get_running_loop()), None)
    if found is not None:
        await found.close()


async def deliver(email_id: int) -> Email | None:
    """Send email `email_id` if it is due and ours to send. Returns the finished email, if any."""
    finished = await deliver_batch([email_id])
    return finished[0] if finished else None


async def deliver_batch(email_ids: Sequence[int]) -> list[Email]:
    """Send the due emails among `email_ids` that this caller wins; returns the finished ones.

    The claim, the composing and the "delivered" records are one transaction each for the whole
    batch; the messages go out concurrently over the transport's connection pool."""
    claimed = await sending.claim_batch(email_ids)
    if not claimed:
        return []
    prepared = await outgoing.prepare_batch(claimed)
    ready = [(email, out) for email, out in zip(claimed, prepared, strict=True) if out is not None]
    results = await asyncio.gather(*(_send(email, out) for email, out in ready))
    delivered = [
        (email, result.reply)
        for (email, _), result in zip(ready, results, strict=True)
        if isinstance(result, smtp.Delivered)
    ]
    finished = await sending.finish_delivered_batch(delivered) if delivered else []
    for (email, _), result in zip(ready, results, strict=True):
        done: Email | None = None
        if isinstance(result, smtp.Delivered | smtp.Rejected) and result.refused:
            await sending.mark_refused_recipients(email, result.refused, result.reply)
        if isinstance(result, smtp.Rejected):
            done = await sending.finish_bounced(email, FailureCode.SMTP_REJECTED, result.reply)
        elif isinstance(result, smtp.Unavailable):
            done = await sending.finish_failed(email, FailureCode.SMTP_UNAVAILABLE, result.detail)
        if done is not None:
            finished.append(done)
    return finished


# The cc_smtp_sends outcome of each kind of result (workers/metrics.py).
_OUTCOMES = {
    smtp.Delivered: "delivered",
    smtp.Rejected: "rejected",
    smtp.Unavailable: "unavailable",
}


async def _send(claimed: Email, message_out: outgoing.Outgoing) -> smtp.SendResult:
    # A large batch on a slow relay must not send past the lease: by then the sweeper may have
    # declared the email uncertain, and the user may already be retrying it.
    if claimed.lease_expires_at is not None and clock.now() >= claimed.lease_expires_at:
        return smtp.Unavailable("the send lease ran out before this email's turn")
    message = mime.to_wire(message_out, claimed.sent_at or clock.now())
    return await _send_with_retries(claimed, message, message_out)


async def _send_with_retries(
    claimed: Email, message: mime.Wire, message_out: outgoing.Outgoing
) -> smtp.SendResult:
    settings = get_settings()
    delay = settings.smtp_retry_backoff
    attempts = max(1, settings.smtp_attempts)
    result: smtp.SendResult = smtp.Unavailable("not attempted")
    # MAIL FROM is the email's own signed return path (VERP): bounces prove what they are about.
    return_path = verp.return_path(claimed.id)
    for attempt in range(1, attempts + 1):
        with metrics.timed_send() as outcome:
            result = await transport().send(message, return_path, message_out.envelope_recipients)
            outcome.append(_OUTCOMES.get(type(result), "unavailable"))
        if not isinstance(result, smtp.Unavailable):
            return result
        if attempt == attempts:
            break
        # Stop early rather than let the lease run out mid-attempt (that would be uncertain).
        worst_case = clock.now() + timedelta(seconds=delay + settings.smtp_timeout)
        if claimed.lease_expires_at is not None and worst_case >= claimed.lease_expires_at:
            break
        log.info("email %s: attempt %d failed (%s), retrying", claimed.id, attempt, result.detail)
        await asyncio.sleep(delay)
        delay *= 2
    assert isinstance(result, smtp.Unavailable)
    return smtp.Unavailable(f"{result.detail} (after {attempt} attempts)")
