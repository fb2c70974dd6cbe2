"""The issue's example end to end over a real WebSocket: 100 people in a campaign, some view,
some click, some reply; the saved search holds exactly the viewed-and-clicked-not-replied ones
and `savedSearchMatches` emitted the matching ENTERED/EXITED sequence."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from graph.live.dispatcher import get_dispatcher
from graph.live.search_hub import get_hub
from models.base import clock
from models.campaigns.tables import Campaign
from models.emails import transitions
from models.emails.state_machine import Action
from models.emails.tables import Email
from models.engagement import recorders as engagement
from models.people.tables import Person
from tests.api import Api, World, gid
from tests.live_clients import TIMEOUT, bearer, ws_client
from tests.search.seed import HUMAN

MATCHES = """subscription($id: ID!) {
  savedSearchMatches(id: $id) { kind emailId cursor email { id replyCount } }
}"""
GET = """query($id: ID!) { savedSearch(id: $id) { count
  emails(first: 100) { totalCount nodes { id } } } }"""


async def watches_live(count: int) -> None:
    hub = get_hub(get_dispatcher())
    async with asyncio.timeout(TIMEOUT):
        while hub.watch_count < count:  # noqa: ASYNC110 - polling another task's state
            await asyncio.sleep(0.01)


async def campaign_of_100(api: Api) -> tuple[int, list[Email]]:
    user = api.user
    campaign = await Campaign.create(team_id=user.team_id, owner_id=user.id, name="Q3 outreach")
    sent = clock.now() - timedelta(hours=2)
    emails = []
    for i in range(100):
        person = await Person.create(
            team_id=user.team_id, owner_id=user.id, email=f"p{i}.{user.id}@x.ex"
        )
        draft = await api.create_draft(
            personId=gid("Person", person.id), campaignId=gid("Campaign", campaign.id)
        )
        row = await Email.get(id=_pk(draft["id"]))
        for action, changes in (
            (Action.SEND_NOW, {"scheduled_at": sent}),
            (Action.CLAIM, {"sent_at": sent, "lease_expires_at": sent + timedelta(minutes=10)}),
            (Action.MARK_DELIVERED, {"delivered_at": sent}),
        ):
            moved = await transitions.apply(row, action, None, changes=changes)
            assert moved is not None
            row = moved
        emails.append(row)
    return campaign.id, emails


def _pk(global_id: str) -> int:
    from graph.relay import decode_id

    pk = decode_id(global_id, "Email")
    assert pk is not None
    return pk


async def test_viewed_clicked_not_replied_end_to_end(live: World, server: str) -> None:
    api = live.alice
    campaign_id, emails = await campaign_of_100(api)
    # A decoy outside the campaign: it views and clicks, it must never show up.
    other = await campaign_of_100(live.bob)

    saved = await api.mutate(
        "saveSearch",
        {
            "name": "Engaged, no reply",
            "filter": {
                "campaignId": gid("Campaign", campaign_id),
                "viewed": {},
                "clicked": {},
                "replied": {"happened": False},
            },
        },
        "savedSearch { id count }",
    )
    assert saved["userErrors"] == []
    search_id = saved["savedSearch"]["id"]
    assert saved["savedSearch"]["count"] == 0

    async with ws_client(server, bearer(api.token)) as ws:
        op = await ws.subscribe(MATCHES, id=search_id)
        await watches_live(1)

        viewers, clickers = range(0, 60), [*range(0, 40), *range(60, 65)]
        repliers = [*range(0, 15), *range(50, 55)]
        for i in viewers:
            await engagement.record_view(emails[i], HUMAN)
        await engagement.record_view(other[1][0], HUMAN)
        await engagement.record_click(other[1][0], "https://x.example/p", HUMAN)
        for i in clickers:
            await engagement.record_click(emails[i], "https://x.example/p", HUMAN)
        # A second click of someone already in: no new ENTERED.
        await engagement.record_click(emails[20], "https://x.example/p", HUMAN)
        for i in repliers:
            await engagement.record_reply(emails[i], automatic=False, data={})
        # Clicked-not-viewed people view later: they enter now.
        await engagement.record_view(emails[60], HUMAN)

        expected = (
            [("ENTERED", emails[i].id) for i in range(0, 40)]
            + [("EXITED", emails[i].id) for i in range(0, 15)]
            + [("ENTERED", emails[60].id)]
        )
        received: list[tuple[str, int]] = []
        payloads: list[dict[str, Any]] = []
        for _ in expected:
            data = (await ws.next(op))["savedSearchMatches"]
            payloads.append(data)
            received.append((data["kind"], _pk(data["emailId"])))
        assert received == expected
        # EXITED carries the email as it is now: it was replied to.
        assert payloads[40]["email"]["replyCount"] == 1
        assert all(p["cursor"] for p in payloads)

        # Nothing more is pending: a marker event that enters arrives next, not a stray one.
        await engagement.record_view(emails[61], HUMAN)
        data = (await ws.next(op))["savedSearchMatches"]
        assert (data["kind"], _pk(data["emailId"])) == ("ENTERED", emails[61].id)

    final = (await api(GET, id=search_id))["savedSearch"]
    want = {gid("Email", emails[i].id) for i in [*range(15, 40), 60, 61]}
    assert final["count"] == len(want) == 27
    assert {n["id"] for n in final["emails"]["nodes"]} == want


async def test_other_teams_search_id_is_not_found(live: World, server: str) -> None:
    saved = await live.alice.mutate(
        "saveSearch", {"name": "Mine", "filter": {}}, "savedSearch { id }"
    )
    async with ws_client(server, bearer(live.carol.token)) as ws:
        op = await ws.subscribe(MATCHES, id=saved["savedSearch"]["id"])
        message = await ws.message(op)
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND", message


async def test_deleted_email_exits(live: World, server: str) -> None:
    api = live.alice
    draft = await api.create_draft(subject="to be deleted")
    saved = await api.mutate(
        "saveSearch", {"name": "Drafts", "filter": {"status": "DRAFT"}}, "savedSearch { id }"
    )
    async with ws_client(server, bearer(api.token)) as ws:
        op = await ws.subscribe(MATCHES, id=saved["savedSearch"]["id"])
        await watches_live(1)
        second = await api.create_draft(subject="new")
        entered = (await ws.next(op))["savedSearchMatches"]
        assert (entered["kind"], entered["emailId"]) == ("ENTERED", second["id"])
        await api.mutate("deleteEmail", {"id": draft["id"]}, "deletedEmailId")
        exited = (await ws.next(op))["savedSearchMatches"]
        assert (exited["kind"], exited["emailId"], exited["email"]) == (
            "EXITED",
            draft["id"],
            None,
        )
