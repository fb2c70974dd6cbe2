"""Checking a bulk send before anything is written: the whole request is refused, with every
problem listed, when its shape or any field is wrong (see models/bulk/commands)."""

from __future__ import annotations

from typing import Any

from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.base.text import bad_character, invalid_character
from models.bulk.shapes import BulkSend
from models.emails.commands import DraftFields, check_send_at, validated_fields
from models.emails.tables import BulkKind
from models.people.tables import Person
from models.teams import scope
from models.teams.tables import User

LIMITS = {BulkKind.GROUP: 1_000, BulkKind.SELECT_AND_SEND: 200}
MAX_KEY = 200


def check_shape(send: BulkSend) -> None:
    """Checks needing no database, so an oversized request costs nothing."""
    problems: list[DomainError] = []
    limit = LIMITS.get(send.kind)
    if limit is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Choose GROUP or SELECT_AND_SEND.", "kind")
    key = send.idempotency_key.strip()
    if not key or len(key) > MAX_KEY:
        problems.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"Give an idempotency key of 1 to {MAX_KEY} characters.",
                "idempotencyKey",
            )
        )
    elif (char := bad_character(key)) is not None:
        problems.append(invalid_character(char, "idempotencyKey"))
    distinct = set(send.person_ids)
    if not send.person_ids:
        problems.append(DomainError(ErrorCode.REQUIRED, "Choose at least one person.", "personIds"))
    elif len(distinct) > limit or len(send.person_ids) > 2 * limit:
        problems.append(
            DomainError(
                ErrorCode.TOO_MANY_RECIPIENTS,
                f"A {send.kind.value} send goes to at most {limit:,} people "
                f"({len(distinct):,} given).",
                "personIds",
            )
        )
    if send.overrides and send.kind is not BulkKind.SELECT_AND_SEND:
        problems.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                "Only Select & Send emails can be edited one by one; a Group email has one body.",
                "overrides",
            )
        )
    if problems:
        raise ValidationErrors(problems)


async def validated(viewer: User, send: BulkSend) -> tuple[dict[str, Any], dict[int, Person]]:
    """The shared column values and the recipients, or every problem at once."""
    problems: list[DomainError] = []
    values: dict[str, Any] = {}
    try:
        values = await validated_fields(
            viewer,
            DraftFields(
                subject=send.subject,
                body_html=send.body_html,
                body_text=send.body_text,
                template_id=send.template_id,
                campaign_id=send.campaign_id,
            ),
        )
    except ValidationErrors as error:
        problems.extend(error.errors)
    if not problems and not values.get("subject", "").strip():
        problems.append(DomainError(ErrorCode.REQUIRED, "A bulk email needs a subject.", "subject"))
    if not problems and not (values.get("body_html") or values.get("body_text") or "").strip():
        problems.append(DomainError(ErrorCode.REQUIRED, "A bulk email needs a body.", "bodyHtml"))
    if send.send_at is not None:
        try:
            values["scheduled_at"] = check_send_at(send.send_at)
        except DomainError as error:
            problems.append(error)
    wanted = {pk for pk in send.person_ids if pk is not None}
    people = {p.id: p for p in await scope.visible_people(viewer).filter(id__in=wanted)}
    for index, pk in enumerate(send.person_ids):
        if pk is None or pk not in people:
            # Another team's person is reported exactly like one that does not exist.
            problems.append(
                DomainError(ErrorCode.NOT_FOUND, "Person not found.", f"personIds[{index}]")
            )
    problems.extend(await _override_problems(viewer, send, set(people)))
    if problems:
        raise ValidationErrors(problems)
    return values, people


async def _override_problems(
    viewer: User, send: BulkSend, recipients: set[int]
) -> list[DomainError]:
    problems: list[DomainError] = []
    seen: set[int] = set()
    for index, override in enumerate(send.overrides):
        prefix = f"overrides[{index}]"
        if override.person_id is None or override.person_id not in recipients:
            problems.append(
                DomainError(
                    ErrorCode.NOT_FOUND,
                    "This person is not among the recipients.",
                    f"{prefix}.personId",
                )
            )
        elif override.person_id in seen:
            problems.append(
                DomainError(ErrorCode.DUPLICATE, "One override per person.", f"{prefix}.personId")
            )
        else:
            seen.add(override.person_id)
        try:
            fields = DraftFields(
                subject=override.subject,
                body_html=override.body_html,
                body_text=override.body_text,
            )
            await validated_fields(viewer, fields)
        except ValidationErrors as error:
            for e in error.errors:
                problems.append(DomainError(e.code, e.message, f"{prefix}.{e.field}"))
    return problems
