"""Idempotency keys of bulk sends: one row per (team, user, key), written in the send's transaction.

The row holds a hash of the request and the per-recipient outcome, so a retried request with the
same key gets the same answer and creates nothing, and the same key with a different request is
refused. The unique constraint settles concurrent retries: the loser's transaction rolls back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base.errors import DomainError, ErrorCode
from models.bulk.shapes import BulkSend
from models.teams.tables import Team, User


class BulkRequest(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="bulk_requests", on_delete=fields.CASCADE
    )
    team_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="bulk_requests", on_delete=fields.CASCADE
    )
    user_id: int
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    group_id = fields.CharField(max_length=36)
    # [{"personId": int, "status": str, "emailId": int | None, "errors": [{code, field, message}]}]
    results: list[dict[str, Any]] = fields.JSONField(default=list)  # type: ignore[assignment]
    created_at = fields.DatetimeField()

    class Meta:
        table = "bulk_request"
        unique_together = (("team_id", "user_id", "key"),)


def request_hash(send: BulkSend) -> str:
    """A fingerprint of everything that shapes the send (not the key itself)."""
    send_at = send.send_at.astimezone(UTC).isoformat() if send.send_at is not None else None
    canonical = {
        "kind": send.kind.value,
        "personIds": send.person_ids,
        "subject": send.subject,
        "bodyHtml": send.body_html,
        "bodyText": send.body_text,
        "templateId": send.template_id,
        "campaignId": send.campaign_id,
        "sendAt": send_at,
        "overrides": [[o.person_id, o.subject, o.body_html, o.body_text] for o in send.overrides],
    }
    raw = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def stored_errors(errors: list[DomainError]) -> list[dict[str, Any]]:
    return [{"code": e.code.value, "field": e.field, "message": e.message} for e in errors]


def replayed_errors(stored: list[dict[str, Any]]) -> list[DomainError]:
    return [DomainError(ErrorCode(e["code"]), e["message"], e["field"]) for e in stored]
