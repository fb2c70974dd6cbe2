"""engagementReport over the API: shape, empty periods, visibility, machine opens, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from graph.limits.cost import AGGREGATE_COSTS
from models.campaigns.tables import Campaign
from models.emails.tables import EmailStatus
from models.teams.tables import User
from models.templates.tables import Template
from tests.api import World, gid
from tests.reports.helpers import REPORT, add, email_row, report

AGGREGATE_COST = AGGREGATE_COSTS[("Query", "engagementReport")]


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


async def test_days_and_weeks_follow_the_callers_zone_across_dst(world: World) -> None:
    alice = world.alice.user
    await User.filter(id=alice.id).update(timezone="America/New_York")
    ny = ZoneInfo("America/New_York")

    def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
        return datetime(2026, month, day, hour, minute, tzinfo=ny).astimezone(UTC)

    # Spring forward on Sunday 2026-03-08 (02:00 → 03:00): that day has 23 hours.
    await add(
        email_row(alice, local(7, 23, 59)),  # Saturday, 04:59 UTC on the 8th
        email_row(alice, local(8, 0, 30)),  # Sunday, 05:30 UTC
        email_row(alice, local(8, 23, 30)),  # still Sunday, 03:30 UTC on the 9th
        email_row(alice, local(9, 0, 30)),  # Monday, 04:30 UTC: UTC-5 would say Sunday
        # Fall back on Sunday 2026-11-01 (02:00 → 01:00): that day has 25 hours.
        email_row(alice, local(1, 1, 30, month=11)),  # the first 01:30 (EDT)
        email_row(alice, datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),  # the second (EST)
        email_row(alice, local(1, 23, 30, month=11)),  # Sunday night: 04:30 UTC on the 2nd
        email_row(alice, local(2, 0, 0, month=11)),  # Monday midnight
    )
    spring = await report(world.alice, "DAY", "SENDER", "2026-03-07", "2026-03-09")
    assert spring["timeZone"] == "America/New_York"
    assert [p["counts"]["sent"] for p in spring["series"][0]["points"]] == [1, 2, 1]
    weeks = await report(world.alice, "WEEK", "SENDER", "2026-03-04", "2026-03-10")
    # Weeks start on Monday: 2026-03-02 and 2026-03-09; only the range's days count.
    assert weeks["periods"] == ["2026-03-02", "2026-03-09"]
    assert [p["counts"]["sent"] for p in weeks["series"][0]["points"]] == [3, 1]
    fall = await report(world.alice, "DAY", "SENDER", "2026-10-31", "2026-11-02")
    assert [p["counts"]["sent"] for p in fall["series"][0]["points"]] == [0, 3, 1]
    autumn_weeks = await report(world.alice, "WEEK", "SENDER", "2026-10-26", "2026-11-08")
    assert [p["counts"]["sent"] for p in autumn_weeks["series"][0]["points"]] == [3, 1]
    # In UTC the same emails fall elsewhere.
    await User.filter(id=alice.id).update(timezone="UTC")
    utc = await report(world.alice, "DAY", "SENDER", "2026-03-07", "2026-03-09")
    assert [p["counts"]["sent"] for p in utc["series"][0]["points"]] == [0, 2, 2]


async def test_machine_opens_and_clicks_count_only_when_asked(world: World) -> None:
    alice = world.alice.user
    await add(
        email_row(alice, at(2), machine_view_count=3),
        email_row(alice, at(2), machine_view_count=1, machine_click_count=1),
        email_row(alice, at(2), view_count=1, machine_view_count=1),
    )
    people = await report(world.alice, "DAY", "SENDER", "2026-03-02", "2026-03-02")
    assert (people["total"]["opened"], people["total"]["clicked"]) == (1, 0)
    assert people["total"]["openRate"] == 1 / 3
    machines = await report(
        world.alice, "DAY", "SENDER", "2026-03-02", "2026-03-02", includeMachineOpens=True
    )
    assert (machines["total"]["opened"], machines["total"]["clicked"]) == (3, 1)


async def test_members_see_their_own_sends_admins_the_team(world: World) -> None:
    alice, bob, carol = world.alice.user, world.bob.user, world.carol.user
    campaign = await Campaign.create(team_id=alice.team_id, owner_id=bob.id, name="Spring push")
    template = await Template.create(team_id=alice.team_id, owner_id=alice.id, name="Intro")
    await add(
        email_row(alice, at(2), campaign_id=campaign.id, template_id=template.id),
        email_row(alice, at(3)),
        email_row(bob, at(2), campaign_id=campaign.id),
        email_row(bob, at(3)),
        email_row(bob, at(3)),
        email_row(carol, at(2)),
    )
    days = ("2026-03-01", "2026-03-05")

    def sent_by_label(result: dict[str, Any]) -> dict[str, int]:
        return {s["label"]: s["total"]["sent"] for s in result["series"]}

    mine = await report(world.alice, "DAY", "SENDER", *days)
    assert sent_by_label(mine) == {"Alice": 2}
    team = await report(world.admin_a, "DAY", "SENDER", *days)
    assert sent_by_label(team) == {"Bob": 3, "Alice": 2}  # busiest first
    assert [s["label"] for s in team["series"]] == ["Bob", "Alice"]
    lead = await report(world.lead_a, "WEEK", "CAMPAIGN", *days)
    assert sent_by_label(lead) == {"No campaign": 3, "Spring push": 2}
    assert {s["key"] for s in lead["series"]} == {None, gid("Campaign", campaign.id)}
    templates = await report(world.admin_a, "DAY", "TEMPLATE", *days)
    assert sent_by_label(templates) == {"No template": 4, "Intro": 1}
    # A member asking for a teammate gets what an unknown sender gives: nothing.
    asked = await report(world.alice, "DAY", "SENDER", *days, senderIds=[gid("User", bob.id)])
    unknown = await report(world.alice, "DAY", "SENDER", *days, senderIds=[gid("User", 999999)])
    assert asked == unknown and asked["series"] == [] and asked["total"]["sent"] == 0
    # Another team's ids behave like unknown ones, for admins too.
    foreign = await report(
        world.admin_b, "DAY", "CAMPAIGN", *days, campaignIds=[gid("Campaign", campaign.id)]
    )
    nothing = await report(
        world.admin_b, "DAY", "CAMPAIGN", *days, campaignIds=[gid("Campaign", 999999)]
    )
    assert foreign == nothing and foreign["series"] == []
    assert sent_by_label(await report(world.admin_b, "DAY", "SENDER", *days)) == {"Carol": 1}
    # Filters narrow an admin's team view; malformed ids match nothing.
    bobs = await report(world.admin_a, "DAY", "CAMPAIGN", *days, senderIds=[gid("User", bob.id)])
    assert sent_by_label(bobs) == {"No campaign": 2, "Spring push": 1}
    garbage = await report(world.admin_a, "DAY", "SENDER", *days, templateIds=["not-an-id"])
    assert garbage["series"] == []
    by_template = await report(
        world.admin_a, "DAY", "SENDER", *days, templateIds=[gid("Template", template.id)]
    )
    assert sent_by_label(by_template) == {"Alice": 1}


async def test_range_limits_and_order_are_typed_errors(world: World) -> None:
    async def error(group_by: str, start: str, end: str) -> dict[str, Any]:
        result = await world.alice.execute(
            REPORT, groupBy=group_by, by="SENDER", range={"from": start, "to": end}
        )
        assert result["data"] is None
        (problem,) = result["errors"]
        extensions: dict[str, Any] = problem["extensions"]
        return extensions

    assert (await error("DAY", "2026-03-02", "2026-03-01"))["code"] == "INVALID_INPUT"
    # Dates at the ends of the calendar are refused, not an overflow (an internal error).
    assert (await error("DAY", "0001-01-01", "0001-01-02"))["code"] == "INVALID_INPUT"
    assert (await error("WEEK", "9999-12-01", "9999-12-31"))["code"] == "INVALID_INPUT"
    too_long = await error("DAY", "2025-01-01", "2026-01-02")  # 367 days
    assert too_long == {"code": "REPORT_RANGE_TOO_LONG", "field": "range"}
    leap_year = await report(world.alice, "DAY", "SENDER", "2024-01-01", "2024-12-31")
    assert len(leap_year["periods"]) == 366
    assert (await error("WEEK", "2020-01-01", "2025-01-05"))["code"] == "REPORT_RANGE_TOO_LONG"
    five_years = await report(world.alice, "WEEK", "SENDER", "2021-01-04", "2026-01-04")
    assert len(five_years["periods"]) == 261 and five_years["periods"][0] == "2021-01-04"


async def test_the_report_is_priced_as_an_aggregate(world: World) -> None:
    result = await world.alice.execute(
        REPORT, groupBy="DAY", by="SENDER", range={"from": "2026-03-01", "to": "2026-03-02"}
    )
    # 1 + 100 (aggregate) + total 1 + series: 20 × (1 + total 1 + points 20 × (1 + counts 1)).
    assert result["extensions"]["cost"]["requested"] == 1 + AGGREGATE_COST + 1 + 20 * (2 + 40)
