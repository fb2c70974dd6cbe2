"""The demo data has an active campaign with people at different steps, readable through the API."""

from __future__ import annotations

from typing import Any

from command_center.demo import seed_demo
from models.campaigns.tables import CampaignMembership, CampaignStatus
from models.emails.tables import Email, EmailStatus
from tests.api import Api


async def test_demo_campaign(db: Any, client: Any) -> None:
    admin, token = await seed_demo()
    api = Api(client, admin, token)
    data = await api(
        """{ campaigns(filter: {status: ACTIVE}) { nodes { name steps { kind }
             members(first: 10) { nodes { state currentStep } }
             stats { total { people sent delivered } } } } }"""
    )
    (campaign,) = data["campaigns"]["nodes"]
    assert [s["kind"] for s in campaign["steps"]] == ["AUTO_EMAIL", "AUTO_EMAIL", "CALL"]
    positions = {(m["state"], m["currentStep"]) for m in campaign["members"]["nodes"]}
    assert {("FINISHED", 4), ("ACTIVE", 3), ("ACTIVE", 2), ("PAUSED", 2)} <= positions
    assert campaign["stats"]["total"]["people"] == 6
    # Nothing of it is left due: a fresh `make run` does not start by sending the demo's history.
    assert not await Email.filter(
        status=EmailStatus.SCHEDULED, campaign_step__isnull=False
    ).exists()
    assert await CampaignMembership.filter(campaign__status=CampaignStatus.ACTIVE).count() == 6
