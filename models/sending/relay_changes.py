"""What the live layer hears when the SMTP relay goes DOWN or comes back UP: one bus message.

Dashboards subscribed to `sendingStatusChanged` learn at once that sending paused or resumed,
whichever process (worker or API) noticed it (models/sending/relay.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

TYPE = "relay"  # the "type" of relay messages on the shared bus


@dataclass(frozen=True, slots=True)
class RelayChanged:
    state: str  # "UP" or "DOWN" (models.sending.relay.RelayState)
    since: datetime
    last_error: str | None
    next_probe_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": TYPE,
            "state": self.state,
            "since": self.since.isoformat(),
            "lastError": self.last_error,
            "nextProbeAt": self.next_probe_at.isoformat() if self.next_probe_at else None,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> RelayChanged:
        probe = value.get("nextProbeAt")
        return cls(
            state=str(value["state"]),
            since=datetime.fromisoformat(value["since"]),
            last_error=value.get("lastError"),
            next_probe_at=datetime.fromisoformat(probe) if probe else None,
        )
