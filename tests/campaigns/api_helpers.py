"""Building campaigns through the GraphQL API."""

from __future__ import annotations

from typing import Any

from tests.api import Api

CAMPAIGN = "campaign { id name status shared sendWindow { days startTime endTime } }"
ALWAYS = {
    "days": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"],
    "startTime": "00:00",
    "endTime": "24:00",
}


async def create(api: Api, name: str = "Q3 outreach", **fields: Any) -> dict[str, Any]:
    payload = await api.mutate("createCampaign", {"name": name, **fields}, CAMPAIGN)
    assert payload["userErrors"] == [], payload
    campaign: dict[str, Any] = payload["campaign"]
    return campaign


async def add_step(api: Api, campaign_id: str, **fields: Any) -> dict[str, Any]:
    payload = await api.mutate(
        "addCampaignStep",
        {"campaignId": campaign_id, **fields},
        "step { id position kind delayDays timeOfDay subject replyInThread }",
    )
    assert payload["userErrors"] == [], payload
    step: dict[str, Any] = payload["step"]
    return step


async def launched(
    api: Api, name: str = "Q3 outreach", *, call_after: int | None = None, **fields: Any
) -> str:
    """An ACTIVE campaign, open all week, with one automatic email step (and a call
    `call_after` days later)."""
    campaign = await create(api, name, sendWindow=ALWAYS, skipWeekends=False, **fields)
    await add_step(api, campaign["id"], kind="AUTO_EMAIL", subject="Hi {{first_name}}")
    if call_after is not None:
        await add_step(api, campaign["id"], kind="CALL", delayDays=call_after)
    payload = await api.mutate("activateCampaign", {"id": campaign["id"]}, "campaign { status }")
    assert payload == {"campaign": {"status": "ACTIVE"}, "userErrors": []}
    return str(campaign["id"])


async def add_people(api: Api, campaign_id: str, key: str = "k", **source: Any) -> dict[str, Any]:
    payload: dict[str, Any] = await api.mutate(
        "addPeopleToCampaign",
        {"campaignId": campaign_id, "idempotencyKey": key, **source},
        "added capped replayed results { status person { id email } membership { id state "
        "currentStep nextDueAt } }",
    )
    return payload
