"""Issue 14's "Must show", end to end: a Group email with merge fields to three people through
the real SMTP test server and the embedded worker; one address hard-bounces at RCPT (then retries,
drafts, bulk sends and campaign launches leave it out); another person replies without threading
through the real inbound SMTP listener. Everything is read back through the API."""

from __future__ import annotations

import email.utils
from typing import Any

from tests.api import Api
from tests.campaigns import api_helpers as campaigns
from tests.inbound.messages import new_id, smtp_deliver
from tests.sending.helpers import wait_until
from tests.sending.smtp_sink import SmtpSink

PEOPLE = [
    ("dana@prospect.example", "Dana", "Acme"),
    ("gone@prospect.example", "Gus", "Globex"),
    ("pat@prospect.example", "Pat", "Initech"),
]
SUBJECT = "Follow up: {{first_name}}, an idea for {{company}}"
EMAILS = """{ emails(first: 10) { nodes { id status folder subject to failureCode
  replies { from text matchedBy } } } }"""


async def emails_by_address(api: Api) -> dict[str, dict[str, Any]]:
    nodes = (await api(EMAILS))["emails"]["nodes"]
    return {node["to"][0]: node for node in nodes}


async def test_what_was_sent_and_what_came_back(
    worker: Any, inbound_smtp: int, api: Api, sink: SmtpSink
) -> None:
    people = {
        address: await api.create_person(address, firstName=first, company=company)
        for address, first, company in PEOPLE
    }
    sink.answer("gone@prospect.example", "550 5.1.1 <gone@prospect.example>: no such user")

    group = await api.mutate(
        "sendBulkEmail",
        {
            "kind": "GROUP",
            "idempotencyKey": "issue-14",
            "personIds": [p["id"] for p in people.values()],
            "subject": SUBJECT,
            "bodyText": "Hi {{first_name}}, how is {{company}} doing?",
        },
        "results { status }",
    )
    assert [r["status"] for r in group["results"]] == ["QUEUED"] * 3

    async def all_sent() -> bool:
        found = await emails_by_address(api)
        return len(found) == 3 and all(e["status"] != "SCHEDULED" for e in found.values())

    await wait_until(all_sent, what="the group email to go out")  # IN_PROGRESS lasts moments

    async def settled() -> bool:
        found = await emails_by_address(api)
        return all(e["status"] in ("DELIVERED", "BOUNCED") for e in found.values())

    await wait_until(settled, what="every email to be delivered or bounced")
    sent = await emails_by_address(api)

    # SENT lists each rendered subject; the bounced one is UNDELIVERED, rendered too.
    folder = await api("{ emails(folder: SENT, first: 10) { nodes { subject } } }")
    assert sorted(n["subject"] for n in folder["emails"]["nodes"]) == [
        "Follow up: Dana, an idea for Acme",
        "Follow up: Pat, an idea for Initech",
    ]
    bounced = sent["gone@prospect.example"]
    assert (bounced["status"], bounced["folder"], bounced["failureCode"]) == (
        "BOUNCED",
        "UNDELIVERED",
        "SMTP_REJECTED",
    )
    assert bounced["subject"] == "Follow up: Gus, an idea for Globex"
    assert {r.message["Subject"] for r in sink.received} == {
        "Follow up: Dana, an idea for Acme",
        "Follow up: Pat, an idea for Initech",
    }

    # The address is marked on the person: reason, since, which email.
    gus = await api(
        """query($id: ID!) { node(id: $id) { ... on Person {
             deliverability { status reason since emailId } } } }""",
        id=people["gone@prospect.example"]["id"],
    )
    marked = gus["node"]["deliverability"]
    assert marked["status"] == "UNDELIVERABLE"
    assert "550 5.1.1" in marked["reason"] and marked["since"] is not None
    assert marked["emailId"] == bounced["id"]

    # Pat replies without threading: the reply text shows on Pat's email, and only there (read
    # before anything else goes to Pat: a later delivery would be the one the address matches).
    reply = (
        f"From: Pat <pat@prospect.example>\r\nTo: {api.user.email}\r\n"
        f"Subject: Initech\r\nDate: {email.utils.formatdate()}\r\nMessage-ID: {new_id()}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Doing well, send me the numbers.\r\n\r\nOn Monday Alice wrote:\r\n> Hi Pat\r\n"
    ).encode()
    assert "REPLY" in await smtp_deliver(inbound_smtp, reply, mail_from="pat@prospect.example")
    replies = """query($a: ID!, $b: ID!) { pat: email(id: $a) { replies { from text matchedBy } }
                                         dana: email(id: $b) { replies { text } } }"""
    shown = await api(
        replies, a=sent["pat@prospect.example"]["id"], b=sent["dana@prospect.example"]["id"]
    )
    assert shown["pat"]["replies"] == [
        {
            "from": "pat@prospect.example",
            "text": "Doing well, send me the numbers.",
            "matchedBy": "ADDRESS",
        }
    ]
    assert shown["dana"]["replies"] == []

    # retryEmail and a new draft to it are refused; a bulk send skips it.
    retry = await api.mutate("retryEmail", {"id": bounced["id"]}, "email { status }")
    assert [e["code"] for e in retry["userErrors"]] == ["RECIPIENT_BOUNCED"]
    draft = await api.mutate(
        "createDraft", {"personId": people["gone@prospect.example"]["id"]}, "email { id }"
    )
    assert [e["code"] for e in draft["userErrors"]] == ["RECIPIENT_BOUNCED"]
    again = await api.mutate(
        "sendBulkEmail",
        {
            "kind": "GROUP",
            "idempotencyKey": "issue-14-again",
            "personIds": [p["id"] for p in people.values()],
            "subject": "Checking in, {{first_name}}",
            "bodyText": "Hi",
        },
        "results { status person { email } }",
    )
    assert {r["person"]["email"]: r["status"] for r in again["results"]} == {
        "dana@prospect.example": "QUEUED",
        "gone@prospect.example": "SKIPPED_BOUNCED",
        "pat@prospect.example": "QUEUED",
    }
    # A campaign launch skips it too (the others join).
    campaign_id = await campaigns.launched(api, "Issue 14")
    launch = await campaigns.add_people(
        api,
        campaign_id,
        personIds=[people[a]["id"] for a in ("dana@prospect.example", "gone@prospect.example")],
    )
    assert {r["person"]["email"]: r["status"] for r in launch["results"]} == {
        "dana@prospect.example": "ADDED",
        "gone@prospect.example": "SKIPPED_BOUNCED",
    }
