"""Every event reaches only those who may see the email: team, then member/admin visibility."""

from __future__ import annotations

from tests.api import World, gid
from tests.live_clients import STATUS_CHANGED, bearer, deliver, feeds_open, ws_client

SEND = "email { id status }"


async def test_other_teams_and_teammates_never_see_an_email(live: World, server: str) -> None:
    async with (
        ws_client(server, bearer(live.carol.token)) as carol,  # team B member
        ws_client(server, bearer(live.admin_b.token)) as admin_b,  # team B admin
        ws_client(server, bearer(live.bob.token)) as bob,  # alice's teammate, a member
        ws_client(server, bearer(live.lead_a.token)) as lead_a,  # team A admin: sees alice's
    ):
        ops = [await c.subscribe(STATUS_CHANGED) for c in (carol, admin_b, bob, lead_a)]
        await feeds_open(4)
        alice_draft = await live.alice.create_draft(subject="Team A only")
        await live.alice.mutate("sendEmailNow", {"id": alice_draft["id"]}, SEND)
        await deliver(alice_draft["id"])
        # Sentinels: each watcher's first event must be one it may see, not alice's.
        carol_draft = await live.carol.create_draft(subject="Team B")
        bob_draft = await live.bob.create_draft(subject="Bob's")

        first = [
            (await c.next(op))["emailStatusChanged"]
            for c, op in zip((carol, admin_b, bob, lead_a), ops, strict=True)
        ]
        lead_rest = [(await lead_a.next(ops[3]))["emailStatusChanged"] for _ in range(4)]

    assert first[0]["emailId"] == carol_draft["id"]
    assert first[1]["emailId"] == carol_draft["id"]
    assert first[2]["emailId"] == bob_draft["id"]
    assert first[3]["emailId"] == alice_draft["id"]
    assert [c["emailId"] for c in lead_rest] == [alice_draft["id"]] * 3 + [bob_draft["id"]]


async def test_admin_view_as_narrows_to_one_teammate(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.lead_a.token)) as lead:
        op = await lead.subscribe(STATUS_CHANGED, filter={"ownerId": gid("User", live.bob.user.id)})
        await feeds_open(1)
        await live.alice.create_draft(subject="not bob")
        bob_draft = await live.bob.create_draft(subject="bob")
        change = (await lead.next(op))["emailStatusChanged"]
    assert change["emailId"] == bob_draft["id"]


async def test_a_member_cannot_view_as_a_teammate(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.alice.token)) as alice:
        op = await alice.subscribe(
            STATUS_CHANGED, filter={"ownerId": gid("User", live.bob.user.id)}
        )
        message = await alice.message(op)
    assert message["type"] in ("next", "error"), message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
