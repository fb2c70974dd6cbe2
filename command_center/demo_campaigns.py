"""Demo campaign: an active three-step sequence with people at different steps, built through the
domain commands and advanced by the real engine over injected time (models.base.clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.base import clock
from models.campaigns import commands, engine, launches, memberships, steps
from models.campaigns.commands import CampaignFields
from models.campaigns.steps import StepFields
from models.campaigns.tables import Campaign, StepKind
from models.emails.tables import Email, EmailStatus
from models.people.tables import Person
from models.sending import outgoing
from models.sending import rules as sending
from models.teams.tables import User

STEPS = [
    StepFields(
        kind=StepKind.AUTO_EMAIL,
        subject="{{first_name}}, a quick idea for {{company}}",
        body_text="Hi {{first_name}},\n\nWorth a 15-minute call next week?\n\n{{my_name}}",
    ),
    StepFields(
        kind=StepKind.AUTO_EMAIL,
        delay_days=2,
        reply_in_thread=True,
        body_text="Hi {{first_name}}, bumping this up in case it got buried.",
    ),
    StepFields(kind=StepKind.CALL, delay_days=1, time_of_day=10 * 60, title="Call after 2 emails"),
]


async def _run_engine() -> None:
    while ids := await engine.due_for_dispatch():
        await engine.advance_batch(ids)
    # The demo's history is already sent: its step emails go the sending pipeline's way (claimed
    # with a lease, rendered and stored as the recipient got them), only the SMTP hand-over is
    # skipped.
    for email in await Email.filter(status=EmailStatus.SCHEDULED, campaign_step__isnull=False):
        claimed = await sending.claim(email.id)
        assert claimed is not None
        assert await outgoing.prepare(claimed) is not None
        await sending.finish_delivered(claimed, "250 2.0.0 OK (demo)")


async def seed_campaign(rep: User, people: list[Person], now: datetime) -> Campaign:
    campaign = await commands.create_campaign(
        rep,
        CampaignFields(
            name="Q4 Follow-up sequence",
            # Open all week, so the demo looks the same whatever day it is seeded on.
            window_days=[0, 1, 2, 3, 4, 5, 6],
            window_start=0,
            window_end=24 * 60,
            skip_weekends=False,
        ),
    )
    for fields in STEPS:
        await steps.add_step(rep, campaign.id, fields)
    await commands.activate_campaign(rep, campaign.id)
    # Three launches, two days apart: finished, waiting for the call, and just started.
    early, middle, late = people[0:2], people[2:4], people[4:6]
    with clock.frozen(now - timedelta(days=4)):
        await _launch(rep, campaign, early, "demo-early")
        await _run_engine()  # step 1 for the early ones
    with clock.frozen(now - timedelta(days=2)):
        await _launch(rep, campaign, middle, "demo-middle")
        await _run_engine()  # step 2 for the early ones (in step 1's thread), 1 for the middle
    with clock.frozen(now):
        await _launch(rep, campaign, late, "demo-late")
        await _run_engine()  # the early ones' calls, the middle ones' step 2, the late's step 1
    if late:
        first = await memberships.visible_memberships(rep).filter(person_id=late[-1].id).first()
        if first is not None:
            await memberships.pause_membership(rep, first.id)
    return campaign


async def _launch(rep: User, campaign: Campaign, people: list[Person], key: str) -> None:
    request = launches.AddPeople(
        campaign_id=campaign.id, idempotency_key=key, person_ids=[p.id for p in people]
    )
    await launches.add_people(rep, request)
