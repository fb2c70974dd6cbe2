"""Who may see what. Every read and write goes through these, so team isolation lives in one place.

A row of another team is reported exactly like a row that does not exist.
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.base.errors import DomainError, ErrorCode, not_found
from models.campaigns.tables import Campaign
from models.emails.tables import Email, EmailEvent
from models.people.tables import Person
from models.teams.tables import User
from models.templates.tables import Template


def visible_emails(viewer: User, view_as: User | None = None) -> QuerySet[Email]:
    """Emails the viewer may see: their own (members) or their team's (admins).

    `view_as` narrows an admin's view to one teammate (checked by `resolve_view_as`).
    """
    query = Email.filter(team_id=viewer.team_id)
    if view_as is not None:
        return query.filter(owner_id=view_as.id)
    if not viewer.sees_whole_team:
        query = query.filter(owner_id=viewer.id)
    return query


def may_see(viewer: User, team_id: int, owner_id: int, view_as: User | None = None) -> bool:
    """`visible_emails` for one row already in hand (an event): the same rules, no query."""
    if team_id != viewer.team_id:
        return False
    if view_as is not None:
        return owner_id == view_as.id
    return viewer.sees_whole_team or owner_id == viewer.id


def visible_events(viewer: User, view_as: User | None = None) -> QuerySet[EmailEvent]:
    """Events of the emails `visible_emails` returns (deleted emails included)."""
    query = EmailEvent.filter(team_id=viewer.team_id)
    if view_as is not None:
        return query.filter(owner_id=view_as.id)
    if not viewer.sees_whole_team:
        query = query.filter(owner_id=viewer.id)
    return query


def visibility_key(viewer: User) -> tuple[int, str, int | None]:
    """Viewers with equal keys may see exactly the same rows (live updates share work by it)."""
    return (viewer.team_id, viewer.role.value, None if viewer.sees_whole_team else viewer.id)


async def get_email(viewer: User, email_id: int) -> Email:
    email = await visible_emails(viewer).get_or_none(id=email_id)
    if email is None:
        raise not_found("Email")
    return email


def visible_people(viewer: User) -> QuerySet[Person]:
    # Prospects are shared within a team, as in the reference product.
    return Person.filter(team_id=viewer.team_id)


async def get_person(viewer: User, person_id: int, field: str = "personId") -> Person:
    person = await visible_people(viewer).get_or_none(id=person_id)
    if person is None:
        raise not_found("Person", field)
    return person


async def get_campaign(viewer: User, campaign_id: int, field: str = "campaignId") -> Campaign:
    # Shared campaigns and the viewer's own private ones (models/campaigns/rules.py).
    visible = Campaign.filter(Q(shared=True) | Q(owner_id=viewer.id), team_id=viewer.team_id)
    campaign = await visible.get_or_none(id=campaign_id)
    if campaign is None:
        raise not_found("Campaign", field)
    return campaign


def visible_templates(viewer: User) -> QuerySet[Template]:
    """The team's shared templates and the viewer's own private ones (see
    models/templates/tables)."""
    return Template.filter(Q(shared=True) | Q(owner_id=viewer.id), team_id=viewer.team_id)


async def get_template(viewer: User, template_id: int, field: str = "templateId") -> Template:
    template = await visible_templates(viewer).get_or_none(id=template_id)
    if template is None:
        raise not_found("Template", field)
    return template


async def get_teammate(viewer: User, user_id: int, field: str = "userId") -> User:
    user = await User.filter(team_id=viewer.team_id).get_or_none(id=user_id)
    if user is None:
        raise not_found("User", field)
    return user


async def resolve_view_as(viewer: User, user_id: int | None, field: str = "viewAs") -> User | None:
    """Admins may look at one teammate's emails; a member may only "view as" themselves."""
    if user_id is None:
        return None
    teammate = await get_teammate(viewer, user_id, field)
    if teammate.id != viewer.id and not viewer.sees_whole_team:
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only team admins may view a teammate's emails.", field
        )
    return teammate
