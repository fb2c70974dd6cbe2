"""Replies, automatic replies, DSNs and ARF reports delivered to the real inbound SMTP listener:
counters, statuses, events, suppression and the inbound record change; duplicates, unmatched and
malformed messages do not."""

from __future__ import annotations

from typing import Any

import aiosmtplib
import pytest

from graph.relay import decode_id
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.engagement import recorders as engagement
from models.inbound import verp
from models.inbound.tables import InboundMessage, InboundOutcome
from models.people.tables import Person
from tests.api import Api, World, drive_to
from tests.inbound.messages import (
    DELAYED_DSN,
    EXIM_BOUNCE,
    FAILED,
    PERMANENT_DSN,
    YAHOO_DSN,
    arf_report,
    auto_reply,
    corpus_report,
    new_id,
    reply,
    return_path,
    smtp_deliver,
)
from tests.sending.helpers import due_email, wait_for_status

ENGAGEMENT = """query($id: ID!) { email(id: $id) {
  status replyCount repliedAt failureCode failureDetail person { id unsubscribed }
  events(kinds: [REPLIED, AUTO_REPLIED, BOUNCED, DELIVERY_DELAYED, SPAM_REPORTED]) {
    edges { node { kind } } }
} }"""
STATS = "{ inboundStats { total replies bounces spamComplaints outcomes { outcome count } } }"


async def delivered(api: Api, **fields: Any) -> tuple[str, Email]:
    draft = await api.create_draft(**fields)
    return draft["id"], await drive_to(draft["id"], EmailStatus.DELIVERED)


async def state(api: Api, global_id: str) -> dict[str, Any]:
    data = (await api(ENGAGEMENT, id=global_id))["email"]
    data["kinds"] = [e["node"]["kind"] for e in data.pop("events")["edges"]]
    return data


async def stats(api: Api) -> dict[str, int]:
    data = (await api(STATS))["inboundStats"]
    return {o["outcome"]: o["count"] for o in data["outcomes"] if o["count"]} | {
        "total": data["total"]
    }


async def test_reply_counts_once_even_when_delivered_twice(api: Api, inbound_smtp: int) -> None:
    gid, email = await delivered(api)
    message = reply(email.message_id)
    answer = await smtp_deliver(inbound_smtp, message, mail_from="prospect@example.com")
    assert "REPLY" in answer
    after = await state(api, gid)
    assert after["replyCount"] == 1 and after["repliedAt"] is not None
    assert after["kinds"] == ["REPLIED"]
    assert after["status"] == "DELIVERED"

    again = await smtp_deliver(inbound_smtp, message, mail_from="prospect@example.com")
    assert "duplicate" in again
    assert await state(api, gid) == after  # nothing counted twice
    assert await stats(api) == {"REPLY": 1, "total": 1}
    record = await InboundMessage.get(email_id=email.id)
    assert (record.via.value, record.outcome, record.team_id) == ("SMTP", "REPLY", email.team_id)
    assert record.raw_bytes is None  # matched messages are not kept whole


async def test_reply_matched_through_references(api: Api, inbound_smtp: int) -> None:
    gid, email = await delivered(api)
    message = reply(new_id(), references=f"{new_id()} {email.message_id}")
    await smtp_deliver(inbound_smtp, message)
    assert (await state(api, gid))["replyCount"] == 1


async def test_automatic_reply_is_recorded_not_counted(api: Api, inbound_smtp: int) -> None:
    gid, email = await delivered(api)
    assert "AUTO_REPLY" in await smtp_deliver(inbound_smtp, auto_reply(email.message_id))
    after = await state(api, gid)
    assert (after["replyCount"], after["repliedAt"], after["kinds"]) == (0, None, ["AUTO_REPLIED"])
    assert await stats(api) == {"AUTO_REPLY": 1, "total": 1}


@pytest.mark.parametrize(
    "extra",
    [{"Precedence": "auto_reply"}, {"X-Autorespond": "1"}, {"Auto-Submitted": "auto-generated"}],
)
async def test_automatic_reply_headers(api: Api, inbound_smtp: int, extra: dict[str, str]) -> None:
    gid, email = await delivered(api)
    await smtp_deliver(inbound_smtp, reply(email.message_id, extra=extra))
    assert (await state(api, gid))["kinds"] == ["AUTO_REPLIED"]


async def test_out_of_office_subject_alone_is_automatic(api: Api, inbound_smtp: int) -> None:
    gid, email = await delivered(api)
    await smtp_deliver(inbound_smtp, reply(email.message_id, subject="Automatic reply: Hello"))
    assert (await state(api, gid))["replyCount"] == 0


async def test_auto_submitted_no_is_a_person(api: Api, inbound_smtp: int) -> None:
    gid, email = await delivered(api)
    await smtp_deliver(inbound_smtp, reply(email.message_id, extra={"Auto-Submitted": "no"}))
    assert (await state(api, gid))["replyCount"] == 1


async def test_email_sent_through_smtp_then_bounced_by_a_real_dsn(
    api: Api, worker: Any, sink: Any, inbound_smtp: int
) -> None:
    """The whole loop: sent through the real SMTP path from its return path, a DSN comes back
    to that return path."""
    email = await due_email(api.user, to=[FAILED["dsn_10.txt"]])
    await wait_for_status(email.id, EmailStatus.DELIVERED)
    [sent] = sink.received
    assert sent.message_id == email.message_id
    assert sent.mail_from == return_path(email.id)
    assert sent.message["X-CC-Token"] == verp.report_token(email.id)
    dsn = corpus_report(PERMANENT_DSN, sent.message_id)
    await smtp_deliver(inbound_smtp, dsn, rcpt_to=sent.mail_from)
    row = await Email.get(id=email.id)
    assert row.status is EmailStatus.BOUNCED
    assert row.failure_code == "BOUNCE_REPORTED"
    assert row.failure_detail is not None and "failed 5.0.0" in row.failure_detail
    event = await EmailEvent.get(email_id=email.id, kind=EmailEventKind.BOUNCED)
    assert event.data["recipients"] == ["anne.person@dom.ain"]


@pytest.mark.parametrize("sample", [PERMANENT_DSN, EXIM_BOUNCE, YAHOO_DSN])
async def test_permanent_bounce_moves_delivered_to_bounced(
    api: Api, inbound_smtp: int, sample: tuple[str, str]
) -> None:
    gid, email = await delivered(api, to=[FAILED[sample[0]]])
    report = corpus_report(sample, email.message_id)
    answer = await smtp_deliver(inbound_smtp, report, rcpt_to=return_path(email.id))
    assert "BOUNCE_PERMANENT" in answer
    after = await state(api, gid)
    assert after["status"] == "BOUNCED" and after["failureCode"] == "BOUNCE_REPORTED"
    assert after["failureDetail"]
    assert after["kinds"] == ["BOUNCED"]
    assert await stats(api) == {"BOUNCE_PERMANENT": 1, "total": 1}


async def test_delayed_dsn_is_recorded_only(api: Api, inbound_smtp: int) -> None:
    gid, email = await delivered(api, to=[FAILED["dsn_05.txt"]])
    report = corpus_report(DELAYED_DSN, email.message_id)
    answer = await smtp_deliver(inbound_smtp, report, rcpt_to=return_path(email.id))
    assert "BOUNCE_TEMPORARY" in answer
    after = await state(api, gid)
    assert (after["status"], after["failureCode"]) == ("DELIVERED", None)
    assert after["kinds"] == ["DELIVERY_DELAYED"]


async def test_arf_complaint_marks_spam_and_suppresses_the_person(
    api: Api, inbound_smtp: int
) -> None:
    person = await api.create_person("pat@example.com")
    gid, email = await delivered(api, personId=person["id"])
    report = arf_report(email.message_id, token=verp.report_token(email.id))
    answer = await smtp_deliver(inbound_smtp, report)
    assert "SPAM_COMPLAINT" in answer
    after = await state(api, gid)
    assert after["status"] == "SPAM" and after["failureCode"] == "SPAM_COMPLAINT"
    assert after["kinds"] == ["SPAM_REPORTED"]
    assert after["person"] == {"id": person["id"], "unsubscribed": True}
    stored = await Person.get(id=decode_id(person["id"], "Person"))
    assert stored.unsubscribe_reason == "Spam complaint"
    assert await stats(api) == {"SPAM_COMPLAINT": 1, "total": 1}


async def test_unmatched_is_kept_and_counted_but_changes_nothing(
    world: World, inbound_smtp: int
) -> None:
    gid, _email = await delivered(world.alice)
    before = await state(world.alice, gid)
    raws = [reply(new_id()), corpus_report(DELAYED_DSN, new_id()), arf_report(new_id())]
    answers = [await smtp_deliver(inbound_smtp, raw) for raw in raws]
    assert [a.split()[-1] for a in answers] == ["UNMATCHED", "UNVERIFIED", "UNVERIFIED"]
    assert await state(world.alice, gid) == before
    kept = await InboundMessage.all().order_by("id")
    assert len(kept) == 3
    # Kept for inspection as received (SMTP carries lines with CRLF).
    crlf = [raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for raw in raws]
    assert [k.raw_bytes for k in kept] == crlf
    assert all(k.team_id is None and k.email_id is None for k in kept)
    for api in (world.admin_a, world.admin_b, world.alice):
        assert await stats(api) == {"total": 0}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"this is not a message at all\r\n", "does not start with a header field"),
        (b"X-Only: header\r\n\r\nbody\r\n", "neither From nor Date"),
    ],
)
async def test_malformed_is_refused_with_a_reason(
    api: Api, inbound_smtp: int, raw: bytes, reason: str
) -> None:
    gid, _ = await delivered(api)
    before = await state(api, gid)
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await smtp_deliver(inbound_smtp, raw)
    assert refused.value.code == 554
    assert reason in refused.value.message
    assert not await InboundMessage.exists()
    assert await state(api, gid) == before


async def test_processing_error_is_stored_not_raised(
    api: Api, inbound_smtp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    gid, email = await delivered(api)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(engagement, "record_reply", broken)
    raw = reply(email.message_id)
    assert "ERROR" in await smtp_deliver(inbound_smtp, raw)  # accepted: never bounced back
    record = await InboundMessage.get()
    assert record.outcome is InboundOutcome.ERROR
    assert "database went away" in record.detail and record.raw_bytes == raw
    assert (await state(api, gid))["replyCount"] == 0


async def test_teams_only_match_their_own_message_ids(world: World, inbound_smtp: int) -> None:
    a_gid, a_email = await delivered(world.alice)
    b_gid, b_email = await delivered(world.carol)
    await smtp_deliver(inbound_smtp, reply(b_email.message_id))
    assert (await state(world.carol, b_gid))["replyCount"] == 1
    assert (await state(world.alice, a_gid))["replyCount"] == 0
    assert await stats(world.admin_b) == {"REPLY": 1, "total": 1}
    assert await stats(world.carol) == {"REPLY": 1, "total": 1}
    assert await stats(world.admin_a) == {"total": 0}
    # Members count only their own emails' messages; admins the team's.
    await smtp_deliver(inbound_smtp, reply(a_email.message_id))
    assert await stats(world.bob) == {"total": 0}
    assert await stats(world.admin_a) == {"REPLY": 1, "total": 1}


async def test_concurrent_duplicates_count_once(api: Api, inbound_smtp: int) -> None:
    import asyncio

    gid, email = await delivered(api)
    message = reply(email.message_id)
    answers = await asyncio.gather(*(smtp_deliver(inbound_smtp, message) for _ in range(4)))
    assert sum("duplicate" not in a for a in answers) == 1
    assert (await state(api, gid))["replyCount"] == 1
    assert await InboundMessage.all().count() == 1


async def test_reply_to_an_unsent_email_is_matched_but_not_recorded(
    api: Api, inbound_smtp: int
) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], EmailStatus.DRAFT)
    await smtp_deliver(inbound_smtp, reply(email.message_id))
    assert (await state(api, draft["id"]))["replyCount"] == 0
    record = await InboundMessage.get()
    assert record.email_id == email.id and record.detail.startswith("Not recorded")
