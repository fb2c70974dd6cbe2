"""Answering a persisted `emails` listing with one SQL statement whose result is the JSON body.

The same rules as the general path, by the same code: the operation is admitted by the same
limits (graph/limits/: shape, static cost, then the token's budget, with the same
`extensions.cost`), its arguments are coerced by graphql-core and converted by Strawberry as the
resolver's would be, the rows come from the same query (models.emails.folders.email_query:
team scoping, member/admin visibility, filters in the user's time zone) paged by the same
models.base.pagination.page_query, and the total by the same folders.count_query. Only the
completion differs: the database renders the page (graph/compiled/sql.py) instead of Python.

Anything unusual returns None before the budget is charged, and the request goes on to the
general executor, which answers it (errors included) exactly as it always did: arguments or a
cursor it refuses, a document that is not plain, a limit exceeded, a refused character, rows in
a form the SQL renderings do not cover.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.schema.base import BaseSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from tortoise.queryset import CountQuery

from config.settings import get_settings
from graph.compiled.plan import NODE_FIELDS, ROOT_FIELD, Plan, Plans
from graph.compiled.sql import Dialect, Shape, statement
from graph.input_check import _problem_of
from graph.limits.admission import Payer, Refused, charge, check_cost
from graph.limits.rules import shape_errors
from models.base.errors import DomainError
from models.base.pagination import page_query
from models.emails import folders
from models.teams.tables import User

STATEMENTS_KEPT = 512


def _sql(query: Any) -> tuple[str, list[Any]]:
    """The SQL and parameters Tortoise would run for this query (not run)."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


class CompiledListings:
    def __init__(self, schema: BaseSchema) -> None:
        assert isinstance(schema, strawberry.Schema)
        settings = get_settings()
        self.schema = schema
        self.graphql_schema = schema._schema
        self.plans = Plans(self.graphql_schema, settings.max_tokens)
        query_type = self.graphql_schema.query_type
        assert query_type is not None
        self.field_def = query_type.fields[ROOT_FIELD]
        self.field = self.field_def.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        # Statement texts by everything they are built from (the selection, the dialect, the
        # page's shape and the SQL of the rows and count queries, which vary with the filter).
        self.statements: OrderedDict[tuple[Any, ...], str] = OrderedDict()

    async def respond(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        viewer: User,
        payer: Payer | None,
    ) -> bytes | None:
        """The whole response body, or None: let the general executor answer."""
        plan = self.plans.get(query, operation_name)
        if plan is None:
            return None
        settings = get_settings()
        document = plan.document
        if shape_errors(
            document,
            settings.max_query_depth,
            settings.max_aliases,
            settings.max_expanded_fields,
        ):
            return None
        try:
            cost = check_cost(self.graphql_schema, document, operation_name, variables)
        except Refused:
            return None
        if cost is None or _problem_of(document, operation_name, variables) is not None:
            return None
        kwargs = self._arguments(plan, variables)
        if kwargs is None:
            return None
        try:
            body = await self._run(plan, kwargs, viewer)
        except DomainError:
            return None  # the general path reports it (INVALID_CURSOR, PAGE_TOO_LARGE…)
        if body is None:
            return None
        try:
            admitted = await charge(cost, payer)
        except Refused:
            return None  # no budget left: the general path refuses it (429, Retry-After)
        extensions = json.dumps({"cost": admitted.report()}, separators=(",", ":"))
        return b"".join(
            (
                b'{"data":{"',
                plan.root_key.encode(),
                b'":',
                body.encode(),
                b'},"extensions":',
                extensions.encode(),
                b"}",
            )
        )

    def _arguments(self, plan: Plan, variables: dict[str, Any] | None) -> dict[str, Any] | None:
        """The resolver's keyword arguments, coerced and converted as Strawberry does."""
        coerced = get_variable_values(
            self.graphql_schema, plan.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None  # bad variables: the general path says which
        try:
            raw = get_argument_values(self.field_def, plan.field, coerced)
            return convert_arguments(
                raw,
                self.field.arguments,
                scalar_registry=self.schema.schema_converter.scalar_registry,
                config=self.schema.config,
            )
        except (GraphQLError, TypeError, ValueError):
            return None

    async def _run(self, plan: Plan, kwargs: dict[str, Any], viewer: User) -> str | None:
        # The resolver's own steps (graph/emails/queries.py), up to running the page.
        order_by, filter = kwargs.get("order_by"), kwargs.get("filter")
        order = order_by.to_domain() if order_by else folders.DEFAULT_ORDER
        domain_filter = filter.to_domain() if filter else None
        folder, status = kwargs.get("folder"), kwargs.get("status")
        rows = await folders.email_query(viewer, folder=folder, status=status, filter=domain_filter)
        fields = plan.node_fields
        columns = {"id", order.column}
        columns |= {NODE_FIELDS[f][0] for f in fields if NODE_FIELDS[f][0]}
        planned = page_query(
            rows.only(*sorted(columns)),
            order,
            first=kwargs.get("first"),
            after=kwargs.get("after"),
            last=kwargs.get("last"),
            before=kwargs.get("before"),
        )
        if not order.column.endswith("_at"):
            return None  # cursors of other sort columns are not rendered in SQL
        rows_sql, params = _sql(planned.rows)
        rows_params = len(params)
        count_sql: str | None = None
        count_is_sum = False
        if any(name == "totalCount" for _k, name, _s in plan.connection):
            count, count_is_sum = await folders.count_query(
                viewer, folder=folder, status=status, filter=domain_filter
            )
            count_sql, count_params = _sql(count)
            if isinstance(count, CountQuery) == count_is_sum:
                return None
            params += count_params
        db = planned.rows._db
        dialect = Dialect(db.capabilities.dialect)
        if dialect.name not in ("sqlite", "postgres"):
            return None
        shape = Shape(
            order.column,
            order.key,
            planned.descending,
            planned.backwards,
            planned.size,
            kwargs.get("after") is not None,
            kwargs.get("before") is not None,
        )
        key = (plan, dialect.name, shape, rows_sql, count_sql)
        text = self.statements.get(key)
        if text is None:
            text = statement(
                dialect,
                plan.connection,
                fields,
                shape,
                rows_sql,
                rows_params,
                count_sql,
                count_is_sum,
            )
            self.statements[key] = text
            if len(self.statements) > STATEMENTS_KEPT:
                self.statements.popitem(last=False)
        _, result = await db.execute_query(text, params)
        row = result[0]
        if not row["ok"]:
            return None
        body: str = row["body"]
        return body
