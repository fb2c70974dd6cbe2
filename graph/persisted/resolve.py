"""The document an HTTP request runs: its own text, or the one its persisted-query hash names.

Apollo's automatic persisted queries: a client sends `extensions.persistedQuery.sha256Hash`
alone; an unknown hash answers PERSISTED_QUERY_NOT_FOUND and the client sends hash + query,
which registers the query after its sha256 is checked. With CC_TRUSTED_DOCUMENTS_ONLY=1 only
documents of the trusted manifest run (by hash or by identical text); nothing is registered.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from config.settings import Settings
from graph.persisted.manifest import read_manifest, sha256
from graph.persisted.store import MemoryStore, RedisStore, open_store

HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """A request refused before execution: `code` goes into the error's extensions."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PersistedQueries:
    def __init__(self, settings: Settings) -> None:
        self.store: MemoryStore | RedisStore = open_store(settings)
        self.trusted_only = settings.trusted_documents_only
        path = settings.trusted_documents
        self.trusted: dict[str, str] = read_manifest(Path(path)) if path else {}
        if self.trusted_only and not self.trusted:
            raise ValueError("CC_TRUSTED_DOCUMENTS_ONLY=1 needs a CC_TRUSTED_DOCUMENTS manifest")

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.trusted_only and query is not None and sha256(query) not in self.trusted:
                raise PersistedQueryError(
                    "Only trusted documents may run on this server.", "PERSISTED_QUERY_NOT_ALLOWED"
                )
            return query
        digest = _digest(persisted)
        if query is None:
            found = self.trusted.get(digest)
            if found is None and not self.trusted_only:
                found = await self.store.get(digest)
            if found is None:
                # Apollo's links look for this exact message or code before sending the query.
                raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            return found
        if sha256(query) != digest:
            raise PersistedQueryError(
                "The query's sha256 is not extensions.persistedQuery.sha256Hash.",
                "PERSISTED_QUERY_HASH_MISMATCH",
            )
        if self.trusted_only:
            if digest not in self.trusted:
                raise PersistedQueryError(
                    "Only trusted documents may run on this server.", "PERSISTED_QUERY_NOT_ALLOWED"
                )
        elif digest not in self.trusted:
            await self.store.put(digest, query)
        return query

    async def close(self) -> None:
        if isinstance(self.store, RedisStore):
            await self.store.close()


def _digest(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(
            "extensions.persistedQuery must be {version: 1, sha256Hash}.",
            "PERSISTED_QUERY_NOT_SUPPORTED",
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not HEX_SHA256.fullmatch(digest):
        raise PersistedQueryError(
            "extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits.",
            "PERSISTED_QUERY_NOT_SUPPORTED",
        )
    return digest
