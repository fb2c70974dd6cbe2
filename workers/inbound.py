"""Getting received messages processed off the event loop, and the inbound sweep.

`accept` stores a message (models.inbound.receiving: cheap, on the caller's loop) and hands its id
to a processor:
- with a real broker (CC_BROKER_URL): the `process_inbound` actor, in a `command-center worker`;
- embedded: a task on this loop whose parsing runs in a thread (models.inbound.processing), so the
  API's loop only does the small database writes.
If handing over fails (broker away, process killed), the RECEIVED row stays and `sweep` (run by
the dispatcher loop every CC_INBOUND_SWEEP_INTERVAL) processes it later; it also enforces the
retention of unused messages (models.inbound.retention).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

import dramatiq

from config.settings import get_settings
from models.base.outage import is_database_unavailable
from models.inbound import processing, retention
from models.inbound.receiving import MalformedMessage, Receipt, receive
from models.inbound.tables import InboundVia
from workers import metrics
from workers.broker import broker, is_embedded

log = logging.getLogger(__name__)

_running: set[asyncio.Task[object]] = set()  # strong references: the loop keeps only weak ones


@dramatiq.actor(queue_name="inbound", max_retries=0, time_limit=600_000)
async def process_inbound(inbound_id: int) -> None:
    await processing.process_received(inbound_id)


async def accept(
    raw: bytes,
    via: InboundVia,
    *,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
) -> Receipt:
    """Store the message and start its processing. Raises MalformedMessage."""
    try:
        receipt = await receive(raw, via, envelope_from=envelope_from, envelope_to=envelope_to)
    except MalformedMessage:
        metrics.inbound_offered(via.value, "malformed")
        raise
    except Exception as error:
        metrics.inbound_offered(
            via.value, "unavailable" if is_database_unavailable(error) else "error"
        )
        raise
    metrics.inbound_offered(via.value, "duplicate" if receipt.duplicate else "stored")
    if not receipt.duplicate:
        await hand_over(receipt.record.id)
    return receipt


async def hand_over(inbound_id: int) -> None:
    """Start processing one RECEIVED message; a failure here only delays it until the sweep."""
    try:
        if is_embedded(broker):
            task = asyncio.create_task(_process_logged(inbound_id))
            _running.add(task)
            task.add_done_callback(_running.discard)
        else:
            # Broker clients (redis, pika) block: keep the event loop free while they talk.
            await asyncio.to_thread(process_inbound.send, inbound_id)
    except Exception:
        log.exception("inbound message %s: not handed over; the sweep will process it", inbound_id)


async def _process_logged(inbound_id: int) -> None:
    try:
        await processing.process_received(inbound_id)
    except Exception:  # the database went away mid-way: the claim expires, the sweep retries
        log.exception("inbound message %s: processing interrupted", inbound_id)


async def drain() -> None:
    """Wait for the processing started in this process (shutdown, tests)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


async def sweep() -> None:
    """Messages left RECEIVED are handed over again; unused ones past retention are deleted."""
    grace = timedelta(seconds=get_settings().redispatch_after)
    for inbound_id in await processing.unprocessed(older_than=grace):
        log.warning("inbound message %s was left unprocessed: processing it now", inbound_id)
        await hand_over(inbound_id)
    deleted = await retention.enforce()
    if deleted:
        log.info("inbound retention: %d unused messages deleted", deleted)
