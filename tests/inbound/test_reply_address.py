"""With CC_REPLY_DOMAIN, every email's Reply-To carries the sender and the email's own signed
reply address, so a reply matches its email exactly even when the client dropped In-Reply-To and
References; a forged reply address matches nothing. Without the setting, no Reply-To."""

from __future__ import annotations

import email.utils
from email.utils import getaddresses
from typing import Any

import pytest

from models.emails.tables import Email, EmailStatus
from models.inbound import verp
from models.inbound.tables import InboundMessage
from tests.api import Api
from tests.inbound.messages import new_id, smtp_deliver
from tests.sending.conftest import configure
from tests.sending.helpers import due_email, wait_for_status
from tests.sending.smtp_sink import SmtpSink


def unthreaded_reply(to: str) -> bytes:
    """A reply from a client that keeps neither In-Reply-To nor References nor a quote."""
    return (
        f"From: Pat Prospect <prospect@example.com>\r\nTo: {to}\r\nSubject: Re: Hello\r\n"
        f"Date: {email.utils.formatdate()}\r\nMessage-ID: {new_id()}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nYes, Tuesday works.\r\n"
    ).encode()


async def test_a_reply_to_the_reply_address_matches_without_threading_headers(
    api: Api, worker: Any, sink: SmtpSink, inbound_smtp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, CC_REPLY_DOMAIN="Replies.Example")
    other = await due_email(api.user, subject="Another")
    sent = await due_email(api.user)
    for row in (other, sent):
        await wait_for_status(row.id, EmailStatus.DELIVERED)
    [message] = [r.message for r in sink.received if r.message_id == sent.message_id]
    reply_to = [address for _, address in getaddresses([str(message["Reply-To"])])]
    assert reply_to == [api.user.email, verp.reply_address(sent.id)]
    assert reply_to[1].startswith(f"reply+{sent.id}-") and reply_to[1].endswith("@replies.example")

    answer = await smtp_deliver(inbound_smtp, unthreaded_reply(reply_to[1]), rcpt_to=reply_to[1])
    assert answer.endswith("REPLY")
    assert (await Email.get(id=sent.id)).reply_count == 1
    assert (await Email.get(id=other.id)).reply_count == 0

    # A forged reply address proves nothing: the message is only what it otherwise is, a note
    # without thread headers from an address we mailed, tied to the latest email delivered to it.
    forged = reply_to[1].replace(f"reply+{sent.id}-", f"reply+{other.id}-")
    answer = await smtp_deliver(inbound_smtp, unthreaded_reply(forged), rcpt_to=forged)
    assert answer.endswith("REPLY")
    record = await InboundMessage.filter(email_id=sent.id).order_by("-id").first()
    assert record is not None and record.detail.startswith("Matched by address")
    assert (await Email.get(id=other.id)).reply_count == 0
    assert (await Email.get(id=sent.id)).reply_count == 2


async def test_without_a_reply_domain_there_is_no_reply_to(
    api: Api, worker: Any, sink: SmtpSink, inbound_smtp: int
) -> None:
    sent = await due_email(api.user)
    await wait_for_status(sent.id, EmailStatus.DELIVERED)
    [received] = sink.received
    assert received.message["Reply-To"] is None
    assert verp.reply_address(sent.id) is None
    # Without it, a reply that drops its thread headers is matched by address only.
    answer = await smtp_deliver(inbound_smtp, unthreaded_reply("alice@a.example"))
    assert answer.endswith("REPLY")
    [record] = await InboundMessage.filter(email_id=sent.id)
    assert record.detail.startswith("Matched by address")
