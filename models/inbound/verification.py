"""Whether a delivery or feedback report proves which of our emails it is about.

Anyone who saw one of our messages (its recipient, a forwardee) knows its Message-ID, so a report
naming only a Message-ID proves nothing. A report is applied only when:
- a DSN / bounce arrived at the email's own return path (a signed VERP address in the SMTP
  envelope recipients, models.inbound.verp) AND reports a failure for one of that email's
  recipients;
- an ARF complaint quotes the original message with our signed report token (X-CC-Token).
Everything else is UNVERIFIED and changes nothing; the reason is kept in the inbound log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.emails.tables import Email
from models.inbound import verp
from models.inbound.parsing import Kind, ParsedInbound


@dataclass(frozen=True)
class Verdict:
    email: Email | None  # the email the report proved to be about
    reason: str = ""  # why it is not applied, when `email` is None
    signed: Email | None = None  # a correctly signed email the report still failed a check for
    gone: bool = False  # correctly signed for an email that no longer exists (UNMATCHED)


async def verify_report(parsed: ParsedInbound, envelope_to: Sequence[str]) -> Verdict:
    if parsed.kind is Kind.SPAM_COMPLAINT:
        return await _complaint(parsed)
    return await _delivery_report(parsed, envelope_to)


async def _delivery_report(parsed: ParsedInbound, envelope_to: Sequence[str]) -> Verdict:
    candidates = [a for a in envelope_to if verp.looks_like_return_path(a)]
    email_ids = [i for a in candidates if (i := verp.email_of_return_path(a)) is not None]
    if not email_ids:
        if candidates:
            return Verdict(
                None, f"Delivery report to {candidates[0]}: not a return path we signed."
            )
        received_at = ", ".join(envelope_to) or "an unknown envelope recipient"
        return Verdict(
            None,
            "Delivery report not sent to an email's return path "
            f"(bounce+ID-HMAC@{verp.bounce_domain()}): it came to {received_at}."[:500],
        )
    email = await Email.get_or_none(id=email_ids[0])
    if email is None:
        return Verdict(None, f"Delivery report for email {email_ids[0]}, now deleted.", gone=True)
    recipients = {
        a.lower() for a in (*email.to_addresses, *email.cc_addresses, *email.bcc_addresses)
    }
    reported = {a.lower() for a in parsed.failed}
    if not reported & recipients:
        named = ", ".join(sorted(reported)) or "no address"
        return Verdict(
            None,
            f"Delivery report names {named}, not a recipient of the email it was sent back for."[
                :500
            ],
            signed=email,
        )
    return Verdict(email)


async def _complaint(parsed: ParsedInbound) -> Verdict:
    email_ids = [i for t in parsed.tokens if (i := verp.email_of_token(t)) is not None]
    if not email_ids:
        why = "a forged one" if parsed.tokens else "none"
        return Verdict(
            None,
            f"Feedback report whose quoted message carries no valid {verp.TOKEN_HEADER} "
            f"({why}): every message we send has one.",
        )
    email = await Email.get_or_none(id=email_ids[0])
    if email is None:
        return Verdict(None, f"Feedback report for email {email_ids[0]}, now deleted.", gone=True)
    return Verdict(email)
