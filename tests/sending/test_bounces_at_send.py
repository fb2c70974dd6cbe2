"""Issue 14: a 5xx at RCPT marks the address undeliverable; what is already queued to it fails at
send time with RECIPIENT_BOUNCED and never reaches the server."""

from __future__ import annotations

from typing import Any

from models.emails.tables import EmailStatus
from models.people import bounces
from tests.api import Api, drive_to
from tests.sending.helpers import pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink

DEAD = "gone@prospect.example"


async def test_a_5xx_at_rcpt_marks_the_address(worker: Any, api: Api, sink: SmtpSink) -> None:
    sink.answer(DEAD, "550 5.1.1 No such user")
    draft = await api.create_draft(to=[DEAD], subject="Hi", bodyText="Hi")
    payload = await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")
    assert payload["userErrors"] == []

    email = await wait_for_status(pk(draft["id"]), EmailStatus.BOUNCED, EmailStatus.DELIVERED)

    assert (email.status, email.failure_code) == (EmailStatus.BOUNCED, "SMTP_REJECTED")
    [state] = (await bounces.states(api.user.team_id, [DEAD])).values()
    assert state.undeliverable
    assert state.email_id == email.id
    assert state.reason is not None and "550 5.1.1 No such user" in state.reason


async def test_one_refused_recipient_of_several_is_marked_and_the_rest_delivered(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    sink.answer(DEAD, "550 5.1.1 No such user")
    draft = await api.create_draft(to=["ok@prospect.example"], cc=[DEAD], bodyText="Hi")
    await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")

    email = await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED, EmailStatus.BOUNCED)

    assert email.status is EmailStatus.DELIVERED
    assert await bounces.undeliverable(api.user.team_id, [DEAD, "ok@prospect.example"]) == {DEAD}


async def test_queued_email_to_a_marked_address_fails_at_send_time(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    # Queued before the address bounced (sendEmailNow would refuse it now).
    draft = await api.create_draft(to=[DEAD], subject="Hi", bodyText="Hi")
    await bounces.mark_undeliverable(api.user.team_id, DEAD, "550 5.1.1 No such user", None)
    await drive_to(draft["id"], EmailStatus.SCHEDULED)

    email = await wait_for_status(pk(draft["id"]), EmailStatus.FAILED, EmailStatus.DELIVERED)

    assert (email.status, email.failure_code) == (EmailStatus.FAILED, "RECIPIENT_BOUNCED")
    assert email.failure_detail is not None and DEAD in email.failure_detail
    assert sink.received == []
