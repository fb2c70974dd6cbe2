"""Sending settings that defeat each other are refused at start-up, with a message naming the
CC_* variables and what to change (config/settings.py `sending_contradictions`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from config.settings import Settings

CONTRADICTIONS = [
    # The example: a lease shorter than the SMTP retries silently disabled them.
    ({"send_lease": 30}, "CC_SEND_LEASE=30 must be longer than one email's SMTP tries"),
    (
        {"send_lease": 100, "smtp_attempts": 3, "smtp_timeout": 30, "smtp_retry_backoff": 10},
        "(120s: CC_SMTP_ATTEMPTS=3",
    ),
    ({"send_retry_backoff": 600, "send_retry_max_backoff": 60}, "CC_SEND_RETRY_MAX_BACKOFF=60"),
    ({"send_max_age": 30}, "CC_SEND_MAX_AGE=30 is not longer than CC_SEND_RETRY_BACKOFF=60"),
    (
        {"relay_probe_interval": 60, "relay_probe_max_interval": 10},
        "CC_RELAY_PROBE_MAX_INTERVAL=10 is shorter than CC_RELAY_PROBE_INTERVAL=60",
    ),
    (
        {"smtp_pool_size": 50, "worker_threads": 2, "send_batch": 10},
        "CC_SMTP_POOL_SIZE=50 connections can never all be used",
    ),
]


@pytest.mark.parametrize(("values", "message"), CONTRADICTIONS)
def test_contradictory_sending_settings_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "values",
    [{"smtp_pool_size": 0}, {"send_batch": 0}, {"send_lease": 0}, {"relay_failure_threshold": 0}],
)
def test_impossible_values_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**values)


def test_the_defaults_and_the_test_settings_agree() -> None:
    Settings()
    Settings(smtp_attempts=3, smtp_retry_backoff=0.01, smtp_timeout=10, dispatch_interval=0.05)


def test_every_contradiction_is_listed_at_once() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(send_lease=30, send_max_age=10)
    assert "CC_SEND_LEASE=30" in str(refused.value)
    assert "CC_SEND_MAX_AGE=10" in str(refused.value)


def test_the_cli_refuses_to_start_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "CC_SEND_LEASE": "30",
        "CC_DATABASE_URL": f"sqlite://{tmp_path}/x",
    }
    done = subprocess.run(
        [sys.executable, "-m", "command_center.cli", "worker"],
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Invalid configuration (CC_* environment variables):")
    assert "CC_SEND_LEASE=30 must be longer" in done.stderr
    assert "Traceback" not in done.stderr
