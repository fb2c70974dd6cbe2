"""The email state machine of DESIGN.md, written down once.

`plan(email, action)` returns the rule the action follows (its `to` is None for a deletion) or
raises a typed DomainError. `available_actions(email)` is computed from the same table, so
clients never hard-code the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.base.errors import DomainError, ErrorCode
from models.emails.tables import BulkKind, Email, EmailEventKind, EmailStatus

S = EmailStatus


class Action(StrEnum):
    # Actions a user may take (listed in availableActions).
    EDIT = "EDIT"
    SCHEDULE = "SCHEDULE"
    RESCHEDULE = "RESCHEDULE"
    SEND_NOW = "SEND_NOW"
    UNSCHEDULE = "UNSCHEDULE"
    ARCHIVE = "ARCHIVE"
    UNARCHIVE = "UNARCHIVE"
    RETRY = "RETRY"
    DELETE = "DELETE"
    # Actions only the system takes (dispatcher, sender, inbound processing).
    CLAIM = "CLAIM"
    MARK_DELIVERED = "MARK_DELIVERED"
    MARK_FAILED = "MARK_FAILED"
    MARK_BOUNCED = "MARK_BOUNCED"
    MARK_SPAM = "MARK_SPAM"
    RELEASE = "RELEASE"


USER_ACTIONS = (
    Action.EDIT,
    Action.SCHEDULE,
    Action.RESCHEDULE,
    Action.SEND_NOW,
    Action.UNSCHEDULE,
    Action.ARCHIVE,
    Action.UNARCHIVE,
    Action.RETRY,
    Action.DELETE,
)

DELETED = None  # the "status" a deletion leads to


@dataclass(frozen=True)
class Rule:
    to: EmailStatus | None
    event: EmailEventKind


TRANSITIONS: dict[tuple[EmailStatus, Action], Rule] = {
    (S.DRAFT, Action.EDIT): Rule(S.DRAFT, EmailEventKind.EDITED),
    (S.DRAFT, Action.SCHEDULE): Rule(S.SCHEDULED, EmailEventKind.SCHEDULED),
    (S.DRAFT, Action.SEND_NOW): Rule(S.SCHEDULED, EmailEventKind.SCHEDULED),
    (S.DRAFT, Action.DELETE): Rule(DELETED, EmailEventKind.DELETED),
    (S.SCHEDULED, Action.UNSCHEDULE): Rule(S.DRAFT, EmailEventKind.UNSCHEDULED),
    (S.SCHEDULED, Action.RESCHEDULE): Rule(S.SCHEDULED, EmailEventKind.RESCHEDULED),
    (S.SCHEDULED, Action.SEND_NOW): Rule(S.SCHEDULED, EmailEventKind.RESCHEDULED),
    (S.SCHEDULED, Action.CLAIM): Rule(S.IN_PROGRESS, EmailEventKind.SENDING),
    (S.SCHEDULED, Action.DELETE): Rule(DELETED, EmailEventKind.DELETED),
    (S.IN_PROGRESS, Action.MARK_DELIVERED): Rule(S.DELIVERED, EmailEventKind.DELIVERED),
    (S.IN_PROGRESS, Action.MARK_FAILED): Rule(S.FAILED, EmailEventKind.FAILED),
    (S.IN_PROGRESS, Action.MARK_BOUNCED): Rule(S.BOUNCED, EmailEventKind.BOUNCED),
    # Not sent after all (relay down, a temporary failure, the worker died before MAIL FROM):
    # back to the outbox, to go out once later.
    (S.IN_PROGRESS, Action.RELEASE): Rule(S.SCHEDULED, EmailEventKind.RESCHEDULED),
    (S.DELIVERED, Action.ARCHIVE): Rule(S.ARCHIVED, EmailEventKind.ARCHIVED),
    (S.DELIVERED, Action.MARK_BOUNCED): Rule(S.BOUNCED, EmailEventKind.BOUNCED),
    (S.DELIVERED, Action.MARK_SPAM): Rule(S.SPAM, EmailEventKind.SPAM_REPORTED),
    (S.ARCHIVED, Action.UNARCHIVE): Rule(S.DELIVERED, EmailEventKind.UNARCHIVED),
    (S.ARCHIVED, Action.DELETE): Rule(DELETED, EmailEventKind.DELETED),
    (S.FAILED, Action.RETRY): Rule(S.SCHEDULED, EmailEventKind.RETRIED),
    (S.FAILED, Action.DELETE): Rule(DELETED, EmailEventKind.DELETED),
    (S.BOUNCED, Action.RETRY): Rule(S.SCHEDULED, EmailEventKind.RETRIED),
    (S.BOUNCED, Action.DELETE): Rule(DELETED, EmailEventKind.DELETED),
    (S.SPAM, Action.DELETE): Rule(DELETED, EmailEventKind.DELETED),
}


def plan(email: Email, action: Action) -> Rule:
    """The rule `action` follows from the email's current state, or a typed refusal."""
    rule = TRANSITIONS.get((email.status, action))
    if rule is None and (email.status, action) == (S.SPAM, Action.RETRY):
        # The recipient complained and is suppressed: sending again would only hurt the team.
        raise DomainError(
            ErrorCode.RECIPIENT_COMPLAINED,
            "The recipient reported this email as spam; it cannot be sent to them again.",
        )
    if rule is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Cannot {action.value.lower().replace('_', ' ')} an email that is "
            f"{email.status.value}.",
        )
    if rule.to is S.DRAFT and email.bulk_kind is not BulkKind.SINGLE:
        raise DomainError(
            ErrorCode.BULK_EMAIL_CANNOT_BE_DRAFT,
            "Bulk emails (Select & Send, Group) are never drafts: delete it instead.",
        )
    if rule.to is S.DRAFT and email.campaign_step is not None:
        raise DomainError(
            ErrorCode.CAMPAIGN_EMAIL_CANNOT_BE_DRAFT,
            "Emails of a campaign step are never drafts: pause or remove the person instead.",
        )
    if action is Action.DELETE and email.campaign_id is not None:
        raise DomainError(
            ErrorCode.CAMPAIGN_EMAIL_NOT_DELETABLE, "Emails sent by a campaign cannot be deleted."
        )
    return rule


def available_actions(email: Email) -> list[Action]:
    actions = []
    for action in USER_ACTIONS:
        try:
            plan(email, action)
        except DomainError:
            continue
        actions.append(action)
    return actions
