"""CC_PUBLIC_URL defaults to where `serve` actually listens, and a loopback one with a real relay
is warned about at start-up."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from config.settings import Settings
from tests.sending.smtp_sink import SmtpSink, running_sink
from tests.test_cli import CLI, env, free_port

__all__ = ["env"]  # the CLI tests' environment fixture (a throw-away SQLite database)


@pytest.mark.parametrize(
    ("values", "base"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"port": 9000}, "http://127.0.0.1:9000"),
        ({"host": "::1", "port": 9000}, "http://[::1]:9000"),
        ({"public_url": "https://track.example/", "port": 9000}, "https://track.example"),
    ],
)
def test_the_public_url_follows_the_served_host_and_port(values: dict, base: str) -> None:
    assert Settings(**values).public_base_url() == base


@pytest.mark.parametrize(
    ("values", "warned"),
    [
        ({"smtp_url": "smtp://relay.example:587"}, True),
        ({"smtp_url": "smtps://relay.example", "public_url": "http://localhost:8000"}, True),
        ({"smtp_url": "smtp://relay.example", "host": "::1"}, True),
        ({"smtp_url": "smtp://relay.example", "public_url": "https://cc.example"}, False),
        ({"smtp_url": "file://var/mail"}, False),  # captured locally: loopback links are fine
    ],
)
def test_a_loopback_public_url_with_a_real_relay_is_warned_about(
    values: dict, warned: bool
) -> None:
    warning = Settings(**values).public_url_warning()
    assert (warning is not None) == warned
    if warning:
        assert "loopback" in warning and "CC_PUBLIC_URL" in warning


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with running_sink() as server:
        yield server


def _serve(env: dict[str, str], port: int) -> tuple[subprocess.Popen[str], str, list[str]]:
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if match := re.search(r"Authorization: Bearer (\S+)", line):
            return process, match.group(1), output
    process.terminate()
    raise AssertionError("serve printed no token:\n" + "".join(output))


def _graphql(port: int, token: str, query: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        try:
            response = httpx2.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": query},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            data: dict = response.json()["data"]
            return data
        except httpx2.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_on_another_port_puts_that_port_in_sent_links(
    env: dict[str, str], sink: SmtpSink, tmp_path: Path
) -> None:
    port = free_port()
    env = {**env, "CC_SMTP_URL": sink.url, "CC_DEMO": "0", "CC_DISPATCH_INTERVAL": "0.1"}
    env.pop("CC_PUBLIC_URL", None)
    env.pop("CC_HOST", None)
    env.pop("CC_PORT", None)
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(
        [*CLI, "create-user", "--team", "T", "--email", "a@t.example", "--role", "ADMIN"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    process, token, output = _serve(env, port)
    try:
        printed = "".join(output)
        assert (
            f"Links in sent mail (tracking, unsubscribe) start http://127.0.0.1:{port}" in printed
        )
        assert "WARNING" in printed and "loopback" in printed  # a real relay, loopback links
        draft = _graphql(
            port,
            token,
            'mutation { createDraft(input: {to: ["pat@prospect.example"], subject: "Hi", '
            'bodyHtml: "<p><a href=\\"https://example.com/x\\">x</a></p>"}) { email { id } } }',
        )["createDraft"]["email"]
        sent = _graphql(
            port,
            token,
            f'mutation {{ sendEmailNow(input: {{id: "{draft["id"]}"}}) {{ email {{ id }} }} }}',
        )
        assert sent["sendEmailNow"]["email"]["id"] == draft["id"]
        deadline = time.monotonic() + 60
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.1)
        [message] = sink.received
        assert str(message.message["List-Unsubscribe"]).startswith(f"<http://127.0.0.1:{port}/u/")
        html = message.message.get_body(("html",))
        assert html is not None
        assert f"http://127.0.0.1:{port}/t/c/" in html.get_content()
        # And the link answers on that port (a click redirects to the stored destination).
        link = re.search(rf"http://127\.0\.0\.1:{port}/t/c/[\w-]+", html.get_content())
        assert link is not None
        response = httpx2.get(link.group(0), follow_redirects=False, timeout=10)
        assert (response.status_code, response.headers["location"]) == (
            302,
            "https://example.com/x",
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
