"""The dispatcher: the periodic sweep that turns the database outbox into send messages.

Every CC_DISPATCH_INTERVAL seconds: end IN_PROGRESS emails whose lease ended (FAILED
DELIVERY_UNCERTAIN if their SMTP transaction had started, else SCHEDULED again); while the relay
is DOWN (models.sending.relay) probe it when a probe is due and enqueue no sends; else enqueue
one `send_emails` message per CC_SEND_BATCH due SCHEDULED emails (see models.sending.rules for
why this is safe in many processes at once and after message loss). Then one
`advance_memberships` message per batch of campaign memberships with a due step
(models.campaigns.engine). `dispatch_due` is the same sweep as an actor, for an external
scheduler; the periodic loop in workers.runtime and workers.process calls `sweep` directly.
"""

from __future__ import annotations

import asyncio
import logging

import dramatiq

from config.settings import get_settings
from models.campaigns import engine as campaign_engine
from models.inbound import verp
from models.sending import relay
from models.sending import rules as sending
from workers import delivery, inbound
from workers.actors import advance_memberships, send_emails

log = logging.getLogger(__name__)

BATCH = 500
MAX_BATCHES = 20  # per sweep; the rest waits one interval


def _enqueue(ids: list[int]) -> None:
    size = max(1, get_settings().send_batch)
    for start in range(0, len(ids), size):
        send_emails.send(ids[start : start + size])


async def sweep() -> int:
    """One pass; returns how many send messages were enqueued."""
    expired = await sending.expire_leases()
    if expired.uncertain:
        log.warning("emails %s: lease expired mid-SMTP, DELIVERY_UNCERTAIN", expired.uncertain)
    if expired.delivered:
        log.warning("emails %s: lease expired after the relay's 250, DELIVERED", expired.delivered)
    if expired.released:
        log.warning("emails %s: lease expired before SMTP, SCHEDULED again", expired.released)
    if await _relay_down():
        return await _sweep_campaigns()  # campaign steps only write emails: they go on
    enqueued = 0
    for _batch in range(MAX_BATCHES):
        ids = await sending.due_for_dispatch(BATCH)
        if ids:
            # Broker clients (redis, pika) block: keep the event loop free while they talk.
            await asyncio.to_thread(_enqueue, ids)
            enqueued += len(ids)
        if len(ids) < BATCH:
            break
    return enqueued + await _sweep_campaigns()


async def _relay_down() -> bool:
    """Whether sending is paused; probes the relay first when this process's turn has come."""
    state = await relay.current_state()
    if not state.down:
        return False
    if await relay.claim_probe():
        # MAIL FROM a return path of ours, as real sends use: a relay refusing it is not ready.
        problem = await delivery.transport().probe(verp.return_path(0))
        if problem is None:
            await relay.mark_up()
            log.warning("mail relay answers again: sending resumes")
            return False
        await relay.probe_failed(problem)
        log.warning("mail relay still unavailable: %s", problem)
    return True


# Memberships per `advance_memberships` message: one transaction each (a race costs a retry of
# each step alone), so bigger than a send batch, which waits on SMTP.
ADVANCE_BATCH = 100


def _enqueue_memberships(ids: list[int]) -> None:
    for start in range(0, len(ids), ADVANCE_BATCH):
        advance_memberships.send(ids[start : start + ADVANCE_BATCH])


async def _sweep_campaigns() -> int:
    """Campaign memberships with a due step, one `advance_memberships` message per batch."""
    enqueued = 0
    for _batch in range(MAX_BATCHES):
        ids = await campaign_engine.due_for_dispatch(BATCH)
        if ids:
            await asyncio.to_thread(_enqueue_memberships, ids)
            enqueued += len(ids)
        if len(ids) < BATCH:
            break
    return enqueued


@dramatiq.actor(queue_name="dispatch", max_retries=0)
async def dispatch_due() -> None:
    await sweep()


async def run_forever(interval: float | None = None) -> None:
    """Sweep until cancelled; an error is logged and the next sweep tries again. The inbound
    sweep (unprocessed messages, retention) rides along every CC_INBOUND_SWEEP_INTERVAL."""
    interval = get_settings().dispatch_interval if interval is None else interval
    loop = asyncio.get_running_loop()
    last_inbound = -float("inf")
    while True:
        try:
            await sweep()
        except Exception:
            log.exception("dispatcher sweep failed")
        if loop.time() - last_inbound >= get_settings().inbound_sweep_interval:
            last_inbound = loop.time()
            try:
                await inbound.sweep()
            except Exception:
                log.exception("inbound sweep failed")
        await asyncio.sleep(interval)
