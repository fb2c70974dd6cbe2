"""A small, varied data set for search tests, and an independent brute-force evaluator.

Emails are created through the domain (drafts, the state machine) at frozen times spread over
two months; engagement goes through the recorders only (models/engagement/recorders.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.base import clock
from models.campaigns.tables import Campaign
from models.emails import commands as emails
from models.emails.tables import FOLDER_STATUSES, BulkKind, Email, EmailEvent, EmailStatus
from models.engagement import recorders as engagement
from models.people.tables import Person
from models.search.filters import CampaignMatch, DatePreset, EmailFilter
from models.teams.tables import User
from models.templates.tables import Template
from tests.api import World, drive_to, gid

NOW = datetime(2026, 6, 15, 15, 30, tzinfo=UTC)
HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
BOT = "python-requests/2.31"
STATUSES = [
    EmailStatus.DELIVERED,
    EmailStatus.DRAFT,
    EmailStatus.DELIVERED,
    EmailStatus.SCHEDULED,
    EmailStatus.ARCHIVED,
    EmailStatus.BOUNCED,
    EmailStatus.DELIVERED,
    EmailStatus.FAILED,
    EmailStatus.SPAM,
    EmailStatus.IN_PROGRESS,
]


@dataclass
class Seeded:
    team_id: int
    users: list[User]
    people: list[int]
    campaigns: list[int]
    templates: list[int]
    groups: list[str]


async def seed(world: World, count: int = 40) -> Seeded:
    team_id = world.alice.user.team_id
    users = [world.alice.user, world.bob.user, world.lead_a.user]
    people = [
        (await Person.create(team_id=team_id, owner_id=users[0].id, email=f"p{i}@x.example")).id
        for i in range(4)
    ]
    campaigns = [
        (await Campaign.create(team_id=team_id, owner_id=users[0].id, name=f"C{i}")).id
        for i in range(2)
    ]
    templates = [
        (await Template.create(team_id=team_id, owner_id=users[0].id, name=f"T{i}")).id
        for i in range(2)
    ]
    groups = ["g-one", "g-two"]
    for i in range(count):
        created = NOW - timedelta(days=(i * 37) % 55, hours=(i * 5) % 24)
        with clock.frozen(created):
            fields = emails.DraftFields(
                person_id=people[i % 4] if i % 7 else None,
                campaign_id=[campaigns[0], campaigns[1], None][(i // 3) % 3],
                template_id=templates[i % 2] if i % 5 == 0 else None,
                to=None if i % 7 else [f"other{i}@y.example"],
                subject=f"Hello {'offer' if i % 3 == 0 else 'news'} #{i}",
            )
            draft = await emails.create_draft(users[i % 3], fields)
            email = await drive_to(gid("Email", draft.id), STATUSES[i % len(STATUSES)])
        if i % 6 == 1:
            await Email.filter(id=email.id).update(group_id=groups[i % 2], bulk_kind=BulkKind.GROUP)
        # Engagement after creation, at distinct times up to now.
        span = (NOW - created).total_seconds()
        for v in range(i % 4):
            at = created + timedelta(seconds=span * (v + 1) / 5)
            await engagement.record_view(email, BOT if (i + v) % 5 == 1 else HUMAN, at=at)
        for c in range((i // 2) % 3):
            at = created + timedelta(seconds=span * (c + 1.5) / 5)
            await engagement.record_click(
                email, "https://x.example/a", BOT if i % 9 == 2 else HUMAN, at=at
            )
        if i % 6 in (0, 3) and i % 4 != 1:
            for r in range(1 + i % 2):
                at = created + timedelta(seconds=span * (r + 3.5) / 5)
                await engagement.record_reply(email, automatic=False, data={}, at=at)
    return Seeded(team_id, users, people, campaigns, templates, groups)


# ---- the brute-force evaluator: written from the wording, not from models/search ----


def _window(spec: EmailFilter, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    if spec.date_preset is None:
        return spec.date_from, spec.date_to
    today = NOW.astimezone(tz).date()
    start_day = {
        DatePreset.TODAY: today,
        DatePreset.LAST_7_DAYS: today - timedelta(days=6),
        DatePreset.LAST_30_DAYS: today - timedelta(days=29),
        DatePreset.THIS_MONTH: today.replace(day=1),
    }[spec.date_preset]
    if spec.date_preset is DatePreset.THIS_MONTH:
        end_day = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        end_day = today + timedelta(days=1)

    def midnight(d: object) -> datetime:
        return datetime.combine(d, datetime.min.time(), tzinfo=tz)  # type: ignore[arg-type]

    return midnight(start_day), midnight(end_day)


def brute_force(
    spec: EmailFilter, viewer: User, rows: list[Email], events: list[EmailEvent]
) -> set[int]:
    tz = ZoneInfo(viewer.timezone)
    result = set()
    kinds = {"viewed": "VIEWED", "clicked": "CLICKED", "replied": "REPLIED"}
    for row in rows:
        if row.team_id != viewer.team_id:
            continue
        if spec.owner_id is not None:
            if row.owner_id != spec.owner_id:
                continue
        elif not viewer.sees_whole_team and row.owner_id != viewer.id:
            continue
        if spec.status is not None and row.status != spec.status:
            continue
        if spec.folder is not None and row.status not in FOLDER_STATUSES[spec.folder]:
            continue
        if spec.person_id is not None and row.person_id != spec.person_id:
            continue
        if spec.person_ids is not None and row.person_id not in spec.person_ids:
            continue
        if spec.campaign_id is not None and row.campaign_id != spec.campaign_id:
            continue
        if spec.campaign == CampaignMatch.ANY and row.campaign_id is None:
            continue
        if spec.campaign == CampaignMatch.NONE and row.campaign_id is not None:
            continue
        if spec.group_id is not None and row.group_id != spec.group_id:
            continue
        if spec.template_id is not None and row.template_id != spec.template_id:
            continue
        if spec.text:
            needle = spec.text.strip().lower()
            haystacks = [row.subject.lower(), *(a.lower() for a in row.to_addresses)]
            if needle and not any(needle in h for h in haystacks):
                continue
        start, end = _window(spec, tz)
        value = getattr(row, spec.date_field.value)
        if start is not None and (value is None or value < start):
            continue
        if end is not None and (value is None or value >= end):
            continue
        ok = True
        for name, kind in kinds.items():
            condition = getattr(spec, name)
            if condition is None:
                continue
            mine = [
                e
                for e in events
                if e.email_id == row.id
                and e.kind.value == kind
                and not (spec.exclude_machine and e.machine)
                and (
                    condition.within_days is None
                    or e.occurred_at >= NOW - timedelta(days=condition.within_days)
                )
            ]
            if (len(mine) >= condition.at_least) != condition.happened:
                ok = False
        if ok:
            result.add(row.id)
    return result
