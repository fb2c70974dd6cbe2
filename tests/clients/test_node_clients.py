"""The real client libraries (clients/, on Node) and a real Chromium against a live server.

`make test` installs clients/node_modules with `npm ci` from the committed lockfile. Locally a
missing Node, package install or Chromium skips with the reason; in CI (CC_REQUIRE_SERVICES=1 or
CI=true) it fails, so the client suite can never silently stop running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import services

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
CHROMIUM = os.environ.get("CC_CHROMIUM", "/usr/bin/chromium")
LIBRARY_TESTS = ["relay.test.js", "apollo.test.js", "urql.test.js", "sse-ws.test.js"]


def _missing(what: str) -> None:
    message = f"{what}; run `make test` (it runs `npm ci` in clients/)"
    if services.required() or os.environ.get("CI") == "true":
        pytest.fail(f"{message}, and CI forbids skipping", pytrace=False)
    pytest.skip(message)


def run_node_tests(files: list[str]) -> None:
    node = shutil.which("node")
    if node is None:
        _missing("Node.js is not installed")
    if not (CLIENTS / "node_modules" / ".package-lock.json").exists():
        _missing("clients/node_modules is not installed")
    env = {
        **os.environ,
        # The server under test is this checkout's, run by this interpreter's environment.
        "CC_COMMAND": str(Path(sys.executable).parent / "command-center"),
        "CC_CHROMIUM": CHROMIUM,
    }
    result = subprocess.run(
        [node, "--test", "--test-concurrency=1", *(f"tests/{name}" for name in files)],
        cwd=CLIENTS,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout


def test_relay_apollo_urql_graphql_sse_and_graphql_ws_against_a_live_server() -> None:
    run_node_tests(LIBRARY_TESTS)


def test_graphiql_and_cross_origin_pages_in_headless_chromium() -> None:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    run_node_tests(["browser.test.js"])


def test_the_web_app_in_headless_chromium() -> None:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    run_node_tests(["app.test.js"])


def test_the_web_app_emails_screens_in_headless_chromium() -> None:
    """Compose, an email's page and the list (clients/tests/app-emails.test.js)."""
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    run_node_tests(["app-emails.test.js"])


def test_the_web_app_work_screens_in_headless_chromium() -> None:
    """Tasks, search, campaigns and reports (clients/tests/app-work.test.js)."""
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    run_node_tests(["app-work.test.js"])
