"""Campaign mutations: the campaign and its status, its steps, and the people in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry

from graph.campaigns.types import (
    Campaign,
    CampaignMembership,
    CampaignStep,
    minutes_of,
)
from graph.context import Info
from graph.errors import UserError, user_errors
from graph.people.types import Person
from graph.relay import decode_id, optional_id, require_id, to_global_id
from graph.search.inputs import EmailFilter
from models.base.errors import DomainError, ValidationErrors
from models.campaigns import commands as campaigns
from models.campaigns import launches, memberships, steps
from models.campaigns.launches import AddStatus
from models.campaigns.tables import Campaign as CampaignRow
from models.campaigns.tables import StepKind
from models.teams.working_hours import WEEK, Weekday


@strawberry.input(description="Days and hours, HH:MM in the prospect's (else sender's) zone.")
class SendWindowInput:
    days: list[Weekday]
    start_time: str = "08:00"
    end_time: str = "18:00"


@strawberry.input
class CreateCampaignInput:
    name: str
    shared: bool = True
    send_window: SendWindowInput | None = strawberry.field(
        default=None, description="Default Monday–Friday 08:00–18:00."
    )
    skip_weekends: bool = True
    stop_on_any_reply: bool = False
    exclusive: bool = False


@strawberry.input(description="Only the fields given change.")
class UpdateCampaignInput:
    id: strawberry.ID
    name: str | None = None
    shared: bool | None = None
    send_window: SendWindowInput | None = None
    skip_weekends: bool | None = None
    stop_on_any_reply: bool | None = None
    exclusive: bool | None = None


@strawberry.input
class ActivateCampaignInput:
    id: strawberry.ID


@strawberry.input
class PauseCampaignInput:
    id: strawberry.ID


@strawberry.input
class ResumeCampaignInput:
    id: strawberry.ID


@strawberry.input
class ArchiveCampaignInput:
    id: strawberry.ID


@strawberry.input
class RemoveCampaignStepInput:
    id: strawberry.ID


@strawberry.input
class PauseMembershipInput:
    id: strawberry.ID


@strawberry.input
class ResumeMembershipInput:
    id: strawberry.ID


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None
    user_errors: list[UserError]


def _fields(data: CreateCampaignInput | UpdateCampaignInput) -> campaigns.CampaignFields:
    window = data.send_window
    return campaigns.CampaignFields(
        name=data.name,
        shared=data.shared,
        window_days=sorted({WEEK.index(d) for d in window.days}) if window else None,
        window_start=minutes_of(window.start_time, "sendWindow.startTime") if window else None,
        window_end=minutes_of(window.end_time, "sendWindow.endTime") if window else None,
        skip_weekends=data.skip_weekends,
        stop_on_any_reply=data.stop_on_any_reply,
        exclusive=data.exclusive,
    )


async def _campaign(call: Callable[[], Awaitable[CampaignRow]]) -> CampaignPayload:
    try:
        return CampaignPayload(campaign=Campaign.of(await call()), user_errors=[])
    except (DomainError, ValidationErrors) as error:
        return CampaignPayload(campaign=None, user_errors=user_errors(error))


@strawberry.input(description="A step; for an update only the fields given change.")
class StepInput:
    kind: StepKind | None = None
    delay_days: int | None = None
    time_of_day: str | None = strawberry.field(
        default=strawberry.UNSET, description="HH:MM local time; null clears it."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Copy the template's subject and bodies."
    )
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    reply_in_thread: bool | None = None
    title: str | None = None
    details: str | None = None


@strawberry.input
class AddCampaignStepInput(StepInput):
    campaign_id: strawberry.ID
    position: int | None = strawberry.field(default=None, description="Default: at the end.")


@strawberry.input
class UpdateCampaignStepInput(StepInput):
    id: strawberry.ID


@strawberry.input
class MoveCampaignStepInput:
    id: strawberry.ID
    position: int


@strawberry.type
class CampaignStepPayload:
    step: CampaignStep | None
    campaign: Campaign | None
    user_errors: list[UserError]


@strawberry.type
class RemoveCampaignStepPayload:
    removed_step_id: strawberry.ID | None
    campaign: Campaign | None
    user_errors: list[UserError]


def _step_fields(data: StepInput) -> steps.StepFields:
    time_given = data.time_of_day is not strawberry.UNSET
    return steps.StepFields(
        kind=data.kind,
        delay_days=data.delay_days,
        time_of_day=minutes_of(data.time_of_day, "timeOfDay")
        if time_given and data.time_of_day is not None
        else None,
        clear_time_of_day=time_given and data.time_of_day is None,
        template_id=optional_id(data.template_id, "Template", "templateId"),
        subject=data.subject,
        body_html=data.body_html,
        body_text=data.body_text,
        reply_in_thread=data.reply_in_thread,
        title=data.title,
        details=data.details,
    )


async def _step(call: Callable[[], Awaitable[steps.CampaignStep]]) -> CampaignStepPayload:
    try:
        row = await call()
    except (DomainError, ValidationErrors) as error:
        return CampaignStepPayload(step=None, campaign=None, user_errors=user_errors(error))
    campaign = await CampaignRow.get(id=row.campaign_id)
    return CampaignStepPayload(
        step=CampaignStep.of(row), campaign=Campaign.of(campaign), user_errors=[]
    )


@strawberry.input(
    description="At most 200 people: `personIds`, or the recipients of a saved search's or a "
    "filter's emails (the first 200 people)."
)
class AddPeopleToCampaignInput:
    campaign_id: strawberry.ID
    idempotency_key: str = strawberry.field(
        description="The same key and request again: the first answer, nothing created."
    )
    person_ids: list[strawberry.ID] | None = None
    saved_search_id: strawberry.ID | None = None
    filter: EmailFilter | None = None
    start_step: int = strawberry.field(default=1, description="Start at this step.")
    start_at: datetime | None = strawberry.field(
        default=None, description="The first step is due then (in the send window), not now."
    )


@strawberry.type(description="What happened to one person of a launch.")
class CampaignAddResult:
    person: Person
    status: AddStatus
    membership: CampaignMembership | None


@strawberry.type
class AddPeopleToCampaignPayload:
    results: list[CampaignAddResult]
    added: int
    capped: bool = strawberry.field(description="The search matched more than 200 people.")
    replayed: bool = strawberry.field(description="An earlier identical request's answer.")
    user_errors: list[UserError]


@strawberry.input
class RemovePeopleFromCampaignInput:
    campaign_id: strawberry.ID
    person_ids: list[strawberry.ID]


@strawberry.type
class MembershipsPayload:
    memberships: list[CampaignMembership]
    user_errors: list[UserError]


@strawberry.type
class MembershipPayload:
    membership: CampaignMembership | None
    user_errors: list[UserError]


def _person_ids(ids: list[strawberry.ID]) -> list[int | None]:
    # A malformed or foreign id is reported like a person that does not exist.
    return [decode_id(i, "Person") for i in ids]


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(description="A new campaign, DRAFT until activated.")
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(lambda: campaigns.create_campaign(viewer, _fields(input)))

    @strawberry.mutation(description="Edit name, sharing and settings (owner or team admin).")
    async def update_campaign(self, info: Info, input: UpdateCampaignInput) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.update_campaign(
                viewer, require_id(input.id, "Campaign"), _fields(input)
            )
        )

    @strawberry.mutation(description="DRAFT → ACTIVE (needs a step).")
    async def activate_campaign(self, info: Info, input: ActivateCampaignInput) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.activate_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="ACTIVE → PAUSED: no step runs; pending step emails go back.")
    async def pause_campaign(self, info: Info, input: PauseCampaignInput) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.pause_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="PAUSED → ACTIVE: everyone continues where they were.")
    async def resume_campaign(self, info: Info, input: ResumeCampaignInput) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.resume_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="→ ARCHIVED: every live membership ends as REMOVED.")
    async def archive_campaign(self, info: Info, input: ArchiveCampaignInput) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.archive_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="Add a step (at the end unless a position is given).")
    async def add_campaign_step(
        self, info: Info, input: AddCampaignStepInput
    ) -> CampaignStepPayload:
        viewer = info.context.user
        return await _step(
            lambda: steps.add_step(
                viewer,
                require_id(input.campaign_id, "Campaign", "campaignId"),
                _step_fields(input),
                input.position,
            )
        )

    @strawberry.mutation(description="Edit a step: affects the steps not yet run.")
    async def update_campaign_step(
        self, info: Info, input: UpdateCampaignStepInput
    ) -> CampaignStepPayload:
        viewer = info.context.user
        return await _step(
            lambda: steps.update_step(
                viewer, require_id(input.id, "CampaignStep"), _step_fields(input)
            )
        )

    @strawberry.mutation(description="Move a step to another position.")
    async def move_campaign_step(
        self, info: Info, input: MoveCampaignStepInput
    ) -> CampaignStepPayload:
        viewer = info.context.user
        return await _step(
            lambda: steps.move_step(viewer, require_id(input.id, "CampaignStep"), input.position)
        )

    @strawberry.mutation(description="Remove a step; the later ones move up.")
    async def remove_campaign_step(
        self, info: Info, input: RemoveCampaignStepInput
    ) -> RemoveCampaignStepPayload:
        viewer = info.context.user
        try:
            row = await steps.remove_step(viewer, require_id(input.id, "CampaignStep"))
        except DomainError as error:
            return RemoveCampaignStepPayload(
                removed_step_id=None, campaign=None, user_errors=user_errors(error)
            )
        campaign = await CampaignRow.get(id=row.campaign_id)
        return RemoveCampaignStepPayload(
            removed_step_id=to_global_id("CampaignStep", row.id),
            campaign=Campaign.of(campaign),
            user_errors=[],
        )

    @strawberry.mutation(description="Launch people into a campaign (at most 200 per call).")
    async def add_people_to_campaign(
        self, info: Info, input: AddPeopleToCampaignInput
    ) -> AddPeopleToCampaignPayload:
        viewer = info.context.user
        try:
            request = launches.AddPeople(
                campaign_id=require_id(input.campaign_id, "Campaign", "campaignId"),
                idempotency_key=input.idempotency_key,
                person_ids=_person_ids(input.person_ids) if input.person_ids is not None else None,
                search=input.filter.to_domain() if input.filter is not None else None,
                saved_search_id=optional_id(input.saved_search_id, "SavedSearch", "savedSearchId"),
                start_step=input.start_step,
                start_at=input.start_at,
            )
            outcome = await launches.add_people(viewer, request)
        except (DomainError, ValidationErrors) as error:
            return AddPeopleToCampaignPayload(
                results=[], added=0, capped=False, replayed=False, user_errors=user_errors(error)
            )
        results = [
            CampaignAddResult(
                person=Person.of(r.person),
                status=r.status,
                membership=CampaignMembership.of(r.membership) if r.membership else None,
            )
            for r in outcome.results
        ]
        return AddPeopleToCampaignPayload(
            results=results,
            added=sum(r.status is AddStatus.ADDED for r in outcome.results),
            capped=outcome.capped,
            replayed=outcome.replayed,
            user_errors=[],
        )

    @strawberry.mutation(description="End people's memberships (REMOVED); pending emails go back.")
    async def remove_people_from_campaign(
        self, info: Info, input: RemovePeopleFromCampaignInput
    ) -> MembershipsPayload:
        viewer = info.context.user
        try:
            rows = await memberships.remove_people(
                viewer,
                require_id(input.campaign_id, "Campaign", "campaignId"),
                [pk for pk in _person_ids(input.person_ids) if pk is not None],
            )
        except DomainError as error:
            return MembershipsPayload(memberships=[], user_errors=user_errors(error))
        return MembershipsPayload(
            memberships=[CampaignMembership.of(r) for r in rows], user_errors=[]
        )

    @strawberry.mutation(description="Pause one person: no further step until resumed.")
    async def pause_membership(self, info: Info, input: PauseMembershipInput) -> MembershipPayload:
        viewer = info.context.user
        return await _membership(
            lambda: memberships.pause_membership(viewer, require_id(input.id, "CampaignMembership"))
        )

    @strawberry.mutation(description="Resume one person where they were.")
    async def resume_membership(
        self, info: Info, input: ResumeMembershipInput
    ) -> MembershipPayload:
        viewer = info.context.user
        return await _membership(
            lambda: memberships.resume_membership(
                viewer, require_id(input.id, "CampaignMembership")
            )
        )


async def _membership(
    call: Callable[[], Awaitable[memberships.CampaignMembership]],
) -> MembershipPayload:
    try:
        return MembershipPayload(membership=CampaignMembership.of(await call()), user_errors=[])
    except DomainError as error:
        return MembershipPayload(membership=None, user_errors=user_errors(error))
