"""Exactly once per membership step: duplicated step messages, two dispatchers, concurrent
advances, and a worker dying between creating the step's email and advancing the membership —
never two emails for one membership step, never a skipped step. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.campaigns import engine
from models.campaigns.tables import CampaignMembership, CampaignStepRun
from models.emails.tables import Email
from tests.api import Api
from tests.campaigns.helpers import THREE_STEPS, active_campaign, add, people, run_due, utc
from tests.sending.helpers import wait_until
from workers import dispatcher
from workers.actors import advance_memberships

MONDAY = utc("2026-11-30T10:00:00Z")
ALWAYS_OPEN = {"window_days": [0, 1, 2, 3, 4, 5, 6], "window_start": 0, "window_end": 1440}


async def _campaign_with(api: Api, count: int) -> list[int]:
    campaign = await active_campaign(api.user, THREE_STEPS, **ALWAYS_OPEN)
    with clock.frozen(MONDAY):
        await add(api.user, campaign, await people(api.user, count))
    ids: list[Any] = await CampaignMembership.filter(campaign_id=campaign.id).values_list(
        "id", flat=True
    )
    return ids


async def _one_email_per_step(ids: list[int]) -> None:
    rows = await Email.filter(campaign_step__isnull=False).values_list("person_id", "campaign_step")
    assert len(rows) == len(set(rows)), "two emails for one membership step"
    runs = await CampaignStepRun.filter(membership_id__in=ids).values_list("membership_id", "step")
    assert len(runs) == len(set(runs))


async def test_duplicated_and_concurrent_advances_create_one_email(db: Any, api: Api) -> None:
    ids = await _campaign_with(api, 5)
    with clock.frozen(MONDAY):
        # Every membership advanced by five callers at once (duplicated messages, retries).
        results = await asyncio.gather(*(engine.advance(i) for i in ids for _ in range(5)))
    assert sum(results) == len(ids)
    await _one_email_per_step(ids)
    assert await Email.filter(campaign_step=1).count() == 5
    # A replayed message for an advanced membership is a no-op.
    with clock.frozen(MONDAY):
        assert await engine.advance_batch(ids) == 0


async def test_two_dispatchers_share_the_due_memberships(db: Any, api: Api) -> None:
    ids = await _campaign_with(api, 30)
    with clock.frozen(MONDAY):
        first, second = await asyncio.gather(
            engine.due_for_dispatch(20), engine.due_for_dispatch(20)
        )
        # Whatever both sweeps picked (overlap included), every message is run.
        ran = await asyncio.gather(engine.advance_batch(first), engine.advance_batch(second))
        ran_rest = await run_due()
    assert sum(ran) + ran_rest == 30
    await _one_email_per_step(ids)
    assert await Email.filter(campaign_step=1).count() == 30


async def test_a_worker_dying_mid_step_leaves_nothing_and_the_step_runs_later(
    db: Any, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _campaign_with(api, 1)

    def die(_membership: CampaignMembership) -> None:
        raise SystemExit("worker killed between creating the email and advancing")

    monkeypatch.setattr(engine, "after_created", die)
    with clock.frozen(MONDAY), pytest.raises(SystemExit):
        await engine.advance(ids[0])
    assert await Email.filter(campaign_step__isnull=False).count() == 0
    membership = await CampaignMembership.get(id=ids[0])
    assert membership.step == 1  # not advanced: the step is not skipped

    monkeypatch.undo()
    with clock.frozen(MONDAY):
        # Its message was stamped as dispatched; until that runs out nothing new is sent …
        await engine.due_for_dispatch()
        assert await run_due() == 0
    with clock.frozen(MONDAY + timedelta(minutes=5)):
        assert await run_due() == 1  # … then the sweep dispatches it again, and it runs once
    await _one_email_per_step(ids)
    assert await Email.filter(campaign_step=1).count() == 1


async def test_duplicated_messages_through_the_broker_and_dispatcher(worker: Any, api: Api) -> None:
    ids = await _campaign_with(api, 10)
    with clock.frozen(MONDAY):
        for _ in range(3):
            advance_memberships.send(ids)  # the same message three times
        await dispatcher.sweep()  # and the dispatcher's own

        async def all_ran() -> bool:
            return await CampaignStepRun.filter(membership_id__in=ids).count() == 10

        await wait_until(all_ran, what="every membership's first step")
        await asyncio.sleep(0.3)  # let any duplicate finish: it must change nothing
    await _one_email_per_step(ids)
    assert await Email.filter(campaign_step=1).count() == 10
