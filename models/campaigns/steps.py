"""A campaign's ordered steps: add, edit, remove, move (positions stay 1..n, contiguous).

Editing the steps of an active campaign affects only steps not yet run: a membership runs the step
at its next position when that step is due, with the step's text as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from models.base.errors import DomainError, ErrorCode, not_found
from models.campaigns.rules import check_time_of_day, editable_campaign, visible_campaigns
from models.campaigns.tables import Campaign, CampaignStep, StepKind
from models.emails.commands import MAX_BODY, MAX_SUBJECT
from models.teams import scope
from models.teams.tables import User

MAX_DELAY_DAYS = 365
MAX_TITLE = 200


@dataclass
class StepFields:
    """`None` leaves a field as it is (on update). `template_id` copies the template's text."""

    kind: StepKind | None = None
    delay_days: int | None = None
    time_of_day: int | None = None
    clear_time_of_day: bool = False
    template_id: int | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    reply_in_thread: bool | None = None
    title: str | None = None
    details: str | None = None


async def get_step(viewer: User, step_id: int, field: str = "id") -> tuple[CampaignStep, Campaign]:
    step = await CampaignStep.get_or_none(id=step_id)
    campaign = await visible_campaigns(viewer).get_or_none(id=step.campaign_id) if step else None
    if step is None or campaign is None:
        raise not_found("Campaign step", field)
    return step, campaign


async def _values(viewer: User, fields: StepFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if fields.template_id is not None:
        template = await scope.get_template(viewer, fields.template_id)
        values.update(
            template_id=template.id,
            subject=template.subject,
            body_html=template.body_html,
            body_text=template.body_text,
        )
    if fields.kind is not None:
        values["kind"] = fields.kind
    if fields.delay_days is not None:
        if not 0 <= fields.delay_days <= MAX_DELAY_DAYS:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"A delay is 0–{MAX_DELAY_DAYS} days.", "delayDays"
            )
        values["delay_days"] = fields.delay_days
    if fields.clear_time_of_day:
        values["time_of_day"] = None
    elif fields.time_of_day is not None:
        check_time_of_day(fields.time_of_day)
        values["time_of_day"] = fields.time_of_day
    if fields.subject is not None:
        if "\n" in fields.subject or "\r" in fields.subject:
            raise DomainError(ErrorCode.INVALID_INPUT, "A subject is one line.", "subject")
        if len(fields.subject) > MAX_SUBJECT:
            raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_SUBJECT} characters.", "subject")
        values["subject"] = fields.subject
    for name, column in (
        ("bodyHtml", "body_html"),
        ("bodyText", "body_text"),
        ("details", "details"),
    ):
        value = getattr(fields, column)
        if value is not None:
            if len(value) > MAX_BODY:
                raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_BODY} characters.", name)
            values[column] = value
    if fields.title is not None:
        if len(fields.title) > MAX_TITLE:
            raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TITLE} characters.", "title")
        values["title"] = fields.title.strip()
    if fields.reply_in_thread is not None:
        values["reply_in_thread"] = fields.reply_in_thread
    return values


def _check_step(step: CampaignStep) -> None:
    """Whole-step rules, on the step as it would be saved."""
    if step.reply_in_thread and (step.kind is not StepKind.AUTO_EMAIL or step.position == 1):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Only an automatic email after the first step can reply in the previous thread.",
            "replyInThread",
        )
    if step.kind is StepKind.AUTO_EMAIL and not step.reply_in_thread and not step.subject.strip():
        raise DomainError(ErrorCode.REQUIRED, "An automatic email needs a subject.", "subject")


async def add_step(
    viewer: User, campaign_id: int, fields: StepFields, position: int | None = None
) -> CampaignStep:
    campaign = await editable_campaign(viewer, campaign_id, "campaignId")
    if fields.kind is None:
        raise DomainError(ErrorCode.REQUIRED, "A step needs a kind.", "kind")
    values = await _values(viewer, fields)
    count = await CampaignStep.filter(campaign_id=campaign.id).count()
    at = position if position is not None else count + 1
    if not 1 <= at <= count + 1:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A position is 1–{count + 1}.", "position")
    step = CampaignStep(campaign_id=campaign.id, position=at, **values)
    _check_step(step)
    async with in_transaction() as conn:
        rows = await CampaignStep.filter(campaign_id=campaign.id, position__gte=at).using_db(conn)
        for row in rows:
            await CampaignStep.filter(id=row.id).using_db(conn).update(position=row.position + 1)
        await step.save(using_db=conn)
    return step


async def update_step(viewer: User, step_id: int, fields: StepFields) -> CampaignStep:
    step, _campaign = await get_step(viewer, step_id)
    await editable_campaign(viewer, step.campaign_id)
    values = await _values(viewer, fields)
    for name, value in values.items():
        setattr(step, name, value)
    _check_step(step)
    if values:
        await CampaignStep.filter(id=step.id).update(**values)
    return await CampaignStep.get(id=step.id)


async def remove_step(viewer: User, step_id: int) -> CampaignStep:
    step, _campaign = await get_step(viewer, step_id)
    await editable_campaign(viewer, step.campaign_id)
    async with in_transaction() as conn:
        await CampaignStep.filter(id=step.id).using_db(conn).delete()
        await _renumber(conn, step.campaign_id)
    return step


async def move_step(viewer: User, step_id: int, position: int) -> CampaignStep:
    step, _campaign = await get_step(viewer, step_id)
    await editable_campaign(viewer, step.campaign_id)
    steps = await CampaignStep.filter(campaign_id=step.campaign_id).order_by("position", "id")
    if not 1 <= position <= len(steps):
        raise DomainError(ErrorCode.INVALID_INPUT, f"A position is 1–{len(steps)}.", "position")
    order = [s for s in steps if s.id != step.id]
    order.insert(position - 1, step)
    for index, row in enumerate(order, start=1):
        row.position = index
    for row in order:
        _check_step(row)
    async with in_transaction() as conn:
        for row in order:
            await CampaignStep.filter(id=row.id).using_db(conn).update(position=row.position)
    return await CampaignStep.get(id=step.id)


async def _renumber(conn: Any, campaign_id: int) -> None:
    rows = (
        await CampaignStep.filter(campaign_id=campaign_id).using_db(conn).order_by("position", "id")
    )
    for index, row in enumerate(rows, start=1):
        if row.position != index:
            await CampaignStep.filter(id=row.id).using_db(conn).update(position=index)
