"""taskChanged and taskCountsChanged over real WebSockets, on the in-process bus and on Redis."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from events import EmailChange, TaskChange
from events.redis import RedisBus
from models.base import clock
from models.emails.tables import EmailEventKind, EmailStatus
from models.tasks.changes import TaskChangeKind
from tests import services
from tests.api import World, gid
from tests.live.test_live_redis import api_process, shared_database  # noqa: F401 - fixture
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer, feeds_open, ws_client
from tests.tasks.helpers import COUNTS, act, create_task

TASK_CHANGED = """subscription($assigneeId: ID) {
  taskChanged(assigneeId: $assigneeId) {
    kind taskId assigneeId previousAssigneeId occurredAt task { id title status assignee { id } }
  }
}"""
COUNTS_CHANGED = f"""subscription($assigneeId: ID) {{
  taskCountsChanged(assigneeId: $assigneeId) {{ {COUNTS} }}
}}"""


async def task_feeds_open(count: int) -> None:
    """Wait until this process's dispatcher has `count` open task feeds."""
    from graph.live.dispatcher import get_dispatcher

    async with asyncio.timeout(TIMEOUT):
        while get_dispatcher().task_feed_count < count:  # noqa: ASYNC110 - another task's state
            await asyncio.sleep(0.01)


def soon() -> str:
    return (clock.now() + timedelta(hours=1)).isoformat()


async def test_every_kind_of_change_reaches_exactly_those_who_may_see_it(
    live: World, server: str
) -> None:
    alice, bob, lead, carol = live.alice, live.bob, live.lead_a, live.carol
    person = await alice.create_person("live@example.com")
    async with (
        ws_client(server, bearer(alice.token)) as alice_ws,
        ws_client(server, bearer(bob.token)) as bob_ws,
        ws_client(server, bearer(lead.token)) as lead_ws,
        ws_client(server, bearer(carol.token)) as carol_ws,
    ):
        ops = [await ws.subscribe(TASK_CHANGED) for ws in (alice_ws, bob_ws, lead_ws, carol_ws)]
        email_op = await alice_ws.subscribe(STATUS_CHANGED)
        await task_feeds_open(4)
        await feeds_open(1)

        task = await create_task(alice, "live call", clock.now(), personId=person["id"])
        await act(alice, "updateTask", {"id": task["id"], "title": "live call 2"})
        await act(alice, "completeTask", {"id": task["id"], "outcome": "spoke"})
        await act(alice, "reopenTask", {"id": task["id"]})
        await act(alice, "snoozeTask", {"id": task["id"], "until": soon()})
        bob_id = gid("User", bob.user.id)
        await act(alice, "reassignTask", {"id": task["id"], "assigneeId": bob_id})
        deleted = await lead.mutate("deleteTask", {"id": task["id"]}, "deletedTaskId")
        assert deleted["userErrors"] == []
        carol_task = await create_task(carol, "team B only", clock.now())  # carol's sentinel
        draft = await alice.create_draft(subject="email, not task")

        def changes(ws: Any, op: str, n: int) -> Any:
            return asyncio.gather(*[ws.next(op) for _ in range(n)])

        alice_seen = [d["taskChanged"] for d in await changes(alice_ws, ops[0], 6)]
        bob_seen = [d["taskChanged"] for d in await changes(bob_ws, ops[1], 2)]
        lead_seen = [d["taskChanged"] for d in await changes(lead_ws, ops[2], 7)]
        carol_seen = (await carol_ws.next(ops[3]))["taskChanged"]
        email_seen = (await alice_ws.next(email_op))["emailStatusChanged"]

    kinds = ["CREATED", "UPDATED", "COMPLETED", "REOPENED", "SNOOZED", "REASSIGNED"]
    assert [c["kind"] for c in alice_seen] == kinds
    assert {c["taskId"] for c in alice_seen} == {task["id"]}
    assert alice_seen[1]["task"]["title"] == "live call 2"
    assert alice_seen[2]["task"]["status"] == "COMPLETED"
    # The task left alice's list: she hears it, and may no longer see it.
    assert alice_seen[5]["previousAssigneeId"] == gid("User", alice.user.id)
    assert alice_seen[5]["task"] is None
    assert [c["kind"] for c in bob_seen] == ["REASSIGNED", "DELETED"]
    assert bob_seen[0]["task"]["assignee"]["id"] == bob_id
    assert bob_seen[1]["task"] is None and bob_seen[1]["taskId"] == task["id"]
    assert [c["kind"] for c in lead_seen] == [*kinds, "DELETED"]
    assert carol_seen["taskId"] == carol_task["id"]
    assert email_seen["emailId"] == draft["id"]  # email subscribers never see task changes


async def test_counts_follow_the_list(live: World, server: str) -> None:
    alice = live.alice
    async with ws_client(server, bearer(alice.token)) as ws:
        op = await ws.subscribe(COUNTS_CHANGED)
        first = (await ws.next(op))["taskCountsChanged"]
        task = await create_task(alice, "count me", clock.now())
        created = (await ws.next(op))["taskCountsChanged"]
        await act(alice, "completeTask", {"id": task["id"]})
        completed = (await ws.next(op))["taskCountsChanged"]
        # Another rep's task does not move alice's counts: the next update is her own.
        await create_task(live.bob, "bob's", clock.now())
        await create_task(alice, "tomorrow", clock.now() + timedelta(days=1, hours=1))
        later = (await ws.next(op))["taskCountsChanged"]
    assert first == {k: 0 for k in first}
    assert (created["today"], created["all"]) == (1, 1)
    assert (completed["today"], completed["completed"], completed["all"]) == (0, 1, 1)
    assert later["all"] == 2 and later["upcoming"] == 1


async def test_counts_move_when_a_snooze_ends_without_any_write(live: World, server: str) -> None:
    alice = live.alice
    task = await create_task(alice, "nap", clock.now())
    until = datetime.now(UTC) + timedelta(seconds=1)
    await act(alice, "snoozeTask", {"id": task["id"], "until": until.isoformat()})
    async with ws_client(server, bearer(alice.token)) as ws:
        op = await ws.subscribe(COUNTS_CHANGED)
        snoozed = (await ws.next(op))["taskCountsChanged"]
        awake = (await ws.next(op))["taskCountsChanged"]  # pushed when the snooze ended
    assert (snoozed["today"], snoozed["all"]) == (0, 1)
    assert (awake["today"], awake["all"]) == (1, 1)


async def test_admins_narrow_to_a_teammate_and_members_cannot(live: World, server: str) -> None:
    async with (
        ws_client(server, bearer(live.lead_a.token)) as lead,
        ws_client(server, bearer(live.alice.token)) as alice,
    ):
        op = await lead.subscribe(TASK_CHANGED, assigneeId=gid("User", live.bob.user.id))
        refused = await alice.subscribe(TASK_CHANGED, assigneeId=gid("User", live.bob.user.id))
        message = await alice.message(refused)
        await task_feeds_open(1)
        await create_task(live.alice, "not bob's", clock.now())
        bobs = await create_task(live.bob, "bob's", clock.now())
        change = (await lead.next(op))["taskChanged"]
    assert change["taskId"] == bobs["id"]
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_task_and_email_changes_survive_json_side_by_side() -> None:
    from events.bus import change_from_json

    task = TaskChange(5, 1, 2, 3, TaskChangeKind.REASSIGNED, datetime(2026, 1, 1, tzinfo=UTC), 3)
    email = EmailChange(
        9,
        7,
        1,
        2,
        EmailEventKind.CREATED,
        None,
        EmailStatus.DRAFT,
        datetime(2026, 1, 1, tzinfo=UTC),
        2,
        {},
    )
    assert change_from_json(task.to_json()) == task
    assert change_from_json(email.to_json()) == email
    assert "type" not in email.to_json()  # email messages are unchanged on the wire


@pytest.mark.redis
async def test_redis_bus_carries_task_changes_with_email_changes() -> None:
    url = services.service_url(services.REDIS_VAR, "Redis")
    channel = f"cc-test:{uuid.uuid4().hex}"
    listener, publisher = RedisBus(url, channel), RedisBus(url, channel, listen=False)
    await listener.start()
    await publisher.start()
    heard: list[Any] = []
    arrived = asyncio.Event()

    def inbox(changes: Any) -> None:
        heard.extend(changes)
        arrived.set()

    listener.listen(inbox)
    task = TaskChange(5, 1, 2, None, TaskChangeKind.CREATED, datetime(2026, 1, 1, tzinfo=UTC), 2)
    email = EmailChange(
        9,
        7,
        1,
        2,
        EmailEventKind.CREATED,
        None,
        EmailStatus.DRAFT,
        datetime(2026, 1, 1, tzinfo=UTC),
        2,
        {},
    )
    try:
        await publisher.publish([email, task])
        async with asyncio.timeout(TIMEOUT):
            await arrived.wait()
    finally:
        await publisher.close()
        await listener.close()
    assert heard == [email, task]


@pytest.mark.redis
async def test_task_changes_cross_api_processes_through_redis(shared_database: str) -> None:  # noqa: F811
    from tests.api import build_world

    redis_url = services.service_url(services.REDIS_VAR, "Redis")
    env = {
        "CC_DATABASE_URL": shared_database,
        "CC_EVENTS_URL": redis_url,
        "CC_EVENTS_CHANNEL": f"cc-test:{uuid.uuid4().hex}",
        "CC_DEMO": "0",
    }
    async with AsyncExitStack() as stack:
        one, two = await asyncio.gather(
            stack.enter_async_context(api_process(env)),
            stack.enter_async_context(api_process(env)),
        )
        client = await stack.enter_async_context(httpx2.AsyncClient(base_url=two, timeout=TIMEOUT))
        world = await build_world(client)  # mutations go to process two
        ws = await stack.enter_async_context(ws_client(one, bearer(world.alice.token)))
        op = await ws.subscribe(TASK_CHANGED)
        # Probe until the subscription is live (no "subscribed" message in the protocol).
        for _attempt in range(20):
            probe = await create_task(world.alice, "probe", clock.now())
            try:
                async with asyncio.timeout(0.5):
                    while (await ws.next(op))["taskChanged"]["taskId"] != probe["id"]:
                        pass
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("no task change reached process one through Redis")
        task = await create_task(world.alice, "across processes", clock.now())
        await act(world.alice, "completeTask", {"id": task["id"]})
        changes = [(await ws.next(op))["taskChanged"] for _ in range(2)]
    assert [(c["taskId"], c["kind"]) for c in changes] == [
        (task["id"], "CREATED"),
        (task["id"], "COMPLETED"),
    ]
    assert changes[1]["task"]["status"] == "COMPLETED"


async def test_two_admins_with_one_document_each_get_their_own_counts(
    live: World, server: str
) -> None:
    from models.teams import auth
    from models.teams.tables import Role, Team

    team = await Team.get(id=live.admin_a.user.team_id)
    other = await auth.create_user(team, "admin2@a.example", role=Role.ADMIN)
    other_token = await auth.issue_token(other)
    await create_task(live.admin_a, "admin one's", clock.now())
    async with (
        ws_client(server, bearer(live.admin_a.token)) as one,
        ws_client(server, bearer(other_token)) as two,
    ):
        first = (await one.next(await one.subscribe(COUNTS_CHANGED)))["taskCountsChanged"]
        second = (await two.next(await two.subscribe(COUNTS_CHANGED)))["taskCountsChanged"]
    assert (first["today"], second["today"]) == (1, 0)
