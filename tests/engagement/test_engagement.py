"""Engagement recorders (models/engagement/recorders.py): counters, events, machine detection,
statuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events import EmailChange
from events.setup import running_bus
from models.base import clock
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.engagement import recorders as engagement
from models.people.tables import Person
from tests.api import Api, drive_to

HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"


async def delivered(api: Api, minutes_ago: int = 5, **fields: object) -> Email:
    draft = await api.create_draft(**fields)
    email = await drive_to(draft["id"], EmailStatus.DELIVERED)
    # Delivered a while ago: opens now are not "within seconds of delivery".
    earlier = clock.now() - timedelta(minutes=minutes_ago)
    await Email.filter(id=email.id).update(delivered_at=earlier, sent_at=earlier)
    return await Email.get(id=email.id)


async def test_human_view_counts_and_sets_first_viewed_once(api: Api) -> None:
    email = await delivered(api)
    first = await engagement.record_view(email, HUMAN)
    second = await engagement.record_view(email, HUMAN)
    assert first is not None and second is not None
    row = await Email.get(id=email.id)
    assert (row.view_count, row.machine_view_count) == (2, 0)
    assert row.first_viewed_at == first.occurred_at
    assert row.last_activity_at == second.occurred_at
    assert row.version == email.version  # engagement is not an edit
    assert first.kind is EmailEventKind.VIEWED and not first.machine


@pytest.mark.parametrize(
    "agent",
    ["", "Mozilla/5.0", "python-requests/2.31", "Barracuda Sentinel", "Mozilla/5.0 HeadlessChrome"],
)
async def test_machine_agents_are_counted_apart(api: Api, agent: str) -> None:
    email = await delivered(api)
    event = await engagement.record_view(email, agent)
    assert event is not None and event.machine
    row = await Email.get(id=email.id)
    assert (row.view_count, row.machine_view_count, row.first_viewed_at) == (0, 1, None)
    assert row.last_activity_at is None


async def test_click_within_seconds_of_delivery_is_a_scanner(api: Api) -> None:
    email = await delivered(api, minutes_ago=0)
    scanner = await engagement.record_click(email, "https://example.com/a", HUMAN)
    assert scanner is not None and scanner.machine
    later = await engagement.record_click(
        email, "https://example.com/a", HUMAN, at=clock.now() + timedelta(minutes=5)
    )
    assert later is not None and not later.machine
    row = await Email.get(id=email.id)
    assert (row.click_count, row.machine_click_count) == (1, 1)
    assert later.data["url"] == "https://example.com/a"


@pytest.mark.parametrize("status", [EmailStatus.ARCHIVED, EmailStatus.DRAFT, EmailStatus.SCHEDULED])
async def test_no_tracking_when_archived_or_never_sent(api: Api, status: EmailStatus) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], status)
    assert await engagement.record_view(email, HUMAN) is None
    assert await engagement.record_click(email, "https://x.example", HUMAN) is None
    row = await Email.get(id=email.id)
    assert (row.view_count, row.click_count, row.machine_view_count) == (0, 0, 0)
    assert not await EmailEvent.filter(
        email_id=email.id, kind__in=[EmailEventKind.VIEWED, EmailEventKind.CLICKED]
    ).exists()


async def test_tracking_follows_archive_and_unarchive(api: Api) -> None:
    from models.emails import transitions
    from models.emails.state_machine import Action

    email = await delivered(api)
    archived = await transitions.apply(email, Action.ARCHIVE, None)
    assert archived is not None
    assert await engagement.record_view(archived, HUMAN) is None
    back = await transitions.apply(archived, Action.UNARCHIVE, None)
    assert back is not None
    assert await engagement.record_view(back, HUMAN) is not None
    assert (await Email.get(id=email.id)).view_count == 1


async def test_reply_sets_replied_at_once_and_auto_reply_does_not_count(api: Api) -> None:
    email = await delivered(api)
    auto = await engagement.record_reply(email, automatic=True, data={"subject": "OOO"})
    assert auto is not None and auto.kind is EmailEventKind.AUTO_REPLIED
    row = await Email.get(id=email.id)
    assert (row.replied_at, row.reply_count) == (None, 0)
    first = await engagement.record_reply(email, automatic=False, data={})
    await engagement.record_reply(email, automatic=False, data={})
    row = await Email.get(id=email.id)
    assert first is not None
    assert (row.replied_at, row.reply_count) == (first.occurred_at, 2)


async def test_replies_are_recorded_for_archived_emails(api: Api) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], EmailStatus.ARCHIVED)
    assert await engagement.record_reply(email, automatic=False, data={}) is not None
    assert (await Email.get(id=email.id)).reply_count == 1


async def test_permanent_bounce_moves_delivered_to_bounced(api: Api) -> None:
    email = await delivered(api)
    await engagement.record_bounce(
        email, permanent=True, detail="5.1.1 user unknown", data={"source": "dsn"}
    )
    row = await Email.get(id=email.id)
    assert row.status is EmailStatus.BOUNCED
    assert (row.failure_code, row.failure_detail) == ("BOUNCE_REPORTED", "5.1.1 user unknown")
    event = await EmailEvent.filter(email_id=email.id).order_by("-id").first()
    assert event is not None and event.kind is EmailEventKind.BOUNCED


async def test_temporary_bounce_is_only_recorded(api: Api) -> None:
    email = await delivered(api)
    event = await engagement.record_bounce(email, permanent=False, detail="4.2.2", data={})
    assert isinstance(event, EmailEvent) and event.kind is EmailEventKind.DELIVERY_DELAYED
    assert (await Email.get(id=email.id)).status is EmailStatus.DELIVERED


async def test_bounce_for_archived_email_is_kept_as_a_report(api: Api) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], EmailStatus.ARCHIVED)
    event = await engagement.record_bounce(email, permanent=True, detail="gone", data={})
    assert isinstance(event, EmailEvent) and event.kind is EmailEventKind.BOUNCE_REPORTED
    assert (await Email.get(id=email.id)).status is EmailStatus.ARCHIVED


async def test_spam_complaint_suppresses_the_person_and_moves_to_spam(api: Api) -> None:
    person = await api.create_person("victim@example.com")
    email = await delivered(api, personId=person["id"])
    await engagement.record_spam(email, {"feedbackType": "abuse"})
    row = await Email.get(id=email.id)
    assert (row.status, row.failure_code) == (EmailStatus.SPAM, "SPAM_COMPLAINT")
    stored = await Person.get(email="victim@example.com")
    assert stored.unsubscribed and stored.unsubscribed_at is not None
    assert stored.unsubscribe_reason == "Spam complaint"


async def test_unsubscribe_without_a_person_creates_a_suppressed_one(api: Api) -> None:
    email = await delivered(api, to=["Nobody@Example.com"])
    event = await engagement.unsubscribe(email, "one-click")
    assert event is not None and event.kind is EmailEventKind.UNSUBSCRIBED
    person = await Person.get(team_id=email.team_id, email="nobody@example.com")
    assert person.unsubscribed and person.unsubscribe_reason == "Unsubscribed (one-click)"
    # A second unsubscribe keeps the first reason.
    await engagement.record_spam(email, {})
    assert (await Person.get(id=person.id)).unsubscribe_reason == "Unsubscribed (one-click)"


async def test_engagement_is_published_on_the_bus(api: Api) -> None:
    email = await delivered(api)
    heard: list[EmailChange] = []
    async with running_bus() as bus:
        stop = bus.listen(
            lambda changes: heard.extend(c for c in changes if isinstance(c, EmailChange))
        )
        await engagement.record_click(email, "https://example.com", HUMAN)
        await engagement.record_reply(email, automatic=False, data={})
        stop()
    kinds = [c.kind for c in heard]
    assert kinds == [EmailEventKind.CLICKED, EmailEventKind.REPLIED]
    assert heard[0].previous_status is heard[0].new_status is EmailStatus.DELIVERED
