"""Typed domain errors. The GraphQL layer turns them into `userErrors { field message code }`."""

from __future__ import annotations

from enum import Enum


class ErrorCode(Enum):
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_FOUND = "NOT_FOUND"
    CAMPAIGN_EMAIL_NOT_DELETABLE = "CAMPAIGN_EMAIL_NOT_DELETABLE"
    BULK_EMAIL_CANNOT_BE_DRAFT = "BULK_EMAIL_CANNOT_BE_DRAFT"
    STALE_VERSION = "STALE_VERSION"
    INVALID_INPUT = "INVALID_INPUT"
    REQUIRED = "REQUIRED"
    INVALID_EMAIL_ADDRESS = "INVALID_EMAIL_ADDRESS"
    TOO_LONG = "TOO_LONG"
    NOT_IN_FUTURE = "NOT_IN_FUTURE"
    TIMEZONE_REQUIRED = "TIMEZONE_REQUIRED"
    NO_RECIPIENT = "NO_RECIPIENT"
    DUPLICATE = "DUPLICATE"
    FORBIDDEN = "FORBIDDEN"
    PAGE_TOO_LARGE = "PAGE_TOO_LARGE"
    INVALID_CURSOR = "INVALID_CURSOR"
    # Templates, dynamic fields and bulk sends.
    TOO_MANY_RECIPIENTS = "TOO_MANY_RECIPIENTS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    UNRESOLVED_MERGE_FIELD = "UNRESOLVED_MERGE_FIELD"
    PROMPT_NOT_REPLACED = "PROMPT_NOT_REPLACED"
    RECIPIENT_UNSUBSCRIBED = "RECIPIENT_UNSUBSCRIBED"
    DAILY_LIMIT_REACHED = "DAILY_LIMIT_REACHED"
    SAVED_SEARCH_LIMIT_REACHED = "SAVED_SEARCH_LIMIT_REACHED"
    # What was sent and what came back (issue 14: h14a).
    RECIPIENT_BOUNCED = "RECIPIENT_BOUNCED"
    RECIPIENT_COMPLAINED = "RECIPIENT_COMPLAINED"
    # Request limits (h13a): GraphQL errors refused before execution, `extensions.code`.
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    RATE_LIMITED = "RATE_LIMITED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    BAD_REQUEST = "BAD_REQUEST"
    # Campaigns (issue 15).
    CAMPAIGN_ARCHIVED = "CAMPAIGN_ARCHIVED"
    CAMPAIGN_NOT_ACTIVE = "CAMPAIGN_NOT_ACTIVE"
    CAMPAIGN_HAS_NO_STEPS = "CAMPAIGN_HAS_NO_STEPS"
    CAMPAIGN_EMAIL_CANNOT_BE_DRAFT = "CAMPAIGN_EMAIL_CANNOT_BE_DRAFT"
    # Reports (issue 19).
    REPORT_RANGE_TOO_LONG = "REPORT_RANGE_TOO_LONG"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class DomainError(Exception):
    """A refused request: nothing was changed."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ValidationErrors(Exception):
    """Several input problems found at once (reported together, nothing changed)."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def not_found(what: str, field: str | None = "id") -> DomainError:
    # The same message whether the row does not exist or belongs to another team.
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found.", field)
