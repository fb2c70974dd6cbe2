"""Which email columns a listing's selection needs, so a page loads only those.

Bodies are large, and SQLite hands every datetime back as text that the ORM parses in Python:
loading 30 columns for a grid that shows five made listings several times slower. Anything not
understood here (an unknown field, an odd selection) falls back to loading every column, so the
optimisation can never hide data.
"""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

# Always loaded: identity, scoping, the default sort column, and what availableActions, the
# loaders and `events` read. Another sort column is added by the caller.
ALWAYS = (
    "id",
    "team_id",
    "owner_id",
    "person_id",
    "campaign_id",
    "campaign_step",
    "status",
    "status_at",
    "version",
    "bulk_kind",
)
BY_FIELD: dict[str, tuple[str, ...]] = {
    "subject": ("subject",),
    "bodyHtml": ("body_html",),
    "bodyText": ("body_text",),
    "to": ("to_addresses",),
    "cc": ("cc_addresses",),
    "bcc": ("bcc_addresses",),
    "groupId": ("group_id",),
    "scheduledAt": ("scheduled_at",),
    "sentAt": ("sent_at",),
    "deliveredAt": ("delivered_at",),
    "failedAt": ("failed_at",),
    "archivedAt": ("archived_at",),
    "failureCode": ("failure_code",),
    "failureDetail": ("failure_detail",),
    "messageId": ("message_id",),
    "viewCount": ("view_count",),
    "clickCount": ("click_count",),
    "machineViewCount": ("machine_view_count",),
    "machineClickCount": ("machine_click_count",),
    "firstViewedAt": ("first_viewed_at",),
    "replyCount": ("reply_count",),
    "repliedAt": ("replied_at",),
    "lastActivityAt": ("last_activity_at",),
    "createdAt": ("created_at",),
    "updatedAt": ("updated_at",),
}
FROM_ALWAYS = {
    "__typename",
    "id",
    "status",
    "folder",
    "statusAt",
    "version",
    "bulkKind",
    "availableActions",
    "owner",
    "person",
    "campaign",
    "events",
    "replies",
}


def _flatten(selections: Iterable[Selection]) -> list[SelectedField]:
    fields: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            fields.append(selection)
        elif isinstance(selection, InlineFragment | FragmentSpread):
            fields += _flatten(selection.selections)
    return fields


def columns_for_connection(connection: Selection, sort_column: str) -> list[str] | None:
    """Columns the `edges { node }` / `nodes` part of a connection needs; None means all."""
    if not isinstance(connection, SelectedField):
        return None
    node_fields: list[SelectedField] = []
    for field in _flatten(connection.selections):
        if field.name == "nodes":
            node_fields += _flatten(field.selections)
        elif field.name == "edges":
            for edge_field in _flatten(field.selections):
                if edge_field.name == "node":
                    node_fields += _flatten(edge_field.selections)
    columns = [*ALWAYS, sort_column] if sort_column not in ALWAYS else list(ALWAYS)
    for field in node_fields:
        if field.name in BY_FIELD:
            columns += [c for c in BY_FIELD[field.name] if c not in columns]
        elif field.name not in FROM_ALWAYS:
            return None
    return columns
