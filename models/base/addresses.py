"""Checking and normalising email addresses given by users."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

from models.base.errors import DomainError, ErrorCode
from models.base.text import bad_character

MAX_RECIPIENTS = 100
# Pragmatic: one @, a dotted domain, no spaces or angle brackets. SMTP gives the final word.
_ADDRESS = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def normalise_address(raw: str, field: str) -> str:
    """One address per entry, ASCII on the wire: `Name <a@b>` → `a@b`, an IDN domain → its
    IDNA (punycode) form, lower-cased. Refused: several addresses in one entry (a comma would
    otherwise silently drop the rest), a non-ASCII local part (it needs SMTPUTF8, which we do not
    send), control characters, anything that is not one mailbox."""

    def refuse(why: str) -> DomainError:
        return DomainError(ErrorCode.INVALID_EMAIL_ADDRESS, f"{raw!r} {why}", field)

    if bad_character(raw) is not None:
        raise refuse("contains a control character.")
    parsed = [pair for pair in getaddresses([raw.strip()]) if any(pair)]
    if len(parsed) > 1:
        raise refuse("holds more than one address: give one address per entry.")
    address = parsed[0][1] if parsed else ""
    # The parser quietly repairs what it cannot read ("n@exa mple.test" → "n@example.test"):
    # the mailbox must be exactly what was written (inside the angle brackets, if any).
    written = raw.strip()
    if "<" in written:
        written = written[written.rfind("<") + 1 : written.rfind(">")]
    if written.strip() != address:
        raise refuse("is not a valid email address.")
    local, _, domain = address.rpartition("@")
    if local and not local.isascii():
        raise refuse("has a non-ASCII local part, which needs SMTPUTF8 (not supported).")
    try:
        # IDNA 2003 (the standard library's codec): nameprep and punycode per label.
        address = f"{local}@{domain.encode('idna').decode('ascii')}" if local else address
    except UnicodeError:
        raise refuse("has an invalid domain name.") from None
    if not address or len(address) > 254 or not _ADDRESS.match(address):
        raise refuse("is not a valid email address.")
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
