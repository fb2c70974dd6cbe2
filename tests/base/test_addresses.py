"""Addresses given by users: one address per entry, ASCII local parts, IDN domains in IDNA form."""

from __future__ import annotations

import pytest

from models.base.addresses import normalise_address
from models.base.errors import DomainError, ErrorCode
from models.emails.tables import Email
from models.people.tables import Person
from tests.api import Api


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ann@Example.com", "ann@example.com"),
        ("Ann Lee <ann@example.com>", "ann@example.com"),
        ('"Lee, Ann" <ann@example.com>', "ann@example.com"),
        ("n@exämple.test", "n@xn--exmple-cua.test"),
        ("n@BÜCHER.example", "n@xn--bcher-kva.example"),
        ("n@xn--bcher-kva.example", "n@xn--bcher-kva.example"),
    ],
)
def test_one_address_is_normalised(raw: str, expected: str) -> None:
    assert normalise_address(raw, "to") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "Evil <n@x.test>, b@y.test",
        "a@x.test, b@y.test",
        "<a@x.test> b@y.test",
        "jöhn@x.test",
        "Jöhn <jöhn@x.test>",
        "n@exa mple.test",
        "n@-bad-.test",
        "a@x.test\u0000",
        "a@x.test\r\nBcc: victim@y.test",
        "nope",
    ],
)
def test_anything_but_one_ascii_mailbox_is_refused(raw: str) -> None:
    with pytest.raises(DomainError) as raised:
        normalise_address(raw, "to")
    assert raised.value.code is ErrorCode.INVALID_EMAIL_ADDRESS
    assert raised.value.field == "to"
    assert repr(raw) in raised.value.message  # names the entry


async def test_a_second_address_in_one_entry_refuses_the_draft(api: Api) -> None:
    payload = await api.mutate(
        "createDraft",
        {"to": ["ok@x.test", "Evil <n@x.test>, b@y.test"], "subject": "Hi"},
        "email { id to }",
    )
    assert payload["email"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "INVALID_EMAIL_ADDRESS"
    assert error["field"] == "to"
    assert "Evil <n@x.test>, b@y.test" in error["message"]
    assert await Email.all().count() == 0


async def test_a_non_ascii_local_part_is_refused_and_an_idn_domain_stored_in_idna(
    api: Api,
) -> None:
    refused = await api.mutate("createPerson", {"email": "jöhn@x.test"}, "person { id }")
    assert refused["person"] is None
    assert refused["userErrors"][0]["code"] == "INVALID_EMAIL_ADDRESS"
    assert await Person.all().count() == 0

    person = await api.create_person("Jo@Exämple.test")
    assert person["email"] == "jo@xn--exmple-cua.test"
    # The same mailbox written either way is one person.
    again = await api.mutate("createPerson", {"email": "jo@xn--exmple-cua.test"}, "person { id }")
    assert again["userErrors"][0]["code"] == "DUPLICATE"
