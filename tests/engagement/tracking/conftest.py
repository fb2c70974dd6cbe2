"""Tracking tests send through the real SMTP path: the sending fixtures (sink, embedded worker),
plus a public URL of their own and no "seconds after delivery" machine window unless asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import get_settings
from tests.sending.conftest import configure, sink, smtp_settings, worker

PUBLIC_URL = "https://track.example"

__all__ = ["sink", "smtp_settings", "worker"]


@pytest.fixture(autouse=True)
def tracking_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    configure(monkeypatch, CC_PUBLIC_URL=PUBLIC_URL, CC_MACHINE_ENGAGEMENT_SECONDS="0")
    yield
    get_settings.cache_clear()
