"""Steps in use: a manual email step waits for its task and completing it sends the prepared
email; editing, moving and removing steps of an active campaign affects the steps not yet run;
the daily limit defers a step email to the window's next opening; pausing and resuming the whole
campaign keeps everyone's position."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.campaigns import commands, steps
from models.campaigns.steps import StepFields
from models.campaigns.tables import CampaignMembership, MembershipState, StepKind
from models.emails.tables import Email, EmailStatus
from models.tasks import commands as tasks
from models.tasks.tables import Task, TaskStatus, TaskType
from tests.api import Api
from tests.campaigns.helpers import active_campaign, add, people, run_due, send_due, utc
from tests.sending.conftest import configure
from tests.sending.smtp_sink import SmtpSink

MONDAY = utc("2026-11-30T10:00:00Z")
ALWAYS_OPEN = {"window_days": [0, 1, 2, 3, 4, 5, 6], "window_start": 0, "window_end": 1440}


async def test_a_manual_email_is_sent_when_its_task_is_completed(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    campaign = await active_campaign(
        api.user,
        [
            StepFields(
                kind=StepKind.MANUAL_EMAIL, subject="Quick idea, {{first_name}}", body_text="Hey"
            ),
            StepFields(
                kind=StepKind.AUTO_EMAIL, delay_days=1, reply_in_thread=True, body_text="Bump"
            ),
        ],
        **ALWAYS_OPEN,
    )
    (person,) = await people(api.user, 1)
    with clock.frozen(MONDAY):
        await add(api.user, campaign, [person])
        assert await run_due() == 1
    task = await Task.get(campaign_id=campaign.id)
    assert (task.type, task.campaign_step, task.status) == (TaskType.EMAIL, 1, TaskStatus.OPEN)
    assert "Quick idea" in task.details
    assert await Email.filter(campaign_id=campaign.id).count() == 0  # held, not a draft
    with clock.frozen(MONDAY + timedelta(days=3)):
        assert await run_due() == 0  # the campaign waits for the rep

    with clock.frozen(MONDAY + timedelta(days=3, hours=1)):
        await tasks.complete_task(api.user, task.id)
        await tasks.reopen_task(api.user, task.id)
        await tasks.complete_task(api.user, task.id)  # completing twice sends once
        (first,) = await send_due()
    assert (first.campaign_step, first.status) == (1, EmailStatus.DELIVERED)
    assert (await Task.get(id=task.id)).email_id == first.id
    membership = await CampaignMembership.get(campaign_id=campaign.id)
    # The next step counts its delay from the completion.
    assert membership.next_due_at == MONDAY + timedelta(days=4, hours=1)
    with clock.frozen(MONDAY + timedelta(days=4, hours=1)):
        assert await run_due() == 1
        (second,) = await send_due()
    assert second.in_reply_to == first.message_id
    assert [r.message["Subject"] for r in sink.received] == ["Quick idea, P0", "Re: Quick idea, P0"]
    assert (await CampaignMembership.get(id=membership.id)).state is MembershipState.FINISHED


async def test_step_edits_affect_only_steps_not_yet_run(db: Any, api: Api) -> None:
    campaign = await active_campaign(
        api.user,
        [
            StepFields(kind=StepKind.AUTO_EMAIL, subject="One"),
            StepFields(kind=StepKind.AUTO_EMAIL, delay_days=1, subject="Two"),
            StepFields(kind=StepKind.CALL, delay_days=1, title="Three"),
        ],
        **ALWAYS_OPEN,
    )
    (person,) = await people(api.user, 1)
    with clock.frozen(MONDAY):
        await add(api.user, campaign, [person])
        await run_due()
    rows = await steps.CampaignStep.filter(campaign_id=campaign.id).order_by("position")
    await steps.update_step(api.user, rows[0].id, StepFields(subject="One, edited"))
    await steps.update_step(api.user, rows[1].id, StepFields(subject="Two, edited"))
    # The call moves before the second email.
    await steps.move_step(api.user, rows[2].id, 2)
    with clock.frozen(MONDAY + timedelta(days=1)):
        assert await run_due() == 1
    assert await Task.filter(campaign_id=campaign.id, campaign_step=2).count() == 1
    await steps.remove_step(api.user, rows[2].id)  # the second email is step 2 again …
    with clock.frozen(MONDAY + timedelta(days=2)):
        assert await run_due() == 1  # … and its position (3) no longer exists: finished
    subjects = await Email.filter(campaign_id=campaign.id).values_list("campaign_step", "subject")
    assert subjects == [(1, "One")]
    assert (await CampaignMembership.get(campaign_id=campaign.id)).state is MembershipState.FINISHED


async def test_over_the_daily_limit_a_step_email_waits_for_the_next_window(
    smtp_settings: pytest.MonkeyPatch, api: Api, sink: SmtpSink
) -> None:
    configure(smtp_settings, CC_DAILY_SEND_LIMIT="2")
    campaign = await active_campaign(
        api.user,
        [StepFields(kind=StepKind.AUTO_EMAIL, subject="Hi")],
        window_days=[0, 1, 2, 3, 4],
        window_start=9 * 60,
        window_end=17 * 60,
    )
    friday = utc("2026-12-04T10:00:00Z")
    with clock.frozen(friday):
        await add(api.user, campaign, await people(api.user, 3))
        assert await run_due() == 3
        delivered = await send_due()
    assert len(delivered) == 2 and len(sink.received) == 2
    (deferred,) = await Email.filter(campaign_id=campaign.id, status=EmailStatus.SCHEDULED)
    # Not Saturday midnight (the sender's next day): Monday 09:00, the window's next opening.
    assert deferred.scheduled_at == utc("2026-12-07T09:00:00Z")
    assert deferred.failure_code == "DAILY_LIMIT_REACHED"
    with clock.frozen(utc("2026-12-07T09:00:00Z")):
        assert len(await send_due()) == 1
    assert len(sink.received) == 3


async def test_pausing_the_campaign_pauses_everyone_and_resuming_continues(
    db: Any, api: Api
) -> None:
    campaign = await active_campaign(
        api.user,
        [
            StepFields(kind=StepKind.AUTO_EMAIL, subject="One"),
            StepFields(kind=StepKind.CALL, delay_days=1),
        ],
        skip_weekends=False,
        **ALWAYS_OPEN,
    )
    with clock.frozen(MONDAY):
        await add(api.user, campaign, await people(api.user, 2))
        await run_due()
        await commands.pause_campaign(api.user, campaign.id)
    states = await CampaignMembership.filter(campaign_id=campaign.id).values_list("state", "step")
    # Their step-one emails were still pending: they went back, and so did the position.
    assert states == [(MembershipState.PAUSED, 1), (MembershipState.PAUSED, 1)]
    assert await Email.filter(campaign_id=campaign.id).count() == 0
    with clock.frozen(MONDAY + timedelta(days=5)):
        assert await run_due() == 0
        await commands.resume_campaign(api.user, campaign.id)
        assert await run_due() == 2  # step one again (it went back), once each
    assert await Email.filter(campaign_id=campaign.id, campaign_step=1).count() == 2
    with clock.frozen(MONDAY + timedelta(days=6)):
        assert await run_due() == 2
    assert await Task.filter(campaign_id=campaign.id).count() == 2
    archived = await commands.archive_campaign(api.user, campaign.id)
    assert archived.status.value == "ARCHIVED"
