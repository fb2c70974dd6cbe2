"""The RFC 5322 message of an outgoing email.

`to_wire` writes the bytes directly (the sending pipeline's path: the standard library's `email`
package spent more CPU per message than the whole database round trip); anything it does not
handle simply (non-ASCII addresses or extra headers) goes through `build`, the `email`-package
reference that the tests compare `to_wire` with.

Text and HTML go out as multipart/alternative (text first: clients show the last part they
support). Bcc recipients are only in the SMTP envelope, never in a header. The Message-ID is the
email's own, stored at creation, so every attempt and every reply refers to the same id.
Extra header fields of the Outgoing (List-Unsubscribe, List-Unsubscribe-Post) are copied as given.
"""

from __future__ import annotations

import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from html.parser import HTMLParser

from models.sending.outgoing import Outgoing


class _TextOf(HTMLParser):
    _BLOCKS = {"p", "div", "li", "tr", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS or tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """A plain-text stand-in when only an HTML body was written (spam filters want both)."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \t]+", " ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def build(outgoing: Outgoing, date: datetime) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = outgoing.message_id
    message["Date"] = format_datetime(date)
    message["From"] = Address(display_name=outgoing.from_name, addr_spec=outgoing.from_address)
    message["To"] = ", ".join(outgoing.to)
    if outgoing.cc:
        message["Cc"] = ", ".join(outgoing.cc)
    message["Subject"] = outgoing.subject
    for name, value in outgoing.headers.items():
        message[name] = value
    text = outgoing.text or text_of(outgoing.html)
    message.set_content(text or " ")
    if outgoing.html:
        message.add_alternative(outgoing.html, subtype="html")
    return message


@dataclass(frozen=True)
class Wire:
    """A message ready for SMTP: its bytes, and its Message-ID (for logs and .eml names)."""

    message_id: str
    data: bytes


def to_wire(outgoing: Outgoing, date: datetime) -> Wire:
    """The message as bytes (CRLF line ends), equivalent to `build(outgoing, date)`."""
    plain = [outgoing.from_address, *outgoing.to, *outgoing.cc, *outgoing.headers.values()]
    if not all(value.isascii() for value in plain):
        return Wire(outgoing.message_id, build(outgoing, date).as_bytes())
    lines = [
        f"Message-ID: {outgoing.message_id}",
        f"Date: {format_datetime(date)}",
        f"From: {formataddr((outgoing.from_name, outgoing.from_address), charset='utf-8')}",
        f"To: {', '.join(outgoing.to)}",
    ]
    if outgoing.cc:
        lines.append(f"Cc: {', '.join(outgoing.cc)}")
    lines.append(f"Subject: {_header_text('Subject', outgoing.subject)}")
    lines += [f"{name}: {value}" for name, value in outgoing.headers.items()]
    lines.append("MIME-Version: 1.0")
    text = _part("plain", outgoing.text or text_of(outgoing.html) or " ")
    if not outgoing.html:
        head = "\r\n".join(lines).encode("ascii") + b"\r\n"
        return Wire(outgoing.message_id, head + text)
    boundary = f"===============cc{uuid.uuid4().hex}=="
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    separator = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(
        [
            b"\r\n",
            separator,
            text,
            b"\r\n",
            separator,
            _part("html", outgoing.html),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )
    return Wire(outgoing.message_id, "\r\n".join(lines).encode("ascii") + b"\r\n" + body)


def _header_text(name: str, value: str) -> str:
    value = re.sub(r"[\r\n]+", " ", value)  # no raw line breaks inside a header
    if value.isascii() and len(value) < 900:
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _part(subtype: str, content: str) -> bytes:
    """One text part: quoted-printable UTF-8, so long lines, dots and non-ASCII all travel."""
    data = binascii.b2a_qp(content.encode("utf-8"), istext=True)
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + data
