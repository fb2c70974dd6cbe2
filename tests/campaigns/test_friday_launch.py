"""The brief's three-step campaign launched on a Friday, over injected time, through the real
sending pipeline to the test SMTP server: the weekend is skipped, the window is the prospect's,
and the second email threads under the first."""

from __future__ import annotations

from typing import Any

from models.base import clock
from models.campaigns.tables import CampaignMembership, MembershipState
from models.emails.tables import EmailStatus
from models.tasks.tables import Task, TaskType
from tests.api import Api
from tests.campaigns.helpers import (
    THREE_STEPS,
    active_campaign,
    add,
    people,
    run_due,
    send_due,
    step_emails,
    utc,
)
from tests.sending.smtp_sink import SmtpSink


async def test_three_steps_launched_on_a_friday(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    owner = api.user  # the sender's zone is UTC: a UTC-only schedule would send earlier
    campaign = await active_campaign(owner, THREE_STEPS)
    (person,) = await people(owner, 1, timezone="America/New_York")

    # Friday 12:00 UTC is 07:00 in New York: before the prospect's window opens at 08:00.
    with clock.frozen(utc("2026-12-04T12:00:00Z")):
        outcome = await add(owner, campaign, [person])
        assert [r.status.value for r in outcome.results] == ["ADDED"]
        assert await run_due() == 0
    membership = await CampaignMembership.get(campaign_id=campaign.id)
    assert membership.next_due_at == utc("2026-12-04T13:00:00Z")  # Friday 08:00 New York

    with clock.frozen(utc("2026-12-04T13:00:00Z")):
        assert await run_due() == 1
        first = (await send_due())[0]
    assert first.status is EmailStatus.DELIVERED
    membership = await CampaignMembership.get(id=membership.id)
    # Two business days after Friday 08:00 New York: Tuesday 08:00, not Sunday.
    assert membership.next_due_at == utc("2026-12-08T13:00:00Z")

    for saturday_to_monday in (
        "2026-12-05T13:00:00Z",
        "2026-12-06T18:00:00Z",
        "2026-12-07T23:00:00Z",
    ):
        with clock.frozen(utc(saturday_to_monday)):
            assert await run_due() == 0

    with clock.frozen(utc("2026-12-08T13:00:00Z")):
        assert await run_due() == 1
        second = (await send_due())[0]
    assert second.campaign_step == 2

    # One business day later at the step's 14:00, New York time (19:00 UTC): a CALL task.
    with clock.frozen(utc("2026-12-09T18:59:00Z")):
        assert await run_due() == 0
    with clock.frozen(utc("2026-12-09T19:00:00Z")):
        assert await run_due() == 1
    task = await Task.get(campaign_id=campaign.id)
    assert (task.type, task.due_at, task.campaign_step) == (
        TaskType.CALL,
        utc("2026-12-09T19:00:00Z"),
        3,
    )
    assert task.assignee_id == owner.id and task.person_id == person.id
    membership = await CampaignMembership.get(id=membership.id)
    assert membership.state is MembershipState.FINISHED

    # On the wire: the second message replies in the first one's thread.
    received = {r.message_id: r.message for r in sink.received}
    assert len(received) == 2
    first_msg, second_msg = received[first.message_id], received[second.message_id]
    assert first_msg["Subject"] == "Hello P0"
    assert second_msg["Subject"] == "Re: Hello P0"
    assert second_msg["In-Reply-To"] == first.message_id
    assert second_msg["References"] == first.message_id
    assert [e.id for e in await step_emails(membership)] == [first.id, second.id]
