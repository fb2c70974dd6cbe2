"""Reading one received message: what kind it is and which of our Message-IDs it is about.

Standard library `email` for the structure, flufl.bounce for the many bounce formats (RFC 3464
DSNs and the non-standard ones of Exim, qmail, Yahoo, Exchange…). Kinds, in order:
- spam complaint: multipart/report; report-type=feedback-report (ARF, RFC 5965);
- delivery report: a DSN or anything flufl.bounce reads as a failure, for messages from a mail
  system or without threading headers (a person's reply that quotes "user unknown" is a reply);
- reply, automatic when Auto-Submitted, X-Autoreply, Precedence or an out-of-office subject say so.
Nothing here touches the database, and `parse` is CPU work on up to CC_INBOUND_MAX_BYTES: callers
run it off the event loop (models.inbound.processing). Text it returns is safe to store
(`clean_text`): a NUL in a Subject never reaches a database that refuses it.
"""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, HeaderParser
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from flufl.bounce import all_failures

from models.inbound.verp import TOKEN_HEADER

_MSGID_TEXT = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_TOKEN_LINE = re.compile(rb"(?im)^[ \t>]*x-cc-token:[ \t]*([0-9]+-[0-9a-f]+)")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEADER_SCAN_BYTES = 256 * 1024  # receiving reads at most this much as the header section
_MSGID_LINE = re.compile(rb"(?im)^[ \t>]*(?:original-)?message-id:\s*(<[^<>\s@]+@[^<>\s]+>)")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")  # a field name (printable ASCII without ':') and ':'
_MAILER = re.compile(r"mailer-daemon|postmaster|mail delivery|mail-daemon|mailer", re.IGNORECASE)
_OUT_OF_OFFICE = re.compile(
    r"out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|vacation|"
    r"away from (the )?office|abwesenheit|r[ée]ponse automatique|absence|fuera de la oficina|"
    r"risposta automatica|automatisch antwoord|afwezig",
    re.IGNORECASE,
)
_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk", "list"}


class MalformedMessage(ValueError):
    """The bytes are not an RFC 5322 message we can read; `reason` says why (sent to the sender)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Kind(StrEnum):
    SPAM_COMPLAINT = "SPAM_COMPLAINT"
    BOUNCE_PERMANENT = "BOUNCE_PERMANENT"
    BOUNCE_TEMPORARY = "BOUNCE_TEMPORARY"
    REPLY = "REPLY"
    AUTO_REPLY = "AUTO_REPLY"


@dataclass
class ParsedInbound:
    message: Message
    message_id: str  # the message's own Message-ID, or a digest of its bytes when it has none
    from_address: str
    subject: str
    size: int
    kind: Kind
    # Our candidate Message-IDs, most telling first: for reports the original message's, for
    # replies In-Reply-To then References.
    refers_to: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # bounced or complained-about addresses
    detail: str = ""
    tokens: list[str] = field(default_factory=list)  # report tokens quoted by a complaint
    null_sender: bool = False  # MAIL FROM:<>: only automatic messages use it, never a person
    recipients: list[str] = field(default_factory=list)  # To and Cc of a reply


def clean_text(text: str) -> str:
    """Text safe to store on every database: no NUL or other control characters (PostgreSQL
    refuses NUL), no lone surrogates (undecodable header bytes)."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", text)


def _text(value: object) -> str:
    """A header value as clean text (RFC 2047 words decoded; undecodable bytes replaced)."""
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except Exception:  # bytes invalid in their charset: decode what can be, replace the rest
        text = _decoded_lossily(str(value))
    return clean_text(text).strip()


def _decoded_lossily(value: str) -> str:
    try:
        words = decode_header(value)
    except Exception:  # not even the encoded-word syntax holds: keep it as it came
        return value
    parts: list[str] = []
    for word, charset in words:
        if isinstance(word, str):
            parts.append(word)
            continue
        try:
            parts.append(word.decode(charset or "ascii", "replace"))
        except LookupError:  # an unknown charset name
            parts.append(word.decode("utf-8", "replace"))
    return "".join(parts)


def check_well_formed(raw: bytes, max_bytes: int) -> None:
    """Refuse what is not a message: empty, over the limit, no header section, no From/Date."""
    if not raw.strip():
        raise MalformedMessage("The message is empty.")
    if len(raw) > max_bytes:
        raise MalformedMessage(f"The message is larger than {max_bytes} bytes.")
    first = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    if first.startswith(b"From "):  # an mbox separator line before the headers
        first = raw.lstrip(b"\r\n").split(b"\n", 2)[1] if raw.count(b"\n") > 1 else b""
    if not _HEADER_LINE.match(first):
        raise MalformedMessage("Not an RFC 5322 message: it does not start with a header field.")


def read_headers(raw: bytes, *, max_bytes: int) -> Message:
    """The header fields only, cheaply (what receiving needs before storing the message); the
    same refusals as `parse`, plus NUL bytes in the header section (RFC 5322 forbids them, and
    no retry will ever make them readable)."""
    check_well_formed(raw, max_bytes)
    end = _HEADER_END.search(raw, 0, HEADER_SCAN_BYTES)
    section = raw[: end.end() if end else HEADER_SCAN_BYTES]
    if b"\x00" in section:
        raise MalformedMessage("The header section contains NUL bytes.")
    headers = BytesHeaderParser().parsebytes(section)
    _check_fields(headers)
    return headers


def _check_fields(message: Message) -> None:
    if not message.keys():
        raise MalformedMessage("Not an RFC 5322 message: no header fields.")
    if message["From"] is None and message["Date"] is None and message["Sender"] is None:
        raise MalformedMessage("Not an RFC 5322 message: it has neither From nor Date.")


def own_message_id(message: Message, raw: bytes) -> str:
    """The message's own Message-ID, or a digest of its bytes when it has none."""
    own = _MSGID_TEXT.search(clean_text(str(message["Message-ID"] or "")))
    message_id = own.group(0) if own else f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound>"
    return message_id[:255]


def sender_of(message: Message) -> tuple[str, str]:
    """(From address, Subject) as stored in the inbound log."""
    return parseaddr(_text(message["From"]))[1][:320], _text(message["Subject"])[:998]


def is_null_sender(message: Message, envelope_from: str | None) -> bool:
    """The null reverse-path (MAIL FROM:<>), from the envelope or, when the envelope is unknown
    (POST /inbound without it), the Return-Path the final MTA wrote."""
    if envelope_from is not None:
        return envelope_from.strip("<> ") == ""
    return str(message["Return-Path"] or "").strip() == "<>"


def parse(raw: bytes, *, max_bytes: int, envelope_from: str | None = None) -> ParsedInbound:
    """Classify one message. Raises MalformedMessage for what is not a readable message."""
    check_well_formed(raw, max_bytes)
    message = email.message_from_bytes(raw)
    _check_fields(message)
    from_address, subject = sender_of(message)
    parsed = ParsedInbound(
        message=message,
        message_id=own_message_id(message, raw),
        from_address=from_address,
        subject=subject,
        size=len(raw),
        kind=Kind.REPLY,
        null_sender=is_null_sender(message, envelope_from),
    )
    if _is_feedback_report(message):
        parsed.kind = Kind.SPAM_COMPLAINT
        parsed.refers_to = original_message_ids(message, raw, exclude=parsed.message_id)
        parsed.tokens = report_tokens(message, raw)
        parsed.failed, parsed.detail = _feedback_detail(message)
        return parsed
    if _may_be_delivery_report(message, envelope_from):
        temporary, permanent = all_failures(message)
        if permanent or temporary:
            parsed.kind = Kind.BOUNCE_PERMANENT if permanent else Kind.BOUNCE_TEMPORARY
            addresses = permanent or temporary
            parsed.failed = sorted(clean_text(a.decode("ascii", "replace")) for a in addresses)
            parsed.refers_to = original_message_ids(message, raw, exclude=parsed.message_id)
            parsed.detail = clean_text(dsn_detail(message)) or (
                ("Permanent" if permanent else "Temporary")
                + " delivery failure for "
                + ", ".join(parsed.failed)
            )
            return parsed
    parsed.kind = Kind.AUTO_REPLY if is_automatic(message) else Kind.REPLY
    parsed.refers_to = _thread_ids(message)
    fields = [_text(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
    parsed.recipients = [address for _, address in getaddresses(fields) if address][:50]
    return parsed


def _quoted_originals(message: Message) -> Iterator[Message]:
    """The headers of the original message a report quotes, in message order: each attached
    message/rfc822 part, and each text/rfc822-headers part (parsed)."""
    for part in message.walk():
        if part is message:
            continue
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                yield inner
        elif content_type == "text/rfc822-headers":
            text = part.get_payload(decode=True)
            if isinstance(text, bytes):
                yield HeaderParser().parsestr(text.decode("utf-8", "replace"))


def report_tokens(message: Message, raw: bytes) -> list[str]:
    """Our report tokens (X-CC-Token) in the quoted original: its message/rfc822 or
    text/rfc822-headers part, or a header line quoted in the text."""
    tokens: list[str] = []

    def add(value: object) -> None:
        token = clean_text(str(value or "")).strip()
        if token and token not in tokens:
            tokens.append(token[:100])

    for headers in _quoted_originals(message):
        for value in headers.get_all(TOKEN_HEADER, []):
            add(value)
    for match in _TOKEN_LINE.finditer(raw):
        add(match.group(1).decode("ascii", "replace"))
    return tokens[:20]


def classify_bounce(message: Message) -> tuple[str, list[str]]:
    """ "PERMANENT", "TEMPORARY" or "NONE" and the addresses, as `parse` reads a report."""
    temporary, permanent = all_failures(message)
    addresses = permanent or temporary
    kind = "PERMANENT" if permanent else "TEMPORARY" if temporary else "NONE"
    return kind, sorted(a.decode("ascii", "replace") for a in addresses)


def _is_feedback_report(message: Message) -> bool:
    if message.get_content_type() != "multipart/report":
        return False
    report_type = str(message.get_param("report-type") or "").lower()
    if report_type != "feedback-report":
        return False
    feedback = _feedback_fields(message)
    return feedback.get("feedback-type", "abuse").lower() != "not-spam"


def _feedback_fields(message: Message) -> dict[str, str]:
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            block = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(block, Message):
                return {k.lower(): str(v) for k, v in block.items()}
            if isinstance(payload, str):
                return {k.lower(): str(v) for k, v in HeaderParser().parsestr(payload).items()}
    return {}


def _feedback_detail(message: Message) -> tuple[list[str], str]:
    feedback = _feedback_fields(message)
    recipient = clean_text(parseaddr(feedback.get("original-rcpt-to", ""))[1])
    kind = clean_text(feedback.get("feedback-type", "abuse"))
    agent = clean_text(feedback.get("user-agent", ""))
    return ([recipient] if recipient else []), f"Feedback-Type: {kind} {agent}".strip()[:500]


def _may_be_delivery_report(message: Message, envelope_from: str | None) -> bool:
    """Reports come from mail systems; a message in a thread from a person is a reply even when
    it quotes "user unknown"."""
    if message.get_content_type() == "multipart/report":
        return True
    if envelope_from is not None and envelope_from.strip("<> ") == "":
        return True  # the null reverse-path: only delivery reports use it
    if message["In-Reply-To"] is None and message["References"] is None:
        return True
    sender = f"{message['From'] or ''} {message['Return-Path'] or ''}"
    return bool(_MAILER.search(sender)) or str(message["Return-Path"] or "").strip() == "<>"


def is_automatic(message: Message) -> bool:
    """An automatic answer (out-of-office, autoresponder): recorded, not counted as a reply."""
    auto_submitted = str(message["Auto-Submitted"] or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if message["X-Autoreply"] is not None or message["X-Autorespond"] is not None:
        return True
    if str(message["Precedence"] or "").strip().lower() in _AUTO_PRECEDENCE:
        return True
    return bool(_OUT_OF_OFFICE.search(_text(message["Subject"])))


def _thread_ids(message: Message) -> list[str]:
    ids: list[str] = []
    for name in ("In-Reply-To", "References"):
        for value in message.get_all(name, []):
            for found in _MSGID_TEXT.findall(str(value)):
                if found not in ids:
                    ids.append(found)
    return ids


def original_message_ids(message: Message, raw: bytes, *, exclude: str) -> list[str]:
    """The reported message's Message-ID: from the attached message/rfc822 or
    text/rfc822-headers part, Original-Message-ID fields, or any Message-ID line in the body."""
    ids: list[str] = []

    def add(value: object) -> None:
        for found in _MSGID_TEXT.findall(str(value or "")):
            if found != exclude and found not in ids:
                ids.append(found)

    for headers in _quoted_originals(message):
        add(headers["Message-ID"])
    for match in _MSGID_LINE.finditer(raw):
        add(match.group(1).decode("ascii", "replace"))
    return ids


def dsn_detail(message: Message) -> str:
    """ "addr: Status 5.1.1 (diagnostic)" lines from the message/delivery-status parts."""
    lines: list[str] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status" or not part.is_multipart():
            continue
        for block in part.get_payload():
            if not isinstance(block, Message) or block["Action"] is None:
                continue
            recipient = str(block["Final-Recipient"] or block["Original-Recipient"] or "")
            address = recipient.split(";", 1)[-1].strip()
            status = str(block["Status"] or "").strip()
            diagnostic = " ".join(str(block["Diagnostic-Code"] or "").split())
            action = str(block["Action"]).strip().lower()
            line = f"{address}: {action} {status}".strip()
            if diagnostic:
                line += f" ({diagnostic.split(';', 1)[-1].strip()})"
            lines.append(line)
    return "\n".join(lines)[:2000]
