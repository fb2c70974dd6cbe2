"""Is this exception the database being away, rather than a bug?

Every public entry point (GraphQL, tracking, unsubscribe, inbound over HTTP and SMTP) answers a
database outage with a "try again later" of its own kind (HTTP 503 + Retry-After, SMTP 451…)
instead of a 500 with the driver's text; they all ask this one function. It walks the exception's
cause/context chain, because Tortoise wraps driver errors (DBConnectionError around asyncpg's,
OperationalError around sqlite3's).

Counted as an outage: no connection (refused, reset, closed, timed out, DNS), PostgreSQL refusing
connections (too many, starting up, shutting down, database dropped) and SQLite unable to open or
read its file. Not counted: constraint violations, missing tables, bad SQL — those are bugs and
stay internal errors.
"""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions as pg
from tortoise.exceptions import DBConnectionError

RETRY_AFTER_SECONDS = 5  # what clients are told to wait before trying again

_PG_OUTAGES: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,  # SQLSTATE class 08: connection exceptions
    pg.CannotConnectNowError,  # 57P03: starting up / recovering
    pg.AdminShutdownError,  # 57P01
    pg.CrashShutdownError,  # 57P02
    pg.TooManyConnectionsError,  # 53300: connection limit reached
    pg.InvalidCatalogNameError,  # 3D000: the database was dropped
    pg.ConnectionDoesNotExistError,  # the connection died under a query
    pg.ReadOnlySQLTransactionError,  # 25006: a fail-over left us on a read-only standby
)
_SQLITE_OUTAGES = (
    "unable to open database file",
    "file is not a database",
    "database disk image is malformed",
    "disk i/o error",
    "database is locked",
    "readonly database",
)


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, (DBConnectionError, ConnectionError, TimeoutError, *_PG_OUTAGES)):
        return True
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError | PermissionError):
        return True  # sockets: unreachable host, name resolution…
    if isinstance(error, pg.InterfaceError) and "connection" in str(error).lower():
        return True  # "cannot call …: connection is closed"
    if isinstance(error, sqlite3.DatabaseError):
        text = str(error).lower()
        return any(part in text for part in _SQLITE_OUTAGES)
    return False


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when `error`, or anything it was raised from, says the database cannot be reached."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _is_outage(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def summary(error: BaseException) -> str:
    """One line for the log (never for clients): the innermost error's type and message."""
    inner = error
    while (inner.__cause__ or inner.__context__) is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    text = " ".join(str(inner).split())[:300]
    return f"{type(inner).__name__}: {text}" if text else type(inner).__name__
