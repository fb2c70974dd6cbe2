"""The `command-center` CLI as a newcomer uses it, in real subprocesses."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from graph.schema import schema

CLI = [sys.executable, "-m", "command_center.cli"]


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        CLI + args, env=env, capture_output=True, text=True, timeout=120, check=check
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CC_DATABASE_URL": f"sqlite://{tmp_path / 'cc.sqlite3'}",
        "CC_DEMO": "1",
        "CC_INBOUND_SMTP_PORT": str(free_port()),  # never the shared default 2525
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_export_schema_writes_the_sdl(env: dict[str, str], tmp_path: Path) -> None:
    run(["export-schema", "--output", str(tmp_path / "out.graphql")], env)
    assert (tmp_path / "out.graphql").read_text() == str(schema) + "\n"


def test_create_user_prints_a_working_token_and_refuses_duplicates(env: dict[str, str]) -> None:
    run(["migrate"], env)
    created = run(["create-user", "--team", "Acme", "--email", "rep@acme.example"], env)
    token = created.stdout.strip()
    assert token.startswith("cc_")

    duplicate = run(
        ["create-user", "--team", "Acme", "--email", "REP@acme.example"], env, check=False
    )
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    bad_role = run(
        ["create-user", "--team", "A", "--email", "x@y.example", "--role", "GOD"], env, check=False
    )
    assert bad_role.returncode == 2


def test_revoke_token_by_secret_or_id(env: dict[str, str], tmp_path: Path) -> None:
    run(["migrate"], env)
    first = run(["create-user", "--team", "Acme", "--email", "a@acme.example"], env).stdout
    second = run(["create-user", "--team", "Acme", "--email", "b@acme.example"], env).stdout
    by_secret = run(["revoke-token", "--token", first.strip()], env)
    assert "Revoked token 1 (cli) of a@acme.example." in by_secret.stderr
    by_id = run(["revoke-token", "--id", "2"], env)
    assert "of b@acme.example" in by_id.stderr
    missing = run(["revoke-token", "--id", "99"], env, check=False)
    assert missing.returncode == 1
    assert "no such token" in missing.stderr
    assert run(["revoke-token"], env, check=False).returncode == 2  # --id or --token
    database = sqlite3.connect(tmp_path / "cc.sqlite3")
    revoked = database.execute("SELECT COUNT(*) FROM api_token WHERE revoked_at IS NOT NULL")
    assert revoked.fetchone() == (2,)
    database.close()
    assert second.strip().startswith("cc_")


def serve_once(env: dict[str, str], query: str) -> dict:
    """Start `serve`, wait for its token, run one query with it, stop it; returns the data."""
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        token, output = None, []
        deadline = time.monotonic() + 90
        assert process.stdout is not None
        while token is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            match = re.search(r"Authorization: Bearer (\S+)", line)
            token = match.group(1) if match else None
        assert token, "".join(output)
        assert any(f"http://127.0.0.1:{port}/graphql#token={token}" in line for line in output)
        assert any(f"signed in): http://127.0.0.1:{port}/#token={token}" in line for line in output)
        assert any("captured as .eml files in" in line for line in output)
        while time.monotonic() < deadline:
            try:
                response = httpx2.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": query},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=5,
                )
            except httpx2.TransportError:
                time.sleep(0.2)
                continue
            data: dict = response.json()["data"]
            return data
        raise AssertionError("serve did not answer in time:\n" + "".join(output))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_seeds_demo_data_once_and_prints_a_working_token(env: dict[str, str]) -> None:
    query = (
        "{ me { role } people { totalCount } folderCounts { statuses { status count } } "
        "activityFeed(first: 100, includeMachine: true) { edges { node { kind machine } } } }"
    )
    first = serve_once(env, query)
    assert first["me"]["role"] == "ADMIN"
    counts = {s["status"]: s["count"] for s in first["folderCounts"]["statuses"]}
    assert all(counts[status] > 0 for status in counts), counts  # all eight statuses
    # Engagement recorded as events, with a privacy proxy's machine opens kept apart.
    activity = {(e["node"]["kind"], e["node"]["machine"]) for e in first["activityFeed"]["edges"]}
    wanted = {("VIEWED", False), ("VIEWED", True), ("CLICKED", False), ("REPLIED", False)}
    assert wanted <= activity, activity

    second = serve_once(env, query)  # a second `make run` reuses the database
    assert second == first


def test_create_user_takes_a_time_zone(env: dict[str, str], tmp_path: Path) -> None:
    run(["migrate"], env)
    run(
        ["create-user", "--team", "A", "--email", "p@a.example", "--time-zone", "Europe/Paris"], env
    )
    bad = run(
        ["create-user", "--team", "A", "--email", "q@a.example", "--time-zone", "Paris"],
        env,
        check=False,
    )
    assert bad.returncode == 2 and "IANA time zone" in bad.stderr
    with sqlite3.connect(tmp_path / "cc.sqlite3") as connection:
        rows = connection.execute('SELECT email, timezone FROM "user"').fetchall()
    assert rows == [("p@a.example", "Europe/Paris")]  # the refused user was not created
