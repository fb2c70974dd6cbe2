"""Reports prove where they come from. A DSN is applied only at the email's own signed return
path AND naming the email's recipient; an ARF complaint only when the original it quotes carries
the email's signed X-CC-Token. Anything else (a forged report naming only a Message-ID, a
tampered signature, another email's return path) is UNVERIFIED, changes nothing and says why. A
null-sender message that is no report is never a reply."""

from __future__ import annotations

from typing import Any

import pytest

from models.emails.tables import Email, EmailEvent, EmailStatus
from models.inbound import verp
from models.inbound.tables import InboundMessage, InboundOutcome
from models.people.tables import Person
from tests.api import Api, World, drive_to
from tests.inbound.messages import (
    FAILED,
    PERMANENT_DSN,
    arf_report,
    corpus_report,
    reply,
    return_path,
    smtp_deliver,
)
from tests.inbound.test_inbound_smtp import stats

VICTIM = FAILED["dsn_10.txt"]  # the recipient the corpus DSN reports as failed


async def delivered(api: Api, **fields: Any) -> Email:
    draft = await api.create_draft(**fields)
    return await drive_to(draft["id"], EmailStatus.DELIVERED)


async def unchanged(email: Email) -> None:
    row = await Email.get(id=email.id)
    assert (row.status, row.failure_code, row.reply_count) == (EmailStatus.DELIVERED, None, 0)
    assert (
        not await EmailEvent.filter(email_id=email.id)
        .exclude(kind="CREATED")
        .filter(
            kind__in=["BOUNCED", "SPAM_REPORTED", "REPLIED", "DELIVERY_DELAYED", "BOUNCE_REPORTED"]
        )
        .exists()
    )


async def only_record() -> InboundMessage:
    [record] = await InboundMessage.all()
    return record


def tampered(address: str) -> str:
    local, domain = address.split("@")
    flipped = local[:-1] + ("0" if local[-1] != "0" else "1")
    return f"{flipped}@{domain}"


async def test_a_dsn_naming_only_the_message_id_is_unverified(
    world: World, inbound_smtp: int
) -> None:
    victim = await delivered(world.alice, to=[VICTIM])
    forged = corpus_report(PERMANENT_DSN, victim.message_id)
    answer = await smtp_deliver(inbound_smtp, forged, rcpt_to="postmaster@cc.example")
    assert answer.endswith("UNVERIFIED")
    await unchanged(victim)
    record = await only_record()
    assert "not sent to an email's return path" in record.detail
    assert record.team_id is None and record.raw_bytes is not None
    assert await stats(world.admin_a) == {"total": 0}


async def test_a_tampered_return_path_is_unverified(world: World, inbound_smtp: int) -> None:
    victim = await delivered(world.alice, to=[VICTIM])
    forged = corpus_report(PERMANENT_DSN, victim.message_id)
    wrong = tampered(return_path(victim.id))
    assert verp.email_of_return_path(wrong) is None
    assert (await smtp_deliver(inbound_smtp, forged, rcpt_to=wrong)).endswith("UNVERIFIED")
    await unchanged(victim)
    assert "not a return path we signed" in (await only_record()).detail


async def test_another_emails_return_path_cannot_bounce_the_victim(
    world: World, inbound_smtp: int
) -> None:
    """An attacker of another team bounces a DSN about the victim's email (its Message-ID, its
    recipient) to the return path of an email of their own: neither email changes."""
    victim = await delivered(world.alice, to=[VICTIM])
    own = await delivered(world.carol, to=["someone@elsewhere.example"])
    forged = corpus_report(PERMANENT_DSN, victim.message_id)
    answer = await smtp_deliver(inbound_smtp, forged, rcpt_to=return_path(own.id))
    assert answer.endswith("UNVERIFIED")
    await unchanged(victim)
    await unchanged(own)
    record = await only_record()
    assert f"names {VICTIM}, not a recipient" in record.detail
    # Signed for the attacker's email: it is that team's (and only that team's) to see.
    assert (record.team_id, record.email_id) == (own.team_id, own.id)
    assert await stats(world.admin_b) == {"UNVERIFIED": 1, "total": 1}
    assert await stats(world.admin_a) == {"total": 0}


async def test_a_verified_dsn_for_another_recipient_changes_nothing(
    api: Api, inbound_smtp: int
) -> None:
    email = await delivered(api, to=["pat@prospect.example"])
    report = corpus_report(PERMANENT_DSN, email.message_id)
    answer = await smtp_deliver(inbound_smtp, report, rcpt_to=return_path(email.id))
    assert answer.endswith("UNVERIFIED")
    await unchanged(email)


@pytest.mark.parametrize("token", [None, "forged", "other"])
async def test_a_complaint_without_our_token_is_unverified(
    world: World, inbound_smtp: int, token: str | None
) -> None:
    person = await world.alice.create_person("pat@example.com")
    victim = await delivered(world.alice, personId=person["id"])
    other = await delivered(world.carol)
    quoted = {
        None: None,
        "forged": f"{victim.id}-{'0' * 32}",
        "other": f"{victim.id}-{verp.report_token(other.id).split('-')[1]}",
    }[token]
    report = arf_report(victim.message_id, token=quoted)
    assert (await smtp_deliver(inbound_smtp, report)).endswith("UNVERIFIED")
    await unchanged(victim)
    assert not (await Person.get(email="pat@example.com")).unsubscribed
    assert "X-CC-Token" in (await only_record()).detail


async def test_a_complaint_quoting_only_headers_with_our_token_is_applied(
    api: Api, inbound_smtp: int
) -> None:
    """text/rfc822-headers instead of the whole message (RFC 5965 allows either)."""
    email = await delivered(api)
    report = arf_report(email.message_id, token=verp.report_token(email.id)).replace(
        b"Content-Type: message/rfc822", b"Content-Type: text/rfc822-headers"
    )
    assert (await smtp_deliver(inbound_smtp, report)).endswith("SPAM_COMPLAINT")
    assert (await Email.get(id=email.id)).status is EmailStatus.SPAM


async def test_a_null_sender_message_is_never_a_reply(api: Api, inbound_smtp: int) -> None:
    email = await delivered(api)
    automatic = reply(email.message_id, subject="Re: Hello")
    answer = await smtp_deliver(inbound_smtp, automatic, mail_from="")
    assert answer.endswith("UNVERIFIED")
    await unchanged(email)
    record = await only_record()
    assert "Null sender" in record.detail and "never a reply" in record.detail


async def test_over_http_a_null_return_path_is_never_a_reply(
    api: Api, client: Any, inbound_token: str
) -> None:
    from tests.inbound.conftest import TOKEN
    from tests.inbound.messages import processed

    email = await delivered(api)
    headers = {"Authorization": f"Bearer {TOKEN}", "X-CC-Envelope-From": "<>"}
    response = await client.post("/inbound", content=reply(email.message_id), headers=headers)
    assert (await processed(response.json()["id"])).outcome is InboundOutcome.UNVERIFIED
    await unchanged(email)


LOG = """query($outcome: InboundOutcome) {
  inboundMessages(first: 10, outcome: $outcome) {
    totalCount nodes { outcome detail emailId via fromAddress }
  }
}"""


async def test_the_team_sees_why_a_signed_report_was_not_applied(
    world: World, inbound_smtp: int
) -> None:
    own = await delivered(world.carol, to=["someone@elsewhere.example"])
    forged = corpus_report(PERMANENT_DSN, own.message_id)
    await smtp_deliver(inbound_smtp, forged, rcpt_to=return_path(own.id))
    log = (await world.admin_b(LOG, outcome="UNVERIFIED"))["inboundMessages"]
    [node] = log["nodes"]
    assert log["totalCount"] == 1 and node["outcome"] == "UNVERIFIED"
    assert f"names {VICTIM}, not a recipient" in node["detail"]
    assert node["via"] == "SMTP" and node["emailId"]
    assert (await world.carol(LOG))["inboundMessages"]["totalCount"] == 1  # the email's owner
    for other in (world.admin_a, world.alice, world.bob):
        assert (await other(LOG))["inboundMessages"] == {"totalCount": 0, "nodes": []}
