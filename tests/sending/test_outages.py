"""Relay outages and temporary failures (issue 18) against a real SMTP sink: a relay that refuses
connections or answers 421 / 451 to everything pauses sending (relay DOWN, emails stay SCHEDULED,
probes with backoff) and resumes when it answers, each email delivered exactly once; a 4xx for
one email's recipient puts that email back with a growing backoff until CC_SEND_MAX_AGE."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from events import running_bus
from events.bus import Change
from models.base import clock
from models.emails.tables import Email, EmailStatus
from models.sending import relay
from models.sending import rules as sending
from models.sending.relay_changes import RelayChanged
from tests.api import Api
from tests.sending.conftest import configure
from tests.sending.helpers import due_email, wait_until
from tests.sending.smtp_sink import SmtpSink
from workers import delivery

STATUS = "{ sendingStatus { relay since lastError nextProbeAt pausedEmails deferredEmails } }"


async def test_a_recipients_4xx_is_retried_later_with_a_growing_backoff_until_accepted(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    sink.answer("busy@prospect.example", "451 4.7.1 Try again later", times=2)
    email = await due_email(api.user, to=["busy@prospect.example"])

    assert await delivery.deliver(email.id) is None  # one try: a greylisting takes minutes
    first = await Email.get(id=email.id)
    assert (first.status, first.failure_code) == (EmailStatus.SCHEDULED, "SMTP_DEFERRED")
    assert first.failure_detail is not None and "451 4.7.1" in first.failure_detail
    assert first.send_attempts == 1 and first.dispatch_after is not None
    wait = first.dispatch_after - clock.now()
    assert timedelta(seconds=55) < wait <= timedelta(seconds=60)  # CC_SEND_RETRY_BACKOFF
    assert await sending.due_for_dispatch() == []  # not before its backoff

    with clock.frozen(first.dispatch_after + timedelta(seconds=1)):
        assert await sending.due_for_dispatch() == [email.id]
        await delivery.deliver(email.id)
        second = await Email.get(id=email.id)
        assert second.send_attempts == 2 and second.dispatch_after is not None
        assert second.dispatch_after - clock.now() == timedelta(seconds=120)  # doubled
    with clock.frozen(second.dispatch_after + timedelta(seconds=1)):
        assert await sending.due_for_dispatch() == [email.id]
        await delivery.deliver(email.id)
    done = await Email.get(id=email.id)
    assert done.status is EmailStatus.DELIVERED
    assert (done.send_attempts, done.deferred_since, done.failure_code) == (0, None, None)
    assert sink.count_by_message_id() == {email.message_id: 1}
    assert (await relay.current_state()).state is relay.RelayState.UP


async def test_temporary_failures_past_the_maximum_age_fail_as_unavailable(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    configure(smtp_settings, CC_SEND_MAX_AGE="300")
    sink.answer("busy@prospect.example", "451 4.7.1 Try again later")
    email = await due_email(api.user, to=["busy@prospect.example"])
    await delivery.deliver(email.id)
    at = clock.now()
    while (current := await Email.get(id=email.id)).status is EmailStatus.SCHEDULED:
        assert current.dispatch_after is not None
        at = current.dispatch_after + timedelta(seconds=1)
        with clock.frozen(at):
            assert await sending.due_for_dispatch() == [email.id]
            await delivery.deliver(email.id)
    assert current.status is EmailStatus.FAILED
    assert current.failure_code == "SMTP_UNAVAILABLE"
    assert current.failure_detail is not None and "451 4.7.1" in current.failure_detail
    assert current.send_attempts == 0  # finished: the count starts afresh on a retry
    assert at - current.failed_at < timedelta(seconds=2)
    # 60 s, then 120 s: the next (240 s) would end past 300 s after the first failure.
    assert "3 attempts" in current.failure_detail
    assert sink.received == []


async def test_a_connection_lost_after_the_content_is_uncertain_and_never_resent(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    sink.handler.hang_up_after_data = True  # the relay has the message; its 250 never arrives
    email = await due_email(api.user)

    failed = await delivery.deliver(email.id)
    assert failed is not None
    assert (failed.status, failed.failure_code) == (EmailStatus.FAILED, "DELIVERY_UNCERTAIN")
    assert sink.count_by_message_id() == {email.message_id: 1}  # not retried: once, not twice


OUTAGES = ["refused", "421 4.3.2 Service shutting down", "451 4.3.0 Mail server busy"]


def _break(sink: SmtpSink, outage: str) -> None:
    if outage == "refused":
        sink.go_down()
    else:
        sink.answer_everything(outage)


def _mend(sink: SmtpSink, outage: str) -> None:
    if outage == "refused":
        sink.come_back()
    else:
        sink.answer_everything(None)


@pytest.mark.parametrize("outage", OUTAGES)
async def test_a_relay_outage_pauses_sending_and_it_resumes_exactly_once(
    outage: str, worker: Any, api: Api, sink: SmtpSink, smtp_settings: Any
) -> None:
    configure(smtp_settings, CC_RELAY_PROBE_INTERVAL="0.2", CC_RELAY_PROBE_MAX_INTERVAL="0.8")
    heard: list[Change] = []
    async with running_bus() as bus:  # what a dashboard subscribed to the bus hears
        bus.listen(heard.extend)
        ids = await _outage_and_back(outage, api, sink)
    up = (await api(STATUS))["sendingStatus"]
    assert (up["relay"], up["lastError"], up["nextProbeAt"], up["pausedEmails"]) == (
        "UP",
        None,
        None,
        0,
    )
    counts = sink.count_by_message_id()
    message_ids = await Email.filter(id__in=ids).values_list("message_id", flat=True)
    assert set(counts) == set(message_ids)
    assert sorted(counts.values()) == [1] * len(ids)
    states = [c.state for c in heard if isinstance(c, RelayChanged)]
    assert states[:1] == ["DOWN"] and states[-1:] == ["UP"]
    assert all(a != b for a, b in pairwise(states))  # real changes only


async def _outage_and_back(outage: str, api: Api, sink: SmtpSink) -> list[int]:
    _break(sink, outage)
    ids = [(await due_email(api.user, to=[f"p{n}@prospect.example"])).id for n in range(6)]

    async def relay_down() -> bool:
        return (await relay.current_state()).down

    await wait_until(relay_down, within=30, what="the relay to be marked DOWN")
    down = (await api(STATUS))["sendingStatus"]
    assert down["relay"] == "DOWN" and down["since"] and down["nextProbeAt"]
    assert down["lastError"].startswith("The mail server")
    assert "127.0.0.1" not in down["lastError"]  # no internals
    first_probe = (await relay.current_state()).next_probe_at
    assert first_probe is not None

    async def probed_twice() -> bool:  # the next probe moved on: probes fail and back off
        state = await relay.current_state()
        assert state.next_probe_at is not None
        return state.next_probe_at - first_probe > timedelta(seconds=0.5)

    await wait_until(probed_twice, within=30, what="two failed probes")

    async def all_waiting() -> bool:  # claims made as it went DOWN are given back
        statuses = set(await Email.filter(id__in=ids).values_list("status", flat=True))
        assert statuses <= {EmailStatus.SCHEDULED, EmailStatus.IN_PROGRESS}  # none FAILED
        return statuses == {EmailStatus.SCHEDULED}

    await wait_until(all_waiting, within=30, what="every email SCHEDULED")
    emails = await Email.filter(id__in=ids)
    assert all(e.send_attempts == 0 for e in emails)  # an outage is not the emails' fault
    assert (await api(STATUS))["sendingStatus"]["pausedEmails"] == len(ids)
    assert sink.received == []

    _mend(sink, outage)

    async def all_delivered() -> bool:
        done = await Email.filter(id__in=ids, status=EmailStatus.DELIVERED).count()
        return done == len(ids)

    await wait_until(all_delivered, within=60, what="delivery after the relay came back")
    return ids


async def test_readiness_reports_the_relay_without_leaving_rotation(client: Any) -> None:
    async with running_bus():  # the app's lifespan opens it; ASGITransport runs no lifespan
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["relay"] == "up"
        assert await relay.mark_down("connect to mail.internal.example:25 refused")
        ready = await client.get("/readyz")
    # Reads still work and emails wait SCHEDULED: a relay outage is reported, not "unready".
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ok" and ready.json()["relay"] == "down"
    assert "mail.internal" not in ready.text
