"""Running the workers: in-process next to the API (embedded), or as a `command-center worker`.

Async actors run on ONE event loop per process, the loop Tortoise's connections belong to:
- embedded: the API's own loop. Dramatiq's worker threads hand each actor coroutine to it
  (`RunningLoop`), so the actors use the app's database connections;
- worker process: a dedicated loop thread (Dramatiq's EventLoopThread) on which Tortoise is
  initialised before the first message is consumed.
Both also run the dispatcher loop (workers.dispatcher) on that same loop. Worker processes are in
workers.process.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import dramatiq
from dramatiq.asyncio import EventLoopThread, set_event_loop_thread

from config.settings import get_settings
from workers import delivery, dispatcher, inbound
from workers.broker import broker

log = logging.getLogger(__name__)

STOP_TIMEOUT_MS = 30_000


class RunningLoop(EventLoopThread):
    """Dramatiq's loop-thread interface over a loop that is already running (the API's)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Deliberately not Thread.__init__'s loop: reuse `loop`, start no thread of our own.
        threading.Thread.__init__(self, daemon=True)
        self.loop = loop
        self.logger = log
        self.interrupt_check_ival = 0.1

    def start(self, *, timeout: float | None = None) -> None:
        return None

    def stop(self) -> None:
        return None


class EmbeddedWorker:
    """Dramatiq worker threads + the dispatcher inside the current process and event loop."""

    def __init__(self, threads: int | None = None, dispatch_interval: float | None = None):
        settings = get_settings()
        self.threads = threads or settings.worker_threads
        self.dispatch_interval = dispatch_interval
        self._worker: dramatiq.Worker | None = None
        self._dispatcher: asyncio.Task[None] | None = None

    async def start(self, *, dispatch: bool = True) -> None:
        set_event_loop_thread(RunningLoop(asyncio.get_running_loop()))
        self._worker = dramatiq.Worker(broker, worker_threads=self.threads, worker_timeout=100)
        self._worker.start()
        if dispatch:
            self._dispatcher = asyncio.create_task(
                dispatcher.run_forever(self.dispatch_interval), name="dispatcher"
            )
        log.info("embedded worker started (%d threads)", self.threads)

    async def stop(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        await inbound.drain()  # inbound messages this process is processing finish first
        if self._worker is not None:
            # Worker threads may be waiting on coroutines of this loop: join them off the loop.
            await asyncio.to_thread(self._worker.stop, STOP_TIMEOUT_MS)
            _forget_worker(self._worker)
            self._worker = None
        set_event_loop_thread(None)
        await delivery.close_transport()


def _forget_worker(worker: dramatiq.Worker) -> None:
    # Dramatiq leaves a stopped worker's middleware on the broker; an app restarted in the same
    # process (tests) would otherwise stack them up.
    broker.middleware[:] = [
        m for m in broker.middleware if getattr(m, "worker", None) is not worker
    ]
