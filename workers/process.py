"""`command-center worker`: worker processes consuming the real broker (CC_BROKER_URL).

Each process runs Dramatiq worker threads plus the dispatcher loop on one event loop thread, on
which Tortoise is initialised before the first message is consumed (see workers.runtime). Run as
many processes, on as many machines, as needed: claims are atomic in the database, so several
dispatchers and workers never send an email twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future

import dramatiq
from dramatiq.asyncio import EventLoopThread, set_event_loop_thread

from config.settings import get_settings
from config.signing import MissingSecret, signing_key
from workers import delivery, dispatcher, metrics
from workers.broker import broker, is_embedded
from workers.runtime import STOP_TIMEOUT_MS

log = logging.getLogger(__name__)


async def _open_database() -> None:
    from tortoise import Tortoise

    from config.database import tortoise_config
    from events import open_bus

    await Tortoise.init(config=tortoise_config(), _enable_global_fallback=True)
    # What this worker commits (IN_PROGRESS, DELIVERED…) reaches subscribers of every API
    # process through the bus; a worker holds no subscriptions, so it only publishes.
    await open_bus(listen=False)


async def _close_database() -> None:
    from tortoise import Tortoise

    from events import close_bus

    await delivery.close_transport()
    await close_bus()
    await Tortoise.close_connections()


def run_worker_process(
    threads: int | None = None, *, dispatch: bool = True, metrics_port: int = 0
) -> None:
    """Consume the real broker until SIGINT/SIGTERM; with `metrics_port`, serve this process's
    GET /metrics there (workers/metrics.py)."""
    settings = get_settings()
    if is_embedded(broker):
        raise SystemExit(
            "command-center worker needs CC_BROKER_URL (redis://… or amqp://…); without it the "
            "API process sends by itself (`command-center serve`)."
        )
    try:
        signing_key()  # every worker signs return paths and checks reports with the same key
    except MissingSecret as error:
        raise SystemExit(str(error)) from None
    metrics.install()
    if metrics_port:
        metrics.serve_worker_metrics(metrics_port, settings.host)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    loop_thread = EventLoopThread(log)
    loop_thread.start(timeout=10)
    set_event_loop_thread(loop_thread)
    loop_thread.run_coroutine(_open_database())
    worker = dramatiq.Worker(broker, worker_threads=threads or settings.worker_threads)
    worker.start()
    sweeping: Future[None] | None = None
    if dispatch:
        sweeping = asyncio.run_coroutine_threadsafe(dispatcher.run_forever(), loop_thread.loop)
    log.info("worker consuming %s with %d threads", type(broker).__name__, worker.worker_threads)
    while not stopping.wait(1.0):
        pass
    log.info("worker stopping")
    if sweeping is not None:
        sweeping.cancel()
    worker.stop(STOP_TIMEOUT_MS)
    loop_thread.run_coroutine(_close_database())
    loop_thread.stop()
    set_event_loop_thread(None)


def run_worker_processes(
    processes: int, threads: int | None, *, dispatch: bool = True, metrics_port: int = 0
) -> int:
    """Start `processes` worker processes and wait for them; SIGINT/SIGTERM stops them all.
    Each serves its own metrics: process i on `metrics_port + i` (a Prometheus target each)."""
    if processes <= 1:
        run_worker_process(threads, dispatch=dispatch, metrics_port=metrics_port)
        return 0
    command = [sys.executable, "-m", "command_center.cli", "worker", "--processes", "1"]
    if threads:
        command += ["--threads", str(threads)]
    if not dispatch:
        command.append("--no-dispatch")
    children = [
        subprocess.Popen(
            [*command, "--metrics-port", str(metrics_port + index if metrics_port else 0)]
        )
        for index in range(processes)
    ]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return max(child.wait() for child in children)
