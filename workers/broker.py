"""The Dramatiq broker, chosen from CC_BROKER_URL and installed when this module is imported.

- empty (the embedded default): a StubBroker, an in-memory queue consumed by Dramatiq worker
  threads inside the API process (`workers.runtime.EmbeddedWorker`, started by the app lifespan);
- `redis://…` / `rediss://…`: RedisBroker (keys prefixed with CC_BROKER_NAMESPACE);
- `amqp://…` / `amqps://…`: RabbitmqBroker.

Actor modules import this module first: Dramatiq binds an actor to the global broker when the
actor is declared, so the broker must exist before any `@dramatiq.actor` runs.

No AsyncIO middleware is added on purpose: `workers.runtime` installs the event loop async actors
run on itself, because Tortoise's connections belong to one loop and every actor must use it
(the app's loop in the embedded mode, the worker process's single loop otherwise).
"""

from __future__ import annotations

import dramatiq
from dramatiq.broker import Broker
from dramatiq.brokers.stub import StubBroker

from config.settings import get_settings


def build_broker(url: str, namespace: str = "command-center") -> Broker:
    if not url or url == "embedded":
        return StubBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, namespace=namespace)
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url)
    raise ValueError(f"CC_BROKER_URL must be empty, redis://… or amqp://…, not {url!r}")


def is_embedded(broker: Broker) -> bool:
    return isinstance(broker, StubBroker)


_settings = get_settings()
broker = build_broker(_settings.broker_url, _settings.broker_namespace)
dramatiq.set_broker(broker)
