"""POST /inbound: the same processor behind a bearer token; and the live subscription sees what
an inbound report changes."""

from __future__ import annotations

import httpx2
import pytest

from config.settings import get_settings
from models.emails.tables import Email, EmailStatus
from models.inbound import verp
from models.inbound.tables import InboundMessage, InboundOutcome
from tests.api import Api, World, drive_to
from tests.inbound.conftest import TOKEN
from tests.inbound.messages import (
    FAILED,
    PERMANENT_DSN,
    arf_report,
    corpus_report,
    new_id,
    processed,
    reply,
    return_path,
    smtp_deliver,
)
from tests.live_clients import STATUS_CHANGED, bearer, feeds_open, ws_client


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"}


async def delivered(api: Api, **fields: object) -> Email:
    draft = await api.create_draft(**fields)
    return await drive_to(draft["id"], EmailStatus.DELIVERED)


async def test_endpoint_is_absent_without_a_token(client: httpx2.AsyncClient) -> None:
    get_settings.cache_clear()
    response = await client.post("/inbound", content=reply(new_id()), headers=auth())
    assert response.status_code == 404
    assert not await InboundMessage.exists()


@pytest.mark.parametrize("header", ["Bearer wrong-token", "Basic " + TOKEN, "", TOKEN])
async def test_wrong_token_is_refused(
    client: httpx2.AsyncClient, inbound_token: str, header: str
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.post("/inbound", content=reply(new_id()), headers=headers)
    assert response.status_code == 401
    assert not await InboundMessage.exists()


async def test_reply_over_http(client: httpx2.AsyncClient, api: Api, inbound_token: str) -> None:
    email = await delivered(api)
    message = reply(email.message_id)
    response = await client.post("/inbound", content=message, headers=auth())
    assert response.status_code == 202
    body = response.json()
    assert (body["outcome"], body["duplicate"]) == ("RECEIVED", False)
    assert (await processed(body["id"])).outcome is InboundOutcome.REPLY
    row = await Email.get(id=email.id)
    assert row.reply_count == 1 and row.replied_at is not None
    record = await InboundMessage.get(id=body["id"])
    assert (record.via.value, record.email_id) == ("HTTP", email.id)
    again = await client.post("/inbound", content=message, headers=auth())
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert (await Email.get(id=email.id)).reply_count == 1


async def test_same_message_by_smtp_then_http_counts_once(
    client: httpx2.AsyncClient, api: Api, inbound_token: str, inbound_smtp: int
) -> None:
    email = await delivered(api, to=[FAILED["dsn_10.txt"]])
    message = corpus_report(PERMANENT_DSN, email.message_id)
    await smtp_deliver(inbound_smtp, message, rcpt_to=return_path(email.id))
    response = await client.post("/inbound", content=message, headers=auth())
    assert response.json()["duplicate"] is True
    assert await InboundMessage.all().count() == 1
    assert (await Email.get(id=email.id)).status is EmailStatus.BOUNCED


async def test_bounce_and_complaint_over_http(
    client: httpx2.AsyncClient, api: Api, inbound_token: str
) -> None:
    bounced = await delivered(api, to=[FAILED["dsn_10.txt"]])
    complained = await delivered(api)
    dsn = corpus_report(PERMANENT_DSN, bounced.message_id)
    # The envelope of a webhook delivery: the report's recipient is the email's return path.
    envelope = {"X-CC-Envelope-From": "<>", "X-CC-Envelope-To": return_path(bounced.id)}
    response = await client.post("/inbound", content=dsn, headers=auth() | envelope)
    assert (await processed(response.json()["id"])).outcome is InboundOutcome.BOUNCE_PERMANENT
    arf = arf_report(complained.message_id, token=verp.report_token(complained.id))
    response = await client.post("/inbound", content=arf, headers=auth())
    assert (await processed(response.json()["id"])).outcome is InboundOutcome.SPAM_COMPLAINT
    assert (await Email.get(id=bounced.id)).status is EmailStatus.BOUNCED
    assert (await Email.get(id=complained.id)).status is EmailStatus.SPAM


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        (b"", 422, "empty"),
        (b"just some text\n", 422, "does not start with a header field"),
        (b"Subject: hi\n\nno sender, no date\n", 422, "neither From nor Date"),
    ],
)
async def test_malformed_is_refused_with_a_reason(
    client: httpx2.AsyncClient,
    api: Api,
    inbound_token: str,
    raw: bytes,
    status: int,
    reason: str,
) -> None:
    email = await delivered(api)
    response = await client.post("/inbound", content=raw, headers=auth())
    assert response.status_code == status
    assert reason in response.json()["error"]
    assert not await InboundMessage.exists()
    assert (await Email.get(id=email.id)).reply_count == 0


async def test_oversized_is_refused_by_both_ways_in(
    client: httpx2.AsyncClient,
    api: Api,
    inbound_token: str,
    monkeypatch: pytest.MonkeyPatch,
    db: object,
) -> None:
    import aiosmtplib

    from workers.inbound_smtp import InboundSmtpServer

    monkeypatch.setenv("CC_INBOUND_MAX_BYTES", "2000")
    get_settings.cache_clear()
    email = await delivered(api)
    big = reply(email.message_id).replace(b"Thanks", b"Thanks " + b"x" * 3000)
    response = await client.post("/inbound", content=big, headers=auth())
    assert response.status_code == 413
    async with InboundSmtpServer("127.0.0.1", 0) as server:
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await smtp_deliver(server.port, big)
    assert refused.value.code == 552
    assert not await InboundMessage.exists()
    assert (await Email.get(id=email.id)).reply_count == 0


async def test_subscription_sees_the_bounce(live: World, inbound_smtp: int) -> None:
    """A DSN delivered to the listener reaches an `emailStatusChanged` subscriber."""
    draft = await live.alice.create_draft(to=[FAILED["dsn_10.txt"]])
    email = await drive_to(draft["id"], EmailStatus.DELIVERED)
    async with ws_client(live.alice.client.base_url.__str__(), bearer(live.alice.token)) as ws:
        op = await ws.subscribe(STATUS_CHANGED)
        await feeds_open(1)
        dsn = corpus_report(PERMANENT_DSN, email.message_id)
        await smtp_deliver(inbound_smtp, dsn, rcpt_to=return_path(email.id))
        change = (await ws.next(op))["emailStatusChanged"]
    assert change["emailId"] == draft["id"]
    assert (change["kind"], change["previousStatus"], change["newStatus"]) == (
        "BOUNCED",
        "DELIVERED",
        "BOUNCED",
    )
    assert change["folder"] == "UNDELIVERED"
    assert await InboundMessage.filter(outcome=InboundOutcome.BOUNCE_PERMANENT).count() == 1
