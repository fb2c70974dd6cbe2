"""Users and API tokens. A token is shown once; only its SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.base import clock, hooks, zones
from models.base.addresses import normalise_address
from models.base.errors import DomainError, ErrorCode, not_found
from models.base.text import check_line
from models.emails import counters
from models.teams.revocations import TokenRevoked
from models.teams.tables import ApiToken, Role, Team, User
from models.teams.token_cache import tokens as token_cache

TOKEN_PREFIX = "cc_"
MAX_LABEL = 100
LAST_USED_EVERY = timedelta(minutes=1)  # how fresh `last_used_at` is kept, at most


def hash_token(secret: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_token(user: User, label: str = "") -> str:
    _token, secret = await _create_token(user, label)
    return secret


async def _create_token(user: User, label: str) -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(user_id=user.id, token_hash=hash_token(secret), label=label)
    return token, secret


async def authenticate_token(secret: str | None) -> ApiToken | None:
    """The live token of `secret`, its user loaded; its use recorded at most once a minute."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token_hash = hash_token(secret)
    token = token_cache.get(token_hash)  # kept in process until revoked (models/teams/token_cache)
    if token is None:
        generation = token_cache.generation
        token = (
            await ApiToken.filter(token_hash=token_hash, revoked_at=None)
            .select_related("user")  # one query per request, not two
            .first()
        )
        if token is None:
            return None
        token_cache.put(token_hash, token, generation)
    await _record_use(token)
    return token


async def authenticate(secret: str | None) -> User | None:
    token = await authenticate_token(secret)
    return token.user if token is not None else None


async def _record_use(token: ApiToken) -> None:
    # Judged on the row just read, so a busy token costs one conditional UPDATE a minute, and the
    # condition keeps it to one across processes.
    # The token may be the cached one that concurrent requests share: marked before the write,
    # so they do not all write it.
    now = clock.now()
    stale = now - LAST_USED_EVERY
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    token.last_used_at = now
    await ApiToken.filter(Q(last_used_at=None) | Q(last_used_at__lte=stale), id=token.id).update(
        last_used_at=now
    )


def _label(value: str | None) -> str:
    label = (value or "").strip()
    if len(label) > MAX_LABEL:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_LABEL} characters.", "label")
    check_line(label, "label")
    return label


async def create_token(viewer: User, label: str | None) -> tuple[ApiToken, str]:
    """A new token of the caller; the secret is returned here and never again."""
    return await _create_token(viewer, _label(label))


async def list_tokens(user: User) -> list[ApiToken]:
    """The user's live tokens, newest first (their secrets are not stored)."""
    return await ApiToken.filter(user_id=user.id, revoked_at=None).order_by("-created_at", "-id")


def revocable_tokens(viewer: User) -> QuerySet[ApiToken]:
    """Members revoke their own tokens; team admins (ADMIN) any token of their team."""
    query = ApiToken.filter(user__team_id=viewer.team_id)
    return query if viewer.role is Role.ADMIN else query.filter(user_id=viewer.id)


async def revoke_token_id(viewer: User, token_id: int, field: str = "id") -> ApiToken:
    """Revoke one token the caller may revoke. Another team's id is NOT_FOUND, like a missing
    one; revoking a revoked token changes nothing and answers it as it is."""
    token = await revocable_tokens(viewer).get_or_none(id=token_id)
    if token is None:
        raise not_found("Token", field)
    return await _revoke(token)


async def revoke_token(secret: str) -> ApiToken | None:
    """Operators (CLI): revoke by the secret itself. None when no such token exists."""
    token = await ApiToken.get_or_none(token_hash=hash_token(secret))
    return await _revoke(token) if token is not None else None


async def revoke_any_token(token_id: int) -> ApiToken | None:
    """Operators (CLI): revoke by id, whatever the team. None when no such token exists."""
    token = await ApiToken.get_or_none(id=token_id)
    return await _revoke(token) if token is not None else None


async def _revoke(token: ApiToken) -> ApiToken:
    now = clock.now()
    updated = await ApiToken.filter(id=token.id, revoked_at=None).update(revoked_at=now)
    # This process refuses it from the next request on; the others when the bus tells them.
    token_cache.forget(token_hash=token.token_hash, token_id=token.id)
    await token.refresh_from_db()
    if updated:
        owner = await User.get(id=token.user_id)
        # Committed (autocommit): every API process now closes the token's live connections.
        await hooks.tokens_revoked(
            [
                TokenRevoked(
                    token_id=token.id,
                    user_id=token.user_id,
                    team_id=owner.team_id,
                    token_hash=token.token_hash,
                    revoked_at=token.revoked_at or now,
                )
            ]
        )
    return token


async def get_or_create_team(name: str) -> Team:
    team = await Team.filter(name=name).first()
    return team or await Team.create(name=name)


async def create_user(
    team: Team,
    email: str,
    *,
    name: str = "",
    role: Role = Role.MEMBER,
    timezone: str = "UTC",
) -> User:
    address = normalise_address(email, "email")
    timezone = zones.check_zone(timezone, "timezone")
    if await User.filter(email=address).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"A user with {address} already exists.", "email")
    async with in_transaction() as conn:
        user = await User.create(
            team_id=team.id,
            email=address,
            name=name,
            role=role,
            timezone=timezone,
            using_db=conn,
        )
        await counters.ensure_counters(team.id, user.id, conn)
    return user
