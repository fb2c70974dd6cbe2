"""Fuzzing the API through HTTP: operations generated from the schema, valid and invalid.

hypothesis-graphql draws queries and mutations from the live schema: POSITIVE ones are valid
documents with arbitrary arguments (random IDs, strings, enums, page sizes, inputs); NEGATIVE ones
break the schema in one place (a wrong type, a missing required argument, an unknown field). They
are drawn once, derandomized (the same documents on every run and on both databases), then sent
to the ASGI app as three users (admin, member, another team's member) on SQLite and PostgreSQL.
Whatever they ask, the server must answer without a 5xx, without an INTERNAL_SERVER_ERROR, and
without leaking a traceback.
"""

from __future__ import annotations

import string
from datetime import UTC
from functools import cache

import graphql
import pytest
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from graph.schema import schema
from models.emails.tables import EmailStatus
from tests import examples
from tests.api import World, drive_to
from tests.limits.helpers import limited

# Custom scalars: mostly well-formed values, some garbage.
TEXT = st.text(alphabet=string.printable, max_size=30)
SCALARS = {
    "DateTime": st.one_of(
        st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat()),  # no time zone
        TEXT,
    ).map(nodes.String),
    "JSON": st.one_of(TEXT.map(nodes.String), st.integers().map(nodes.Int)),
    "Date": st.one_of(st.dates().map(lambda d: d.isoformat()), TEXT).map(nodes.String),
}
# How many documents of each kind: a few hundred in all, the run stays well under a minute.
KINDS = [
    (queries, Mode.POSITIVE, 140),
    (queries, Mode.NEGATIVE, 50),
    (mutations, Mode.POSITIVE, 110),
    (mutations, Mode.NEGATIVE, 40),
]


@cache
def documents() -> tuple[str, ...]:
    found: list[str] = []
    for kind, mode, count in KINDS:
        strategy = kind(
            schema._schema,
            custom_scalars=SCALARS,
            mode=mode,
            allow_x00=True,  # NUL in strings: refused as INVALID_INPUT, never stored
        )

        found.extend(examples.drawn(strategy, count))
    return tuple(found)


def test_the_fuzzer_draws_valid_and_invalid_operations() -> None:
    drawn = documents()
    assert len(drawn) >= 300
    valid = [d for d in drawn if not graphql.validate(schema._schema, graphql.parse(d))]
    assert 150 <= len(valid) < len(drawn)
    assert sum(d.startswith("mutation") for d in drawn) >= 100
    assert any("\\u0000" in d for d in drawn)  # NUL, which PostgreSQL refuses in text


async def test_generated_operations_never_break_the_server(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No budget: every drawn operation must reach the resolvers, not a 429.
    async with limited(monkeypatch, query_budget=0) as (_app, world):
        await _seed(world)
        callers = [world.admin_a, world.alice, world.carol]
        statuses: set[int] = set()
        for number, document in enumerate(documents()):
            caller = callers[number % len(callers)]
            response = await caller.post({"query": document})
            statuses.add(response.status_code)
            text = response.text
            assert response.status_code < 500, (document, text)
            assert "INTERNAL_SERVER_ERROR" not in text, (document, text)
            assert "Traceback" not in text and 'File "' not in text, (document, text)
        assert 200 in statuses


async def _seed(world: World) -> None:
    """Some rows for the operations to find: people, drafts, emails in other statuses."""
    person = await world.alice.create_person("fuzz@example.com", firstName="Fuzz")
    draft = await world.alice.create_draft(personId=person["id"], subject="Hi {{first_name}}")
    for status in (EmailStatus.DELIVERED, EmailStatus.FAILED):
        email = await world.alice.create_draft(subject=f"Fuzz {status.value}")
        await drive_to(email["id"], status)
    assert draft["id"]
