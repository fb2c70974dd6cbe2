"""People: creating, editing, listing, and the typed errors of each."""

from __future__ import annotations

from typing import Any

from models.people.tables import Person
from tests.api import Api, World

FIELDS = (
    "person { id email firstName lastName fullName company title unsubscribed "
    "customFields { key value } owner { email } }"
)


async def test_create_and_update_a_person(api: Api) -> None:
    created = await api.mutate(
        "createPerson",
        {
            "email": " Ann@ACME.example ",
            "firstName": "Ann",
            "lastName": "Lee",
            "company": "Acme",
            "title": "VP Sales",
            "customFields": [{"key": "industry", "value": "Retail"}],
        },
        FIELDS,
    )
    person = created["person"]
    assert created["userErrors"] == []
    assert (person["email"], person["fullName"]) == ("ann@acme.example", "Ann Lee")
    assert person["customFields"] == [{"key": "industry", "value": "Retail"}]
    assert person["owner"] == {"email": "alice@a.example"}

    updated = await api.mutate(
        "updatePerson", {"id": person["id"], "title": "CRO", "unsubscribed": True}, FIELDS
    )
    assert updated["userErrors"] == []
    assert (updated["person"]["title"], updated["person"]["company"]) == ("CRO", "Acme")
    assert updated["person"]["unsubscribed"] is True


async def refused(api: Api, mutation: str, input: dict[str, Any]) -> list[dict[str, Any]]:
    before = await Person.all().order_by("id").values()
    payload = await api.mutate(mutation, input, "person { id }")
    assert payload["person"] is None
    assert await Person.all().order_by("id").values() == before
    errors: list[dict[str, Any]] = payload["userErrors"]
    return errors


async def test_bad_people_inputs_are_refused_with_codes(api: Api) -> None:
    ann = await api.create_person("ann@acme.example")
    await api.create_person("bob@acme.example")

    assert await refused(api, "createPerson", {"email": "nope"}) == [
        {
            "field": "email",
            "message": "'nope' is not a valid email address.",
            "code": "INVALID_EMAIL_ADDRESS",
        }
    ]
    duplicate = await refused(api, "createPerson", {"email": "ANN@acme.example"})
    assert [(e["field"], e["code"]) for e in duplicate] == [("email", "DUPLICATE")]
    renamed_onto_bob = await refused(
        api, "updatePerson", {"id": ann["id"], "email": "bob@acme.example"}
    )
    assert [(e["field"], e["code"]) for e in renamed_onto_bob] == [("email", "DUPLICATE")]
    too_long = await refused(
        api,
        "createPerson",
        {
            "email": "c@acme.example",
            "firstName": "x" * 101,
            "customFields": [{"key": "not valid", "value": "1"}],
        },
    )
    assert {(e["field"], e["code"]) for e in too_long} == {
        ("firstName", "TOO_LONG"),
        ("customFields", "INVALID_INPUT"),
    }


async def test_the_same_address_may_exist_in_two_teams(world: World) -> None:
    await world.alice.create_person("ann@acme.example")
    other = await world.carol.create_person("ann@acme.example")
    assert other["email"] == "ann@acme.example"


async def test_people_list_filters_and_pages(api: Api) -> None:
    for n in range(7):
        await api.create_person(
            f"p{n}@acme.example", firstName=f"Person {n}", company="Acme" if n % 2 else "Zeta"
        )
    query = """query($filter: PersonFilter, $after: String) {
      people(filter: $filter, first: 3, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { email company } } }"""

    seen, after = [], None
    while True:
        page = (await api(query, after=after))["people"]
        seen += [n["email"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"p{n}@acme.example" for n in reversed(range(7))]

    zeta = (await api(query, filter={"text": "zeta"}))["people"]
    assert zeta["totalCount"] == 4
    assert {n["company"] for n in zeta["nodes"]} == {"Zeta"}
