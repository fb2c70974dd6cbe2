"""Dramatiq actors. Each takes ids only and is idempotent: the database decides what happens.

- `send_emails(email_ids)`: claim, render and send a batch of emails (workers.delivery); the
  dispatcher sends these. `send_email(email_id)` is the same for one email. A duplicate or
  replayed message finds the emails already claimed or finished and does nothing.
- `advance_memberships(membership_ids)`: run each membership's due campaign step; a duplicate
  loses the step's unique key or the membership's version and does nothing.
- `dispatch_due()` lives beside the sweep it runs (workers.dispatcher), which enqueues these.

Dramatiq retries are off (`max_retries=0`): retrying is decided from the database (SMTP 4xx are
retried inside the claim; a message lost or failed before the claim is re-dispatched by the sweep).
"""

from __future__ import annotations

import dramatiq

from config.settings import get_settings
from models.campaigns import engine as campaign_engine
from workers import broker as _broker  # noqa: F401  (installs the broker: actors bind to it)
from workers import delivery

# Longer than the lease, so Dramatiq never interrupts a send the lease still covers.
_TIME_LIMIT_MS = int((get_settings().send_lease + 60) * 1000)


@dramatiq.actor(queue_name="send", max_retries=0, time_limit=_TIME_LIMIT_MS)
async def send_email(email_id: int) -> None:
    await delivery.deliver(email_id)


@dramatiq.actor(queue_name="send", max_retries=0, time_limit=_TIME_LIMIT_MS)
async def send_emails(email_ids: list[int]) -> None:
    await delivery.deliver_batch(email_ids)


@dramatiq.actor(queue_name="campaigns", max_retries=0)
async def advance_memberships(membership_ids: list[int]) -> None:
    """Run the due step of each membership (models/campaigns/engine.py): exactly once each."""
    await campaign_engine.advance_batch(membership_ids)
