"""campaignMembershipChanged over a real WebSocket: live changes in order, `since:` replay of
exactly what was missed, and another team's campaign id refused like a missing one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import get_settings
from tests.api import World, gid
from tests.campaigns.api_helpers import add_people, launched
from tests.campaigns.helpers import people, run_due
from tests.live_clients import bearer, ws_client

CHANGES = """subscription($c: ID!, $since: String) {
  campaignMembershipChanged(campaignId: $c, since: $since) {
    cursor kind state step reason personId stepRun } }"""


@pytest.fixture(autouse=True)
def fast_poll(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CC_CAMPAIGN_CHANGES_POLL", "0.05")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_live_changes_and_replay(live: World, server: str) -> None:
    api = live.alice
    cid = await launched(api, call_after=2)
    folks = await people(api.user, 2)
    async with ws_client(server, bearer(api.token)) as ws:
        # From the start of the feed: whenever the server starts the subscription, nothing of
        # what follows can fall before it (a subscription from "now" would race the launch).
        op = await ws.subscribe(CHANGES, c=cid, since="0")
        await add_people(api, cid, personIds=[gid("Person", p.id) for p in folks])
        assert await run_due() == 2
        seen = [(await ws.next(op))["campaignMembershipChanged"] for _ in range(4)]
    assert [(c["kind"], c["step"]) for c in seen] == [
        ("ADDED", 1),
        ("ADDED", 1),
        ("STEP_ADVANCED", 2),
        ("STEP_ADVANCED", 2),
    ]
    assert {c["personId"] for c in seen} == {gid("Person", p.id) for p in folks}
    assert [c["stepRun"] for c in seen[2:]] == [1, 1]
    cursors = [int(c["cursor"]) for c in seen]
    assert cursors == sorted(cursors)

    # Reconnecting after the second change: exactly the two missed ones, then live ones.
    async with ws_client(server, bearer(api.token)) as ws:
        op = await ws.subscribe(CHANGES, c=cid, since=seen[1]["cursor"])
        replayed = [(await ws.next(op))["campaignMembershipChanged"] for _ in range(2)]
        assert replayed == seen[2:]
        membership = (
            await api(
                "query($c: ID!) { campaign(id: $c) { members(first: 1) { nodes { id } } } }",
                c=cid,
            )
        )["campaign"]["members"]["nodes"][0]["id"]
        await api.mutate("pauseMembership", {"id": membership}, "membership { state }")
        paused = (await ws.next(op))["campaignMembershipChanged"]
        assert (paused["kind"], paused["state"], paused["reason"]) == ("PAUSED", "PAUSED", "PAUSED")


async def test_another_teams_campaign_is_not_found(live: World, server: str) -> None:
    cid = await launched(live.alice)
    async with ws_client(server, bearer(live.carol.token)) as ws:
        op = await ws.subscribe(CHANGES, c=cid, since=None)
        message = await ws.message(op)
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND", message
