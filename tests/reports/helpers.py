"""Sent emails written straight to the table (the report reads rows, not the send pipeline), and
the report query."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from models.base import clock
from models.emails.tables import Email, EmailStatus
from models.teams.tables import User
from tests.api import Api

_numbers = count()

REPORT = """
query($groupBy: ReportInterval!, $by: ReportDimension!, $range: ReportRange!,
      $filter: EngagementReportFilter) {
  engagementReport(groupBy: $groupBy, by: $by, range: $range, filter: $filter) {
    groupBy by timeZone from to periods
    series {
      key label
      points { start counts { ...Counts } }
      total { ...Counts }
    }
    total { ...Counts }
  }
}
fragment Counts on EngagementCounts {
  sent delivered opened clicked replied bounced openRate clickRate replyRate bounceRate
}
"""


def email_row(
    owner: User,
    sent_at: datetime | None,
    status: EmailStatus = EmailStatus.DELIVERED,
    **fields: Any,
) -> Email:
    now = clock.now()
    return Email(
        team_id=owner.team_id,
        owner_id=owner.id,
        to_addresses=["p@example.com"],
        status=status,
        status_at=sent_at or now,
        sent_at=sent_at,
        message_id=f"<report-{next(_numbers)}@test>",
        created_at=now,
        updated_at=now,
        **fields,
    )


async def add(*emails: Email) -> None:
    await Email.bulk_create(list(emails), batch_size=500)


async def report(
    api: Api,
    group_by: str,
    by: str,
    start: str,
    end: str,
    **filter: Any,
) -> dict[str, Any]:
    data = await api(
        REPORT,
        groupBy=group_by,
        by=by,
        range={"from": start, "to": end},
        filter=filter or None,
    )
    result: dict[str, Any] = data["engagementReport"]
    return result
