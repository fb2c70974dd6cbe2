"""Receiving stays cheap: a message is stored (RECEIVED) and answered at once, and parsing runs
off the event loop (a thread, or the Dramatiq actor with a broker), so a 9 MB message never holds
the API. Nothing is lost: what a crash leaves RECEIVED is processed by the dispatcher loop's
sweep, once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx2
import pytest

from models.base import clock
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.inbound import processing
from models.inbound.parsing import parse
from models.inbound.receiving import receive
from models.inbound.tables import InboundMessage, InboundOutcome, InboundVia
from tests.api import Api, drive_to
from tests.inbound.conftest import TOKEN
from tests.inbound.messages import processed, reply
from tests.sending.conftest import configure
from tests.sending.helpers import wait_until
from workers import inbound

ME = "{ me { id } }"
NINE_MB = 9 * 1024 * 1024


class HeldParser:
    """`parse` that waits for the test's go-ahead, noting the thread it runs on."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.threads: list[int] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.get_ident())
        self.started.set()
        self.release.wait(timeout=30)  # never hang the suite if the test fails first
        return parse(*args, **kwargs)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldParser]:
    parser = HeldParser()
    monkeypatch.setattr(processing, "parse", parser)
    yield parser
    parser.release.set()


def big_reply(in_reply_to: str) -> bytes:
    message = reply(in_reply_to)
    padding = b"> " + b"x" * 76 + b"\r\n"
    return message + padding * (NINE_MB // len(padding))


async def test_nine_megabytes_are_parsed_off_the_loop_while_the_api_answers(
    client: httpx2.AsyncClient, api: Api, inbound_token: str, held: HeldParser
) -> None:
    email = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    message = big_reply(email.message_id)
    assert len(message) > NINE_MB
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"}

    response = await client.post("/inbound", content=message, headers=headers)
    # Answered while the parser has not even been allowed to run: receiving is storing only.
    assert response.status_code == 202 and response.json()["outcome"] == "RECEIVED"
    stored = await InboundMessage.get(id=response.json()["id"])
    assert stored.outcome is InboundOutcome.RECEIVED and stored.raw_bytes == message
    await asyncio.to_thread(held.started.wait, 10)
    assert held.started.is_set()

    # The parser is busy on another thread; the event loop still serves everyone.
    assert (await api(ME))["me"]["id"]
    assert held.threads and held.threads[0] != threading.get_ident()
    assert (await InboundMessage.get(id=stored.id)).outcome is InboundOutcome.RECEIVED

    held.release.set()
    record = await processed(stored.id)
    assert record.outcome is InboundOutcome.REPLY and record.raw_bytes is None
    assert (await Email.get(id=email.id)).reply_count == 1


async def test_smtp_answers_before_parsing(api: Api, inbound_smtp: int, held: HeldParser) -> None:
    import aiosmtplib

    email = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=inbound_smtp, timeout=30) as smtp:
        _errors, answer = await smtp.sendmail(
            "prospect@example.com", ["inbound@cc.example"], big_reply(email.message_id)
        )
    assert answer.startswith("2.0.0 Queued as")
    assert not held.release.is_set()
    held.release.set()
    record = await processed(int(answer.split()[-1]))
    assert record.outcome is InboundOutcome.REPLY


async def test_a_message_left_received_by_a_crash_is_processed_by_the_sweep_once(
    api: Api, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored, then the process died before (or while) processing it: the dispatcher loop's
    inbound sweep picks it up; a second sweep finds nothing left to do."""
    configure(monkeypatch, CC_REDISPATCH_AFTER="0", CC_INBOUND_SWEEP_INTERVAL="0.05")
    first = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    second = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    await receive(reply(first.message_id), InboundVia.SMTP)  # never handed over
    died_mid_way = await receive(reply(second.message_id), InboundVia.HTTP)
    # A processor claimed it and died: its lease has run out.
    await InboundMessage.filter(id=died_mid_way.record.id).update(
        claimed_until=clock.now() - timedelta(seconds=1)
    )

    async def both_processed() -> bool:
        return not await InboundMessage.filter(outcome=InboundOutcome.RECEIVED).exists()

    await wait_until(both_processed, 30, "the sweep to process what was left RECEIVED")
    await inbound.drain()
    await inbound.sweep()  # again: nothing is applied twice
    await inbound.drain()
    for email in (first, second):
        assert (await Email.get(id=email.id)).reply_count == 1
        events = EmailEvent.filter(email_id=email.id, kind=EmailEventKind.REPLIED)
        assert await events.count() == 1
    outcomes = await InboundMessage.all().values_list("outcome", flat=True)
    assert sorted(outcomes) == ["REPLY", "REPLY"]


async def test_a_claimed_message_is_not_processed_twice(api: Api, db: Any) -> None:
    """Two processors (a duplicated actor message, a sweep racing the first attempt): one wins."""
    email = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    receipt = await receive(reply(email.message_id), InboundVia.SMTP)
    results = await asyncio.gather(
        *(processing.process_received(receipt.record.id) for _ in range(4))
    )
    assert sum(r is not None for r in results) == 1
    assert (await Email.get(id=email.id)).reply_count == 1


async def test_with_a_broker_the_actor_processes_it(
    api: Api, worker: Any, inbound_smtp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CC_BROKER_URL the listener only enqueues `process_inbound`; a Dramatiq worker (here
    the embedded one, consuming the same broker) parses and applies it."""
    from tests.inbound.messages import smtp_deliver

    monkeypatch.setattr(inbound, "is_embedded", lambda _broker: False)
    sent: list[int] = []
    real_send = inbound.process_inbound.send

    def spy(inbound_id: int) -> Any:
        sent.append(inbound_id)
        return real_send(inbound_id)

    monkeypatch.setattr(inbound.process_inbound, "send", spy)
    email = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    answer = await smtp_deliver(inbound_smtp, reply(email.message_id))
    assert answer.endswith("REPLY")
    assert sent == [int(answer.split()[-2])]
    assert (await Email.get(id=email.id)).reply_count == 1
