"""Prometheus metrics of sending, transitions and inbound mail (prometheus-client).

Declared here because both the API process (embedded mode, GET /metrics) and `command-center
worker` processes record them; graph/metrics.py adds the request metrics and serves them all.
Every process keeps its own values: a worker serves them on its own port
(`command-center worker --metrics-port P`, process i of `--processes N` on P+i), so any number of
workers on any number of machines are scraped as separate targets, with no shared directory.

Email transitions are counted from `models.base.hooks.on_events_committed`, the one place every
committed transition passes: models/ never imports prometheus_client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from models.base import hooks
from models.emails.tables import EmailEvent

log = logging.getLogger(__name__)

EMAIL_TRANSITIONS = Counter(
    "cc_email_transitions",
    "Email status changes committed by this process, by previous and new status.",
    ["from_status", "to_status"],
)
SMTP_SENDS = Counter(
    "cc_smtp_sends",
    "SMTP send attempts by outcome: delivered (250), rejected (5xx), unavailable (4xx, "
    "connection errors, timeouts).",
    ["outcome"],
)
SMTP_SEND_SECONDS = Histogram(
    "cc_smtp_send_seconds",
    "Time of one SMTP send attempt (one message to the relay), by outcome.",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
INBOUND_MESSAGES = Counter(
    "cc_inbound_messages",
    "Inbound messages offered to us, by transport (SMTP, HTTP) and outcome: stored, "
    "duplicate, malformed, unavailable (database away: asked to retry), error.",
    ["via", "outcome"],
)
QUEUE_DEPTH = Gauge(
    "cc_queue_depth", "Messages waiting in each broker queue (read at scrape time).", ["queue"]
)
DISPATCHER_LAG = Gauge(
    "cc_dispatcher_lag_seconds",
    "Age of the oldest due SCHEDULED email (read at scrape time); 0 while sending keeps up.",
)


async def _count_transitions(events: Sequence[EmailEvent]) -> None:
    for event in events:
        if event.new_status is None or event.previous_status == event.new_status:
            continue  # not a status change (an open, a click, a reschedule in place)
        previous = event.previous_status.value if event.previous_status else "NONE"
        EMAIL_TRANSITIONS.labels(previous, event.new_status.value).inc()


def install() -> None:
    """Count transitions from now on (idempotent); the app and each worker process call it."""
    hooks.remove_listener(_count_transitions)
    hooks.on_events_committed(_count_transitions)


@contextmanager
def timed_send() -> Iterator[list[str]]:
    """Time one SMTP attempt; the caller appends its outcome to the yielded list."""
    outcome: list[str] = []
    started = time.perf_counter()
    try:
        yield outcome
    finally:
        label = outcome[0] if outcome else "unavailable"
        SMTP_SENDS.labels(label).inc()
        SMTP_SEND_SECONDS.labels(label).observe(time.perf_counter() - started)


def inbound_offered(via: str, outcome: str) -> None:
    INBOUND_MESSAGES.labels(via, outcome).inc()


def serve_worker_metrics(port: int, host: str = "0.0.0.0") -> None:
    """GET /metrics of this worker process on its own port (a daemon thread)."""
    start_http_server(port, addr=host)
    log.info("worker metrics on http://%s:%d/metrics", host, port)
