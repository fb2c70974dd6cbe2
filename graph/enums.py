"""The domain's enums, exposed to GraphQL under their schema names.

`strawberry.enum` registers a GraphQL definition on the class itself, so resolvers and inputs are
annotated with the domain classes (one source of truth, and type checkers see real enums).
"""

from __future__ import annotations

import strawberry

from models.base.errors import ErrorCode
from models.base.zones import DstAdjustment
from models.emails.folders import EmailOrderField
from models.emails.send_time import ZoneSource
from models.emails.state_machine import Action as EmailAction
from models.emails.tables import BulkKind, EmailEventKind, EmailFolder, EmailStatus
from models.search.filters import CampaignMatch, DateField, DatePreset
from models.teams.tables import Role
from models.teams.working_hours import Weekday

strawberry.enum(
    EmailStatus,
    name="EmailStatus",
    description="Where an email is in its life; each status belongs to exactly one folder.",
)
strawberry.enum(EmailFolder, name="EmailFolder", description="SENT, PENDING or UNDELIVERED.")
strawberry.enum(
    BulkKind,
    name="BulkKind",
    description="A single email, or one of a Select & Send or Group send.",
)
strawberry.enum(EmailEventKind, name="EmailEventKind", description="What happened to an email.")
strawberry.enum(
    EmailAction,
    name="EmailAction",
    description="What may be done to an email (user actions are listed in availableActions).",
)
strawberry.enum(EmailOrderField, name="EmailOrderField", description="What to sort emails by.")
strawberry.enum(CampaignMatch, name="CampaignMatch", description="In any campaign, or in none.")
strawberry.enum(
    DateField, name="SearchDateField", description="Which date a search's date range applies to."
)
strawberry.enum(
    DatePreset, name="DatePreset", description="A date range in the caller's time zone."
)
strawberry.enum(Role, name="Role", description="What a user may see and do in their team.")
strawberry.enum(
    ZoneSource, name="TimeZoneSource", description="Whose time zone a local time was read in."
)
strawberry.enum(
    DstAdjustment, name="DstAdjustment", description="What a DST change did to a local time."
)
strawberry.enum(Weekday, name="Weekday", description="A day of the week.")
strawberry.enum(ErrorCode, name="UserErrorCode", description="Why a request was refused.")

__all__ = [
    "BulkKind",
    "CampaignMatch",
    "DateField",
    "DatePreset",
    "DstAdjustment",
    "EmailAction",
    "EmailEventKind",
    "EmailFolder",
    "EmailOrderField",
    "EmailStatus",
    "ErrorCode",
    "Role",
    "Weekday",
    "ZoneSource",
]
