"""What the broker can say about itself: is it reachable (GET /readyz), and how many messages wait
in each queue (the `cc_queue_depth` metric).

Broker clients block (redis-py, pika), so these run on one dedicated thread: the event loop stays
free, and pika's per-thread connection is opened once rather than once per pool thread.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from dramatiq.broker import Broker
from dramatiq.brokers.stub import StubBroker

from workers.broker import broker as installed_broker

_probe = ThreadPoolExecutor(1, thread_name_prefix="broker-probe")


def _ping(broker: Broker) -> None:
    if isinstance(broker, StubBroker):
        return  # in-process queues: there whenever this process is
    client = getattr(broker, "client", None)
    if client is not None:  # RedisBroker
        client.ping()
        return
    broker.get_declared_queues()  # RabbitmqBroker: the next line needs its connection
    broker.connection.process_data_events(time_limit=0)  # type: ignore[attr-defined]


def _depths(broker: Broker) -> dict[str, int]:
    depths: dict[str, int] = {}
    for queue in sorted(broker.get_declared_queues()):
        if isinstance(broker, StubBroker):
            depths[queue] = broker.queues[queue].qsize()
        elif hasattr(broker, "do_qsize"):  # RedisBroker: its Lua "qsize" command
            depths[queue] = int(broker.do_qsize(queue))
        else:  # RabbitmqBroker: (ready, delayed, dead-lettered)
            ready, delayed, _dead = broker.get_queue_message_counts(queue)  # type: ignore[attr-defined]
            depths[queue] = int(ready) + int(delayed)
    return depths


async def ping(broker: Broker | None = None) -> None:
    """Raise when the broker cannot be reached."""
    await asyncio.get_running_loop().run_in_executor(_probe, _ping, broker or installed_broker)


async def queue_depths(broker: Broker | None = None) -> dict[str, int]:
    """Messages waiting (ready or delayed) per declared queue."""
    return await asyncio.get_running_loop().run_in_executor(
        _probe, _depths, broker or installed_broker
    )
