"""Two statements the sending pipeline runs per batch instead of one per email.

Tortoise builds one query per call, and building it costs more CPU than SQLite spends running it;
a batch of 25 claims was 50 queries. These write the same rows through the same field
conversions (`to_db_value`), as one `UPDATE … RETURNING` and one multi-row `INSERT … RETURNING`,
on SQLite (3.35+) and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.emails.tables import Email, EmailEvent, EmailStatus


class _Params:
    """Positional parameters in the connection's style: `?` (SQLite) or `$n` (PostgreSQL)."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.numbered = conn.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.numbered else "?"


def _column(model: type[Email] | type[EmailEvent], name: str) -> str:
    field = model._meta.fields_map[name]
    return f'"{field.source_field or name}"'


def _db_value(model: type[Email] | type[EmailEvent], name: str, value: Any) -> Any:
    return model._meta.fields_map[name].to_db_value(value, model)


async def update_emails(
    conn: BaseDBAsyncClient,
    emails: Sequence[Email],
    status: EmailStatus,
    values: dict[str, Any],
) -> set[int]:
    """Set `values` on those of `emails` still at `status` and at their version (bumping it);
    returns the ids that were updated. Rows changed meanwhile are left alone."""
    params = _Params(conn)
    sets = [
        f"{_column(Email, n)} = {params.add(_db_value(Email, n, v))}" for n, v in values.items()
    ]
    # Parameters are added in the order they appear: `?` placeholders are positional.
    where = f'"status" = {params.add(status.value)}'
    current = " OR ".join(
        f'("id" = {params.add(e.id)} AND "version" = {params.add(e.version)})' for e in emails
    )
    sql = (
        f'UPDATE "email" SET {", ".join(sets)}, "version" = "version" + 1 '
        f'WHERE {where} AND ({current}) RETURNING "id"'
    )
    rows = await conn.execute_query_dict(sql, params.values)
    return {int(row["id"]) for row in rows}


async def store_rendered(
    conn: BaseDBAsyncClient, rendered: Sequence[tuple[int, str, str, str]]
) -> None:
    """Keep what each claimed email became for its recipient: `(id, subject, html, text)`.

    The text as written moves to the `source_*` columns (kept if already there) in the same
    statement: SQL reads the old values on the right-hand side of every SET."""
    if not rendered:
        return
    params = _Params(conn)
    sets = [
        f'"source_{name}" = COALESCE("source_{name}", "{name}")'
        for name in ("subject", "body_html", "body_text")
    ]
    for position, name in enumerate(("subject", "body_html", "body_text"), start=1):
        cases = " ".join(
            f"WHEN {params.add(row[0])} THEN {params.add(row[position])}" for row in rendered
        )
        sets.append(f'"{name}" = CASE "id" {cases} END')
    ids = ", ".join(params.add(row[0]) for row in rendered)
    status = params.add(EmailStatus.IN_PROGRESS.value)
    sql = f'UPDATE "email" SET {", ".join(sets)} WHERE "id" IN ({ids}) AND "status" = {status}'
    await conn.execute_query(sql, params.values)


_EVENT_COLUMNS = (
    "team_id",
    "owner_id",
    "email_id",
    "kind",
    "machine",
    "actor_id",
    "previous_status",
    "new_status",
    "occurred_at",
    "data",
)


async def insert_events(conn: BaseDBAsyncClient, events: Sequence[EmailEvent]) -> None:
    """Insert unsaved events (at most one per email) and give each its id."""
    if not events:
        return
    params = _Params(conn)
    rows = []
    for event in events:
        values = []
        for name in _EVENT_COLUMNS:
            values.append(params.add(_db_value(EmailEvent, name, getattr(event, name))))
        rows.append(f"({', '.join(values)})")
    columns = ", ".join(_column(EmailEvent, name) for name in _EVENT_COLUMNS)
    sql = (
        f'INSERT INTO "email_event" ({columns}) VALUES {", ".join(rows)} RETURNING "id", "email_id"'
    )
    returned = await conn.execute_query_dict(sql, params.values)
    ids = {int(row["email_id"]): int(row["id"]) for row in returned}
    for event in events:
        event.id = ids[event.email_id]


async def record_smtp(
    conn: BaseDBAsyncClient,
    started: Sequence[int],
    accepted: Sequence[tuple[int, str]],
    at: Any,
) -> None:
    """One statement for the SMTP journal (workers/delivery.py): the emails in `started` begin
    their SMTP transaction at `at`; the relay accepted the emails of `accepted` (`(id, reply)`).
    Only IN_PROGRESS rows change; bookkeeping, so no version bump."""
    if not started and not accepted:
        return
    params = _Params(conn)
    sets = []
    if started:
        # Added in the order they appear in the SQL: `?` placeholders are positional.
        ids = ", ".join(params.add(email_id) for email_id in started)
        when = params.add(_db_value(Email, "smtp_started_at", at))
        sets.append(
            f'"smtp_started_at" = CASE WHEN "id" IN ({ids}) THEN {when} ELSE "smtp_started_at" END'
        )
    if accepted:
        cases = " ".join(
            f"WHEN {params.add(email_id)} THEN {params.add(reply)}" for email_id, reply in accepted
        )
        sets.append(f'"smtp_reply" = CASE "id" {cases} ELSE "smtp_reply" END')
    every = ", ".join(params.add(i) for i in [*started, *(i for i, _ in accepted)])
    status = params.add(EmailStatus.IN_PROGRESS.value)
    sql = f'UPDATE "email" SET {", ".join(sets)} WHERE "id" IN ({every}) AND "status" = {status}'
    await conn.execute_query(sql, params.values)
