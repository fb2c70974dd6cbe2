"""The in-process bus of the embedded default: one process, no network."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from events.bus import Change, EventBus


class MemoryBus(EventBus):
    def __init__(self) -> None:
        super().__init__()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def publish(self, changes: Sequence[Change]) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self._loop is None or running is self._loop:
            self.deliver(changes)
        else:
            # Published from another loop or thread (e.g. a worker's loop): hand it to ours, since
            # listeners use asyncio primitives bound to the bus's loop.
            self._loop.call_soon_threadsafe(self.deliver, list(changes))
