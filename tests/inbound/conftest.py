"""Fixtures for the inbound tests: the real SMTP listener on the test's loop, the HTTP token,
and (re-exported) the sending fixtures to send emails through the real SMTP path first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from config.settings import get_settings
from tests.sending.conftest import sink, smtp_settings, worker
from workers.inbound_smtp import InboundSmtpServer

__all__ = ["inbound_smtp", "inbound_token", "sink", "smtp_settings", "worker"]

TOKEN = "inbound-test-token-0123456789"


@pytest.fixture
async def inbound_smtp(db: Any) -> AsyncIterator[int]:
    """The inbound listener on a free loopback port, on this loop (shares the test database)."""
    async with InboundSmtpServer("127.0.0.1", 0) as server:
        yield server.port


@pytest.fixture
def inbound_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CC_INBOUND_TOKEN", TOKEN)
    get_settings.cache_clear()
    yield TOKEN
    get_settings.cache_clear()
