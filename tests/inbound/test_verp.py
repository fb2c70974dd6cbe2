"""The signatures: return paths and report tokens round-trip, refuse tampering and foreign
domains; the key is CC_VERP_SECRET, generated once under var/ in the embedded default, and
required with a real broker."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from config import signing
from config.settings import get_settings
from models.inbound import verp
from tests.sending.conftest import configure


def test_return_path_round_trips_and_refuses_tampering() -> None:
    address = verp.return_path(1234)
    assert address.startswith("bounce+1234-") and address.endswith("@command-center.local")
    assert len(address.split("@")[0]) <= 64  # an SMTP local part
    assert verp.email_of_return_path(address) == 1234
    assert verp.email_of_return_path(f"<{address.upper()}>") == 1234  # MTAs may fold case
    mac = address.split("-")[1].split("@")[0]
    assert verp.email_of_return_path(address.replace("1234", "1235")) is None
    assert verp.email_of_return_path(address.replace(mac, "0" * 20)) is None
    assert verp.email_of_return_path(address.replace("command-center.local", "x.test")) is None
    assert verp.email_of_return_path("bounce+1234@command-center.local") is None


def test_report_token_is_not_a_return_path_signature() -> None:
    token = verp.report_token(77)
    assert verp.email_of_token(token) == 77
    assert verp.email_of_token(token.replace("77-", "78-")) is None
    mac = verp.return_path(77).split("-")[1].split("@")[0]
    assert verp.email_of_token(f"77-{mac}") is None  # a different purpose, a different MAC


def test_bounce_domain_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, CC_BOUNCE_DOMAIN="Bounces.Example.com")
    address = verp.return_path(5)
    assert address.endswith("@bounces.example.com")
    assert verp.email_of_return_path(address) == 5
    get_settings.cache_clear()


def test_key_is_generated_once_under_var_when_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CC_VERP_SECRET", raising=False)
    monkeypatch.delenv("CC_BROKER_URL", raising=False)
    get_settings.cache_clear()
    first = verp.return_path(9)
    key_file = tmp_path / "var" / signing.SECRET_FILE
    assert key_file.exists() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    signing._stored_key.cache_clear()  # a restart reads the same key back
    assert verp.return_path(9) == first
    configure(monkeypatch, CC_VERP_SECRET="another-key")
    assert verp.return_path(9) != first
    get_settings.cache_clear()


def test_key_is_required_with_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CC_VERP_SECRET", raising=False)
    configure(monkeypatch, CC_BROKER_URL="redis://127.0.0.1:6379/0")
    with pytest.raises(signing.MissingSecret, match="CC_VERP_SECRET is required"):
        verp.return_path(1)
    get_settings.cache_clear()
