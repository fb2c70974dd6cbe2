"""Bulk sends: Group email (one body, up to 1,000 people) and Select & Send (up to 200, each email
editable before it goes).

Bulk emails are never drafts: each recipient gets one email created directly as SCHEDULED (due at
`send_at`, or now), all sharing one group id. The whole send is checked first and refused as a
whole (nothing created) for bad input: over the limit, unknown or foreign person IDs, bad fields.
Recipients who cannot be sent to are skipped and reported one by one: unsubscribed people,
repeated IDs, and people for whom a dynamic field would not resolve (it would fail at send time).

Everything is written in one transaction with bulk inserts: emails, their CREATED events, one
counter update, and the idempotency row (models/bulk/requests), which makes retries safe.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.base import clock, hooks
from models.base.errors import DomainError, ErrorCode
from models.bulk.checks import check_shape, validated
from models.bulk.requests import BulkRequest, replayed_errors, request_hash, stored_errors
from models.bulk.shapes import (
    BulkOutcome,
    BulkSend,
    RecipientResult,
    RecipientStatus,
)
from models.emails import counters
from models.emails.commands import new_message_id
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.people import bounces
from models.people.tables import Person
from models.teams import scope
from models.teams.tables import User
from models.templates import merge

BATCH = 200  # rows per INSERT: well under SQLite's bound-parameter limit


async def send_bulk(viewer: User, send: BulkSend) -> BulkOutcome:
    check_shape(send)
    digest = request_hash(send)
    previous = await _previous(viewer, send.idempotency_key, digest)
    if previous is not None:
        return previous
    values, people = await validated(viewer, send)
    dead = await bounces.undeliverable(viewer.team_id, [p.email for p in people.values()])
    results = _plan(viewer, send, values, people, dead)
    try:
        return await _create(viewer, send, digest, values, results)
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as a retry would be.
        previous = await _previous(viewer, send.idempotency_key, digest)
        if previous is None:
            raise
        return previous


async def _previous(viewer: User, key: str, digest: str) -> BulkOutcome | None:
    row = await BulkRequest.get_or_none(team_id=viewer.team_id, user_id=viewer.id, key=key.strip())
    if row is None:
        return None
    if row.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for a different request; use a new key.",
            "idempotencyKey",
        )
    return await _replay(viewer, row)


async def _replay(viewer: User, row: BulkRequest) -> BulkOutcome:
    person_ids = {r["personId"] for r in row.results}
    email_ids = {r["emailId"] for r in row.results if r["emailId"] is not None}
    people = {p.id: p for p in await scope.visible_people(viewer).filter(id__in=person_ids)}
    emails = {e.id: e for e in await Email.filter(id__in=email_ids, team_id=viewer.team_id)}
    results = [
        RecipientResult(
            person=people[r["personId"]],
            status=RecipientStatus(r["status"]),
            email=emails.get(r["emailId"]),  # None once deleted since
            errors=replayed_errors(r["errors"]),
        )
        for r in row.results
        if r["personId"] in people  # a person deleted since is left out
    ]
    return BulkOutcome(group_id=row.group_id, results=results, replayed=True)


_PARTS = (("subject", "subject"), ("body_html", "bodyHtml"), ("body_text", "bodyText"))


def _plan(
    viewer: User,
    send: BulkSend,
    values: dict[str, Any],
    people: dict[int, Person],
    undeliverable: set[str],
) -> list[tuple[RecipientResult, dict[str, str]]]:
    """What happens to each requested person (in request order), with their email's text."""
    overrides = {o.person_id: (i, o) for i, o in enumerate(send.overrides)}
    planned: list[tuple[RecipientResult, dict[str, str]]] = []
    seen: set[int] = set()
    for pk in send.person_ids:
        assert pk is not None  # checked by _validated
        person = people[pk]
        if pk in seen:
            planned.append((_skipped(person, RecipientStatus.SKIPPED_DUPLICATE), {}))
            continue
        seen.add(pk)
        if person.unsubscribed:
            planned.append((_skipped(person, RecipientStatus.SKIPPED_UNSUBSCRIBED), {}))
            continue
        if person.email.lower() in undeliverable:
            planned.append((_skipped(person, RecipientStatus.SKIPPED_BOUNCED), {}))
            continue
        index, override = overrides.get(pk, (-1, None))
        texts: dict[str, str] = {}
        errors: list[DomainError] = []
        for column, name in _PARTS:
            own = getattr(override, column) if override else None
            texts[column] = own if own is not None else values.get(column, "")
            # Point at the text the problem is in: this person's override, or the shared one.
            field_name = f"overrides[{index}].{name}" if own is not None else name
            errors.extend(_merge_errors(column, texts[column], field_name, person, viewer))
        status = RecipientStatus.SKIPPED_MERGE_PROBLEM if errors else RecipientStatus.QUEUED
        planned.append((RecipientResult(person, status, errors=errors), texts))
    return planned


def _skipped(person: Person, status: RecipientStatus) -> RecipientResult:
    if status is RecipientStatus.SKIPPED_DUPLICATE:
        error = DomainError(
            ErrorCode.DUPLICATE, "Listed more than once; this person gets one email.", "personIds"
        )
    elif status is RecipientStatus.SKIPPED_BOUNCED:
        error = DomainError(
            ErrorCode.RECIPIENT_BOUNCED,
            f"{person.email} bounced and is marked undeliverable; it is not sent to.",
            "personIds",
        )
    else:
        error = DomainError(
            ErrorCode.RECIPIENT_UNSUBSCRIBED,
            f"{person.email} has unsubscribed and is never sent to.",
            "personIds",
        )
    return RecipientResult(person, status, errors=[error])


def _merge_errors(
    column: str, source: str, field_name: str, person: Person, sender: User
) -> list[DomainError]:
    # Rendered in its own place (subject, HTML or text body), so messages name the right part.
    parts = {"subject": "", "body_html": "", "body_text": "", column: source}
    rendered = merge.render_parts(
        parts["subject"], parts["body_html"], parts["body_text"], merge.merge_values(person, sender)
    )
    return [DomainError(ErrorCode(p.code), p.message, field_name) for p in rendered.problems]


async def _create(
    viewer: User,
    send: BulkSend,
    digest: str,
    values: dict[str, Any],
    planned: list[tuple[RecipientResult, dict[str, str]]],
) -> BulkOutcome:
    at = clock.now()
    group_id = str(uuid.uuid4())
    due = values.get("scheduled_at") or at
    queued = [(r, texts) for r, texts in planned if r.status is RecipientStatus.QUEUED]
    rows = [
        Email(
            team_id=viewer.team_id,
            owner_id=viewer.id,
            person_id=r.person.id,
            campaign_id=values.get("campaign_id"),
            template_id=values.get("template_id"),
            to_addresses=[r.person.email],
            recipients_text=r.person.email.lower(),
            subject=texts["subject"],
            body_html=texts["body_html"],
            body_text=texts["body_text"],
            status=EmailStatus.SCHEDULED,
            status_at=due,
            scheduled_at=due,
            bulk_kind=send.kind,
            group_id=group_id,
            message_id=new_message_id(),
            created_at=at,
            updated_at=at,
        )
        for r, texts in queued
    ]
    async with in_transaction() as conn:
        await Email.bulk_create(rows, batch_size=BATCH, using_db=conn)
        # bulk_create does not return primary keys on every backend: read them back by group.
        created = {e.person_id: e for e in await Email.filter(group_id=group_id).using_db(conn)}
        for result, _texts in queued:
            result.email = created[result.person.id]
        await EmailEvent.bulk_create(
            [_created_event(email, viewer, at) for email in created.values()],
            batch_size=BATCH,
            using_db=conn,
        )
        if created:
            await counters.adjust(
                viewer.team_id, viewer.id, EmailStatus.SCHEDULED, len(created), conn
            )
        results = [result for result, _texts in planned]
        await BulkRequest.create(
            team_id=viewer.team_id,
            user_id=viewer.id,
            key=send.idempotency_key.strip(),
            request_hash=digest,
            group_id=group_id,
            results=[_stored(r) for r in results],
            created_at=at,
            using_db=conn,
        )
    if created:
        events = await EmailEvent.filter(
            email_id__in=[e.id for e in created.values()], kind=EmailEventKind.CREATED
        ).order_by("id")
        await hooks.events_committed(events)
    return BulkOutcome(group_id=group_id, results=results)


def _created_event(email: Email, actor: User, at: datetime) -> EmailEvent:
    # The same event `transitions.record_created` writes for a single email, plus the group.
    return EmailEvent(
        team_id=email.team_id,
        owner_id=email.owner_id,
        email_id=email.id,
        kind=EmailEventKind.CREATED,
        actor_id=actor.id,
        previous_status=None,
        new_status=email.status,
        occurred_at=at,
        data={"bulkKind": email.bulk_kind.value, "groupId": email.group_id},
    )


def _stored(result: RecipientResult) -> dict[str, Any]:
    return {
        "personId": result.person.id,
        "status": result.status.value,
        "emailId": result.email.id if result.email else None,
        "errors": stored_errors(result.errors),
    }
