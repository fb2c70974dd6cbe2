"""Building campaigns through the domain commands, and running the engine step by step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.base import clock
from models.campaigns import commands, engine, launches, steps
from models.campaigns.commands import CampaignFields
from models.campaigns.steps import StepFields
from models.campaigns.tables import Campaign, CampaignMembership, StepKind
from models.emails.tables import Email, EmailStatus
from models.people.tables import Person
from models.teams.tables import User
from workers import delivery

THREE_STEPS = [
    StepFields(kind=StepKind.AUTO_EMAIL, subject="Hello {{first_name}}", body_text="Hi"),
    StepFields(kind=StepKind.AUTO_EMAIL, delay_days=2, reply_in_thread=True, body_text="Again"),
    StepFields(kind=StepKind.CALL, delay_days=1, time_of_day=14 * 60, title="Call them"),
]


async def active_campaign(
    owner: User, step_fields: list[StepFields] | None = None, **settings: Any
) -> Campaign:
    campaign = await commands.create_campaign(
        owner, CampaignFields(name=settings.pop("name", "Outbound"), **settings)
    )
    for fields in step_fields or THREE_STEPS:
        await steps.add_step(owner, campaign.id, fields)
    return await commands.activate_campaign(owner, campaign.id)


async def people(owner: User, count: int, prefix: str = "p", **fields: Any) -> list[Person]:
    return [
        await Person.create(
            team_id=owner.team_id,
            owner_id=owner.id,
            email=f"{prefix}{i}-{owner.id}@example.com",
            first_name=f"P{i}",
            **fields,
        )
        for i in range(count)
    ]


async def add(
    owner: User, campaign: Campaign, persons: list[Person], key: str = "k1", **options: Any
) -> launches.AddOutcome:
    request = launches.AddPeople(
        campaign_id=campaign.id,
        idempotency_key=key,
        person_ids=[p.id for p in persons],
        **options,
    )
    return await launches.add_people(owner, request)


async def run_due() -> int:
    """One dispatcher pass over the due memberships, run in this task (no broker)."""
    ran = 0
    while ids := await engine.due_for_dispatch():
        ran += await engine.advance_batch(ids)
    return ran


async def send_due() -> list[Email]:
    """Send every due SCHEDULED email now, through the real pipeline."""
    ids = await Email.filter(
        status=EmailStatus.SCHEDULED, scheduled_at__lte=clock.now()
    ).values_list("id", flat=True)
    return await delivery.deliver_batch(list(ids))  # type: ignore[arg-type]


async def step_emails(membership: CampaignMembership) -> list[Email]:
    return await Email.filter(
        campaign_id=membership.campaign_id, person_id=membership.person_id
    ).order_by("campaign_step", "id")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
