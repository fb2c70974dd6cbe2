"""Never sent twice, never lost: duplicated and lost messages, a worker dying after its claim,
and many emails due in the same second. The pipeline is driven step by step here (claim, sweep,
deliver) or through the embedded Dramatiq worker; the SMTP server is real."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from models.base import clock
from models.emails import commands as emails
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.sending import rules as sending
from models.teams.tables import User
from tests.api import Api
from tests.sending.helpers import due_email, wait_for_status, wait_until
from tests.sending.smtp_sink import SmtpSink
from workers import delivery, dispatcher
from workers.actors import send_email


async def test_the_same_message_delivered_twice_sends_once(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    # Bypass the dispatcher: the broker hands the same message (and a copy) to the workers.
    for _ in range(3):
        send_email.send(email.id)

    sent = await wait_for_status(email.id, EmailStatus.DELIVERED)
    assert sink.count_by_message_id() == {sent.message_id: 1}
    claims = await EmailEvent.filter(email_id=email.id, kind=EmailEventKind.SENDING).count()
    assert claims == 1


async def test_concurrent_deliveries_of_one_email_send_once(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    results = await asyncio.gather(*(delivery.deliver(email.id) for _ in range(5)))

    assert sum(result is not None for result in results) == 1
    assert (await Email.get(id=email.id)).status is EmailStatus.DELIVERED
    assert sink.count_by_message_id() == {email.message_id: 1}


async def test_a_replayed_message_for_a_delivered_email_is_a_no_op(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    await delivery.deliver(email.id)
    events = await EmailEvent.filter(email_id=email.id).count()

    assert await delivery.deliver(email.id) is None
    assert await EmailEvent.filter(email_id=email.id).count() == events
    assert len(sink.received) == 1


async def test_a_worker_killed_after_its_claim_before_smtp_is_sent_once_later(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    claimed = await sending.claim(email.id)  # ...and the worker dies before talking to SMTP
    assert claimed is not None
    assert claimed.lease_expires_at is not None

    assert await dispatcher.sweep() == 0  # within the lease: left alone, not re-dispatched
    with clock.frozen(claimed.lease_expires_at + timedelta(seconds=1)):
        await dispatcher.sweep()  # never started: back to SCHEDULED, due now
        back = await Email.get(id=email.id)
        assert (back.status, back.failure_code) == (EmailStatus.SCHEDULED, None)
        # The dead worker's message, redelivered by the broker, sends it: once.
        assert await delivery.deliver(email.id) is not None
        assert await delivery.deliver(email.id) is None
    assert (await Email.get(id=email.id)).status is EmailStatus.DELIVERED
    assert sink.count_by_message_id() == {email.message_id: 1}


async def test_a_worker_killed_mid_smtp_ends_uncertain_not_resent(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    claimed = await sending.claim(email.id)
    assert claimed is not None
    assert claimed.lease_expires_at is not None
    await sending.mark_started([claimed])  # ...MAIL FROM went out, and the worker died

    with clock.frozen(claimed.lease_expires_at + timedelta(seconds=1)):
        await dispatcher.sweep()
        assert await delivery.deliver(email.id) is None

    failed = await Email.get(id=email.id)
    assert failed.status is EmailStatus.FAILED
    assert failed.failure_code == "DELIVERY_UNCERTAIN"
    assert failed.smtp_started_at is None and failed.lease_expires_at is None
    assert sink.received == []
    # The user decides: a retry sends it, once.
    await emails.retry_email(api.user, email.id, None)
    await dispatcher_round()
    assert (await Email.get(id=email.id)).status is EmailStatus.DELIVERED
    assert sink.count_by_message_id() == {email.message_id: 1}


async def test_a_late_result_from_a_worker_whose_lease_expired_changes_nothing(
    smtp_settings: Any, api: Api
) -> None:
    email = await due_email(api.user)
    claimed = await sending.claim(email.id)
    assert claimed is not None
    assert claimed.lease_expires_at is not None
    await sending.mark_started([claimed])
    with clock.frozen(claimed.lease_expires_at + timedelta(seconds=1)):
        await sending.expire_leases()
    assert await sending.finish_delivered(claimed, "250 OK, too late") is None
    assert (await Email.get(id=email.id)).failure_code == "DELIVERY_UNCERTAIN"


async def dispatcher_round() -> None:
    """One sweep, then run the messages it would have enqueued (no worker threads)."""
    for email_id in await sending.due_for_dispatch():
        await delivery.deliver(email_id)


async def test_a_message_the_broker_lost_is_dispatched_again(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    lost = await sending.due_for_dispatch()  # enqueued... and dropped by the broker
    assert lost == [email.id]
    assert await sending.due_for_dispatch() == []  # its message may still be in flight

    later = clock.now() + timedelta(seconds=61)  # CC_REDISPATCH_AFTER is 60 in these tests
    with clock.frozen(later):
        assert await sending.due_for_dispatch() == [email.id]
        await delivery.deliver(email.id)
    assert (await Email.get(id=email.id)).status is EmailStatus.DELIVERED
    assert sink.count_by_message_id() == {email.message_id: 1}


async def test_an_email_rescheduled_after_dispatch_waits_for_its_new_time(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    email = await due_email(api.user)
    assert await sending.due_for_dispatch() == [email.id]
    send_at = clock.now() + timedelta(minutes=5)
    await emails.schedule_email(api.user, email.id, send_at, None)

    assert await delivery.deliver(email.id) is None  # the early message does nothing
    assert sink.received == []
    with clock.frozen(send_at):
        await dispatcher_round()  # due now: dispatched at once, not after CC_REDISPATCH_AFTER
    assert (await Email.get(id=email.id)).status is EmailStatus.DELIVERED


async def test_500_emails_due_in_the_same_second_are_delivered_exactly_once(
    worker: Any, api: Api, sink: SmtpSink
) -> None:
    send_at = clock.now() + timedelta(seconds=30)
    ids = await _scheduled(api.user, 500, send_at)
    with clock.frozen(send_at):
        # Two dispatchers sweeping at once (two worker processes), plus a stray duplicate each.
        await asyncio.gather(dispatcher.sweep(), dispatcher.sweep())
        for email_id in ids[::50]:
            send_email.send(email_id)

        async def all_delivered() -> bool:
            done = await Email.filter(id__in=ids, status=EmailStatus.DELIVERED).count()
            return done == len(ids)

        await wait_until(all_delivered, within=120, what="500 deliveries")
    counts = sink.count_by_message_id()
    message_ids = set(await Email.filter(id__in=ids).values_list("message_id", flat=True))
    assert set(counts) == message_ids
    assert set(counts.values()) == {1}
    assert len(sink.received) == 500


async def _scheduled(user: User, count: int, send_at: Any) -> list[int]:
    ids = []
    for n in range(count):
        draft = await emails.create_draft(
            user,
            emails.DraftFields(to=[f"p{n}@prospect.example"], subject=f"#{n}", body_text="Hi"),
        )
        ids.append((await emails.schedule_email(user, draft.id, send_at, None)).id)
    return ids
