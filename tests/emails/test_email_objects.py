"""`Email.of` (graph/emails/types.py) fills the GraphQL object exactly as its dataclass __init__
would: every field it takes, nothing else, from complete rows and from the partial rows of
listings."""

from __future__ import annotations

import dataclasses

from graph.emails.columns import ALWAYS
from graph.emails.types import Email
from graph.relay import to_global_id
from models.emails.tables import Email as EmailRow
from tests.api import Api


async def test_of_sets_what_init_sets(api: Api) -> None:
    await api.create_draft(subject="Hello", cc=["c@example.com"])
    init_fields = {f.name for f in dataclasses.fields(Email) if f.init}
    complete = await EmailRow.get(team_id=api.user.team_id)
    partial = await EmailRow.filter(team_id=api.user.team_id).only(*ALWAYS, "subject").get()
    for row in (complete, partial):
        email = Email.of(row)
        assert set(vars(email)) == init_fields
        assert vars(Email(**vars(email))) == vars(email)
        assert email.id == to_global_id("Email", row.id) and email.row is row
        assert email.subject == "Hello" and email.status == row.status
    full = Email.of(complete)
    assert full.cc == ["c@example.com"] and full.to == complete.to_addresses
    assert full.message_id == complete.message_id and full.created_at == complete.created_at
    assert Email.of(partial).cc is None  # not loaded: never resolved by that listing
