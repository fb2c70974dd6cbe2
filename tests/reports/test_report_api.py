"""engagementReport over the API: shape, empty periods, visibility, machine opens, limits."""

from __future__ import annotations

from datetime import UTC, datetime

from models.emails.tables import EmailStatus
from tests.api import World, gid
from tests.reports.helpers import add, email_row, report


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def test_counts_rates_and_empty_periods(world: World) -> None:
    alice = world.alice.user
    await add(
        email_row(alice, at(2), view_count=2, click_count=1),
        email_row(alice, at(2), reply_count=1),
        email_row(alice, at(2), EmailStatus.BOUNCED),
        email_row(alice, at(4), EmailStatus.ARCHIVED, view_count=1),
        email_row(alice, None, EmailStatus.DRAFT),
        email_row(alice, at(3), EmailStatus.FAILED),  # claimed, never went out
    )
    result = await report(world.alice, "DAY", "SENDER", "2026-03-01", "2026-03-05")
    assert result["periods"] == [f"2026-03-0{d}" for d in range(1, 6)]
    assert result["timeZone"] == "UTC" and result["groupBy"] == "DAY"
    (series,) = result["series"]
    assert series["key"] == gid("User", alice.id) and series["label"] == "Alice"
    days = {p["start"]: p["counts"] for p in series["points"]}
    assert [days[d]["sent"] for d in result["periods"]] == [0, 3, 0, 1, 0]
    monday = days["2026-03-02"]
    assert monday | {} == {
        "sent": 3,
        "delivered": 2,
        "opened": 1,
        "clicked": 1,
        "replied": 1,
        "bounced": 1,
        "openRate": 0.5,
        "clickRate": 0.5,
        "replyRate": 0.5,
        "bounceRate": 1 / 3,
    }
    assert days["2026-03-01"]["openRate"] is None and days["2026-03-01"]["bounceRate"] is None
    assert result["total"]["sent"] == 4 and result["total"]["opened"] == 2
    assert series["total"] == result["total"]
