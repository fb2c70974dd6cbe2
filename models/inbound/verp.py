"""Signatures that let a report prove which of our emails it is about.

- The return path (SMTP MAIL FROM, hence Return-Path): `bounce+<email id>-<hmac>@<bounce domain>`.
  A DSN is sent to it by the receiving MTA, so a report arriving at a valid one is about that email.
- The report token (header `X-CC-Token: <email id>-<hmac>`): a feedback loop (ARF) quotes the
  original message's headers, so a complaint quoting a valid token is about that email.
- The reply address (with CC_REPLY_DOMAIN, in Reply-To): `reply+<email id>-<hmac>@<reply domain>`,
  so a reply matches its email even when the client dropped In-Reply-To and References.

HMAC-SHA256 with the key of config.signing, a different purpose per use (a return path is not a
token), truncated to 80 bits (return paths must stay short local parts) and 128 bits (tokens);
checked in constant time. Lower-case hex: MTAs may fold the case of local parts.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from config.settings import get_settings
from config.signing import signing_key

TOKEN_HEADER = "X-CC-Token"
_RETURN_PATH = re.compile(r"^bounce\+(\d{1,18})-([0-9a-f]{20})@(.+)$", re.IGNORECASE)
_REPLY = re.compile(r"^reply\+(\d{1,18})-([0-9a-f]{20})@(.+)$", re.IGNORECASE)
_TOKEN = re.compile(r"^(\d{1,18})-([0-9a-f]{32})$", re.IGNORECASE)


def _mac(purpose: str, email_id: int, length: int) -> str:
    digest = hmac.new(signing_key(), f"{purpose}:{email_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:length]


def bounce_domain() -> str:
    settings = get_settings()
    return (settings.bounce_domain or settings.message_id_domain).lower()


def return_path(email_id: int) -> str:
    return f"bounce+{email_id}-{_mac('verp', email_id, 20)}@{bounce_domain()}"


def report_token(email_id: int) -> str:
    return f"{email_id}-{_mac('token', email_id, 32)}"


def looks_like_return_path(address: str) -> bool:
    return _RETURN_PATH.match(address.strip().strip("<>")) is not None


def email_of_return_path(address: str) -> int | None:
    """The email id a return path was signed for; None when it is not one of ours or forged."""
    found = _RETURN_PATH.match(address.strip().strip("<>"))
    if found is None or found.group(3).lower() != bounce_domain():
        return None
    email_id = int(found.group(1))
    expected = _mac("verp", email_id, 20)
    return email_id if hmac.compare_digest(found.group(2).lower(), expected) else None


def email_of_token(token: str) -> int | None:
    """The email id a report token was signed for; None when malformed or forged."""
    found = _TOKEN.match(token.strip())
    if found is None:
        return None
    email_id = int(found.group(1))
    expected = _mac("token", email_id, 32)
    return email_id if hmac.compare_digest(found.group(2).lower(), expected) else None


def reply_address(email_id: int) -> str | None:
    """The email's own reply address, or None while CC_REPLY_DOMAIN is not set."""
    domain = get_settings().reply_domain.lower()
    return f"reply+{email_id}-{_mac('reply', email_id, 20)}@{domain}" if domain else None


def email_of_reply_address(address: str) -> int | None:
    """The email id a reply address was signed for; None when it is not one of ours or forged."""
    domain = get_settings().reply_domain.lower()
    found = _REPLY.match(address.strip().strip("<>"))
    if not domain or found is None or found.group(3).lower() != domain:
        return None
    email_id = int(found.group(1))
    expected = _mac("reply", email_id, 20)
    return email_id if hmac.compare_digest(found.group(2).lower(), expected) else None
