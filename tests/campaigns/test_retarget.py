"""The brief's flow: 100 people in a campaign; some open, click and reply; the advanced search
"campaign ∧ viewed ∧ clicked ∧ not replied" finds exactly them; adding that saved search to a second
campaign adds exactly those people. Then the stats add up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.base import clock
from models.campaigns.tables import CampaignMembership, MembershipState
from models.emails.tables import Email
from models.engagement import recorders
from tests.api import Api, gid
from tests.campaigns.api_helpers import add_people, launched
from tests.campaigns.helpers import people, run_due, send_due
from tests.search.seed import HUMAN
from tests.sending.smtp_sink import SmtpSink

STATS = """query($id: ID!) { campaign(id: $id) { stats {
  total { people sent delivered opened clicked replied openRate clickRate replyRate }
  steps { step people sent delivered opened clicked replied } } } }"""


async def test_retarget_the_engaged(smtp_settings: Any, api: Api, sink: SmtpSink) -> None:
    first = await launched(api, "Q3 outreach", call_after=3)
    folks = await people(api.user, 100)
    ids = [gid("Person", p.id) for p in folks]
    launch = await add_people(api, first, key="q3", personIds=ids[:100])
    assert launch["added"] == 100
    assert await run_due() == 100
    sent = {e.person_id: e for e in await send_due()}
    assert len(sent) == 100 and len(sink.received) == 100

    later = clock.now() + timedelta(hours=1)  # well after delivery: people, not scanners
    emails = [sent[p.id] for p in folks]
    viewers, clickers = range(0, 60), [*range(0, 40), *range(60, 65)]
    repliers = [*range(0, 15), *range(50, 55)]
    for i in viewers:
        await recorders.record_view(emails[i], HUMAN, at=later)
    for i in clickers:
        await recorders.record_click(emails[i], "https://x.example/p", HUMAN, at=later)
    for i in repliers:
        await recorders.record_reply(emails[i], automatic=False, data={}, at=later)
    engaged = {folks[i].id for i in range(15, 40)}

    saved = await api.mutate(
        "saveSearch",
        {
            "name": "Engaged, no reply",
            "filter": {
                "campaignId": first,
                "viewed": {},
                "clicked": {},
                "replied": {"happened": False},
            },
        },
        "savedSearch { id count emails(first: 100) { nodes { person { id } } } }",
    )
    assert saved["userErrors"] == []
    found = {n["person"]["id"] for n in saved["savedSearch"]["emails"]["nodes"]}
    assert found == {gid("Person", pk) for pk in engaged}

    second = await launched(api, "Q3 follow-up")
    retarget = await add_people(api, second, key="again", savedSearchId=saved["savedSearch"]["id"])
    assert retarget["userErrors"] == [] and retarget["capped"] is False
    assert {r["person"]["id"] for r in retarget["results"]} == found
    assert {r["status"] for r in retarget["results"]} == {"ADDED"}
    members = await CampaignMembership.filter(campaign_id=int(_pk(second))).values_list(
        "person_id", flat=True
    )
    assert set(members) == engaged

    # Repliers were stopped in the first campaign; the stats add up.
    replied = await CampaignMembership.filter(state=MembershipState.REPLIED).count()
    assert replied == len(repliers)
    stats = (await api(STATS, id=first))["campaign"]["stats"]
    assert stats["total"] == {
        "people": 100,
        "sent": 100,
        "delivered": 100,
        "opened": 60,
        "clicked": 45,
        "replied": 20,
        "openRate": 0.6,
        "clickRate": 0.45,
        "replyRate": 0.2,
    }
    assert await Email.filter(campaign_id=int(_pk(second))).count() == 0  # not yet due-run


def _pk(global_id: str) -> int:
    from graph.relay import decode_id

    pk = decode_id(global_id, "Campaign")
    assert pk is not None
    return pk
