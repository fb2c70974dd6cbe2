"""Replies as a rep reads them: who wrote, when, the new text (the quoted original cut off), and
how the reply was tied to our email.

Matching: by thread first (In-Reply-To / References name our Message-ID: exact), else by address
(`match_by_address`): a new message from a prospect we mailed goes with the latest email
delivered to that address. An address known to several teams is matched only where the message
itself says which: it was sent to one of the team's users (To/Cc); otherwise it is left unmatched
rather than shown to a team it was not written to.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from email.message import Message
from email.utils import getaddresses
from enum import StrEnum
from html.parser import HTMLParser

from tortoise import fields
from tortoise.expressions import Q
from tortoise.indexes import Index
from tortoise.models import Model

from models.emails.tables import Email, EmailStatus
from models.people.tables import Person
from models.teams.tables import User

MAX_TEXT = 64 * 1024
SNIPPET = 140
DELIVERED = (EmailStatus.DELIVERED, EmailStatus.ARCHIVED)


class ReplyMatch(StrEnum):
    THREAD = "THREAD"  # In-Reply-To / References name the email's Message-ID
    ADDRESS = "ADDRESS"  # no thread: the latest email delivered to the sender's address


class EmailReply(Model):
    id = fields.BigIntField(primary_key=True)
    team_id = fields.IntField()
    email_id = fields.IntField()  # no FK: like the events, kept when the email is deleted
    inbound_id = fields.BigIntField(null=True)  # the received message (inbound_message)
    from_address = fields.CharField(max_length=320, default="")
    received_at = fields.DatetimeField()
    subject = fields.CharField(max_length=998, default="")
    text = fields.TextField(default="")
    snippet = fields.CharField(max_length=200, default="")
    matched_by = fields.CharEnumField(ReplyMatch, max_length=8)
    automatic = fields.BooleanField(default=False)  # an out-of-office or other automatic answer

    class Meta:
        table = "email_reply"
        indexes = (Index(fields=("email_id", "received_at", "id")),)


# Where the quoted original starts: "On … wrote:" (Gmail, Apple; also split over two lines),
# Outlook's header block or separator, "-----Original Message-----", and their translations.
_QUOTE_START = re.compile(
    r"^\s*(?:"
    r"on\b.{0,300}\bwrote:\s*$|"
    r"le\b.{0,300}\ba [ée]crit\s?:\s*$|"
    r"am\b.{0,300}\bschrieb.{0,100}:\s*$|"
    r"-{2,}\s*original message\s*-{2,}|"
    r"_{10,}\s*$|"
    r"from:\s.+$"
    r")",
    re.IGNORECASE,
)
_WROTE_END = re.compile(r"\bwrote:\s*$|\ba [ée]crit\s?:\s*$", re.IGNORECASE)


class _TextOf(HTMLParser):
    """Visible text of an HTML part (no scripts/styles), blocks on their own lines."""

    _BLOCKS = {"p", "div", "br", "tr", "li", "blockquote", "h1", "h2", "h3", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quoted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self._quoted += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag == "blockquote":
            self._quoted = max(0, self._quoted - 1)
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._quoted:
            self.parts.append(data)


def _body(message: Message) -> str:
    plain = html_text = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        if part.get_content_type() == "text/plain" and plain is None:
            plain = text
        elif part.get_content_type() == "text/html" and html_text is None:
            html_text = text
    if plain is not None:
        return plain
    if html_text is not None:
        parser = _TextOf()
        parser.feed(html_text)
        return html.unescape("".join(parser.parts))
    return ""


def new_text(body: str) -> str:
    """The reply's own words: everything before the quoted original, no `>` lines, no signature
    separator and what follows it."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _QUOTE_START.match(line) or (
            line.strip().lower().startswith("on ") and _WROTE_END.search(following)
        ):
            break
        if line.rstrip() == "--":  # the signature separator ("-- ")
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)[:MAX_TEXT]


def reply_text(message: Message) -> str:
    return new_text(_body(message))


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1].rstrip() + "…"


def addressed_to(message: Message) -> set[str]:
    """The lower-cased addresses a message was sent to (To, Cc, Delivered-To)."""
    values = [str(v) for name in ("To", "Cc", "Delivered-To") for v in message.get_all(name, [])]
    return {address.lower() for _, address in getaddresses(values) if address}


async def match_by_address(sender: str, recipients: Iterable[str]) -> Email | None:
    """The latest email delivered to `sender` (a prospect writing without threading headers),
    within the one team the message can belong to; None when none or ambiguous."""
    sender = sender.strip().lower()
    if not sender:
        return None
    people = await Person.filter(email=sender).values_list("id", flat=True)
    query = Email.filter(Q(person_id__in=list(people)) | Q(recipients_text=sender)).filter(
        status__in=DELIVERED
    )
    owners = await User.filter(email__in=sorted(set(recipients))).values_list("id", flat=True)
    if owners:
        mailed_to_owner = query.filter(owner_id__in=list(owners))
        if await mailed_to_owner.exists():
            query = mailed_to_owner
    teams = await query.distinct().values_list("team_id", flat=True)
    if len(set(teams)) != 1:
        return None  # no email to this address, or several teams: not ours to guess
    return await query.order_by("-delivered_at", "-id").first()
