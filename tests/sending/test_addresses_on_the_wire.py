"""Addresses through the real SMTP sink: IDN domains go out in IDNA form (envelope and header);
a non-ASCII local part never reaches the wire as an invalid encoded word."""

from __future__ import annotations

from typing import Any

from models.emails.tables import Email, EmailStatus
from tests.api import Api
from tests.sending.helpers import pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink


async def test_an_idn_recipient_is_sent_in_idna_form(worker: Any, api: Api, sink: SmtpSink) -> None:
    draft = await api.create_draft(to=["Jo <jo@exämple.test>"], cc=["ann@bücher.example"])
    assert draft["to"] == ["jo@xn--exmple-cua.test"]
    payload = await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")
    assert payload["userErrors"] == []

    await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED)
    [received] = sink.received
    assert sorted(received.rcpt_tos) == ["ann@xn--bcher-kva.example", "jo@xn--exmple-cua.test"]
    assert received.message["To"] == "jo@xn--exmple-cua.test"
    assert received.message["Cc"] == "ann@xn--bcher-kva.example"


async def test_a_non_ascii_local_part_is_refused_and_never_reaches_the_wire(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    refused = await api.mutate(
        "createDraft", {"to": ["jöhn@x.test"], "subject": "Hi"}, "email { id }"
    )
    assert refused["email"] is None
    assert refused["userErrors"][0]["code"] == "INVALID_EMAIL_ADDRESS"

    # A row stored before addresses were checked fails clearly instead of going out broken.
    draft = await api.create_draft(to=["john@x.test"])
    await Email.filter(id=pk(draft["id"])).update(to_addresses=["jöhn@x.test"])
    payload = await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")
    assert payload["userErrors"] == []
    email = await wait_for_status(pk(draft["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)
    assert email.status is EmailStatus.FAILED
    assert email.failure_code == "RECIPIENT_NOT_ASCII"
    assert email.failure_detail is not None and "jöhn@x.test" in email.failure_detail
    assert sink.received == []
