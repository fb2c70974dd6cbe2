"""`sendingStatusChanged`: the sending status now, then again whenever the relay goes DOWN or comes
back UP (whichever process noticed: the change travels on the event bus)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph.context import Info
from graph.live.dispatcher import get_dispatcher
from graph.sending.queries import SendingStatus
from models.sending import status


@strawberry.type
class SendingSubscriptions:
    @strawberry.subscription(
        description="The sending status now, then each time the relay goes DOWN or comes back "
        "UP (the counts are read afresh at each change; query `sendingStatus` for them between)."
    )
    async def sending_status_changed(self, info: Info) -> AsyncGenerator[SendingStatus, None]:
        viewer = info.context.user
        async with get_dispatcher().relay_feed() as feed:
            last = await status.sending_status(viewer)
            yield SendingStatus.of(last)
            while True:
                await feed.get()
                for _ in feed.pending():
                    pass  # a burst of changes: one answer with the state as it is now
                current = await status.sending_status(viewer)
                if current.relay != last.relay:
                    last = current
                    yield SendingStatus.of(current)
