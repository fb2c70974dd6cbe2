"""The embedded pipeline (Dramatiq worker threads + dispatcher in-process) against a real SMTP
server on loopback: what the server receives, and how its replies map to statuses."""

from __future__ import annotations

from typing import Any

from models.emails.tables import EmailEvent, EmailEventKind, EmailStatus
from models.inbound import verp
from models.people.tables import Person
from tests.api import Api, drive_to
from tests.sending.helpers import pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink


async def send_now(api: Api, email_id: str) -> dict[str, Any]:
    payload = await api.mutate("sendEmailNow", {"id": email_id}, "email { id status }")
    assert payload["userErrors"] == [], payload
    return dict(payload["email"])


async def test_a_sent_email_arrives_with_headers_mime_parts_and_rendered_fields(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    person = await api.create_person("dana@prospect.example", firstName="Dana")
    draft = await api.create_draft(
        personId=person["id"],
        to=["dana@prospect.example"],
        cc=["boss@prospect.example"],
        bcc=["crm@a.example"],
        subject="Hi {{first_name}}",
        bodyHtml="<p>Hello {{first_name}}, from {{my_name}}</p>",
        bodyText="Hello {{first_name}}, from {{my_name}}",
    )
    await send_now(api, draft["id"])

    email = await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED)
    [received] = sink.received
    message = received.message
    assert message["Message-ID"] == email.message_id
    assert message["Subject"] == "Hi Dana"
    assert message["From"].addresses[0].addr_spec == "alice@a.example"
    assert message["To"] == "dana@prospect.example"
    assert message["Cc"] == "boss@prospect.example"
    assert message["Bcc"] is None  # only in the envelope
    assert sorted(received.rcpt_tos) == [
        "boss@prospect.example",
        "crm@a.example",
        "dana@prospect.example",
    ]
    assert received.mail_from == verp.return_path(email.id)  # VERP: bounces come back signed
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().strip() == "Hello Dana, from Alice"
    assert "<p>Hello Dana, from Alice</p>" in html.get_content()
    assert email.delivered_at is not None
    assert email.lease_expires_at is None
    kinds = await EmailEvent.filter(email_id=email.id).order_by("id").values_list("kind", flat=True)
    assert kinds[-2:] == [EmailEventKind.SENDING, EmailEventKind.DELIVERED]


async def test_a_5xx_on_the_recipient_bounces_and_keeps_the_reply(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sink.answer("gone@prospect.example", "550 5.1.1 No such user here")
    draft = await api.create_draft(to=["gone@prospect.example"])
    await send_now(api, draft["id"])

    email = await wait_for_status(pk(draft["id"]), EmailStatus.BOUNCED, EmailStatus.FAILED)
    assert email.status is EmailStatus.BOUNCED
    assert email.failure_code == "SMTP_REJECTED"
    assert email.failure_detail is not None
    assert "550 5.1.1 No such user here" in email.failure_detail
    assert sink.received == []
    shown = await api.email(draft["id"])
    assert shown is not None
    assert shown["folder"] == "UNDELIVERED"


# 4xx replies (a recipient's, or the relay's to everything): tests/sending/test_outages.py.


async def test_an_unsubscribed_recipient_is_never_sent_to(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    person = await api.create_person("left@prospect.example", firstName="Lee")
    await Person.filter(email="left@prospect.example").update(unsubscribed=True)
    draft = await api.create_draft(personId=person["id"], to=[], bodyText="Hi")
    await send_now(api, draft["id"])

    email = await wait_for_status(pk(draft["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)
    assert email.failure_code == "RECIPIENT_UNSUBSCRIBED"
    assert email.failure_detail is not None
    assert "left@prospect.example" in email.failure_detail
    assert sink.received == []


async def test_merge_problems_block_the_send_and_name_the_field(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    person = await api.create_person("nocompany@prospect.example", firstName="Ned")
    unresolved = await api.create_draft(personId=person["id"], bodyText="How is {{company}}?")
    prompt = await api.create_draft(
        personId=person["id"], bodyText="Hi {{first_name}}, {{! write something personal }}"
    )
    # sendEmailNow refuses both up front (tests/emails/test_sendable.py); the send-time check is
    # the safety net for emails queued by other paths (or whose person changed meanwhile).
    await drive_to(unresolved["id"], EmailStatus.SCHEDULED)
    await drive_to(prompt["id"], EmailStatus.SCHEDULED)

    first = await wait_for_status(pk(unresolved["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)
    second = await wait_for_status(pk(prompt["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)
    assert first.failure_code == "UNRESOLVED_MERGE_FIELD"
    assert first.failure_detail is not None
    assert "company" in first.failure_detail
    assert second.failure_code == "PROMPT_NOT_REPLACED"
    assert second.failure_detail is not None
    assert "write something personal" in second.failure_detail
    assert sink.received == []
