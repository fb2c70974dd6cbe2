"""Launching people into a campaign: at most 200 per call, by ids or by the recipients of a saved
search's (or a filter's) emails, answered per person (ADDED, ALREADY_IN_CAMPAIGN,
ACTIVE_IN_ANOTHER_CAMPAIGN, SKIPPED_UNSUBSCRIBED, SKIPPED_BOUNCED, SKIPPED_NO_EMAIL,
SKIPPED_DUPLICATE). Made safe to retry by an idempotency key recorded in the bulk sends'
idempotency table (models/bulk/requests) in the launch's own transaction: a retry answers the first
result and creates nothing; the same key for another request is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.base import clock
from models.base.errors import DomainError, ErrorCode, not_found
from models.bulk.requests import BulkRequest
from models.campaigns import stops
from models.campaigns.rules import get_campaign, window_of
from models.campaigns.schedule import due_at
from models.campaigns.tables import (
    LIVE_STATES,
    Campaign,
    CampaignMembership,
    CampaignStatus,
    CampaignStep,
    MembershipEventKind,
    MembershipState,
)
from models.campaigns.timing import zone_of
from models.emails import folders
from models.people import bounces
from models.people.tables import Person
from models.search import saved
from models.search.filters import EmailFilter
from models.teams import scope
from models.teams.tables import User

MAX_PEOPLE = 200
MAX_KEY = 150
KEY_PREFIX = "campaign:"  # keeps launch keys apart from bulk-send keys in the shared table


class AddStatus(StrEnum):
    ADDED = "ADDED"
    ALREADY_IN_CAMPAIGN = "ALREADY_IN_CAMPAIGN"
    ACTIVE_IN_ANOTHER_CAMPAIGN = "ACTIVE_IN_ANOTHER_CAMPAIGN"
    SKIPPED_UNSUBSCRIBED = "SKIPPED_UNSUBSCRIBED"
    SKIPPED_BOUNCED = "SKIPPED_BOUNCED"
    SKIPPED_NO_EMAIL = "SKIPPED_NO_EMAIL"
    SKIPPED_DUPLICATE = "SKIPPED_DUPLICATE"


@dataclass
class AddPeople:
    campaign_id: int
    idempotency_key: str
    person_ids: list[int | None] | None = None  # None in the list: not a Person id at all
    search: EmailFilter | None = None  # a filter over emails: their recipients are added
    saved_search_id: int | None = None  # or a saved search's filter
    start_step: int = 1
    start_at: datetime | None = None


@dataclass
class AddResult:
    person: Person
    status: AddStatus
    membership: CampaignMembership | None = None


@dataclass
class AddOutcome:
    results: list[AddResult] = field(default_factory=list)
    capped: bool = False  # a search matched more than MAX_PEOPLE people: the first ones were taken
    replayed: bool = False


def _hash(request: AddPeople) -> str:
    start_at = request.start_at.astimezone(UTC).isoformat() if request.start_at else None
    canonical = {
        "campaignId": request.campaign_id,
        "personIds": request.person_ids,
        "search": repr(request.search),
        "savedSearchId": request.saved_search_id,
        "startStep": request.start_step,
        "startAt": start_at,
    }
    raw = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_shape(request: AddPeople) -> None:
    key = request.idempotency_key.strip()
    if not key or len(key) > MAX_KEY:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Give an idempotency key of 1 to {MAX_KEY} characters.",
            "idempotencyKey",
        )
    sources = (request.person_ids, request.search, request.saved_search_id)
    if sum(source is not None for source in sources) != 1:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Give either personIds or a saved search / filter.",
            "personIds",
        )
    if request.person_ids is not None:
        if not request.person_ids:
            raise DomainError(ErrorCode.REQUIRED, "Choose at least one person.", "personIds")
        if len(set(request.person_ids)) > MAX_PEOPLE or len(request.person_ids) > 2 * MAX_PEOPLE:
            raise DomainError(
                ErrorCode.TOO_MANY_RECIPIENTS,
                f"At most {MAX_PEOPLE} people per launch ({len(set(request.person_ids))} given).",
                "personIds",
            )


async def add_people(viewer: User, request: AddPeople) -> AddOutcome:
    _check_shape(request)
    digest = _hash(request)
    key = KEY_PREFIX + request.idempotency_key.strip()
    previous = await _previous(viewer, key, digest)
    if previous is not None:
        return previous
    campaign = await get_campaign(viewer, request.campaign_id, "campaignId")
    if campaign.status not in (CampaignStatus.ACTIVE, CampaignStatus.PAUSED):
        raise DomainError(
            ErrorCode.CAMPAIGN_NOT_ACTIVE,
            f"People join an active (or paused) campaign; this one is {campaign.status.value}.",
            "campaignId",
        )
    steps = await CampaignStep.filter(campaign_id=campaign.id).order_by("position", "id")
    if not 1 <= request.start_step <= len(steps):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"The campaign has steps 1–{len(steps)}.", "startStep"
        )
    ids, capped = await _person_ids(viewer, request)
    people = {p.id: p for p in await scope.visible_people(viewer).filter(id__in=set(ids))}
    if len(people) < len({i for i in ids if i is not None}) or None in ids:
        raise not_found("Person", "personIds")
    outcome = AddOutcome(capped=capped)
    planned = await _plan(viewer, campaign, ids, people)
    try:
        await _create(
            viewer, campaign, steps[request.start_step - 1], request, planned, key, digest
        )
    except IntegrityError:
        previous = await _previous(viewer, key, digest)
        if previous is None:
            raise
        return previous
    outcome.results = planned
    return outcome


async def _person_ids(viewer: User, request: AddPeople) -> tuple[list[int | None], bool]:
    if request.person_ids is not None:
        return list(request.person_ids), False
    spec = request.search
    if request.saved_search_id is not None:
        spec = (await saved.get_saved_search(viewer, request.saved_search_id, "savedSearchId")).spec
    query = await folders.email_query(viewer, filter=spec)
    # The distinct recipients of the matching emails, in a stable order.
    rows: list[Any] = await query.filter(person_id__isnull=False).values_list(
        "person_id", flat=True
    )
    ids: list[int | None] = [*sorted({int(pk) for pk in rows})]
    return ids[:MAX_PEOPLE], len(ids) > MAX_PEOPLE


async def _plan(
    viewer: User, campaign: Campaign, ids: list[int | None], people: dict[int, Person]
) -> list[AddResult]:
    existing: set[Any] = set(
        await CampaignMembership.filter(
            campaign_id=campaign.id, person_id__in=list(people)
        ).values_list("person_id", flat=True)
    )
    elsewhere: set[Any] = set()
    if campaign.exclusive:
        elsewhere = set(
            await CampaignMembership.filter(
                team_id=viewer.team_id,
                person_id__in=list(people),
                state__in=list(LIVE_STATES),
            )
            .exclude(campaign_id=campaign.id)
            .values_list("person_id", flat=True)
        )
    bounced = await bounces.undeliverable(viewer.team_id, [p.email for p in people.values()])
    results: list[AddResult] = []
    seen: set[int] = set()
    for pk in ids:
        assert pk is not None
        person = people[pk]
        if pk in seen:
            status = AddStatus.SKIPPED_DUPLICATE
        elif pk in existing:
            status = AddStatus.ALREADY_IN_CAMPAIGN
        elif not person.email.strip():
            status = AddStatus.SKIPPED_NO_EMAIL
        elif person.unsubscribed:
            status = AddStatus.SKIPPED_UNSUBSCRIBED
        elif person.email.lower() in bounced:
            status = AddStatus.SKIPPED_BOUNCED
        elif pk in elsewhere:
            status = AddStatus.ACTIVE_IN_ANOTHER_CAMPAIGN
        else:
            status = AddStatus.ADDED
        seen.add(pk)
        results.append(AddResult(person, status))
    return results


async def _create(
    viewer: User,
    campaign: Campaign,
    first: CampaignStep,
    request: AddPeople,
    planned: list[AddResult],
    key: str,
    digest: str,
) -> None:
    now = clock.now()
    base = max(request.start_at, now) if request.start_at else now
    paused = campaign.status is CampaignStatus.PAUSED
    window = window_of(campaign)
    async with in_transaction() as conn:
        for result in planned:
            if result.status is not AddStatus.ADDED:
                continue
            tz = zone_of(result.person, viewer)
            delay = 0 if request.start_at else first.delay_days
            due = due_at(
                base,
                delay,
                first.time_of_day,
                business_days=campaign.skip_weekends,
                tz=tz,
                window=window,
            )
            membership = await CampaignMembership.create(
                team_id=viewer.team_id,
                campaign_id=campaign.id,
                person_id=result.person.id,
                sender_id=viewer.id,
                state=MembershipState.PAUSED if paused else MembershipState.ACTIVE,
                stop_reason="CAMPAIGN_PAUSED" if paused else None,
                step=first.position,
                next_due_at=due,
                added_at=now,
                updated_at=now,
                using_db=conn,
            )
            result.membership = membership
            await stops.record(conn, membership, MembershipEventKind.ADDED, now, actor_id=viewer.id)
        await BulkRequest.create(
            team_id=viewer.team_id,
            user_id=viewer.id,
            key=key,
            request_hash=digest,
            group_id=str(campaign.id),
            results=[
                {
                    "personId": r.person.id,
                    "status": r.status.value,
                    "membershipId": r.membership.id if r.membership else None,
                }
                for r in planned
            ],
            created_at=now,
            using_db=conn,
        )


async def _previous(viewer: User, key: str, digest: str) -> AddOutcome | None:
    row = await BulkRequest.get_or_none(team_id=viewer.team_id, user_id=viewer.id, key=key)
    if row is None:
        return None
    if row.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for a different request; use a new key.",
            "idempotencyKey",
        )
    people = {
        p.id: p
        for p in await scope.visible_people(viewer).filter(
            id__in={r["personId"] for r in row.results}
        )
    }
    ids = [r["membershipId"] for r in row.results if r["membershipId"]]
    found = {m.id: m for m in await CampaignMembership.filter(id__in=ids)}
    results = [
        AddResult(people[r["personId"]], AddStatus(r["status"]), found.get(r["membershipId"]))
        for r in row.results
        if r["personId"] in people
    ]
    return AddOutcome(results=results, replayed=True)
