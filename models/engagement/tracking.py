"""Tracking links: the opaque tokens behind the open pixel, rewritten links and unsubscribe URLs.

A token is random (`secrets.token_urlsafe`), stored with what it stands for: nothing in a URL can
be guessed or edited into another email's token or another destination, so a forged URL is a 404
and a click redirects only to the URL stored here (no open redirect). One OPEN and one
UNSUBSCRIBE token per email, one CLICK token per distinct URL; a retry reuses them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from config.settings import get_settings
from models.base import clock
from models.emails.tables import Email

TOKEN_BYTES = 24  # 32 URL-safe characters, 192 random bits
MAX_TOKEN_LENGTH = 64


class TrackingKind(StrEnum):
    OPEN = "OPEN"
    CLICK = "CLICK"
    UNSUBSCRIBE = "UNSUBSCRIBE"


class TrackingLink(Model):
    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=MAX_TOKEN_LENGTH, unique=True)
    team_id = fields.IntField()
    # Deleting an email deletes its tokens: their URLs then answer 404.
    email: fields.ForeignKeyRelation[Email] = fields.ForeignKeyField(
        "models.Email", related_name="tracking_links", on_delete=fields.CASCADE
    )
    email_id: int
    kind = fields.CharEnumField(TrackingKind, max_length=16)
    url = fields.TextField(null=True)  # CLICK: the destination, as written in the email
    created_at = fields.DatetimeField()

    class Meta:
        table = "tracking_link"
        indexes = (Index(fields=("email_id",)),)


@dataclass
class EmailTokens:
    """An email's tokens: the ones it had already and those created now."""

    open: str
    unsubscribe: str
    clicks: dict[str, str] = field(default_factory=dict)  # url → token


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def tokens_for_batch(emails: Sequence[Email], urls: Sequence[list[str]]) -> list[EmailTokens]:
    """Each email's tokens covering its `urls[i]`, creating only the missing ones (a retry reuses
    them): one read and one insert for the whole batch."""
    if not emails:
        return []
    found: dict[tuple[int, TrackingKind, str | None], str] = {}
    existing = await TrackingLink.filter(email_id__in=[e.id for e in emails]).order_by("id")
    for link in existing:
        url = link.url if link.kind is TrackingKind.CLICK else None
        found.setdefault((link.email_id, link.kind, url), link.token)
    now = clock.now()
    wanted: list[list[tuple[TrackingKind, str | None]]] = []
    missing: list[TrackingLink] = []
    for email, email_urls in zip(emails, urls, strict=True):
        keys: list[tuple[TrackingKind, str | None]] = [
            (TrackingKind.OPEN, None),
            (TrackingKind.UNSUBSCRIBE, None),
            *((TrackingKind.CLICK, url) for url in dict.fromkeys(email_urls)),
        ]
        wanted.append(keys)
        for kind, url in keys:
            if (email.id, kind, url) in found:
                continue
            link = TrackingLink(
                token=new_token(),
                team_id=email.team_id,
                email_id=email.id,
                kind=kind,
                url=url,
                created_at=now,
            )
            found[(email.id, kind, url)] = link.token
            missing.append(link)
    if missing:
        await TrackingLink.bulk_create(missing)
    return [
        EmailTokens(
            open=found[(email.id, TrackingKind.OPEN, None)],
            unsubscribe=found[(email.id, TrackingKind.UNSUBSCRIBE, None)],
            clicks={url: found[(email.id, kind, url)] for kind, url in keys if url is not None},
        )
        for email, keys in zip(emails, wanted, strict=True)
    ]


async def resolve(token: str, kind: TrackingKind) -> tuple[TrackingLink, Email] | None:
    """The link and its email, or None for an unknown, forged or deleted one (nothing written)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = await TrackingLink.get_or_none(token=token, kind=kind)
    if link is None:
        return None
    email = await Email.get_or_none(id=link.email_id, team_id=link.team_id)
    return (link, email) if email is not None else None


def public_url(path: str) -> str:
    return get_settings().public_base_url() + path


def open_url(token: str) -> str:
    return public_url(f"/t/o/{token}.gif")


def click_url(token: str) -> str:
    return public_url(f"/t/c/{token}")


def unsubscribe_url(token: str) -> str:
    return public_url(f"/u/{token}")
