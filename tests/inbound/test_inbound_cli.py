"""The inbound listener as operators run it: inside `serve` (embedded) and as
`command-center inbound`; `inbound-log` shows what came in, unmatched messages included."""

from __future__ import annotations

import smtplib
import subprocess
import time
from pathlib import Path

from tests.inbound.messages import DELAYED_DSN, corpus_report, new_id, reply
from tests.test_cli import CLI, env, free_port, run

__all__ = ["env"]


def wait_for_line(process: subprocess.Popen[str], needle: str, within: float = 90) -> list[str]:
    output: list[str] = []
    deadline = time.monotonic() + within
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if needle in line:
            return output
    raise AssertionError(f"{needle!r} not printed:\n" + "".join(output))


def send(port: int, raw: bytes, mail_from: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                # smtplib sends bytes as they are: lines must already end in CRLF.
                crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                client.sendmail(mail_from, ["inbound@cc.example"], crlf)
            return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def run_until(
    args: list[str], env: dict[str, str], needle: str, port: int, raw: bytes, mail_from: str = ""
) -> None:
    process = subprocess.Popen(
        [*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for_line(process, needle)
        send(port, raw, mail_from)
        wait_processed(env)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_processed(env: dict[str, str], within: float = 60) -> None:
    """250 comes once the message is stored; processing follows in the server process."""
    deadline = time.monotonic() + within
    while "\tRECEIVED\t" in run(["inbound-log"], env).stdout:
        assert time.monotonic() < deadline, "the message was not processed"
        time.sleep(0.2)


def test_serve_listens_for_inbound_mail(env: dict[str, str]) -> None:
    port = int(env["CC_INBOUND_SMTP_PORT"])
    raw = reply(new_id())
    needle = f"Inbound mail (replies, bounces, complaints): SMTP on 127.0.0.1:{port}"
    args = ["serve", "--port", str(free_port())]
    run_until(args, env, needle, port, raw, mail_from="prospect@example.com")
    log = run(["inbound-log", "--outcome", "UNMATCHED"], env).stdout
    assert "\tSMTP\tUNMATCHED\t" in log and "prospect@example.com" in log


def test_inbound_command_runs_the_listener(env: dict[str, str], tmp_path: Path) -> None:
    run(["migrate"], env)
    port = free_port()
    raw = corpus_report(DELAYED_DSN, new_id())
    run_until(["inbound", "--port", str(port)], env, "Inbound SMTP listening", port, raw)
    lines = run(["inbound-log"], env).stdout.splitlines()
    # A report that did not come to one of our return paths proves nothing: kept, with why.
    assert len(lines) == 1 and "\tUNVERIFIED\t" in lines[0]
    assert "BOUNCE_TEMPORARY: Delivery report not sent to an email's return path" in lines[0]
