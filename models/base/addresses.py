"""Checking and normalising email addresses given by users."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import parseaddr

from models.base.errors import DomainError, ErrorCode

MAX_RECIPIENTS = 100
# Pragmatic: one @, a dotted domain, no spaces or angle brackets. SMTP gives the final word.
_ADDRESS = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def normalise_address(raw: str, field: str) -> str:
    _name, address = parseaddr(raw.strip())
    if not address or len(address) > 254 or not _ADDRESS.match(address):
        raise DomainError(
            ErrorCode.INVALID_EMAIL_ADDRESS, f"{raw!r} is not a valid email address.", field
        )
    # Mailbox local parts are case-sensitive in theory, never in practice: treating
    # "Ann@x.com" and "ann@x.com" as two people would create duplicates.
    return address.lower()


def normalise_addresses(raws: Iterable[str], field: str) -> list[str]:
    seen: dict[str, None] = {}
    for raw in raws:
        seen.setdefault(normalise_address(raw, field), None)
    addresses = list(seen)
    if len(addresses) > MAX_RECIPIENTS:
        raise DomainError(
            ErrorCode.TOO_LONG, f"At most {MAX_RECIPIENTS} addresses per field.", field
        )
    return addresses
