"""A batch of emails from claim to results: claim, render, hand to SMTP, record each outcome.

Safe to run any number of times for the same ids (duplicate or replayed messages): only the
caller that wins the claim in `models.sending.rules.claim_batch` goes further.

Crash precision. The claimed emails go out over "lanes": each lane holds one pooled SMTP
connection and sends one email at a time. Before an email's MAIL FROM its lane records
`smtp_started_at`, in the same UPDATE as the relay's answer to the lane's previous email
(`_Journal`, a group commit: the writes of all lanes waiting at that moment share one
statement). So at any instant at most one email per connection has started and has no recorded
answer: a worker killed mid-batch leaves at most CC_SMTP_POOL_SIZE emails DELIVERY_UNCERTAIN;
the lease sweep marks the accepted ones DELIVERED and sends the never-started rest once. The
DELIVERED transitions themselves (events, counters) are one transaction per batch, as before.

Retries. A connection error or 4xx is retried here, on the same claim, a few times
(CC_SMTP_ATTEMPTS, for blips); then the relay's failure counts towards an outage
(models/sending/relay.py: the relay goes DOWN, emails wait SCHEDULED) and a recipient's 4xx
puts the email back with a backoff (`rules.defer`). These are not Dramatiq retries: a redelivered
message cannot tell "retry after a 4xx" from "replay after a crash mid-send". A result that may
have gone out (`maybe_sent`: the connection broke during DATA) is never retried: it is
DELIVERY_UNCERTAIN at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from config.settings import get_settings
from models.base import clock
from models.emails.tables import Email, EmailStatus
from models.inbound import verp
from models.sending import outgoing, relay
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
    """Send the due emails among `email_ids` that this caller wins; returns the finished ones
    (DELIVERED, BOUNCED or FAILED; emails put back to SCHEDULED are not in it)."""
    claimed = await sending.claim_batch(email_ids)
    if not claimed:
        return []
    prepared = await outgoing.prepare_batch(claimed)
    queue = deque(
        (email, out) for email, out in zip(claimed, prepared, strict=True) if out is not None
    )
    done = _Done()
    lanes = min(len(queue), get_settings().smtp_pool_size)
    await asyncio.gather(*(_lane(queue, _journal(), done) for _ in range(lanes)))
    # The relay's 250s are already recorded (`smtp_reply`): one transaction makes them DELIVERED.
    if done.accepted:
        done.finished += await sending.finish_delivered_batch(done.accepted)
    return done.finished


# The cc_smtp_sends outcome of each kind of result (workers/metrics.py).
_OUTCOMES = {
    smtp.Delivered: "delivered",
    smtp.Rejected: "rejected",
    smtp.Unavailable: "unavailable",
}


@dataclass
class _Done:
    accepted: list[tuple[Email, str]] = field(default_factory=list)  # 250: to mark DELIVERED
    finished: list[Email] = field(default_factory=list)  # BOUNCED / FAILED already


_journals: dict[int, tuple[asyncio.AbstractEventLoop, _Journal]] = {}  # per event loop


def _journal() -> _Journal:
    loop = asyncio.get_running_loop()
    found = _journals.get(id(loop))
    if found is None or found[0] is not loop:  # a new loop may reuse a closed one's id
        found = _journals[id(loop)] = (loop, _Journal())
    return found[1]


@dataclass
class _Entry:
    start: Email | None  # its SMTP transaction is about to start
    result: tuple[Email, smtp.SendResult | None] | None  # None: not attempted (released)
    done: asyncio.Future[Email | None]  # the email, if its failure finished it


class _Journal:
    """Group commit of SMTP starts and results for every lane of the process: each caller waits
    until its entry is written, and one writer writes everything pending at that moment. The
    starts and the relay's 250s are one UPDATE (`rules.record_smtp`); failures, rarer, are
    finished one by one just before it. So a lane's previous result is stored no later than its
    next start, and a crash leaves at most one email per lane in doubt."""

    def __init__(self) -> None:
        self._pending: list[_Entry] = []
        self._writing = asyncio.Lock()

    async def write(
        self,
        *,
        start: Email | None = None,
        result: tuple[Email, smtp.SendResult | None] | None = None,
    ) -> Email | None:
        """Record `result` and `start`; returns the email a failure finished, if one did."""
        if start is None and result is None:
            return None
        entry = _Entry(start, result, asyncio.get_running_loop().create_future())
        self._pending.append(entry)
        async with self._writing:
            if not entry.done.done():
                batch, self._pending = self._pending, []
                try:
                    finished = await self._flush(batch)
                except BaseException as error:
                    for other in batch:
                        if not other.done.done():
                            other.done.set_exception(error)
                    raise
                for other in batch:
                    if not other.done.done():
                        email = other.result[0] if other.result else None
                        other.done.set_result(finished.get(email.id) if email else None)
        return await entry.done

    async def _flush(self, batch: list[_Entry]) -> dict[int, Email]:
        results = [entry.result for entry in batch if entry.result is not None]
        finished: dict[int, Email] = {}
        unsent = [email for email, result in results if result is None]
        if unsent:
            await sending.release(unsent, "NOT_ATTEMPTED")
        # Addresses first: whoever sees an email BOUNCED finds its address marked already.
        for email, result in results:
            if isinstance(result, smtp.Delivered | smtp.Rejected) and result.refused:
                await sending.mark_refused_recipients(email, result.refused, result.reply)
        for email, result in results:
            if result is not None and not isinstance(result, smtp.Delivered):
                done = await _record_failure(email, result)
                if done is not None:
                    finished[email.id] = done
        await sending.record_smtp(
            [entry.start for entry in batch if entry.start is not None],
            [(e, r.reply) for e, r in results if isinstance(r, smtp.Delivered)],
        )
        return finished


async def _record_failure(email: Email, result: smtp.Rejected | smtp.Unavailable) -> Email | None:
    if isinstance(result, smtp.Rejected):
        return await sending.finish_bounced(email, FailureCode.SMTP_REJECTED, result.reply)
    if result.maybe_sent:
        detail = f"The connection broke before the mail server confirmed it ({result.detail})."
        return await sending.finish_failed(email, FailureCode.DELIVERY_UNCERTAIN, detail)
    if await relay.is_down():
        # An outage is not the email's fault: it waits, SCHEDULED, until the relay is back.
        await sending.release([email], "RELAY_DOWN")
        return None
    deferred = await sending.defer(email, result.detail)
    # Back to SCHEDULED for a later try is not finished; past CC_SEND_MAX_AGE it is FAILED.
    return deferred if deferred is not None and deferred.status is EmailStatus.FAILED else None


async def _lane(
    queue: deque[tuple[Email, outgoing.Outgoing]], journal: _Journal, done: _Done
) -> None:
    """Send queued emails one by one over one pooled connection until the queue is empty."""
    previous: tuple[Email, smtp.SendResult | None] | None = None

    async def write(start: Email | None) -> None:
        finished = await journal.write(start=start, result=previous)
        if finished is not None:
            done.finished.append(finished)
        elif previous is not None and isinstance(previous[1], smtp.Delivered):
            done.accepted.append((previous[0], previous[1].reply))

    async with transport().lane() as lane:
        while queue:
            email, message_out = queue.popleft()
            if not _may_start(email) or await relay.is_down():
                await write(None)
                previous = (email, None)  # not attempted: back to SCHEDULED
                continue
            await write(email)
            previous = (email, await _send_with_retries(lane, email, message_out))
        await write(None)


def _may_start(claimed: Email) -> bool:
    # A large batch on a slow relay must not start past the lease: by then the sweeper may have
    # ended the email, and the user may already be retrying it.
    return claimed.lease_expires_at is None or clock.now() < claimed.lease_expires_at


async def _send_with_retries(
    lane: smtp.Lane, claimed: Email, message_out: outgoing.Outgoing
) -> smtp.SendResult:
    settings = get_settings()
    delay = settings.smtp_retry_backoff
    attempts = max(1, settings.smtp_attempts)
    message = mime.to_wire(message_out, claimed.sent_at or clock.now())
    result: smtp.SendResult = smtp.Unavailable("not attempted")
    # MAIL FROM is the email's own signed return path (VERP): bounces prove what they are about.
    return_path = verp.return_path(claimed.id)
    for attempt in range(1, attempts + 1):
        with metrics.timed_send() as outcome:
            result = await lane.send(message, return_path, message_out.envelope_recipients)
            outcome.append(_OUTCOMES.get(type(result), "unavailable"))
        if not isinstance(result, smtp.Unavailable):
            relay.breaker.success()
            return result
        if result.maybe_sent:
            return result  # never sent again blindly
        recipients_only = None if result.relay else claimed.id
        if await relay.breaker.failure(result.detail, email_id=recipients_only):
            break  # the relay is DOWN: stop hammering it, the email waits SCHEDULED
        if not result.relay or attempt == attempts:
            # A recipient's 4xx (greylisting, a full mailbox) wants minutes, not seconds.
            break
        # Stop early rather than let the lease run out mid-attempt (that would be uncertain).
        worst_case = clock.now() + timedelta(seconds=delay + settings.smtp_timeout)
        if claimed.lease_expires_at is not None and worst_case >= claimed.lease_expires_at:
            break
        log.info("email %s: attempt %d failed (%s), retrying", claimed.id, attempt, result.detail)
        await asyncio.sleep(delay)
        delay *= 2
    assert isinstance(result, smtp.Unavailable)
    return smtp.Unavailable(f"{result.detail} (after {attempt} attempts)", result.relay)
