"""GraphQL types of the engagement report (models/engagement/report.py has the rules)."""

from __future__ import annotations

from datetime import date

import strawberry

from graph.enums import describe_values
from graph.relay import to_global_id
from models.engagement import report as domain
from models.engagement.report import ReportDimension, ReportInterval

strawberry.enum(
    ReportInterval,
    name="ReportInterval",
    description="How long each period of a report is, in the caller's time zone.",
)
strawberry.enum(
    ReportDimension,
    name="ReportDimension",
    description="What a report's series are: one per sender, campaign or template.",
)
describe_values(
    ReportInterval,
    {
        ReportInterval.DAY: "A calendar day, midnight to midnight (23 or 25 hours across a DST "
        "change).",
        ReportInterval.WEEK: "A week starting on Monday at midnight.",
    },
)
describe_values(
    ReportDimension,
    {
        ReportDimension.SENDER: "One series per user who sent emails (members: only themselves).",
        ReportDimension.CAMPAIGN: "One series per campaign the emails were sent by, and one "
        '(key null, "No campaign") for emails sent outside any campaign.',
        ReportDimension.TEMPLATE: "One series per template the emails were written from, and one "
        '(key null, "No template") for emails written without one.',
    },
)

_TYPE_OF_KEY = {
    ReportDimension.SENDER: "User",
    ReportDimension.CAMPAIGN: "Campaign",
    ReportDimension.TEMPLATE: "Template",
}


@strawberry.input(description="Calendar days in the caller's time zone, both included.")
class ReportRange:
    from_: date = strawberry.field(
        name="from", description="The first day of the range; 1900-01-01 at the earliest."
    )
    to: date = strawberry.field(
        description="The last day of the range (included); not before `from`, 2999-12-31 at "
        "the latest. At most 366 days from `from` by DAY, 5 × 366 by WEEK "
        "(REPORT_RANGE_TOO_LONG)."
    )


@strawberry.input(description="Narrow a report; conditions combine with AND.")
class EngagementReportFilter:
    sender_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only emails sent by these users (global IDs). Unknown IDs, other teams' "
        "and, for members, teammates' match nothing. Null: every sender the caller may see.",
    )
    campaign_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only emails of these campaigns (global IDs); unknown or foreign IDs match "
        "nothing. Null: any campaign or none.",
    )
    template_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only emails written from these templates (global IDs); unknown or foreign "
        "IDs match nothing. Null: any template or none.",
    )
    include_machine_opens: bool = strawberry.field(
        default=False,
        description="Also count likely machine opens and clicks (privacy proxies, link "
        "scanners: see CC_MACHINE_ENGAGEMENT_SECONDS) in `opened` and `clicked`. Off by "
        "default: only people's.",
    )


@strawberry.type(
    description="What happened to a set of sent emails. Each email counts once per count, "
    "however many opens, clicks or replies it had."
)
class EngagementCounts:
    sent: int = strawberry.field(
        description="Emails that went out: DELIVERED, ARCHIVED, SPAM or BOUNCED."
    )
    delivered: int = strawberry.field(
        description="Sent emails the recipient's server accepted: all of `sent` but BOUNCED."
    )
    opened: int = strawberry.field(
        description="Emails opened at least once by a person (machines too with "
        "includeMachineOpens)."
    )
    clicked: int = strawberry.field(
        description="Emails with at least one tracked link clicked by a person (machines too "
        "with includeMachineOpens)."
    )
    replied: int = strawberry.field(
        description="Emails with at least one reply (automatic answers such as out-of-office "
        "do not count)."
    )
    bounced: int = strawberry.field(
        description="Emails that hard bounced (status BOUNCED); temporary delivery reports do "
        "not count."
    )
    open_rate: float | None = strawberry.field(
        description="opened / delivered, from 0 to 1; null when nothing was delivered."
    )
    click_rate: float | None = strawberry.field(
        description="clicked / delivered, from 0 to 1; null when nothing was delivered."
    )
    reply_rate: float | None = strawberry.field(
        description="replied / delivered, from 0 to 1; null when nothing was delivered."
    )
    bounce_rate: float | None = strawberry.field(
        description="bounced / sent, from 0 to 1; null when nothing was sent."
    )

    @classmethod
    def of(cls, counts: domain.Counts) -> EngagementCounts:
        return cls(
            sent=counts.sent,
            delivered=counts.delivered,
            opened=counts.opened,
            clicked=counts.clicked,
            replied=counts.replied,
            bounced=counts.bounced,
            open_rate=counts.open_rate,
            click_rate=counts.click_rate,
            reply_rate=counts.reply_rate,
            bounce_rate=counts.bounce_rate,
        )


@strawberry.type(description="One period of a series.")
class EngagementPoint:
    start: date = strawberry.field(
        description="The period's first day (a Monday by WEEK), as in EngagementReport.periods."
    )
    counts: EngagementCounts = strawberry.field(
        description="Emails of the series sent in this period (and inside the report's range)."
    )


@strawberry.type(description="The emails of one sender, campaign or template over the range.")
class EngagementSeries:
    key: strawberry.ID | None = strawberry.field(
        description="Global ID of the User, Campaign or Template; null for the emails of no "
        "campaign / no template."
    )
    label: str = strawberry.field(
        description="The user's name (their address when unnamed), the campaign's or template's "
        'name, or "No campaign" / "No template".'
    )
    points: list[EngagementPoint] = strawberry.field(
        description="One per period, aligned with EngagementReport.periods (empty periods "
        "included, with zero counts)."
    )
    total: EngagementCounts = strawberry.field(description="The series over the whole range.")


@strawberry.type(
    description="Engagement of sent emails over time. Emails count in the period of their send "
    "time (a cohort: an email sent Monday and opened Wednesday counts for Monday), in the "
    "caller's time zone. Members see their own emails, admins the team's."
)
class EngagementReport:
    group_by: ReportInterval = strawberry.field(description="The length of each period.")
    by: ReportDimension = strawberry.field(description="What each series is.")
    time_zone: str = strawberry.field(
        description="The IANA time zone the periods are in: the caller's (UTC when unset)."
    )
    from_: date = strawberry.field(name="from", description="The range's first day.")
    to: date = strawberry.field(description="The range's last day (included).")
    periods: list[date] = strawberry.field(
        description="Every period's first day, oldest first, empty periods included. By WEEK "
        "the first and last weeks may reach outside the range; only emails sent inside it "
        "count."
    )
    series: list[EngagementSeries] = strawberry.field(
        description="One per sender, campaign or template with at least one sent email in the "
        "range, busiest (most sent) first."
    )
    total: EngagementCounts = strawberry.field(
        description="Every series together over the whole range."
    )

    @classmethod
    def of(cls, report: domain.Report) -> EngagementReport:
        type_name = _TYPE_OF_KEY[report.dimension]
        return cls(
            group_by=report.interval,
            by=report.dimension,
            time_zone=report.time_zone,
            from_=report.start,
            to=report.end,
            periods=report.periods,
            series=[
                EngagementSeries(
                    key=None if s.key is None else to_global_id(type_name, s.key),
                    label=s.label,
                    points=[
                        EngagementPoint(start=start, counts=EngagementCounts.of(counts))
                        for start, counts in zip(report.periods, s.points, strict=True)
                    ],
                    total=EngagementCounts.of(s.total),
                )
                for s in report.series
            ],
            total=EngagementCounts.of(report.total),
        )
