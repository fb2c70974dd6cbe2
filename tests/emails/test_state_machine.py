"""The transition table of DESIGN.md, rule by rule, and availableActions derived from it."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest

from models.base.errors import DomainError, ErrorCode
from models.emails.state_machine import TRANSITIONS, Action, available_actions, plan
from models.emails.tables import BulkKind, EmailStatus

S = EmailStatus
A = Action


@dataclass
class FakeEmail:
    status: EmailStatus
    bulk_kind: BulkKind = BulkKind.SINGLE
    campaign_id: int | None = None
    campaign_step: int | None = None  # set on emails a campaign step created


# DESIGN.md, written out independently of models/emails/state_machine.py.
ALLOWED: dict[tuple[EmailStatus, Action], EmailStatus | None] = {
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.DRAFT, A.SCHEDULE): S.SCHEDULED,
    (S.DRAFT, A.SEND_NOW): S.SCHEDULED,
    (S.DRAFT, A.DELETE): None,
    (S.SCHEDULED, A.UNSCHEDULE): S.DRAFT,
    (S.SCHEDULED, A.RESCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, A.SEND_NOW): S.SCHEDULED,
    (S.SCHEDULED, A.CLAIM): S.IN_PROGRESS,
    (S.SCHEDULED, A.DELETE): None,
    (S.IN_PROGRESS, A.MARK_DELIVERED): S.DELIVERED,
    (S.IN_PROGRESS, A.MARK_FAILED): S.FAILED,
    (S.IN_PROGRESS, A.MARK_BOUNCED): S.BOUNCED,
    # Issue 18: not sent after all (relay down, a temporary failure, SMTP never started before
    # the lease ended): back to the outbox.
    (S.IN_PROGRESS, A.RELEASE): S.SCHEDULED,
    (S.DELIVERED, A.ARCHIVE): S.ARCHIVED,
    (S.DELIVERED, A.MARK_BOUNCED): S.BOUNCED,
    (S.DELIVERED, A.MARK_SPAM): S.SPAM,
    (S.ARCHIVED, A.UNARCHIVE): S.DELIVERED,
    (S.ARCHIVED, A.DELETE): None,
    (S.FAILED, A.RETRY): S.SCHEDULED,
    (S.FAILED, A.DELETE): None,
    (S.BOUNCED, A.RETRY): S.SCHEDULED,
    (S.BOUNCED, A.DELETE): None,
    # No RETRY from SPAM (issue 14): the recipient complained and is suppressed.
    (S.SPAM, A.DELETE): None,
}
# Refusals with their own code (everything else not allowed is INVALID_TRANSITION).
REFUSED_WITH: dict[tuple[EmailStatus, Action], ErrorCode] = {
    (S.SPAM, A.RETRY): ErrorCode.RECIPIENT_COMPLAINED,
}


@pytest.mark.parametrize(("status", "action"), list(product(S, A)))
def test_every_status_and_action_follows_the_design(status: EmailStatus, action: Action) -> None:
    email = FakeEmail(status)
    if (status, action) in ALLOWED:
        assert plan(email, action).to == ALLOWED[(status, action)]
    else:
        with pytest.raises(DomainError) as refused:
            plan(email, action)
        expected = REFUSED_WITH.get((status, action), ErrorCode.INVALID_TRANSITION)
        assert refused.value.code is expected
        if expected is ErrorCode.INVALID_TRANSITION:
            assert status.value in refused.value.message


def test_the_table_has_nothing_the_design_does_not_allow() -> None:
    assert set(TRANSITIONS) == set(ALLOWED)


@pytest.mark.parametrize("kind", [BulkKind.GROUP, BulkKind.SELECT_AND_SEND])
def test_bulk_emails_can_never_become_drafts(kind: BulkKind) -> None:
    with pytest.raises(DomainError) as refused:
        plan(FakeEmail(S.SCHEDULED, bulk_kind=kind), A.UNSCHEDULE)
    assert refused.value.code is ErrorCode.BULK_EMAIL_CANNOT_BE_DRAFT
    assert A.UNSCHEDULE not in available_actions(FakeEmail(S.SCHEDULED, bulk_kind=kind))
    # Everything else a single scheduled email allows stays allowed.
    assert plan(FakeEmail(S.SCHEDULED, bulk_kind=kind), A.SEND_NOW).to is S.SCHEDULED


@pytest.mark.parametrize("status", [S.DRAFT, S.SCHEDULED, S.ARCHIVED, S.FAILED, S.BOUNCED, S.SPAM])
def test_campaign_emails_cannot_be_deleted(status: EmailStatus) -> None:
    with pytest.raises(DomainError) as refused:
        plan(FakeEmail(status, campaign_id=7), A.DELETE)
    assert refused.value.code is ErrorCode.CAMPAIGN_EMAIL_NOT_DELETABLE
    assert A.DELETE not in available_actions(FakeEmail(status, campaign_id=7))


def test_available_actions_are_the_user_actions_the_table_allows() -> None:
    assert available_actions(FakeEmail(S.DRAFT)) == [A.EDIT, A.SCHEDULE, A.SEND_NOW, A.DELETE]
    assert available_actions(FakeEmail(S.SCHEDULED)) == [
        A.RESCHEDULE,
        A.SEND_NOW,
        A.UNSCHEDULE,
        A.DELETE,
    ]
    assert available_actions(FakeEmail(S.IN_PROGRESS)) == []
    assert available_actions(FakeEmail(S.DELIVERED)) == [A.ARCHIVE]
    assert available_actions(FakeEmail(S.ARCHIVED)) == [A.UNARCHIVE, A.DELETE]
    for status in (S.FAILED, S.BOUNCED):
        assert available_actions(FakeEmail(status)) == [A.RETRY, A.DELETE]
    assert available_actions(FakeEmail(S.SPAM)) == [A.DELETE]
    # System-only actions are never offered to users.
    offered = {a for s in S for a in available_actions(FakeEmail(s))}
    assert not offered & {A.CLAIM, A.MARK_DELIVERED, A.MARK_FAILED, A.MARK_BOUNCED, A.MARK_SPAM}


def test_campaign_step_emails_never_become_drafts() -> None:
    email = FakeEmail(S.SCHEDULED, campaign_id=1, campaign_step=2)
    with pytest.raises(DomainError) as caught:
        plan(email, A.UNSCHEDULE)
    assert caught.value.code is ErrorCode.CAMPAIGN_EMAIL_CANNOT_BE_DRAFT
    assert A.UNSCHEDULE not in available_actions(email)
    # A hand-written email merely filed under a campaign can still be unscheduled.
    assert plan(FakeEmail(S.SCHEDULED, campaign_id=1), A.UNSCHEDULE).to is S.DRAFT
