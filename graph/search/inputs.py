"""The EmailFilter input (emails(filter:), saved searches) and its output twin, both mapped to
the domain spec in models/search/filters.py."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.enums import CampaignMatch, DateField, DatePreset, EmailFolder, EmailStatus
from graph.relay import decode_id, optional_id, to_global_id
from models.search import filters as search


@strawberry.input(
    description="Viewed / clicked / replied: it happened (at least `atLeast` times, within the "
    "last `withinDays` days when given), or with `happened: false`, it did not."
)
class EngagementFilter:
    happened: bool = strawberry.field(
        default=True,
        description="True (default): it happened at least `atLeast` times; false: it "
        "never happened (then `atLeast` must stay 1).",
    )
    at_least: int = strawberry.field(
        default=1, description="The smallest number of times, 1 to 1000."
    )
    within_days: int | None = strawberry.field(
        default=None, description="Only count the last this many days, 1 to 366; null: ever."
    )

    def to_domain(self) -> search.Engagement:
        return search.Engagement(self.happened, self.at_least, self.within_days)


@strawberry.type(name="EngagementCondition", description="A stored engagement condition.")
class EngagementCondition:
    happened: bool = strawberry.field(
        description="True: it happened (at least `atLeast` times); false: it never happened."
    )
    at_least: int = strawberry.field(description="The smallest number of times (1 or more).")
    within_days: int | None = strawberry.field(
        description="Only count the last this many days (up to now); null: ever."
    )

    @classmethod
    def of(cls, value: search.Engagement | None) -> EngagementCondition | None:
        return (
            None
            if value is None
            else cls(
                happened=value.happened, at_least=value.at_least, within_days=value.within_days
            )
        )


def _pk(global_id: str | None, type_name: str) -> int | None:
    # Unknown or foreign IDs simply match nothing, as for a real ID with no emails.
    if global_id is None:
        return None
    pk = decode_id(global_id, type_name)
    return pk if pk is not None else -1


@strawberry.input(description="Narrow an email list; conditions combine with AND.")
class EmailFilter:
    owner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The sender. Team admins: any teammate ('view as'); omitted: the whole team "
        "for admins, the caller for members.",
    )
    person_id: strawberry.ID | None = strawberry.field(default=None, description="The recipient.")
    person_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="A recipient group: emails to any of these people."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only emails of this campaign; null for any."
    )
    campaign: CampaignMatch | None = strawberry.field(
        default=None, description="In any campaign, or in none (instead of `campaignId`)."
    )
    group_id: str | None = strawberry.field(default=None, description="One bulk send.")
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only emails written from this template; null for any."
    )
    text: str | None = strawberry.field(
        default=None, description="In the subject or any recipient address (case-insensitive)."
    )
    folder: EmailFolder | None = strawberry.field(
        default=None, description="Only this folder; null for all."
    )
    status: EmailStatus | None = strawberry.field(
        default=None,
        description="Only this status (it must belong to `folder` when both are given); "
        "null for all.",
    )
    date_field: DateField = strawberry.field(
        default=DateField.STATUS_DATE,
        description="The date the range applies to; default: the one that fits each status.",
    )
    date_from: datetime | None = strawberry.field(
        default=None,
        description="Range start, inclusive (with a time zone); applies to `dateField`.",
    )
    date_to: datetime | None = strawberry.field(
        default=None,
        description="Range end, exclusive (with a time zone); applies to `dateField`.",
    )
    date_preset: DatePreset | None = strawberry.field(
        default=None, description="Calendar days in the caller's time zone."
    )
    viewed: EngagementFilter | None = strawberry.field(
        default=None, description="Condition on opens; null for none."
    )
    clicked: EngagementFilter | None = strawberry.field(
        default=None, description="Condition on clicks; null for none."
    )
    replied: EngagementFilter | None = strawberry.field(
        default=None, description="Condition on replies; null for none."
    )
    exclude_machine: bool = strawberry.field(
        default=False,
        description="Count only human opens and clicks (not privacy proxies and scanners).",
    )

    def to_domain(self) -> search.EmailFilter:
        people = None
        if self.person_ids is not None:
            people = tuple(_pk(p, "Person") or -1 for p in self.person_ids)
        return search.EmailFilter(
            owner_id=optional_id(self.owner_id, "User", "filter.ownerId"),
            person_id=_pk(self.person_id, "Person"),
            person_ids=people,
            campaign_id=_pk(self.campaign_id, "Campaign"),
            campaign=self.campaign,
            group_id=self.group_id,
            template_id=_pk(self.template_id, "Template"),
            text=self.text,
            folder=self.folder,
            status=self.status,
            date_field=self.date_field,
            date_from=self.date_from,
            date_to=self.date_to,
            date_preset=self.date_preset,
            viewed=self.viewed.to_domain() if self.viewed else None,
            clicked=self.clicked.to_domain() if self.clicked else None,
            replied=self.replied.to_domain() if self.replied else None,
            exclude_machine=self.exclude_machine,
        )


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else to_global_id(type_name, pk)


@strawberry.type(name="SearchFilter", description="A saved search's conditions (see EmailFilter).")
class SearchFilter:
    owner_id: strawberry.ID | None = strawberry.field(
        description="The sender (a teammate, for admins' 'view as'); null: the caller's "
        "default scope."
    )
    person_id: strawberry.ID | None = strawberry.field(
        description="Only emails to this person; null for anyone."
    )
    person_ids: list[strawberry.ID] | None = strawberry.field(
        description="Only emails to any of these people (a group); null for anyone."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        description="Only emails of this campaign; null for any."
    )
    campaign: CampaignMatch | None = strawberry.field(
        description="In any campaign (ANY) or in none (NONE); null: either."
    )
    group_id: str | None = strawberry.field(
        description="Only the emails of one Group or Select & Send (their `groupId`); null for any."
    )
    template_id: strawberry.ID | None = strawberry.field(
        description="Only emails written from this template; null for any."
    )
    text: str | None = strawberry.field(
        description="Words searched in subject and recipient; null for none."
    )
    folder: EmailFolder | None = strawberry.field(description="Only this folder; null for all.")
    status: EmailStatus | None = strawberry.field(
        description="Only this status; null for all (of the folder, if one is given)."
    )
    date_field: DateField = strawberry.field(
        description="Which date the range or preset applies to."
    )
    date_from: datetime | None = strawberry.field(
        description="Range start (inclusive), UTC; null: open-ended."
    )
    date_to: datetime | None = strawberry.field(
        description="Range end (exclusive), UTC; null: open-ended."
    )
    date_preset: DatePreset | None = strawberry.field(
        description="A named range in the caller's time zone instead of from/to; null "
        "when a range (or nothing) is used."
    )
    viewed: EngagementCondition | None = strawberry.field(
        description="Condition on opens; null: no condition."
    )
    clicked: EngagementCondition | None = strawberry.field(
        description="Condition on clicks; null: no condition."
    )
    replied: EngagementCondition | None = strawberry.field(
        description="Condition on replies; null: no condition."
    )
    exclude_machine: bool = strawberry.field(
        description="Opens and clicks by privacy proxies and link scanners do not count "
        "toward viewed/clicked."
    )

    @classmethod
    def of(cls, spec: search.EmailFilter) -> SearchFilter:
        people = None
        if spec.person_ids is not None:
            people = [to_global_id("Person", p) for p in spec.person_ids]
        return cls(
            owner_id=_gid("User", spec.owner_id),
            person_id=_gid("Person", spec.person_id),
            person_ids=people,
            campaign_id=_gid("Campaign", spec.campaign_id),
            campaign=spec.campaign,
            group_id=spec.group_id,
            template_id=_gid("Template", spec.template_id),
            text=spec.text,
            folder=spec.folder,
            status=spec.status,
            date_field=spec.date_field,
            date_from=spec.date_from,
            date_to=spec.date_to,
            date_preset=spec.date_preset,
            viewed=EngagementCondition.of(spec.viewed),
            clicked=EngagementCondition.of(spec.clicked),
            replied=EngagementCondition.of(spec.replied),
            exclude_machine=spec.exclude_machine,
        )
