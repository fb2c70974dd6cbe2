"""Inbound mail with bytes a database refuses (NUL in Subject, From or body; undecodable header
bytes): never a temporary failure for a permanent problem, never a 500. A raw NUL in the header
section is refused permanently (554 / 422: RFC 5322 forbids it); NUL that only appears once
decoded (encoded words, the body) is accepted, and what we store is cleaned. SQLite and
PostgreSQL."""

from __future__ import annotations

import aiosmtplib
import httpx2
import pytest

from models.emails.tables import Email, EmailStatus
from models.inbound.tables import InboundMessage, InboundOutcome
from tests.api import Api, drive_to
from tests.inbound.conftest import TOKEN
from tests.inbound.messages import new_id, processed, reply, smtp_deliver

HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"}


def with_nul_in(field: str, in_reply_to: str) -> bytes:
    message = reply(in_reply_to, subject="Re: Hello")
    if field == "Subject":
        return message.replace(b"Subject: Re: Hello", b"Subject: Re: He\x00llo")
    return message.replace(b"From: Pat Prospect", b"From: Pat\x00 Prospect")


@pytest.mark.parametrize("field", ["Subject", "From"])
async def test_raw_nul_in_a_header_is_refused_permanently(
    api: Api, client: httpx2.AsyncClient, inbound_token: str, inbound_smtp: int, field: str
) -> None:
    email = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    raw = with_nul_in(field, email.message_id)
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await smtp_deliver(inbound_smtp, raw)
    assert refused.value.code == 554 and "NUL" in refused.value.message
    response = await client.post("/inbound", content=raw, headers=HEADERS)
    assert response.status_code == 422 and "NUL" in response.json()["error"]
    assert not await InboundMessage.exists()
    assert (await Email.get(id=email.id)).reply_count == 0


async def test_nul_once_decoded_or_in_the_body_is_accepted_and_stored_clean(
    api: Api, client: httpx2.AsyncClient, inbound_token: str, inbound_smtp: int
) -> None:
    email = await drive_to((await api.create_draft())["id"], EmailStatus.DELIVERED)
    raw = (
        reply(email.message_id, subject="=?utf-8?q?Re=3A_He=00llo_=FF?=")
        .replace(b"From: Pat Prospect", b"From: =?utf-8?q?Pat=00_Prosp=C3=A9ct?=")
        .replace(b"Thanks,", b"Tha\x00nks, \xff\xfe")
    )
    answer = await smtp_deliver(inbound_smtp, raw)
    assert answer.startswith("2.0.0 Queued") and answer.endswith("REPLY")
    record = await InboundMessage.get()
    assert "\x00" not in record.subject and record.subject.startswith("Re: Hello")
    assert record.from_address == "prospect@example.com"
    assert (await Email.get(id=email.id)).reply_count == 1

    # The same over HTTP, as an unmatched message whose bytes are kept as they came.
    other = raw.replace(email.message_id.encode(), new_id().encode()).replace(
        b"Message-ID: <", b"Message-ID: <x"
    )
    response = await client.post("/inbound", content=other, headers=HEADERS)
    assert response.status_code == 202
    kept = await processed(response.json()["id"])
    assert kept.outcome is InboundOutcome.UNMATCHED and kept.raw_bytes == other


async def test_a_report_with_nul_in_its_text_is_stored_not_retried(
    api: Api, inbound_smtp: int
) -> None:
    """Text taken from a report's body (diagnostics) is cleaned before it is stored."""
    from tests.inbound.messages import DELAYED_DSN, corpus_report

    raw = corpus_report(DELAYED_DSN, new_id()).replace(
        b"Diagnostic-Code:", b"X-\x00:\r\nDiagnostic-Code:"
    )
    answer = await smtp_deliver(inbound_smtp, raw)
    assert answer.split()[-1] in {"UNVERIFIED", "UNMATCHED"}
    record = await InboundMessage.get()
    assert "\x00" not in record.detail
