"""The scale-out set-up on one machine: N `command-center serve` processes and M `command-center
worker` processes sharing one PostgreSQL database, a broker (our own Redis, or a RabbitMQ vhost of
our own) and the Redis event bus, sending to an SMTP sink. Every process is a real child process
configured only through CC_* variables, as in production."""

from __future__ import annotations

import os
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.scale.processes import (
    Child,
    api_process,
    free_port,
    migrated_postgres,
    rabbitmq_vhost,
    redis_server,
    stop_all,
    worker_process,
)


@dataclass
class Timings:
    """Short leases and sweeps, so crashes resolve within the run."""

    lease: float = 30.0  # CC_SEND_LEASE: a killed worker's claims turn uncertain after this
    redispatch_after: float = 10.0  # CC_REDISPATCH_AFTER: messages lost with Redis come back
    dispatch_interval: float = 0.2
    worker_threads: int = 4


@dataclass
class Cluster:
    postgres_server: str
    smtp_url: str
    logs: Path
    amqp_server: str | None = None  # None: the broker is our Redis
    timings: Timings = field(default_factory=Timings)
    extra_env: dict[str, str] = field(default_factory=dict)
    redis: Child | None = None
    apis: list[Child] = field(default_factory=list)
    workers: list[Child] = field(default_factory=list)
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    _api_ports: list[int] = field(default_factory=list)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    def api_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self._api_ports[index]}"

    async def __aenter__(self) -> Cluster:
        await self._stack.__aenter__()
        try:
            await self._prepare()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await stop_all([*self.apis, *self.workers, *([self.redis] if self.redis else [])])
        await self._stack.aclose()

    async def _prepare(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        redis_port = free_port()
        self.redis = redis_server(redis_port, self.logs)
        await self.redis.start()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        broker_url = redis_url
        if self.amqp_server is not None:
            broker_url = self._stack.enter_context(rabbitmq_vhost(self.amqp_server))
        run = uuid.uuid4().hex[:8]
        self._api_ports = [free_port(), free_port()]
        t = self.timings
        self.env = {
            **os.environ,
            "CC_DEMO": "0",
            "CC_BROKER_URL": broker_url,
            "CC_BROKER_NAMESPACE": f"cc-scale-{run}",
            "CC_EVENTS_URL": redis_url,
            "CC_EVENTS_CHANNEL": f"cc-scale-{run}:events",
            "CC_SMTP_URL": self.smtp_url,
            "CC_SMTP_RETRY_BACKOFF": "0.2",
            "CC_VERP_SECRET": f"scale-{run}-verp-secret",
            "CC_PUBLIC_URL": self.api_url(0),
            "CC_QUERY_BUDGET": "0",
            "CC_INBOUND_SMTP_PORT": "0",
            "CC_DAILY_SEND_LIMIT": "100000",
            "CC_SEND_RATE_LIMIT": "0",
            "CC_SEND_LEASE": str(t.lease),
            # The sink answers at once: short SMTP timeouts keep the lease above a claim's worst
            # case (the start-up check refuses a lease that SMTP retries could outlast).
            "CC_SMTP_TIMEOUT": "5",
            "CC_REDISPATCH_AFTER": str(t.redispatch_after),
            "CC_DISPATCH_INTERVAL": str(t.dispatch_interval),
            "CC_WORKER_THREADS": str(t.worker_threads),
            "CC_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        self.database_url = await self._stack.enter_async_context(
            migrated_postgres(self.postgres_server, self.env)
        )
        self.env["CC_DATABASE_URL"] = self.database_url

    def add_api(self, index: int) -> Child:
        child = api_process(f"api-{index + 1}", self._api_ports[index], self.env, self.logs)
        self.apis.append(child)
        return child

    def add_worker(self) -> Child:
        child = worker_process(f"worker-{len(self.workers) + 1}", self.env, self.logs)
        self.workers.append(child)
        return child

    def diagnostics(self) -> str:
        """The end of every process's log, for a failure message."""
        children = [*self.apis, *self.workers, *([self.redis] if self.redis else [])]
        return "\n".join(f"== {child.name}\n{child.tail(15)}" for child in children)
