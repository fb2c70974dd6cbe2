"""What the live layer hears when an API token is revoked: one message on the event bus.

Every API process closes the revoked token's WebSockets and SSE streams when it hears it. The
message names the token three ways (id, owner, SHA-256 hash of the secret — never the secret), so
an in-process token cache can evict by whichever key it uses without reading the database.
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
