"""Control characters in arguments: every string argument of every query and mutation, walked
from the schema itself, refuses a NUL with a typed error (INVALID_INPUT naming the field), stores
nothing and never answers a 500 — on SQLite and on PostgreSQL (which refuses NUL itself)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from tortoise import Tortoise

from graph.schema import schema
from models.base.errors import DomainError, ErrorCode
from models.base.text import bad_character, check_line, check_text
from tests.api import Api, World, gid
from tests.live_clients import STATUS_CHANGED, bearer, ws_client

NUL = "x\u0000y"
FUTURE = "2031-01-01T09:00:00+00:00"
# Which node an ID argument names, by argument (or mutation) name: real ids of the caller's rows,
# so that a missing check would really reach (and change) a row.
ID_TYPES = {
    "personId": "Person",
    "personIds": "Person",
    "emailId": "Email",
    "templateId": "Template",
    "campaignId": "Campaign",
    "assigneeId": "User",
    "ownerId": "User",
    "viewAs": "User",
}
# Enum values that make the rest of an input valid, so the NUL is the only problem left.
ENUM_CHOICES = {"kind": "SELECT_AND_SEND"}  # per-person overrides are Select & Send only
# Address fields say what is wrong with the address; both codes are typed refusals.
ADDRESS_FIELDS = {"to", "cc", "bcc", "email"}
ID_BY_MUTATION = (
    ("Task", "Task"),
    ("Template", "Template"),
    ("Person", "Person"),
    ("Search", "SavedSearch"),
    ("Token", "ApiToken"),
    ("", "Email"),
)


@dataclass
class Case:
    operation: str  # query | mutation
    field: str
    path: tuple[str, ...]  # argument, then input fields

    @property
    def name(self) -> str:
        return f"{self.operation}.{self.field}({'.'.join(self.path)})"


def _named(kind: GraphQLInputType) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _string_paths(kind: GraphQLInputType, seen: frozenset[str]) -> Iterator[tuple[str, ...]]:
    named = _named(kind)
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        yield ()
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            for rest in _string_paths(field.type, seen | {named.name}):
                yield (name, *rest)


def cases() -> list[Case]:
    found = []
    for operation, root in (
        ("query", schema._schema.query_type),
        ("mutation", schema._schema.mutation_type),
    ):
        assert root is not None
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                for path in _string_paths(arg.type, frozenset()):
                    found.append(Case(operation, field_name, (arg_name, *path)))
    return found


CASES = cases()


def _id_for(name: str, field: str, ids: dict[str, str]) -> str:
    if name in ID_TYPES:
        return ids[ID_TYPES[name]]
    for part, type_name in ID_BY_MUTATION:
        if part.lower() in field.lower():
            return ids[type_name]
    return ids["Email"]


def value(kind: GraphQLInputType, name: str, field: str, ids: dict[str, str], target: Any) -> Any:
    """A valid value of `kind`, with the string at `target` (a path) replaced by a NUL string."""
    if isinstance(kind, GraphQLNonNull):
        return value(kind.of_type, name, field, ids, target)
    if isinstance(kind, GraphQLList):
        return [value(kind.of_type, name, field, ids, target)]
    if target == ():
        return NUL
    if isinstance(kind, GraphQLInputObjectType):
        result = {}
        for child, spec in kind.fields.items():
            sub = target[1:] if target and target[0] == child else None
            if sub is not None or isinstance(spec.type, GraphQLNonNull):
                result[child] = value(spec.type, child, field, ids, sub)
        return result
    if isinstance(kind, GraphQLEnumType):
        return ENUM_CHOICES.get(name, next(iter(kind.values)))
    assert isinstance(kind, GraphQLScalarType), kind
    return {
        "ID": lambda: _id_for(name, field, ids),
        "String": lambda: "x",
        "Int": lambda: 1,
        "Float": lambda: 1.0,
        "Boolean": lambda: False,
        "DateTime": lambda: FUTURE,
        "Date": lambda: "2031-01-01",
        "JSON": lambda: {},
    }[kind.name]()


def document(case: Case, ids: dict[str, str]) -> tuple[str, dict[str, Any]]:
    root = schema._schema.query_type if case.operation == "query" else schema._schema.mutation_type
    assert root is not None
    field = root.fields[case.field]
    definitions, arguments, variables = [], [], {}
    for arg_name, arg in field.args.items():
        targeted = arg_name == case.path[0]
        if not targeted and not isinstance(arg.type, GraphQLNonNull):
            continue
        variables[arg_name] = value(
            arg.type, arg_name, case.field, ids, case.path[1:] if targeted else None
        )
        definitions.append(f"${arg_name}: {arg.type}")
        arguments.append(f"{arg_name}: ${arg_name}")
    returned = _named(field.type)
    selection = ""
    if isinstance(returned, GraphQLObjectType) and "userErrors" in returned.fields:
        selection = "{ __typename userErrors { field message code } }"
    elif not isinstance(returned, GraphQLScalarType | GraphQLEnumType):
        selection = "{ __typename }"
    head = f"({', '.join(definitions)})" if definitions else ""
    args = f"({', '.join(arguments)})" if arguments else ""
    return f"{case.operation}{head} {{ {case.field}{args} {selection} }}", variables


async def snapshot() -> dict[str, list[str]]:
    tables = {}
    for model in Tortoise.apps.get_models_iterable():
        rows = await model.all().order_by(model._meta.pk_attr).values()
        for row in rows:
            row.pop("last_used_at", None)  # a token's use is recorded, not a change of data
        tables[model._meta.db_table] = [repr(sorted(row.items())) for row in rows]
    return tables


async def seed(world: World) -> dict[str, str]:
    api = world.alice
    person = await api.create_person("p@example.com")
    email = await api.create_draft(personId=person["id"])
    template = await api.mutate(
        "createTemplate", {"name": "T", "subject": "S", "bodyText": "B"}, "template { id }"
    )
    task = await api.mutate(
        "createTask",
        {"title": "Call", "type": "CALL", "dueAt": FUTURE, "personId": person["id"]},
        "task { id }",
    )
    search = await api.mutate("saveSearch", {"name": "S", "filter": {}}, "savedSearch { id }")
    return {
        "Person": person["id"],
        "Email": email["id"],
        "Template": template["template"]["id"],
        "Task": task["task"]["id"],
        "SavedSearch": search["savedSearch"]["id"],
        "User": gid("User", api.user.id),
        "Campaign": gid("Campaign", 1),
        "ApiToken": gid("ApiToken", 1),
    }


def test_the_walk_covers_the_schema() -> None:
    names = {c.name for c in CASES}
    # A sample of what must be in the walk: bodies, ids, cursors, search text, nested inputs.
    for expected in (
        "mutation.createDraft(input.subject)",
        "mutation.createDraft(input.bodyText)",
        "mutation.createDraft(input.to)",
        "mutation.sendBulkEmail(input.overrides.bodyHtml)",
        "mutation.updateTask(input.id)",
        "query.emails(after)",
        "query.emails(filter.text)",
        "query.node(id)",
        "query.people(filter.text)",
    ):
        assert expected in names, expected
    assert len(CASES) > 60


async def test_a_nul_in_any_argument_is_a_typed_error_and_changes_nothing(world: World) -> None:
    api: Api = world.alice
    ids = await seed(world)
    before = await snapshot()
    failures = []
    for case in CASES:
        query, variables = document(case, ids)
        response = await api.post({"query": query, "variables": variables})
        body = response.json()
        if response.status_code >= 500 or "INTERNAL_SERVER_ERROR" in response.text:
            failures.append(f"{case.name}: {response.status_code} {response.text[:200]}")
            continue
        field = ".".join(case.path[1:]) if case.operation == "mutation" else ".".join(case.path)
        if case.operation == "mutation":
            payload = (body.get("data") or {}).get(case.field) or {}
            errors = payload.get("userErrors") or []
            # Objects in lists are named by position ("overrides[0].subject").
            got = [(e["code"], re.sub(r"\[\d+\]", "", e["field"] or "")) for e in errors]
        else:
            got = [
                ((e.get("extensions") or {}).get("code"), (e.get("extensions") or {}).get("field"))
                for e in body.get("errors") or []
            ]
        code = ErrorCode.INVALID_INPUT.value
        if case.operation == "mutation" and case.path[-1] in ADDRESS_FIELDS:
            code = ErrorCode.INVALID_EMAIL_ADDRESS.value
        if (code, field) not in got:
            failures.append(f"{case.name}: {got or body}")
    assert failures == [], "\n".join(failures)
    assert await snapshot() == before


async def test_nested_field_arguments_are_checked_too(world: World) -> None:
    api = world.alice
    ids = await seed(world)
    result = await api.execute(
        "query($id: ID!, $after: String) "
        "{ email(id: $id) { events(after: $after) { totalCount } } }",
        id=ids["Email"],
        after=NUL,
    )
    assert result["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}


async def test_bodies_keep_tabs_and_line_breaks_and_refuse_other_controls(api: Api) -> None:
    body = "Hi,\r\n\tthanks.\n"
    email = await api.create_draft(bodyText=body, subject="One line")
    assert email["bodyText"] == body
    payload = await api.mutate(
        "createDraft",
        {"to": ["p@example.com"], "bodyText": "bell\x07", "subject": "next\u2028line"},
        "email { id }",
    )
    assert payload["email"] is None
    assert payload["userErrors"][0]["code"] == "INVALID_INPUT"
    assert payload["userErrors"][0]["field"] in ("bodyText", "subject")


@pytest.mark.parametrize(
    ("text", "line_ok", "body_ok"),
    [
        ("plain — ünïcode ✓", True, True),
        ("tab\there", False, True),
        ("line\nbreak", False, True),
        ("nul\x00", False, False),
        ("del\x7f", False, False),
        ("c1\x85", False, False),
        ("sep\u2028", False, True),
        ("para\u2029", False, True),
        ("lone\ud800", False, False),
    ],
)
def test_the_shared_rule(text: str, line_ok: bool, body_ok: bool) -> None:
    assert (bad_character(text) is None) is line_ok
    assert (bad_character(text, multiline=True) is None) is body_ok
    for check, ok in ((check_line, line_ok), (check_text, body_ok)):
        if ok:
            check(text, "f")
        else:
            with pytest.raises(DomainError) as raised:
                check(text, "f")
            assert raised.value.code is ErrorCode.INVALID_INPUT
            assert raised.value.field == "f"


async def test_subscription_arguments_are_checked_over_websocket(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.alice.token)) as ws:
        op = await ws.subscribe(STATUS_CHANGED, since=NUL)
        message = await ws.message(op)
    # Strawberry reports an error of the execution hook as the stream's one result.
    assert message["type"] == "next", message
    assert message["payload"]["data"] is None
    [error] = message["payload"]["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "since"}
