"""`make run`'s demo data gives the Reports screen something to show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from command_center.demo import seed_demo
from models.base import clock
from tests.api import Api
from tests.reports.helpers import report


async def test_the_demo_team_has_a_report(db: Any, client: Any) -> None:
    admin, token = await seed_demo()
    api = Api(client, admin, token)
    today = clock.now().date()
    days = (str(today - timedelta(days=29)), str(today))
    senders = await report(api, "DAY", "SENDER", *days)
    assert len(senders["series"]) == 3  # the admin and both reps sent mail
    total = senders["total"]
    assert total["sent"] > 20 and total["opened"] and total["clicked"] and total["replied"]
    assert total["bounced"] and 0 < total["openRate"] < 1
    campaigns = await report(api, "WEEK", "CAMPAIGN", *days)
    assert {s["label"] for s in campaigns["series"]} >= {"Q4 Outbound", "No campaign"}
