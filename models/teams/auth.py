"""Users and API tokens. A token is shown once; only its SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from tortoise.transactions import in_transaction

from models.base import clock, zones
from models.base.addresses import normalise_address
from models.base.errors import DomainError, ErrorCode
from models.emails import counters
from models.teams.tables import ApiToken, Role, Team, User

TOKEN_PREFIX = "cc_"


def hash_token(secret: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_token(user: User, label: str = "") -> str:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.create(user_id=user.id, token_hash=hash_token(secret), label=label)
    return secret


async def authenticate(secret: str | None) -> User | None:
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        await ApiToken.filter(token_hash=hash_token(secret), revoked_at=None)
        .select_related("user")  # one query per request, not two
        .first()
    )
    return token.user if token is not None else None


async def revoke_token(secret: str) -> bool:
    updated = await ApiToken.filter(token_hash=hash_token(secret), revoked_at=None).update(
        revoked_at=clock.now()
    )
    return bool(updated)


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
