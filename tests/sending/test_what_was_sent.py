"""Issue 14, "what was sent": once an email is rendered for sending, its stored subject and bodies
are what the recipient got (merge fields resolved, no tracking), the source is kept, and
everything that shows the subject (SENT folder, text search, follow-up titles) shows that."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.base import clock
from models.emails.tables import Email, EmailStatus
from tests.api import Api, World
from tests.live_clients import bearer, feeds_open, ws_client
from tests.sending.conftest import configure
from tests.sending.helpers import pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink

SOURCE = {
    "subject": "{{first_name}}, an idea for {{company}}",
    "bodyHtml": '<p>Hi {{first_name}}, see <a href="https://example.com/x">this</a></p>',
    "bodyText": "Hi {{first_name}}, how is {{company}}?",
}


async def send_now(api: Api, email_id: str) -> None:
    payload = await api.mutate("sendEmailNow", {"id": email_id}, "email { id }")
    assert payload["userErrors"] == [], payload


async def test_a_sent_email_stores_what_the_recipient_got_and_keeps_its_source(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    person = await api.create_person("dana@prospect.example", firstName="Dana", company="Acme")
    draft = await api.create_draft(personId=person["id"], **SOURCE)
    await send_now(api, draft["id"])
    await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED)

    data = await api(
        """query($id: ID!) { email(id: $id) { subject bodyHtml bodyText
             source { subject bodyHtml bodyText } } }""",
        id=draft["id"],
    )
    email = data["email"]
    assert email["subject"] == "Dana, an idea for Acme"
    assert email["bodyText"] == "Hi Dana, how is Acme?"
    # The rep's body, filled in: no tracking pixel, links as written.
    assert email["bodyHtml"] == '<p>Hi Dana, see <a href="https://example.com/x">this</a></p>'
    assert email["source"] == SOURCE
    [received] = sink.received
    assert received.message["Subject"] == "Dana, an idea for Acme"
    assert "/t/o/" in received.message.get_body(("html",)).get_content()  # tracked on the wire

    sent = await api(
        """{ emails(folder: SENT, first: 5) { nodes { subject } }
             found: emails(filter: {text: "idea for Acme"}, first: 5) { nodes { id } }
             tags: emails(filter: {text: "{{company}}"}, first: 5) { nodes { id } } }"""
    )
    assert [n["subject"] for n in sent["emails"]["nodes"]] == ["Dana, an idea for Acme"]
    assert [n["id"] for n in sent["found"]["nodes"]] == [draft["id"]]
    assert sent["tags"]["nodes"] == []

    task = await api.mutate(
        "createFollowUpTask",
        {
            "emailId": draft["id"],
            "type": "EMAIL",
            "dueAt": (clock.now() + timedelta(days=1)).isoformat(),
        },
        "task { title }",
    )
    assert task["task"]["title"] == "Follow up: Dana, an idea for Acme"


async def test_a_retry_renders_the_source_again_not_the_rendered_text(
    worker: Any, api: Api, sink: SmtpSink, smtp_settings: Any
) -> None:
    """A value that looks like a merge tag stays a value: the retry renders from the source."""
    person = await api.create_person(
        "odd@prospect.example", firstName="{{company}}", company="Acme"
    )
    draft = await api.create_draft(
        personId=person["id"], subject="Hello {{first_name}}", bodyText="Hi {{first_name}}"
    )
    # Temporary failures until CC_SEND_MAX_AGE (a fraction of a second here) make it FAILED.
    configure(
        smtp_settings,
        CC_SEND_RETRY_BACKOFF="0.05",
        CC_SEND_RETRY_MAX_BACKOFF="0.05",
        CC_SEND_MAX_AGE="0.1",
    )
    sink.answer("odd@prospect.example", "451 4.7.1 Try later")
    await send_now(api, draft["id"])
    failed = await wait_for_status(pk(draft["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)
    assert failed.status is EmailStatus.FAILED
    sink.answer("odd@prospect.example", "451 4.7.1 Try later", times=0)  # it works again
    assert (failed.subject, failed.source_subject) == ("Hello {{company}}", "Hello {{first_name}}")

    retried = await api.mutate("retryEmail", {"id": draft["id"]}, "email { subject }")
    assert retried["userErrors"] == []
    assert retried["email"]["subject"] == "Hello {{first_name}}"  # pending: the text as written
    delivered = await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED)

    assert delivered.subject == "Hello {{company}}"  # not "Hello Acme"
    assert delivered.source_subject == "Hello {{first_name}}"
    [received] = sink.received
    assert received.message["Subject"] == "Hello {{company}}"
    assert await Email.filter(id=delivered.id, body_text="Hi {{company}}").exists()


async def test_subscribers_see_the_rendered_subject(worker: Any, live: World) -> None:
    """emailStatusChanged carries the email as it is now: rendered once it was sent."""
    api = live.alice
    person = await api.create_person("dana@prospect.example", firstName="Dana", company="Acme")
    draft = await api.create_draft(personId=person["id"], **SOURCE)
    document = """subscription { emailStatusChanged(filter: {folder: SENT}) {
      newStatus email { subject } } }"""
    async with ws_client(str(api.client.base_url), bearer(api.token)) as ws:
        op = await ws.subscribe(document)
        await feeds_open(1)
        await send_now(api, draft["id"])
        change = (await ws.next(op))["emailStatusChanged"]
    assert change == {"newStatus": "DELIVERED", "email": {"subject": "Dana, an idea for Acme"}}
