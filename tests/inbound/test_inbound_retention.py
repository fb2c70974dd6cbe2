"""Unused inbound messages (UNMATCHED, UNVERIFIED) are bounded: older than CC_INBOUND_KEEP_DAYS
go, and past CC_INBOUND_KEEP_PER_TEAM per team (messages of no team counted together) the oldest
go first. Matched messages, errors and messages still to process stay. The sweep that does it
runs in the dispatcher loop."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.inbound.tables import InboundMessage, InboundOutcome, InboundVia
from tests.api import World
from tests.sending.conftest import configure
from tests.sending.helpers import wait_until


async def make(outcome: InboundOutcome, age_hours: float, team_id: int | None = None) -> int:
    record = await InboundMessage.create(
        received_at=clock.now() - timedelta(hours=age_hours),
        via=InboundVia.SMTP,
        outcome=outcome,
        team_id=team_id,
        message_id=f"<{outcome.value.lower()}-{age_hours}-{team_id}@test>",
        raw_bytes=b"x" * 1000,
    )
    return record.id


async def test_the_dispatcher_loop_caps_and_expires_unused_messages_oldest_first(
    world: World, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    team_a, team_b = world.alice.user.team_id, world.carol.user.team_id
    unmatched = InboundOutcome.UNMATCHED
    unverified = InboundOutcome.UNVERIFIED
    # No team: 4 recent ones, one over the age limit.
    no_team = [await make(unmatched, h) for h in (1, 2, 3, 4)]
    expired = await make(unmatched, 24 * 8)
    # Team A: unverified ones, 3 recent; team B: one (under the cap).
    team_a_ids = [await make(unverified, h, team_a) for h in (1, 2, 3)]
    team_b_id = await make(unverified, 5, team_b)
    # Never touched: matched, failed and not yet processed messages, however old.
    kept = [
        await make(InboundOutcome.REPLY, 24 * 30, team_a),
        await make(InboundOutcome.ERROR, 24 * 30),
        await make(InboundOutcome.RECEIVED, 1),
    ]
    await InboundMessage.filter(id=kept[2]).update(claimed_until=clock.now() + timedelta(hours=1))
    configure(
        monkeypatch,
        CC_INBOUND_KEEP_PER_TEAM="2",
        CC_INBOUND_KEEP_DAYS="7",
        CC_INBOUND_SWEEP_INTERVAL="0.05",
    )

    async def enforced() -> bool:
        return not await InboundMessage.filter(id__in=[expired, no_team[3], team_a_ids[2]]).exists()

    await wait_until(enforced, 30, "the inbound sweep to enforce retention")
    remaining = set(await InboundMessage.all().values_list("id", flat=True))
    assert remaining == {*no_team[:2], *team_a_ids[:2], team_b_id, *kept}
