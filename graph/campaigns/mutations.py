"""Campaign mutations: the campaign and its status, its steps, and the people in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

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
    days: list[Weekday] = strawberry.field(
        description="The days step emails may go out (at least one; with skipWeekends, SAT and "
        "SUN are closed unless they are the only days)."
    )
    start_time: str = strawberry.field(
        default="08:00",
        description="When the window opens each day, HH:MM, inclusive (00:00–23:59).",
    )
    end_time: str = strawberry.field(
        default="18:00",
        description="When the window closes each day, HH:MM, exclusive; after startTime, at most "
        "24:00.",
    )


@strawberry.input(description="A new campaign; it starts as a DRAFT owned by the caller.")
class CreateCampaignInput:
    name: str = strawberry.field(description="What the team calls it (1–200 characters, trimmed).")
    shared: bool = strawberry.field(
        default=True,
        description="true (default): teammates see it and add people to it; false: private, "
        "invisible to everyone but the caller.",
    )
    send_window: SendWindowInput | None = strawberry.field(
        default=None, description="Default Monday–Friday 08:00–18:00."
    )
    skip_weekends: bool = strawberry.field(
        default=True,
        description="Delays count business days and SAT/SUN are closed (default true).",
    )
    stop_on_any_reply: bool = strawberry.field(
        default=False,
        description="A reply to any of the team's emails, not only to this campaign's, stops the "
        "person (default false).",
    )
    exclusive: bool = strawberry.field(
        default=False,
        description="Refuse people ACTIVE or PAUSED in another campaign of the team "
        "(ACTIVE_IN_ANOTHER_CAMPAIGN; default false).",
    )


@strawberry.input(description="Only the fields given change.")
class UpdateCampaignInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of the campaign: not ARCHIVED, owned by the caller unless they are "
        "a team admin."
    )
    name: str | None = strawberry.field(
        default=None, description="A new name (1–200 characters, trimmed); null: unchanged."
    )
    shared: bool | None = strawberry.field(
        default=None,
        description="true: teammates see it; false: private to its owner; null: unchanged.",
    )
    send_window: SendWindowInput | None = strawberry.field(
        default=None,
        description="Replaces the whole window (omitted times become 08:00 and 18:00); due "
        "times already computed stay. Null: unchanged.",
    )
    skip_weekends: bool | None = strawberry.field(
        default=None,
        description="Delays count business days and SAT/SUN are closed; null: unchanged.",
    )
    stop_on_any_reply: bool | None = strawberry.field(
        default=None,
        description="A reply to any team email stops the person; null: unchanged.",
    )
    exclusive: bool | None = strawberry.field(
        default=None,
        description="Refuse people live in another campaign when adding; null: unchanged.",
    )


@strawberry.input(description="Which campaign to activate.")
class ActivateCampaignInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of a DRAFT campaign with at least one step, editable by the caller."
    )


@strawberry.input(description="Which campaign to pause.")
class PauseCampaignInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of an ACTIVE campaign editable by the caller."
    )


@strawberry.input(description="Which campaign to resume.")
class ResumeCampaignInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of a PAUSED campaign editable by the caller."
    )


@strawberry.input(description="Which campaign to archive (for good).")
class ArchiveCampaignInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of a campaign that is not yet ARCHIVED, editable by the caller."
    )


@strawberry.input(description="Which step to remove.")
class RemoveCampaignStepInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of the CampaignStep; its campaign must be editable by the caller."
    )


@strawberry.input(description="Which person's membership to pause.")
class PauseMembershipInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of an ACTIVE CampaignMembership (the caller added the person, "
        "owns the campaign or is a team admin)."
    )


@strawberry.input(description="Which person's membership to resume.")
class ResumeMembershipInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of a PAUSED CampaignMembership of an ACTIVE campaign "
        "(the caller added the person, owns the campaign or is a team admin)."
    )


@strawberry.type(description="The campaign after the mutation, or the reasons it was refused.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(
        description="The campaign after the change; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


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
    kind: StepKind | None = strawberry.field(
        default=None, description="What the step does for each person; required when adding."
    )
    delay_days: int | None = strawberry.field(
        default=None,
        description="Days after the previous step (after joining, for step 1), 0–365; business "
        "days if the campaign skips weekends. 0 when adding without it.",
    )
    time_of_day: str | None = strawberry.field(
        default=strawberry.UNSET, description="HH:MM local time; null clears it."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Copy the template's subject and bodies."
    )
    subject: str | None = strawberry.field(
        default=None,
        description="The email's subject with merge fields: one line, at most 998 characters; an "
        "AUTO_EMAIL step needs one unless it replies in thread.",
    )
    body_html: str | None = strawberry.field(
        default=None,
        description="The email's HTML body with merge fields (at most 1,000,000 characters).",
    )
    body_text: str | None = strawberry.field(
        default=None,
        description="The email's plain-text body with merge fields (at most 1,000,000 characters).",
    )
    reply_in_thread: bool | None = strawberry.field(
        default=None,
        description="Send it as 'Re:' the previous step's email, in its thread (AUTO_EMAIL steps "
        "after the first only).",
    )
    title: str | None = strawberry.field(
        default=None,
        description="The task's title (task and manual email steps; at most 200 characters); "
        "empty: 'Call <name>', 'Email <name>'….",
    )
    details: str | None = strawberry.field(
        default=None,
        description="Talk track or notes shown in the task (at most 1,000,000 characters).",
    )


@strawberry.input(
    description="A new step; steps at and after its position move down one. Fields left null "
    "keep their defaults (empty texts, no delay)."
)
class AddCampaignStepInput(StepInput):
    campaign_id: strawberry.ID = strawberry.field(
        description="Global ID of a campaign the caller may edit (not ARCHIVED)."
    )
    position: int | None = strawberry.field(default=None, description="Default: at the end.")


@strawberry.input(
    description="Which step, and the fields to change (null fields stay); affects only the "
    "steps not yet run."
)
class UpdateCampaignStepInput(StepInput):
    id: strawberry.ID = strawberry.field(
        description="Global ID of the CampaignStep; its campaign must be editable by the caller."
    )


@strawberry.input(description="Which step to move, and where.")
class MoveCampaignStepInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of the CampaignStep; its campaign must be editable by the caller."
    )
    position: int = strawberry.field(
        description="Its new 1-based position (1 to the number of steps); the steps between "
        "shift by one. Refused if a step replying in thread would end up first."
    )


@strawberry.type(description="The step after the mutation and its campaign, or why it was refused.")
class CampaignStepPayload:
    step: CampaignStep | None = strawberry.field(
        description="The step after the change; null when refused (see userErrors)."
    )
    campaign: Campaign | None = strawberry.field(
        description="The step's campaign after the change; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type(description="The ID of the removed step and its campaign, or why it was refused.")
class RemoveCampaignStepPayload:
    removed_step_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the removed step; null when refused."
    )
    campaign: Campaign | None = strawberry.field(
        description="The campaign after the removal (later steps moved up); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


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
    campaign_id: strawberry.ID = strawberry.field(
        description="Global ID of an ACTIVE or PAUSED campaign the caller may see (else "
        "CAMPAIGN_NOT_ACTIVE or NOT_FOUND)."
    )
    idempotency_key: str = strawberry.field(
        description="The same key and request again: the first answer, nothing created."
    )
    person_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="The people to add (Person global IDs, at most 200 distinct; an unknown one "
        "refuses the request). Give exactly one of personIds, savedSearchId and filter.",
    )
    saved_search_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Add the distinct recipients of the emails this saved search matches (the "
        "first 200 by person).",
    )
    filter: EmailFilter | None = strawberry.field(
        default=None,
        description="Add the distinct recipients of the emails this filter matches, among those "
        "the caller may see (the first 200 by person).",
    )
    start_step: int = strawberry.field(default=1, description="Start at this step.")
    start_at: datetime | None = strawberry.field(
        default=None, description="The first step is due then (in the send window), not now."
    )


@strawberry.type(description="What happened to one person of a launch.")
class CampaignAddResult:
    person: Person = strawberry.field(description="The person the result is about.")
    status: AddStatus = strawberry.field(description="Added, or why not.")
    membership: CampaignMembership | None = strawberry.field(
        description="The new membership when ADDED; null otherwise."
    )


@strawberry.type(description="What a launch did for each person, or why it was refused.")
class AddPeopleToCampaignPayload:
    results: list[CampaignAddResult] = strawberry.field(
        description="One per person asked for, in request order (by person for a search); "
        "empty when refused."
    )
    added: int = strawberry.field(description="How many results are ADDED.")
    capped: bool = strawberry.field(description="The search matched more than 200 people.")
    replayed: bool = strawberry.field(description="An earlier identical request's answer.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.input(description="People to take out of a campaign.")
class RemovePeopleFromCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(
        description="Global ID of a campaign the caller may see."
    )
    person_ids: list[strawberry.ID] = strawberry.field(
        description="Person global IDs; people not in the campaign, and unknown IDs, are ignored."
    )


@strawberry.type(description="The memberships after the mutation, or why it was refused.")
class MembershipsPayload:
    memberships: list[CampaignMembership] = strawberry.field(
        description="The people's memberships after the change, by ID (ones already ended stay "
        "as they were); empty when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type(description="The membership after the mutation, or why it was refused.")
class MembershipPayload:
    membership: CampaignMembership | None = strawberry.field(
        description="The membership after the change; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


def _person_ids(ids: list[strawberry.ID]) -> list[int | None]:
    # A malformed or foreign id is reported like a person that does not exist.
    return [decode_id(i, "Person") for i in ids]


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(description="A new campaign, DRAFT until activated.")
    async def create_campaign(
        self,
        info: Info,
        input: Annotated[
            CreateCampaignInput,
            strawberry.argument(description="The new campaign's name and settings."),
        ],
    ) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(lambda: campaigns.create_campaign(viewer, _fields(input)))

    @strawberry.mutation(description="Edit name, sharing and settings (owner or team admin).")
    async def update_campaign(
        self,
        info: Info,
        input: Annotated[
            UpdateCampaignInput,
            strawberry.argument(
                description="Which campaign, and the fields to change (null fields stay)."
            ),
        ],
    ) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.update_campaign(
                viewer, require_id(input.id, "Campaign"), _fields(input)
            )
        )

    @strawberry.mutation(description="DRAFT → ACTIVE (needs a step).")
    async def activate_campaign(
        self,
        info: Info,
        input: Annotated[
            ActivateCampaignInput, strawberry.argument(description="Which campaign to activate.")
        ],
    ) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.activate_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="ACTIVE → PAUSED: no step runs; pending step emails go back.")
    async def pause_campaign(
        self,
        info: Info,
        input: Annotated[
            PauseCampaignInput, strawberry.argument(description="Which campaign to pause.")
        ],
    ) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.pause_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="PAUSED → ACTIVE: everyone continues where they were.")
    async def resume_campaign(
        self,
        info: Info,
        input: Annotated[
            ResumeCampaignInput, strawberry.argument(description="Which campaign to resume.")
        ],
    ) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.resume_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="→ ARCHIVED: every live membership ends as REMOVED.")
    async def archive_campaign(
        self,
        info: Info,
        input: Annotated[
            ArchiveCampaignInput, strawberry.argument(description="Which campaign to archive.")
        ],
    ) -> CampaignPayload:
        viewer = info.context.user
        return await _campaign(
            lambda: campaigns.archive_campaign(viewer, require_id(input.id, "Campaign"))
        )

    @strawberry.mutation(description="Add a step (at the end unless a position is given).")
    async def add_campaign_step(
        self,
        info: Info,
        input: Annotated[
            AddCampaignStepInput,
            strawberry.argument(description="The campaign, the new step and its position."),
        ],
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
        self,
        info: Info,
        input: Annotated[
            UpdateCampaignStepInput,
            strawberry.argument(
                description="Which step, and the fields to change (null fields stay)."
            ),
        ],
    ) -> CampaignStepPayload:
        viewer = info.context.user
        return await _step(
            lambda: steps.update_step(
                viewer, require_id(input.id, "CampaignStep"), _step_fields(input)
            )
        )

    @strawberry.mutation(description="Move a step to another position.")
    async def move_campaign_step(
        self,
        info: Info,
        input: Annotated[
            MoveCampaignStepInput,
            strawberry.argument(description="Which step, and its new position."),
        ],
    ) -> CampaignStepPayload:
        viewer = info.context.user
        return await _step(
            lambda: steps.move_step(viewer, require_id(input.id, "CampaignStep"), input.position)
        )

    @strawberry.mutation(description="Remove a step; the later ones move up.")
    async def remove_campaign_step(
        self,
        info: Info,
        input: Annotated[
            RemoveCampaignStepInput, strawberry.argument(description="Which step to remove.")
        ],
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
        self,
        info: Info,
        input: Annotated[
            AddPeopleToCampaignInput,
            strawberry.argument(
                description="The campaign, who to add (ids, saved search or filter), where "
                "they start, and the idempotency key."
            ),
        ],
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
        self,
        info: Info,
        input: Annotated[
            RemovePeopleFromCampaignInput,
            strawberry.argument(description="The campaign and the people to remove."),
        ],
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
    async def pause_membership(
        self,
        info: Info,
        input: Annotated[
            PauseMembershipInput, strawberry.argument(description="Which membership to pause.")
        ],
    ) -> MembershipPayload:
        viewer = info.context.user
        return await _membership(
            lambda: memberships.pause_membership(viewer, require_id(input.id, "CampaignMembership"))
        )

    @strawberry.mutation(description="Resume one person where they were.")
    async def resume_membership(
        self,
        info: Info,
        input: Annotated[
            ResumeMembershipInput, strawberry.argument(description="Which membership to resume.")
        ],
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
