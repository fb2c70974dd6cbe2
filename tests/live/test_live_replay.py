"""`since:` replays exactly the missed changes, in order, then continues live without duplicates."""

from __future__ import annotations

import asyncio

from events import EmailChange
from events.memory import MemoryBus
from graph.live import streams
from graph.live.dispatcher import Dispatcher
from models.emails.tables import EmailEvent
from tests.api import World
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer, deliver, feeds_open, ws_client

SEND = "email { id status }"


async def test_reconnect_with_since_replays_the_gap_exactly(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.alice.token)) as ws:
        op = await ws.subscribe(STATUS_CHANGED)
        await feeds_open(1)
        first = await live.alice.create_draft(subject="seen")
        seen = (await ws.next(op))["emailStatusChanged"]
    assert seen["emailId"] == first["id"]

    # Disconnected: these happen unseen (and so do a teammate's, which alice may never see).
    missed_draft = await live.alice.create_draft(subject="missed")
    await live.alice.mutate("sendEmailNow", {"id": missed_draft["id"]}, SEND)
    await live.bob.create_draft(subject="not alice's")
    await deliver(missed_draft["id"])
    await live.alice.mutate("deleteEmail", {"id": first["id"]}, "deletedEmailId")
    gap = [
        (str(e.id), e.new_status)
        for e in await EmailEvent.filter(
            owner_id=live.alice.user.id, id__gt=int(seen["cursor"])
        ).order_by("id")
    ]
    assert len(gap) == 5

    async with ws_client(server, bearer(live.alice.token)) as ws:
        op = await ws.subscribe(STATUS_CHANGED, since=seen["cursor"])
        replayed = [(await ws.next(op))["emailStatusChanged"] for _ in gap]
        await feeds_open(1)
        after = await live.alice.create_draft(subject="live again")
        live_change = (await ws.next(op))["emailStatusChanged"]

    assert [(c["cursor"], c["newStatus"]) for c in replayed] == gap
    assert replayed[-1]["email"] is None  # deleted
    assert replayed[-1]["emailId"] == first["id"]
    assert live_change["emailId"] == after["id"]
    assert int(live_change["cursor"]) > int(gap[-1][0])


async def test_changes_both_replayed_and_buffered_are_sent_once(world: World) -> None:
    """The seam: what the replay reads may also be in the live buffer; each cursor goes once."""
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    viewer = world.alice.user
    for subject in ("a", "b", "c"):
        await world.alice.create_draft(subject=subject)
    rows = await EmailEvent.filter(owner_id=viewer.id).order_by("id")
    since = rows[0].id - 1
    changes = streams.status_changes(dispatcher, viewer, None, streams.ChangeFilter(), since)
    got = [await anext(changes)]  # the feed is open, the replay has started
    # Published late (after the replay began): the same three arrive on the live feed.
    await bus.publish([EmailChange.of(row) for row in rows])
    await world.alice.create_draft(subject="new")
    extra = await EmailEvent.filter(owner_id=viewer.id).order_by("-id").first()
    assert extra is not None
    await bus.publish([EmailChange.of(extra)])
    async with asyncio.timeout(TIMEOUT):
        while len(got) < 4:
            got.append(await anext(changes))
    await changes.aclose()
    assert [c.cursor for c, _ in got[:3]] == [row.id for row in rows]
    assert got[3][0].cursor == extra.id
    dispatcher.close()


async def test_a_change_committed_late_below_since_still_arrives(world: World) -> None:
    """Ids are taken at insert and commits land in any order across processes: a change with a
    cursor below `since` that is published after the stream opened is one the client never had
    (its old connection was gone before this feed opened), so it must not be dropped."""
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    viewer = world.alice.user
    for subject in ("late", "seen"):
        await world.alice.create_draft(subject=subject)
    late, seen = await EmailEvent.filter(owner_id=viewer.id).order_by("id")
    changes = streams.status_changes(
        dispatcher, viewer, None, streams.ChangeFilter(), since=seen.id
    )
    pending = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0)  # the feed opens and the (empty) replay runs
    await bus.publish([EmailChange.of(late)])  # `late` committed only now
    async with asyncio.timeout(TIMEOUT):
        change, row = await pending
    await changes.aclose()
    assert change.cursor == late.id < seen.id
    assert row is not None and row.subject == "late"
    dispatcher.close()
