"""Build the RFC 5322 message of an outgoing email with the standard library's `email` package.

Text and HTML go out as multipart/alternative (text first: clients show the last part they
support). Bcc recipients are only in the SMTP envelope, never in a header. The Message-ID is the
email's own, stored at creation, so every attempt and every reply refers to the same id.
Extra header fields of the Outgoing (List-Unsubscribe, List-Unsubscribe-Post) are copied as given.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html.parser import HTMLParser

from models.outgoing import Outgoing


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
