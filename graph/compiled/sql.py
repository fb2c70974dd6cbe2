"""The one SQL statement of a compiled listing, per dialect: the page's rows (the general path's
own query, as Tortoise writes it) wrapped in the JSON functions of the database.

Every value is rendered exactly as the general path serialises it: datetimes as Python's
isoformat() in UTC (`2026-01-02T03:04:05+00:00`, with `.ffffff` only when there are
microseconds), global IDs as url-safe base64 of `Email:<id>` (SQLite has no base64: the digits
are encoded by an expression built here), cursors as models.base.pagination writes them (hex of
compact JSON), enums as their names. The statement also answers `ok`: whether every row has the
form those renderings assume (a datetime stored in another form, a null where the schema says
non-null…); when not, the caller answers through the general path instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.compiled.plan import NODE_FIELDS, TYPENAME, Selection
from models.emails.tables import FOLDER_STATUSES, BulkKind, EmailStatus

EMAIL_PREFIX = "RW1haWw6"  # base64 of "Email:" (6 bytes: a whole number of base64 groups)
MAX_DIGITS = 21  # more than any 64-bit id
# How Tortoise stores a UTC datetime on SQLite: isoformat(" "), microseconds only when non-zero.
_D = "[0-9]"
SQLITE_SECONDS = f"{_D * 4}-{_D * 2}-{_D * 2} {_D * 2}:{_D * 2}:{_D * 2}"
SQLITE_PLAIN = f"{SQLITE_SECONDS}+00:00"
SQLITE_MICROS = f"{SQLITE_SECONDS}.{_D * 6}+00:00"
ENUM_VALUES = {"status": [s.value for s in EmailStatus], "bulk_kind": [k.value for k in BulkKind]}
TYPENAMES = {"connection": "EmailConnection", "edge": "EmailEdge", "pageInfo": "PageInfo"}


def q(name: str) -> str:
    return f'"{name}"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _digit_table(width: int) -> str:
    """The base64 of every `width`-digit string ("000"…"999"), 4 characters each (padded),
    in numeric order: the digits of an id, cast to an integer, index their encoding."""
    import base64

    return "".join(
        base64.urlsafe_b64encode(f"{n:0{width}d}".encode()).decode() for n in range(10**width)
    )


DIGIT_COLUMNS = {1: "b1", 2: "b2", 3: "b3"}


def digit_tables() -> str:
    """The CTE `d` the SQLite global ID expression reads its tables from (one row)."""
    columns = ", ".join(f"{lit(_digit_table(w))} AS {c}" for w, c in DIGIT_COLUMNS.items())
    return f"d AS (SELECT {columns})"


def sqlite_b64_digits(text: str) -> str:
    """Url-safe base64 (padded) of a string expression of 1 to MAX_DIGITS decimal digits: each
    3 digits are one base64 group, looked up in a table of the 1000 (100, 10 for a shorter last
    group); only the branch of the actual length is evaluated."""
    tables = {width: f"d.{DIGIT_COLUMNS[width]}" for width in (1, 2, 3)}

    def group(start: int, width: int) -> str:
        index = f"CAST(substr({text}, {start}, {width}) AS INTEGER) * 4 + 1"
        return f"substr({tables[width]}, {index}, 4)"

    branches = []
    for length in range(1, MAX_DIGITS + 1):
        parts = [group(3 * g + 1, 3) for g in range(length // 3)]
        if length % 3:
            parts.append(group(3 * (length // 3) + 1, length % 3))
        branches.append(f"WHEN {length} THEN {' || '.join(parts)}")
    return f"CASE length({text}) {' '.join(branches)} END"


@dataclass(frozen=True)
class Dialect:
    name: str  # "sqlite" or "postgres"

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        function = "json_object" if self.sqlite else "json_build_object"
        return f"{function}({', '.join(f'{lit(k)}, {v}' for k, v in pairs)})"

    def boolean(self, condition: str) -> str:
        if self.sqlite:
            return f"CASE WHEN {condition} THEN json('true') ELSE json('false') END"
        return f"({condition})"

    def constant(self, value: bool) -> str:
        return self.boolean("1 = 1" if value else "1 = 0")

    def iso(self, column: str) -> str:
        if self.sqlite:
            return f"replace({column}, ' ', 'T')"
        # One to_char per value (a third of the statement's time went to two of them and an
        # extract): isoformat() drops a zero fraction, hence the replace.
        utc = f"({column} AT TIME ZONE 'UTC')"
        return f"replace(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')"

    def iso_ok(self, column: str) -> str:
        """True when iso() renders this stored value as the general path would."""
        if not self.sqlite:
            return "1 = 1"
        return (
            f"({column} IS NULL OR {column} GLOB '{SQLITE_PLAIN}' OR ({column} GLOB "
            f"'{SQLITE_MICROS}' AND substr({column}, 20, 7) <> '.000000'))"
        )

    def global_id(self, column: str) -> str:
        if self.sqlite:
            return f"'{EMAIL_PREFIX}' || " + sqlite_b64_digits(f"CAST({column} AS TEXT)")
        return f"translate(encode(convert_to('Email:' || {column}, 'UTF8'), 'base64'), '+/', '-_')"

    def json_list(self, column: str) -> str:
        return f"json({column})" if self.sqlite else f"{column}::json"

    def json_list_ok(self, column: str) -> str:
        """A JSON array of strings only (String serialises a number as text: not the same)."""
        if self.sqlite:
            return (
                f"(json_valid({column}) AND json_type({column}) = 'array' AND NOT EXISTS "
                f"(SELECT 1 FROM json_each({column}) WHERE type <> 'text'))"
            )
        return (
            f"(json_typeof({column}::json) = 'array' AND NOT EXISTS (SELECT 1 FROM "
            f"json_array_elements({column}::json) AS e WHERE json_typeof(e) <> 'string'))"
        )

    def hex(self, text: str) -> str:
        if self.sqlite:
            return f"lower(hex({text}))"
        return f"encode(convert_to({text}, 'UTF8'), 'hex')"

    def array(self, element: str, order: str, page: str) -> str:
        """A JSON array of `element` over the rows of the page (`page`: their condition), in
        `order` (SQLite aggregates in the order its input rows come in)."""
        if self.sqlite:
            return f"json_group_array({element}) FILTER (WHERE {page})"
        return f"coalesce(json_agg({element} ORDER BY {order}) FILTER (WHERE {page}), '[]'::json)"

    def first(self, value: str, order: str, page: str) -> str:
        """`value` of the first page row in `order`, or null on an empty page."""
        if self.sqlite:
            return f"json_extract(json_group_array({value}) FILTER (WHERE {page}), '$[0]')"
        return f"(array_agg({value} ORDER BY {order}) FILTER (WHERE {page}))[1]"

    def last(self, value: str, order: str, reverse: str, page: str) -> str:
        if self.sqlite:
            return f"json_extract(json_group_array({value}) FILTER (WHERE {page}), '$[#-1]')"
        return f"(array_agg({value} ORDER BY {reverse}) FILTER (WHERE {page}))[1]"

    def shift_placeholders(self, sql: str, by: int) -> str:
        if self.sqlite or by == 0:
            return sql
        return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + by}", sql)


def folder_case(column: str) -> str:
    whens = " ".join(
        f"WHEN {lit(status.value)} THEN {lit(folder.value)}"
        for folder, statuses in FOLDER_STATUSES.items()
        for status in statuses
    )
    return f"CASE {column} {whens} END"


def node_value(dialect: Dialect, field: str) -> str:
    column, kind = NODE_FIELDS[field]
    col = q(column)
    if kind == "typename":
        return lit("Email")
    if kind == "global_id":
        return dialect.global_id(col)
    if kind == "folder":
        return folder_case(col)
    if kind.startswith("datetime"):
        return dialect.iso(col)
    if kind == "json_list":
        return dialect.json_list(col)
    return col


def row_checks(dialect: Dialect, fields: set[str], order_column: str) -> list[str]:
    """Conditions every page row must meet for the renderings to be exact."""
    checks = [dialect.iso_ok(q(order_column)), f"{q(order_column)} IS NOT NULL"]
    for field in sorted(fields):
        column, kind = NODE_FIELDS[field]
        if kind == "typename":
            continue
        col = q(column)
        if not kind.endswith("?"):
            checks.append(f"{col} IS NOT NULL")
        if kind.startswith("datetime"):
            checks.append(dialect.iso_ok(col))
        elif kind == "json_list":
            checks.append(dialect.json_list_ok(col))
        elif kind in ("folder", "enum"):
            # A value the enum does not know: graphql-core refuses it; so does the fallback.
            known = ", ".join(lit(value) for value in ENUM_VALUES[column])
            checks.append(f"{col} IN ({known})")
    if not dialect.sqlite:
        checks = [c for c in checks if c != "1 = 1"]
    return checks


@dataclass(frozen=True)
class Shape:
    """What varies with the variables but not with the data: fixed into the statement text."""

    order_column: str
    order_key: str  # models.base.pagination.Order.key
    descending: bool  # the direction the rows are read in (reversed when paging backward)
    backwards: bool
    size: int
    after: bool
    before: bool


def _direction(descending: bool) -> str:
    return "DESC" if descending else "ASC"


def statement(
    dialect: Dialect,
    connection: Selection,
    fields: set[str],
    shape: Shape,
    rows_sql: str,
    rows_params: int,
    count_sql: str | None,
    count_is_sum: bool,
) -> str:
    """The statement: one row of (body: the connection's JSON, ok: the rows fit).

    One pass: the rows query (`size` + 1 rows) numbered in the order it read them, re-sorted
    into the page's order, and aggregated once; `rn <= size` is the page, a row beyond it only
    says that more follow. Every part of the response is an aggregate of that one pass."""
    oc = q(shape.order_column)
    read = _direction(shape.descending)
    out = _direction(shape.descending != shape.backwards)
    back = _direction(shape.descending == shape.backwards)
    out_order = f'{oc} {out}, "id" {out}'
    back_order = f'{oc} {back}, "id" {back}'
    page = f"rn <= {shape.size}"
    cursor = dialect.hex(
        f"'[\"{shape.order_key}\",\"' || {dialect.iso(oc)} || '\",' || \"id\" || ']'"
    )

    def node(sub: Selection) -> str:
        return dialect.obj([(k, node_value(dialect, f)) for k, f, _ in sub])

    def edge(sub: Selection) -> str:
        pairs: list[tuple[str, str]] = []
        for key, name, inner in sub:
            if name == "cursor":
                pairs.append((key, "cc"))
            elif name == "node":
                assert inner is not None
                pairs.append((key, node(inner)))
            else:
                pairs.append((key, lit(TYPENAMES["edge"])))
        return dialect.obj(pairs)

    more = f"(count(*) > {shape.size})"
    page_info = {
        "hasNextPage": dialect.constant(shape.before) if shape.backwards else dialect.boolean(more),
        "hasPreviousPage": dialect.boolean(more)
        if shape.backwards
        else dialect.constant(shape.after),
        "startCursor": dialect.first("cc", out_order, page),
        "endCursor": dialect.last("cc", out_order, back_order, page),
        TYPENAME: lit(TYPENAMES["pageInfo"]),
    }
    pairs: list[tuple[str, str]] = []
    for key, name, sub in connection:
        if name == TYPENAME:
            pairs.append((key, lit(TYPENAMES["connection"])))
        elif name == "totalCount":
            total = "(SELECT total FROM c)"
            pairs.append((key, f"coalesce({total}, 0)" if count_is_sum else total))
        elif name == "pageInfo":
            assert sub is not None
            pairs.append((key, dialect.obj([(k, page_info[f]) for k, f, _ in sub])))
        elif name == "edges":
            assert sub is not None
            pairs.append((key, dialect.array(edge(sub), out_order, page)))
        else:  # nodes
            assert sub is not None
            pairs.append((key, dialect.array(node(sub), out_order, page)))
    checks = row_checks(dialect, fields, shape.order_column)
    ok = f"count(*) FILTER (WHERE {page} AND NOT ({' AND '.join(checks)})) = 0"
    ctes = [f"r AS ({rows_sql})"]
    if count_sql is not None:
        ctes.append(f"c(total) AS ({dialect.shift_placeholders(count_sql, rows_params)})")
    sources = (
        f"(SELECT *, {cursor} AS cc FROM (SELECT *, row_number() OVER (ORDER BY {oc} {read}, "
        f'"id" {read}) AS rn FROM r) AS n ORDER BY {out_order}) AS o'
    )
    if dialect.sqlite:
        ctes.append(digit_tables())
        sources += ", d"
    body = dialect.obj(pairs)
    if not dialect.sqlite:
        body = f"({body})::text"
    return f"WITH {', '.join(ctes)} SELECT {body} AS body, ({ok}) AS ok FROM {sources}"
