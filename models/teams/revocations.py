"""What every API process hears when an API token is revoked (or its user changes): one message
on the event bus.

Every API process closes the revoked token's WebSockets and SSE streams when it hears it, and
drops the token from its in-process cache (models/teams/token_cache.py). The message names the
token three ways (id, owner, SHA-256 hash of the secret — never the secret), so the cache evicts
by hash without reading the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

TYPE = "token-revoked"  # the "type" of revocation messages on the shared bus


@dataclass(frozen=True, slots=True)
class TokenRevoked:
    token_id: int
    user_id: int
    team_id: int
    token_hash: str
    revoked_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "type": TYPE,
            "tokenId": self.token_id,
            "userId": self.user_id,
            "teamId": self.team_id,
            "tokenHash": self.token_hash,
            "revokedAt": self.revoked_at.isoformat(),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> TokenRevoked:
        return cls(
            token_id=int(value["tokenId"]),
            user_id=int(value["userId"]),
            team_id=int(value["teamId"]),
            token_hash=str(value["tokenHash"]),
            revoked_at=datetime.fromisoformat(value["revokedAt"]),
        )


USER_CHANGED = "user-changed"  # the "type" of a user's profile change on the shared bus


@dataclass(frozen=True, slots=True)
class UserChanged:
    """A user's own data (name, time zone, working hours) changed: every process drops the
    tokens it keeps in memory for that user (models/teams/token_cache.py), so the next request
    reads the user afresh."""

    user_id: int
    team_id: int

    def to_json(self) -> dict[str, Any]:
        return {"type": USER_CHANGED, "userId": self.user_id, "teamId": self.team_id}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> UserChanged:
        return cls(user_id=int(value["userId"]), team_id=int(value["teamId"]))
