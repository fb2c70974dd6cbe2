"""sendingStatusChanged: the status now, then DOWN and UP as the relay state changes — heard from
the event bus, as a dashboard showing "sending paused: mail server unreachable" would."""

from __future__ import annotations

import asyncio

from graph.live.dispatcher import get_dispatcher
from models.sending import relay
from tests.api import World
from tests.live_clients import bearer, ws_client

SENDING_STATUS_CHANGED = (
    "subscription { sendingStatusChanged { relay since lastError nextProbeAt pausedEmails } }"
)


async def _relay_feeds_open(count: int) -> None:
    async with asyncio.timeout(10):
        while get_dispatcher().relay_feed_count < count:  # noqa: ASYNC110 - another task's state
            await asyncio.sleep(0.01)


async def test_a_dashboard_hears_the_relay_go_down_and_come_back(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.alice.token)) as ws:
        op = await ws.subscribe(SENDING_STATUS_CHANGED)
        now = (await ws.next(op))["sendingStatusChanged"]
        assert (now["relay"], now["since"], now["lastError"], now["pausedEmails"]) == (
            "UP",
            None,
            None,
            0,
        )
        await _relay_feeds_open(1)

        assert await relay.mark_down("ConnectionRefusedError: [Errno 111] Connect call failed")
        down = (await ws.next(op))["sendingStatusChanged"]
        assert down["relay"] == "DOWN" and down["since"] and down["nextProbeAt"]
        assert down["lastError"] == "The mail server refused the connection."

        assert not await relay.mark_down("again")  # already DOWN: nothing new to hear
        assert await relay.mark_up()
        up = (await ws.next(op))["sendingStatusChanged"]
        assert (up["relay"], up["lastError"], up["nextProbeAt"]) == ("UP", None, None)
        assert up["since"] >= down["since"]
