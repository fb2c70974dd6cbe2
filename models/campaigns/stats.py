"""A campaign's numbers, per step and in total: one grouped query over its step emails and one
over its memberships' step runs (people who reached each step), plus unsubscribes from events.

Rates are over delivered emails (opens, clicks, replies, unsubscribes) or over sent ones
(bounces). Opens and clicks count people, not machines (models/engagement/recorders.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.functions import Count

from models.campaigns.tables import CampaignStepRun
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus

SENT = [
    EmailStatus.DELIVERED,
    EmailStatus.ARCHIVED,
    EmailStatus.BOUNCED,
    EmailStatus.SPAM,
]
DELIVERED = [EmailStatus.DELIVERED, EmailStatus.ARCHIVED, EmailStatus.SPAM]


@dataclass
class StepStats:
    step: int | None  # None: the campaign's total
    people: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    bounced: int = 0
    unsubscribed: int = 0

    def add(self, other: StepStats) -> None:
        for name in ("people", "sent", "delivered", "opened", "clicked", "replied", "bounced"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unsubscribed += other.unsubscribed

    def rate(self, count: int, over_sent: bool = False) -> float:
        base = self.sent if over_sent else self.delivered
        return round(count / base, 4) if base else 0.0


@dataclass
class CampaignStats:
    total: StepStats
    steps: list[StepStats] = field(default_factory=list)


async def campaign_stats(campaign_id: int) -> CampaignStats:
    by_step: dict[int, StepStats] = {}

    def of(step: int) -> StepStats:
        return by_step.setdefault(step, StepStats(step))

    rows = (
        await Email.filter(campaign_id=campaign_id, campaign_step__isnull=False)
        .annotate(
            sent=Count("id", _filter=Q(status__in=SENT)),
            delivered=Count("id", _filter=Q(status__in=DELIVERED)),
            opened=Count("id", _filter=Q(view_count__gt=0)),
            clicked=Count("id", _filter=Q(click_count__gt=0)),
            replied=Count("id", _filter=Q(reply_count__gt=0)),
            bounced=Count("id", _filter=Q(status=EmailStatus.BOUNCED)),
        )
        .group_by("campaign_step")
        .values("campaign_step", "sent", "delivered", "opened", "clicked", "replied", "bounced")
    )
    for row in rows:
        stats = of(row["campaign_step"])
        for name in ("sent", "delivered", "opened", "clicked", "replied", "bounced"):
            setattr(stats, name, int(row[name] or 0))
    reached = (
        await CampaignStepRun.filter(campaign_id=campaign_id)
        .annotate(n=Count("id"))
        .group_by("step")
        .values("step", "n")
    )
    for row in reached:
        of(row["step"]).people = int(row["n"])
    step_of = dict(
        await Email.filter(campaign_id=campaign_id, campaign_step__isnull=False).values_list(
            "id", "campaign_step"
        )
    )
    if step_of:
        unsubscribed = await EmailEvent.filter(
            email_id__in=list(step_of), kind=EmailEventKind.UNSUBSCRIBED
        ).values_list("email_id", flat=True)
        for email_id in set(unsubscribed):
            of(step_of[int(email_id)]).unsubscribed += 1  # type: ignore[call-overload]
    total = StepStats(None)
    steps = [by_step[k] for k in sorted(by_step)]
    for stats in steps:
        total.add(stats)
    # People in the campaign, not step runs: a person who reached three steps counts once.
    total.people = len(
        set(
            await CampaignStepRun.filter(campaign_id=campaign_id).values_list(
                "membership_id", flat=True
            )
        )
    )
    return CampaignStats(total=total, steps=steps)
