"""Identical subscriptions run once per process; each member gets the same payload."""

from __future__ import annotations

import asyncio

from graph.live import sharing
from graph.live.dispatcher import get_dispatcher
from tests.api import World
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer, feeds_open, ws_client


async def test_identical_subscriptions_share_one_execution(live: World, server: str) -> None:
    async with (
        ws_client(server, bearer(live.alice.token)) as alice_1,
        ws_client(server, bearer(live.alice.token)) as alice_2,
        ws_client(server, bearer(live.bob.token)) as bob,  # same role, other owner: own group
        ws_client(server, bearer(live.alice.token)) as replaying,  # since: never shared
    ):
        ops = [await c.subscribe(STATUS_CHANGED) for c in (alice_1, alice_2, bob)]
        replay_op = await replaying.subscribe(STATUS_CHANGED, since="0")
        await feeds_open(3)  # one per group (alice, bob) + the replaying subscription
        assert len(sharing.registry.groups) == 2
        draft = await live.alice.create_draft(subject="shared")
        await live.bob.create_draft(subject="bob")
        one = (await alice_1.next(ops[0]))["emailStatusChanged"]
        two = (await alice_2.next(ops[1]))["emailStatusChanged"]
        replayed = (await replaying.next(replay_op))["emailStatusChanged"]
        bobs = (await bob.next(ops[2]))["emailStatusChanged"]
    assert one == two == replayed
    assert one["emailId"] == draft["id"]
    assert bobs["emailId"] != draft["id"]


async def test_the_group_ends_with_its_last_member(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.alice.token)) as alice:
        op = await alice.subscribe(STATUS_CHANGED)
        await feeds_open(1)
        assert len(sharing.registry.groups) == 1
        await alice.send({"id": op, "type": "complete"})
        async with asyncio.timeout(TIMEOUT):
            while sharing.registry.groups:  # noqa: ASYNC110 - the server's task state
                await asyncio.sleep(0.01)
        assert get_dispatcher().feed_count == 0


async def test_what_is_shared(world: World) -> None:
    alice, bob, lead = world.alice.user, world.bob.user, world.lead_a.user
    doc = "subscription($since: String) { emailStatusChanged(since: $since) { cursor } }"
    plan = sharing.plan_for(doc, {}, None, alice)
    assert plan is not None and not plan.snapshot
    assert sharing.plan_for(doc, {"since": None}, None, alice) is not None  # no replay
    assert plan != sharing.plan_for(doc, {}, None, bob)  # members: per owner
    assert sharing.plan_for(doc, {}, None, lead) == sharing.plan_for(
        doc, {}, None, world.lead_a.user
    )
    assert sharing.plan_for(doc, {"since": "5"}, None, alice) is None  # a replay
    assert (
        sharing.plan_for(
            'subscription { emailStatusChanged(since: "1") { cursor } }', None, None, alice
        )
        is None
    )
    counts = sharing.plan_for("subscription { folderCountsChanged { total } }", None, None, lead)
    assert counts is not None and counts.snapshot
    assert sharing.plan_for("query { me { id } }", None, None, alice) is None
    assert sharing.plan_for("subscription {", None, None, alice) is None
    assert sharing.plan_for(doc, {}, None, None) is None
