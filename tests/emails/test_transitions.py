"""Transitions applied to stored emails: events, counters, optimistic locking, atomicity."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.base.errors import DomainError, ErrorCode
from models.emails import commands as emails
from models.emails import transitions
from models.emails.counters import StatusCount
from models.emails.state_machine import TRANSITIONS, Action
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from tests.api import Api, drive_to

S = EmailStatus
LEASE = {"lease_expires_at": clock.now() + timedelta(days=1)}  # a claim always takes a lease


async def assert_counters_match(team_id: int) -> None:
    """The maintained counters equal a real COUNT(*) of every owner and status."""
    real = Counter(
        (row["owner_id"], row["status"])
        for row in await Email.filter(team_id=team_id).values("owner_id", "status")
    )
    kept = {
        (row.owner_id, row.status): row.count
        for row in await StatusCount.filter(team_id=team_id)
        if row.count
    }
    assert kept == dict(real)


def changes_for(action: Action) -> dict[str, Any]:
    now = clock.now()
    return {
        Action.SCHEDULE: {"scheduled_at": now + timedelta(hours=1)},
        Action.RESCHEDULE: {"scheduled_at": now + timedelta(hours=2)},
        Action.SEND_NOW: {"scheduled_at": now},
        Action.RETRY: {"scheduled_at": now},
        Action.CLAIM: {"lease_expires_at": now + timedelta(minutes=10)},
        Action.MARK_DELIVERED: {"delivered_at": now},
        Action.MARK_FAILED: {"failed_at": now, "failure_code": "SMTP_UNAVAILABLE"},
        Action.MARK_BOUNCED: {"failed_at": now, "failure_code": "SMTP_REJECTED"},
        Action.MARK_SPAM: {"failed_at": now},
    }.get(action, {})


@pytest.mark.parametrize(
    ("start", "action"), sorted(TRANSITIONS, key=lambda k: (k[0].value, k[1].value))
)
async def test_every_allowed_transition_writes_its_event(
    api: Api, start: EmailStatus, action: Action
) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], start)
    events_before = await EmailEvent.filter(email_id=email.id).count()

    moved = await transitions.apply(email, action, api.user, changes=changes_for(action))

    rule = TRANSITIONS[(start, action)]
    event = await EmailEvent.filter(email_id=email.id).order_by("-id").first()
    assert event is not None
    assert await EmailEvent.filter(email_id=email.id).count() == events_before + 1
    assert (event.kind, event.previous_status, event.new_status) == (rule.event, start, rule.to)
    assert event.actor_id == api.user.id
    assert event.data["action"] == action.value
    if rule.to is None:
        assert moved is None
        assert not await Email.filter(id=email.id).exists()
    else:
        assert moved is not None
        assert moved.status is rule.to
        assert moved.version == email.version + 1
        assert moved.status_at is not None
    await assert_counters_match(api.user.team_id)


async def test_a_refused_transition_changes_nothing(api: Api) -> None:
    email = await drive_to((await api.create_draft())["id"], S.DELIVERED)
    before = await Email.get(id=email.id)
    events = await EmailEvent.filter(email_id=email.id).count()

    with pytest.raises(DomainError) as refused:
        await transitions.apply(email, Action.RETRY, api.user)

    assert refused.value.code is ErrorCode.INVALID_TRANSITION
    after = await Email.get(id=email.id)
    assert (after.status, after.version, after.updated_at) == (
        before.status,
        before.version,
        before.updated_at,
    )
    assert await EmailEvent.filter(email_id=email.id).count() == events
    await assert_counters_match(api.user.team_id)


async def test_a_stale_version_is_refused(api: Api) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], S.DRAFT)
    await emails.update_draft(api.user, email.id, emails.DraftFields(subject="v2"), email.version)

    with pytest.raises(DomainError) as refused:
        await emails.update_draft(api.user, email.id, emails.DraftFields(subject="v3"), 1)

    assert refused.value.code is ErrorCode.STALE_VERSION
    assert (await Email.get(id=email.id)).subject == "v2"


async def test_concurrent_edits_of_one_version_let_exactly_one_win(api: Api) -> None:
    draft = await api.create_draft()
    email = await drive_to(draft["id"], S.DRAFT)

    async def edit(subject: str) -> str:
        try:
            await emails.update_draft(
                api.user, email.id, emails.DraftFields(subject=subject), email.version
            )
        except DomainError as error:
            return error.code.value
        return "OK"

    outcomes = await asyncio.gather(*(edit(f"edit {n}") for n in range(5)))

    assert sorted(outcomes) == ["OK"] + ["STALE_VERSION"] * 4
    stored = await Email.get(id=email.id)
    assert stored.version == email.version + 1
    assert stored.subject == f"edit {outcomes.index('OK')}"


async def test_a_stale_copy_without_a_version_is_rechecked_against_the_rules(api: Api) -> None:
    """Without an expected version the latest state decides: no blind overwrite."""
    email = await drive_to((await api.create_draft())["id"], S.SCHEDULED)
    stale = await Email.get(id=email.id)
    await transitions.apply(email, Action.CLAIM, None, changes=LEASE)  # the dispatcher was first

    with pytest.raises(DomainError) as refused:
        await transitions.apply(stale, Action.UNSCHEDULE, api.user)

    assert refused.value.code is ErrorCode.INVALID_TRANSITION
    assert (await Email.get(id=email.id)).status is S.IN_PROGRESS


async def test_two_claims_of_the_same_email_succeed_once(api: Api) -> None:
    """The dispatcher's claim is one conditional update: a duplicate can never send twice."""
    email = await drive_to((await api.create_draft())["id"], S.SCHEDULED)
    copies = [await Email.get(id=email.id) for _ in range(3)]

    async def claim(copy: Email) -> bool:
        try:
            await transitions.apply(
                copy, Action.CLAIM, None, expected_version=copy.version, changes=LEASE
            )
        except DomainError:
            return False
        return True

    assert sorted(await asyncio.gather(*(claim(c) for c in copies))) == [False, False, True]
    assert await EmailEvent.filter(email_id=email.id, kind=EmailEventKind.SENDING).count() == 1


async def test_deleted_emails_keep_their_history(api: Api) -> None:
    email = await drive_to((await api.create_draft())["id"], S.FAILED)
    await emails.delete_email(api.user, email.id, None)

    kinds = await EmailEvent.filter(email_id=email.id).order_by("id").values_list("kind", flat=True)
    assert kinds[0] is EmailEventKind.CREATED
    assert kinds[-1] is EmailEventKind.DELETED
    await assert_counters_match(api.user.team_id)


async def test_status_date_is_the_date_that_matters(api: Api) -> None:
    at = clock.now().replace(microsecond=0)
    with clock.frozen(at):
        draft = await emails.create_draft(api.user, emails.DraftFields(to=["x@example.com"]))
        assert draft.status_at == at
        later = at + timedelta(days=2)
        scheduled = await emails.schedule_email(api.user, draft.id, later, None)
        assert scheduled.status_at == later
        delivered_at = at + timedelta(minutes=5)
        lease = {"lease_expires_at": at + timedelta(minutes=10)}
        claimed = await transitions.apply(scheduled, Action.CLAIM, None, changes=lease)
        assert claimed is not None and claimed.status_at == at
        delivered = await transitions.apply(
            claimed, Action.MARK_DELIVERED, None, changes={"delivered_at": delivered_at}
        )
        assert delivered is not None and delivered.status_at == delivered_at
        archived = await emails.archive_email(api.user, delivered.id, None)
        assert archived.status_at == delivered_at  # SENT folder stays in delivery order


async def test_a_batch_moves_only_the_emails_still_as_read(api: Api) -> None:
    """apply_batch (the pipeline's claim and finish): one statement for the batch, yet an email
    changed meanwhile or refused by the rules stays as it is, with no event and no count."""
    ready = [await drive_to((await api.create_draft())["id"], S.IN_PROGRESS) for _ in range(3)]
    stale = await drive_to((await api.create_draft())["id"], S.IN_PROGRESS)
    refused = await drive_to((await api.create_draft())["id"], S.DRAFT)
    # Someone else finishes `stale` after we read it: our copy is one version behind.
    assert await transitions.apply(await Email.get(id=stale.id), Action.MARK_FAILED, None)
    delivered_at = clock.now()
    moved = await transitions.apply_batch(
        [*ready, stale, refused],
        Action.MARK_DELIVERED,
        lambda _email: {"delivered_at": delivered_at},
        lambda email: {"smtpReply": f"250 ok {email.id}"},
    )

    assert [e.id for e in moved] == [e.id for e in ready]
    for email in moved:
        stored = await Email.get(id=email.id)
        assert (stored.status, stored.version) == (S.DELIVERED, email.version)
        assert stored.delivered_at == delivered_at == stored.status_at
        event = await EmailEvent.get(email_id=email.id, kind=EmailEventKind.DELIVERED)
        assert event.data == {"action": "MARK_DELIVERED", "smtpReply": f"250 ok {email.id}"}
        assert (event.previous_status, event.new_status) == (S.IN_PROGRESS, S.DELIVERED)
    assert (await Email.get(id=stale.id)).status is S.FAILED
    assert (await Email.get(id=refused.id)).status is S.DRAFT
    assert not await EmailEvent.filter(
        email_id__in=[stale.id, refused.id], kind=EmailEventKind.DELIVERED
    ).exists()
    await assert_counters_match(api.user.team_id)
