"""Stop rules and pause/resume/remove, through the real sending pipeline and inbound processing:
a reply, a hard bounce, a spam complaint and an unsubscribe end the membership in the same
transaction; pausing keeps the position; removing sends the pending step email back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.base import clock
from models.campaigns import memberships
from models.campaigns.tables import (
    Campaign,
    CampaignMembership,
    CampaignMembershipEvent,
    MembershipState,
)
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.engagement import recorders
from models.inbound.tables import InboundVia
from models.people.tables import Person
from models.teams.tables import User
from tests.api import Api
from tests.campaigns.helpers import (
    THREE_STEPS,
    active_campaign,
    add,
    people,
    run_due,
    send_due,
    utc,
)
from tests.inbound.messages import process, reply
from tests.sending.smtp_sink import SmtpSink

MONDAY = utc("2026-11-30T10:00:00Z")
ALWAYS_OPEN = {"window_days": [0, 1, 2, 3, 4, 5, 6], "window_start": 0, "window_end": 1440}


async def _started(
    owner: User, **settings: Any
) -> tuple[Campaign, Person, CampaignMembership, Email]:
    """A campaign whose first email has been delivered to the one person in it."""
    campaign = await active_campaign(owner, THREE_STEPS, **{**ALWAYS_OPEN, **settings})
    (person,) = await people(owner, 1)
    with clock.frozen(MONDAY):
        await add(owner, campaign, [person])
        assert await run_due() == 1
        (first,) = await send_due()
    assert first.status is EmailStatus.DELIVERED
    membership = await CampaignMembership.get(campaign_id=campaign.id, person_id=person.id)
    assert membership.step == 2
    return campaign, person, membership, first


async def _later(days: int) -> int:
    with clock.frozen(MONDAY + timedelta(days=days)):
        ran = await run_due()
        await send_due()
        return ran


async def _state(membership: CampaignMembership) -> tuple[MembershipState, str | None]:
    fresh = await CampaignMembership.get(id=membership.id)
    return fresh.state, fresh.stop_reason


async def test_a_reply_after_step_one_stops_step_two(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    campaign, _person, membership, first = await _started(api.user)
    with clock.frozen(MONDAY + timedelta(hours=2)):
        await process(reply(first.message_id, sender=first.to_addresses[0]), InboundVia.HTTP)

    assert await _state(membership) == (MembershipState.REPLIED, "REPLIED")
    assert await _later(5) == 0
    assert await Email.filter(campaign_id=campaign.id).count() == 1
    assert len(sink.received) == 1
    kinds = await CampaignMembershipEvent.filter(membership_id=membership.id).values_list(
        "kind", "reason"
    )
    assert kinds[-1] == ("STOPPED", "REPLIED")


async def test_a_reply_to_another_email_stops_only_campaigns_that_ask(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    _c1, person, strict, _first = await _started(api.user, stop_on_any_reply=True)
    other = await active_campaign(api.user, THREE_STEPS, name="Other", **ALWAYS_OPEN)
    with clock.frozen(MONDAY):
        await add(api.user, other, [person], key="k2")
        await run_due()
        sent = await send_due()
    in_other = await CampaignMembership.get(campaign_id=other.id)
    # A reply to the other campaign's email: that one stops, and so does the strict one.
    with clock.frozen(MONDAY + timedelta(hours=1)):
        await process(reply(sent[0].message_id, sender=person.email), InboundVia.HTTP)
    assert (await _state(in_other))[0] is MembershipState.REPLIED
    assert (await _state(strict))[0] is MembershipState.REPLIED


async def test_a_hard_bounce_ends_the_membership(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    _campaign, _person, membership, first = await _started(api.user)
    await recorders.record_bounce(first, permanent=True, detail="5.1.1 unknown user", data={})
    assert (await Email.get(id=first.id)).status is EmailStatus.BOUNCED
    assert await _state(membership) == (MembershipState.BOUNCED, "BOUNCED")
    assert await _later(5) == 0


async def test_a_spam_complaint_and_an_unsubscribe_end_it(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    _c, _p, spam_member, first = await _started(api.user)
    await recorders.record_spam(first, {})
    assert await _state(spam_member) == (MembershipState.UNSUBSCRIBED, "SPAM_COMPLAINT")

    owner = api.user
    campaign = await active_campaign(owner, THREE_STEPS, name="Second", **ALWAYS_OPEN)
    (person,) = await people(owner, 1, prefix="unsub")
    with clock.frozen(MONDAY):
        await add(owner, campaign, [person], key="k3")
        await run_due()
        (sent,) = await send_due()
    await recorders.unsubscribe(sent, "one-click")
    member = await CampaignMembership.get(campaign_id=campaign.id)
    assert await _state(member) == (MembershipState.UNSUBSCRIBED, "UNSUBSCRIBED")
    assert await _later(5) == 0
    assert await Email.filter(campaign_id=campaign.id).count() == 1


async def test_pause_then_resume_continues_where_it_was(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    campaign, _person, membership, _first = await _started(api.user)
    with clock.frozen(MONDAY + timedelta(days=1)):
        await memberships.pause_membership(api.user, membership.id)
    assert await _later(10) == 0  # step two fell due while paused: nothing happens
    with clock.frozen(MONDAY + timedelta(days=11)):
        resumed = await memberships.resume_membership(api.user, membership.id)
    assert resumed.state is MembershipState.ACTIVE and resumed.step == 2
    assert await _later(11) == 1
    steps = (
        await Email.filter(campaign_id=campaign.id)
        .order_by("campaign_step")
        .values_list("campaign_step", "status")
    )
    assert steps == [(1, EmailStatus.DELIVERED), (2, EmailStatus.DELIVERED)]


async def test_pause_sends_a_pending_step_email_back_and_resume_sends_it_once(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    campaign, _person, membership, _first = await _started(api.user)
    with clock.frozen(MONDAY + timedelta(days=2)):
        assert await run_due() == 1  # step two's email is created, not yet sent
        pending = await Email.get(campaign_id=campaign.id, campaign_step=2)
        await memberships.pause_membership(api.user, membership.id)
    assert not await Email.exists(id=pending.id)
    deleted = await EmailEvent.get(email_id=pending.id, kind=EmailEventKind.DELETED)
    assert deleted.data["action"] == "CAMPAIGN_WITHDRAW"
    fresh = await CampaignMembership.get(id=membership.id)
    assert (fresh.state, fresh.step) == (MembershipState.PAUSED, 2)

    with clock.frozen(MONDAY + timedelta(days=3)):
        await memberships.resume_membership(api.user, membership.id)
    assert await _later(3) == 1
    assert await Email.filter(campaign_id=campaign.id, campaign_step=2).count() == 1
    assert len(sink.received) == 2


async def test_remove_sends_the_pending_step_email_back(
    smtp_settings: Any, api: Api, sink: SmtpSink
) -> None:
    campaign, person, membership, _first = await _started(api.user)
    with clock.frozen(MONDAY + timedelta(days=2)):
        assert await run_due() == 1
        pending = await Email.get(campaign_id=campaign.id, campaign_step=2)
        await memberships.remove_people(api.user, campaign.id, [person.id])
    assert not await Email.exists(id=pending.id)
    assert await _state(membership) == (MembershipState.REMOVED, "REMOVED")
    assert await _later(30) == 0
    assert len(sink.received) == 1
