"""Fixtures and helpers for the sending tests: an SMTP sink, settings, the embedded worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from config.settings import get_settings
from tests.sending.smtp_sink import SmtpSink, running_sink

# Settings every sending test starts from: fast retries and sweeps, no throttle.
FAST = {
    "CC_SMTP_ATTEMPTS": "3",
    "CC_SMTP_RETRY_BACKOFF": "0.01",
    "CC_SMTP_TIMEOUT": "10",
    "CC_DISPATCH_INTERVAL": "0.05",
    "CC_REDISPATCH_AFTER": "60",
    "CC_SEND_LEASE": "600",
    "CC_SEND_RATE_LIMIT": "0",
    "CC_DAILY_SEND_LIMIT": "1000",
}


def configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with running_sink() as server:
        yield server


@pytest.fixture
async def smtp_settings(
    monkeypatch: pytest.MonkeyPatch, sink: SmtpSink
) -> AsyncIterator[pytest.MonkeyPatch]:
    """Settings pointing at the sink; the transport is closed after the test."""
    from models.sending import relay
    from workers import delivery

    configure(monkeypatch, CC_SMTP_URL=sink.url, **FAST)
    relay.forget_process_state()  # another test's relay failures or cached DOWN are not ours
    yield monkeypatch
    await delivery.close_transport()
    relay.forget_process_state()
    get_settings.cache_clear()


@pytest.fixture
async def worker(smtp_settings: pytest.MonkeyPatch, db: Any) -> AsyncIterator[Any]:
    """The embedded Dramatiq worker (threads + dispatcher) running on the test's event loop."""
    from workers.broker import broker
    from workers.runtime import EmbeddedWorker

    broker.flush_all()  # nothing left over from another test
    embedded = EmbeddedWorker(threads=4)
    await embedded.start()
    yield embedded
    await embedded.stop()
    broker.flush_all()
