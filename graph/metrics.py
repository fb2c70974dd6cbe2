"""GET /metrics: Prometheus text of this process (prometheus-client's default registry).

Request metrics are recorded here (by graph/request_log.py, once per GraphQL request or WebSocket
operation); sending, transitions and inbound ones in workers/metrics.py. Queue depth and
dispatcher lag are facts of the whole installation, read from the broker and the database at
scrape time; a scrape during an outage still answers, with those two left at their last value.

With CC_METRICS_TOKEN set, scrapes need `Authorization: Bearer <token>` (401 otherwise).
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from typing import TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from config.settings import get_settings
from models.base.outage import summary
from models.sending.lag import dispatcher_lag_seconds
from workers import broker_state
from workers import metrics as worker_metrics

log = logging.getLogger(__name__)
T = TypeVar("T")

OUTCOMES = ("ok", "user_error", "refused", "error")
REQUESTS = Counter(
    "cc_graphql_requests",
    "GraphQL requests (HTTP) and WebSocket operations by operation name and outcome: ok, "
    "user_error (a mutation's userErrors), refused (bad token, limits, invalid document), "
    "error (internal error or service unavailable).",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "cc_graphql_request_seconds",
    "Time to answer a GraphQL request or WebSocket operation, by operation name and outcome.",
    ["operation", "outcome"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SUBSCRIPTIONS_OPEN = Gauge(
    "cc_subscriptions_open", "Subscriptions being served now, by transport.", ["transport"]
)

# Operation names come from clients: a label per name would let anyone grow the series without
# bound. Sane names are kept up to a limit; anything else is counted as "other".
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_NAMES = 200
_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _names:
        return name
    if not _NAME.fullmatch(name) or len(_names) >= MAX_OPERATION_NAMES:
        return "other"
    _names.add(name)
    return name


def observe_request(operation: str | None, outcome: str, seconds: float) -> None:
    label = operation_label(operation)
    REQUESTS.labels(label, outcome).inc()
    REQUEST_SECONDS.labels(label, outcome).observe(seconds)


@contextmanager
def subscription_open(transport: str) -> Iterator[None]:
    gauge = SUBSCRIPTIONS_OPEN.labels(transport)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def counted_stream(stream: AsyncGenerator[T, None], transport: str) -> AsyncGenerator[T, None]:
    """`stream`, counted in cc_subscriptions_open while it runs."""

    async def counted() -> AsyncGenerator[T, None]:
        with subscription_open(transport):
            try:
                async for item in stream:
                    yield item
            finally:
                await stream.aclose()

    return counted()


async def _refresh_installation_gauges() -> None:
    try:
        for queue, depth in (await broker_state.queue_depths()).items():
            worker_metrics.QUEUE_DEPTH.labels(queue).set(depth)
    except Exception as error:
        log.warning("metrics: queue depth not read: %s", summary(error))
    try:
        worker_metrics.DISPATCHER_LAG.set(await dispatcher_lag_seconds())
    except Exception as error:
        log.warning("metrics: dispatcher lag not read: %s", summary(error))


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


async def metrics_endpoint(request: Request) -> Response:
    token = get_settings().metrics_token
    if token and not _authorised(request, token):
        return Response(
            "A valid metrics token is required.\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": "Bearer"},
        )
    started = time.perf_counter()
    await _refresh_installation_gauges()
    body = await run_in_threadpool(generate_latest, REGISTRY)
    log.debug("metrics scraped in %.1f ms", (time.perf_counter() - started) * 1000)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
