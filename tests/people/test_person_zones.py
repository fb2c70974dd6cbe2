"""A prospect's time zone: given, or derived from their country and region."""

from __future__ import annotations

from typing import Any

import pytest

from models.people import regions
from models.people.tables import Person
from tests.api import Api

PLACE = "person { id timezone country region }"


async def create(api: Api, **fields: Any) -> dict[str, Any]:
    return await api.mutate("createPerson", {"email": "pat@prospect.example", **fields}, PLACE)


@pytest.mark.parametrize(
    ("place", "zone"),
    [
        ({"timezone": "Europe/Lisbon"}, "Europe/Lisbon"),
        ({"country": "fr"}, "Europe/Paris"),  # one zone
        ({"country": "DE"}, "Europe/Berlin"),  # Büsingen keeps Berlin's clock: one in practice
        ({"country": "US"}, None),  # several zones, no region: unknown
        ({"country": "US", "region": "CA"}, "America/Los_Angeles"),
        ({"country": "US", "region": " new  york "}, "America/New_York"),
        ({"country": "US", "region": "KY"}, None),  # split evenly between two zones
        ({"country": "CA", "region": "Ontario"}, "America/Toronto"),
        ({"country": "AU", "region": "WA"}, "Australia/Perth"),
        ({"country": "ES"}, None),  # the Canaries are an hour behind Madrid
        ({"country": "US", "region": "TX", "timezone": "America/Denver"}, "America/Denver"),
    ],
)
async def test_the_time_zone_is_given_or_derived(
    api: Api, place: dict[str, Any], zone: str | None
) -> None:
    payload = await create(api, **place)
    assert payload["userErrors"] == []
    assert payload["person"]["timezone"] == zone
    assert payload["person"]["country"] == (
        place["country"].upper() if "country" in place else None
    )


async def test_moving_a_person_re_derives_their_zone_unless_one_is_given(api: Api) -> None:
    person = (await create(api, country="US", region="NY"))["person"]
    assert person["timezone"] == "America/New_York"

    moved = await api.mutate("updatePerson", {"id": person["id"], "region": "WA"}, PLACE)
    assert moved["person"]["timezone"] == "America/Los_Angeles"

    # An explicit zone wins, and edits of other fields keep it.
    fixed = await api.mutate("updatePerson", {"id": person["id"], "timezone": "Asia/Tokyo"}, PLACE)
    assert fixed["person"]["timezone"] == "Asia/Tokyo"
    renamed = await api.mutate("updatePerson", {"id": person["id"], "firstName": "Pat"}, PLACE)
    assert renamed["person"]["timezone"] == "Asia/Tokyo"

    # Another country without a single zone: unknown again, not left in the old place.
    abroad = await api.mutate(
        "updatePerson", {"id": person["id"], "country": "RU", "region": ""}, PLACE
    )
    assert abroad["person"] == {**person, "country": "RU", "region": None, "timezone": None}

    cleared = await api.mutate(
        "updatePerson", {"id": person["id"], "country": "", "timezone": ""}, PLACE
    )
    assert cleared["person"] == {**person, "country": None, "region": None, "timezone": None}


async def test_bad_places_are_refused_and_change_nothing(api: Api) -> None:
    person = (await create(api, country="FR"))["person"]
    before = await Person.all().values()
    payload = await api.mutate(
        "updatePerson",
        {"id": person["id"], "timezone": "Paris", "country": "XX", "region": "r" * 65},
        PLACE,
    )
    assert payload["person"] is None
    assert sorted((e["field"], e["code"]) for e in payload["userErrors"]) == [
        ("country", "INVALID_INPUT"),
        ("region", "TOO_LONG"),
        ("timezone", "INVALID_INPUT"),
    ]
    assert await Person.all().values() == before
    refused = await create(api, country="FRA")
    assert [e["field"] for e in refused["userErrors"]] == ["country"]


def test_every_zone_of_the_region_table_exists() -> None:
    from zoneinfo import available_timezones

    known = available_timezones()
    table = regions._region_table()
    assert table and set(table.values()) <= known
    assert {"US", "CA", "AU"} == {country for country, _ in table}
