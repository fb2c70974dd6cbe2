"""Which persisted operations the compiled path answers, and what they select.

An operation qualifies when its document is one query whose only root field is the `emails`
connection, and everything below it is "plain" in the sense of graph/subtrees.py: no fragments,
no directives, no arguments below the root field, and every field of a node a column of the
email (or its global ID, folder or `__typename`). The connection may select `edges { cursor node
{…} }`, `nodes {…}`, `pageInfo {…}`, `totalCount` and `__typename`, aliased or not. Anything else
returns None and the request goes to the general executor.

A plan is built once per (document, operation name) and cached; it holds the parsed document
(validated against the schema once) and the selection as a tree of response keys.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    validate,
)

ROOT_FIELD = "emails"
TYPENAME = "__typename"

# Email fields backed by one column, by GraphQL name: (column, kind). Kinds are what sql.py knows
# how to render exactly as the general path serialises the value.
NODE_FIELDS: dict[str, tuple[str, str]] = {
    "id": ("id", "global_id"),
    "status": ("status", "enum"),
    "folder": ("status", "folder"),
    "subject": ("subject", "text"),
    "bodyHtml": ("body_html", "text"),
    "bodyText": ("body_text", "text"),
    "to": ("to_addresses", "json_list"),
    "cc": ("cc_addresses", "json_list"),
    "bcc": ("bcc_addresses", "json_list"),
    "bulkKind": ("bulk_kind", "enum"),
    "groupId": ("group_id", "text?"),
    "statusAt": ("status_at", "datetime"),
    "scheduledAt": ("scheduled_at", "datetime?"),
    "sentAt": ("sent_at", "datetime?"),
    "deliveredAt": ("delivered_at", "datetime?"),
    "failedAt": ("failed_at", "datetime?"),
    "archivedAt": ("archived_at", "datetime?"),
    "failureCode": ("failure_code", "text?"),
    "failureDetail": ("failure_detail", "text?"),
    "messageId": ("message_id", "text"),
    "viewCount": ("view_count", "int"),
    "clickCount": ("click_count", "int"),
    "machineViewCount": ("machine_view_count", "int"),
    "machineClickCount": ("machine_click_count", "int"),
    "firstViewedAt": ("first_viewed_at", "datetime?"),
    "replyCount": ("reply_count", "int"),
    "repliedAt": ("replied_at", "datetime?"),
    "lastActivityAt": ("last_activity_at", "datetime?"),
    "version": ("version", "int"),
    "campaignStep": ("campaign_step", "int?"),
    "createdAt": ("created_at", "datetime"),
    "updatedAt": ("updated_at", "datetime"),
    TYPENAME: ("", "typename"),
}
PAGE_INFO_FIELDS = frozenset(
    {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", TYPENAME}
)

# A selection: (response key, field name, sub-selection or None), in query order.
Selection = tuple[tuple[str, str, "Selection | None"], ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cache key
class Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    field: FieldNode  # the root `emails` field, with its arguments
    root_key: str
    connection: Selection

    @property
    def node_fields(self) -> set[str]:
        """Every Email field the operation reads (edges' nodes and nodes together)."""
        names: set[str] = set()
        for _key, name, sub in self.connection:
            if name == "nodes" and sub:
                names |= {field for _k, field, _s in sub}
            elif name == "edges" and sub:
                for _k, edge_field, node in sub:
                    if edge_field == "node" and node:
                        names |= {field for _k2, field, _s in node}
        return names


class _NotPlain(Exception):
    pass


def _selection(selection_set: SelectionSetNode | None, allowed: Any) -> Selection:
    """The fields of a selection set; `allowed(name)` gives the rule for each field's own
    sub-selection: None for a leaf, a callable for an object, False when not allowed."""
    if selection_set is None:
        raise _NotPlain
    seen: set[str] = set()
    fields: list[tuple[str, str, Selection | None]] = []
    for node in selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            raise _NotPlain  # fragments, @skip/@include, arguments: the general path
        name = node.name.value
        key = node.alias.value if node.alias else name
        if key in seen:
            raise _NotPlain  # merged fields: graphql-core's field collection decides
        seen.add(key)
        rule = allowed(name)
        if rule is False:
            raise _NotPlain
        if rule is None:
            if node.selection_set is not None:
                raise _NotPlain
            fields.append((key, name, None))
        else:
            fields.append((key, name, _selection(node.selection_set, rule)))
    return tuple(fields)


def _node_rule(name: str) -> Any:
    return None if name in NODE_FIELDS else False


def _edge_rule(name: str) -> Any:
    if name in ("cursor", TYPENAME):
        return None
    return _node_rule if name == "node" else False


def _connection_rule(name: str) -> Any:
    if name in ("totalCount", TYPENAME):
        return None
    if name == "pageInfo":
        return lambda field: None if field in PAGE_INFO_FIELDS else False
    if name == "edges":
        return _edge_rule
    return _node_rule if name == "nodes" else False


def build_plan(
    schema: GraphQLSchema, query: str, operation_name: str | None, max_tokens: int
) -> Plan | None:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    if len(document.definitions) != 1:
        return None
    operation = document.definitions[0]
    if (
        not isinstance(operation, OperationDefinitionNode)
        or operation.operation is not OperationType.QUERY
        or operation.directives
    ):
        return None
    if operation_name is not None and (
        operation.name is None or operation.name.value != operation_name
    ):
        return None
    roots = operation.selection_set.selections
    if len(roots) != 1 or not isinstance(roots[0], FieldNode):
        return None
    field = roots[0]
    if field.name.value != ROOT_FIELD or field.directives:
        return None
    if any(variable.directives for variable in operation.variable_definitions or ()):
        return None
    if validate(schema, document):
        return None  # the general path reports the errors
    try:
        connection = _selection(field.selection_set, _connection_rule)
    except _NotPlain:
        return None
    key = field.alias.value if field.alias else field.name.value
    return Plan(document, operation, field, key, connection)


class Plans:
    """Plans by (document, operation name), least recently used dropped; None = not plain."""

    def __init__(self, schema: GraphQLSchema, max_tokens: int, size: int = 256) -> None:
        self.schema, self.max_tokens, self.size = schema, max_tokens, size
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()

    def get(self, query: str, operation_name: str | None) -> Plan | None:
        key = (query, operation_name)
        try:
            self._plans.move_to_end(key)
            return self._plans[key]
        except KeyError:
            pass
        plan = build_plan(self.schema, query, operation_name, self.max_tokens)
        self._plans[key] = plan
        if len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return plan
