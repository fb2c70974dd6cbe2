"""The daily sending limit and the per-sender throttle: deferred and reported, never dropped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.base import clock
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.sending import quota
from models.sending import rules as sending
from tests.api import Api
from tests.sending.conftest import configure
from tests.sending.helpers import due_email
from tests.sending.smtp_sink import SmtpSink
from workers import delivery

NOON = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


async def _deliver_due() -> None:
    for email_id in await sending.due_for_dispatch():
        await delivery.deliver(email_id)


async def test_over_the_daily_limit_an_email_is_deferred_to_the_next_day_and_says_why(
    smtp_settings: pytest.MonkeyPatch, api: Api, sink: SmtpSink
) -> None:
    configure(smtp_settings, CC_DAILY_SEND_LIMIT="2")
    with clock.frozen(NOON):
        queued = [await due_email(api.user, to=[f"p{n}@prospect.example"]) for n in range(3)]
        await _deliver_due()

        statuses = [(await Email.get(id=e.id)).status for e in queued]
        assert statuses == [EmailStatus.DELIVERED, EmailStatus.DELIVERED, EmailStatus.SCHEDULED]
        deferred = await Email.get(id=queued[2].id)
        assert deferred.scheduled_at == datetime(2026, 3, 11, tzinfo=UTC)  # alice is on UTC
        assert deferred.failure_code == "DAILY_LIMIT_REACHED"
        assert deferred.failure_detail is not None
        assert "limit of 2" in deferred.failure_detail
        event = await EmailEvent.filter(email_id=deferred.id).order_by("-id").first()
        assert event is not None
        assert event.kind is EmailEventKind.RESCHEDULED
        assert event.actor_id is None
        assert event.data["reason"] == "DAILY_LIMIT_REACHED"
        assert len(sink.received) == 2

    with clock.frozen(datetime(2026, 3, 11, 0, 0, 1, tzinfo=UTC)):
        await _deliver_due()
    sent = await Email.get(id=queued[2].id)
    assert sent.status is EmailStatus.DELIVERED
    assert sent.failure_code is None
    assert len(sink.received) == 3


async def test_send_now_is_refused_with_a_typed_error_once_the_day_is_used_up(
    smtp_settings: pytest.MonkeyPatch, api: Api
) -> None:
    configure(smtp_settings, CC_DAILY_SEND_LIMIT="1")
    with clock.frozen(NOON):
        await due_email(api.user)
        await _deliver_due()
        draft = await api.create_draft()
        payload = await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id status }")
        assert payload["email"] is None
        [error] = payload["userErrors"]
        assert error["code"] == "DAILY_LIMIT_REACHED"
        # Scheduling it for tomorrow is fine: it is counted on the day it goes.
        tomorrow = (NOON + timedelta(days=1)).isoformat()
        payload = await api.mutate(
            "scheduleEmail", {"id": draft["id"], "sendAt": tomorrow}, "email { status }"
        )
        assert payload["userErrors"] == []


async def test_the_day_is_the_senders_own_calendar_day(
    smtp_settings: pytest.MonkeyPatch, api: Api
) -> None:
    configure(smtp_settings, CC_DAILY_SEND_LIMIT="1")
    api.user.timezone = "America/New_York"
    await api.user.save(update_fields=["timezone"])
    late_evening_ny = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)  # still March 10 in New York
    with clock.frozen(late_evening_ny):
        first = await due_email(api.user)
        second = await due_email(api.user)
        await _deliver_due()
    deferred = await Email.get(id=second.id)
    assert (await Email.get(id=first.id)).status is EmailStatus.DELIVERED
    assert deferred.status is EmailStatus.SCHEDULED
    assert deferred.scheduled_at == datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # NY midnight (EDT)


async def test_the_throttle_holds_emails_back_until_the_next_slot(
    smtp_settings: pytest.MonkeyPatch, api: Api, sink: SmtpSink
) -> None:
    configure(smtp_settings, CC_SEND_RATE_LIMIT="2", CC_SEND_RATE_INTERVAL="60")
    with clock.frozen(NOON):
        queued = [await due_email(api.user, to=[f"p{n}@prospect.example"]) for n in range(3)]
        await _deliver_due()
        held = await Email.get(id=queued[2].id)
        assert held.status is EmailStatus.SCHEDULED
        assert held.dispatch_after == NOON + timedelta(seconds=60)
        await _deliver_due()  # not dispatched again within the slot
        assert len(sink.received) == 2
    with clock.frozen(NOON + timedelta(seconds=60)):
        await _deliver_due()
    assert (await Email.get(id=queued[2].id)).status is EmailStatus.DELIVERED


async def test_a_quota_is_never_overshot_by_concurrent_takers(db: Any) -> None:
    window = quota.day_window(NOON, "UTC")
    taken = await asyncio.gather(*(quota.take(7, window, 5) for _ in range(20)))
    assert taken.count(True) == 5
    assert await quota.used(7, window) == 5


async def test_the_claim_race_loser_gives_its_quota_back(
    smtp_settings: pytest.MonkeyPatch, api: Api
) -> None:
    with clock.frozen(NOON):
        email = await due_email(api.user)
        results = await asyncio.gather(*(sending.claim(email.id) for _ in range(4)))
        assert sum(r is not None for r in results) == 1
        assert await quota.used(api.user.id, quota.day_window(NOON, "UTC")) == 1
