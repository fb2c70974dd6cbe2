"""API tokens kept in process, so an authenticated request does not read its token and user.

Reading the token (and its user) was about a tenth of a listing request. Entries are keyed by
the SHA-256 hash of the secret (never the secret), bounded in number (least recently used go
first) and in age (`CC_TOKEN_CACHE_SECONDS`, a net), and dropped at once when:

- the token is revoked: in the revoking process directly, in every other one when the bus's
  `token-revoked` message arrives (events/setup.py wires `heard` to the bus);
- its user changes (`user-changed`: name, time zone, working hours), so no process answers with
  a stale viewer;
- the bus opens or closes (a process switching databases, as tests and benchmarks do). A process
  that does not listen to a bus keeps nothing: it would not hear other processes' revocations.

A lookup that read the database while something was evicted is not cached: `generation` moves on
every eviction, and `put` refuses an entry read under an older one. So a read racing a revocation
can answer its own request (it was concurrent) but never puts the revoked token back.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from config.settings import get_settings
from models.teams.revocations import TokenRevoked, UserChanged
from models.teams.tables import ApiToken


class TokenCache:
    def __init__(self) -> None:
        # token hash -> (monotonic time it was read, the token with its user loaded)
        self._entries: OrderedDict[str, tuple[float, ApiToken]] = OrderedDict()
        self.generation = 0
        # Only while this process hears the bus (events/setup.py): without it, a revocation by
        # another process would go unheard, so nothing is kept.
        self.listening = False

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token_hash: str) -> ApiToken | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        read_at, token = entry
        if time.monotonic() - read_at >= get_settings().token_cache_seconds:
            del self._entries[token_hash]
            return None
        self._entries.move_to_end(token_hash)
        return token

    def put(self, token_hash: str, token: ApiToken, generation: int) -> None:
        """Keep `token`, read while `generation` was current; refused if anything was evicted
        since (the read may predate a revocation)."""
        settings = get_settings()
        if not self.listening or generation != self.generation or settings.token_cache_seconds <= 0:
            return
        self._entries[token_hash] = (time.monotonic(), token)
        self._entries.move_to_end(token_hash)
        while len(self._entries) > settings.token_cache_size:
            self._entries.popitem(last=False)

    def forget(self, *, token_hash: str | None = None, token_id: int | None = None) -> None:
        self.generation += 1
        if token_hash is not None:
            self._entries.pop(token_hash, None)
        if token_id is not None:
            self._drop(lambda token: token.id == token_id)

    def forget_user(self, user_id: int) -> None:
        self.generation += 1
        self._drop(lambda token: token.user_id == user_id)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def heard(self, changes: Iterable[object]) -> None:
        """A bus listener: drop what revocations and user changes make stale."""
        for change in changes:
            if isinstance(change, TokenRevoked):
                self.forget(token_hash=change.token_hash, token_id=change.token_id)
            elif isinstance(change, UserChanged):
                self.forget_user(change.user_id)

    def _drop(self, stale: Callable[[ApiToken], bool]) -> None:
        for key in [key for key, (_at, token) in self._entries.items() if stale(token)]:
            del self._entries[key]


tokens = TokenCache()  # the process's cache
