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

import orjson
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
from graph.input_check import problem_of
from graph.limits.admission import Payer, Refused, charge, check_cost
from graph.limits.memo import document_shape_errors
from models.base.errors import DomainError
from models.base.pagination import page_query
from models.emails import folders
from models.emails.tables import Email as EmailRow
from models.teams.tables import User

STATEMENTS_KEPT = 512
ARGUMENTS = ("folder", "status", "first", "after", "last", "before")


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
        # Statement and parameters of unfiltered listings, by everything they depend on.
        self.built: OrderedDict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = OrderedDict()
        # The resolver's arguments by plan and variable values: coercing and converting them is
        # a fifth of a compiled request, and a client polls the same page with the same values.
        self.arguments: OrderedDict[tuple[Any, ...], dict[str, Any] | None] = OrderedDict()

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
        if document_shape_errors(
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
        if cost is None or problem_of(document, operation_name, variables) is not None:
            return None
        kwargs = self._kept_arguments(plan, variables)
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

    def _kept_arguments(
        self, plan: Plan, variables: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """`_arguments`, kept per plan and variable values (the result is only read)."""
        try:
            values = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # nothing JSON-decoded gets here; not kept if it does
            return self._arguments(plan, variables)
        key = (plan, values)
        if key in self.arguments:
            self.arguments.move_to_end(key)
            return self.arguments[key]
        kwargs = self._arguments(plan, variables)
        self.arguments[key] = kwargs
        if len(self.arguments) > STATEMENTS_KEPT:
            self.arguments.popitem(last=False)
        return kwargs

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
        db = EmailRow._choose_db()
        dialect = Dialect(db.capabilities.dialect)
        if dialect.name not in ("sqlite", "postgres"):
            return None
        # Without a filter, the statement and its parameters are a pure function of these (no
        # clock, no time zone, no other row is read to build them: see models.search.filters
        # .apply and models.teams.scope), so they are kept, like prepared statements, instead
        # of asking Tortoise to write the same SQL again. Filters (dates, "view as") are not.
        memo_key: tuple[Any, ...] | None = None
        if kwargs.get("filter") is None:
            order_by = kwargs.get("order_by")
            memo_key = (
                order_by.to_domain() if order_by else None,  # the input object is unhashable
                plan,
                dialect.name,
                viewer.team_id,
                viewer.id,
                viewer.sees_whole_team,
                viewer.timezone,
                *(kwargs.get(name) for name in ARGUMENTS),
            )
            built = self.built.get(memo_key)
            if built is not None:
                self.built.move_to_end(memo_key)
        if memo_key is None or built is None:
            built = await self._build(plan, kwargs, viewer, dialect)
            if built is None:
                return None
            if memo_key is not None:
                self.built[memo_key] = built
                if len(self.built) > STATEMENTS_KEPT:
                    self.built.popitem(last=False)
        text, params = built
        _, result = await db.execute_query(text, list(params))
        row = result[0]
        if not row["ok"]:
            return None
        body: str = row["body"]
        return body

    async def _build(
        self, plan: Plan, kwargs: dict[str, Any], viewer: User, dialect: Dialect
    ) -> tuple[str, tuple[Any, ...]] | None:
        """The statement and its parameters (raises DomainError for refused arguments)."""
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
        if planned.rows._db.capabilities.dialect != dialect.name:
            return None
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
        return text, tuple(params)
