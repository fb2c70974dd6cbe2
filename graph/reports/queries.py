"""The engagementReport query: a thin call into models/engagement/report.py."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import or_query_error
from graph.relay import decode_id
from graph.reports.types import EngagementReport, EngagementReportFilter, ReportRange
from models.engagement import report as domain
from models.engagement.report import ReportDimension, ReportInterval


def _ids(global_ids: list[strawberry.ID] | None, type_name: str) -> list[int] | None:
    """Decoded ids; malformed ones and other types' are dropped (they match nothing, like
    unknown ones)."""
    if global_ids is None:
        return None
    decoded = (decode_id(g, type_name) for g in global_ids)
    return [pk for pk in decoded if pk is not None]


def to_domain(spec: EngagementReportFilter | None) -> domain.ReportFilter:
    if spec is None:
        return domain.ReportFilter()
    return domain.ReportFilter(
        sender_ids=_ids(spec.sender_ids, "User"),
        campaign_ids=_ids(spec.campaign_ids, "Campaign"),
        template_ids=_ids(spec.template_ids, "Template"),
        include_machine=spec.include_machine_opens,
    )


@strawberry.type
class ReportQueries:
    @strawberry.field(
        description="Sent, delivered, opened, clicked, replied and bounced emails per period "
        "and per sender, campaign or template, with rates computed here. Members see their own "
        "emails, admins the team's. Errors: INVALID_INPUT (`to` before `from`, dates outside "
        "1900–2999), "
        "REPORT_RANGE_TOO_LONG."
    )
    async def engagement_report(
        self,
        info: Info,
        group_by: Annotated[
            ReportInterval, strawberry.argument(description="Periods of a day or of a week.")
        ],
        by: Annotated[
            ReportDimension,
            strawberry.argument(description="One series per sender, campaign or template."),
        ],
        range: Annotated[
            ReportRange,
            strawberry.argument(description="The days to cover, in the caller's time zone."),
        ],
        filter: Annotated[
            EngagementReportFilter | None,
            strawberry.argument(description="Only some of the emails; null for all of them."),
        ] = None,
    ) -> EngagementReport:
        viewer = info.context.user

        async def run() -> EngagementReport:
            report = await domain.engagement_report(
                viewer, group_by, by, range.from_, range.to, to_domain(filter)
            )
            return EngagementReport.of(report)

        return await or_query_error(run)
