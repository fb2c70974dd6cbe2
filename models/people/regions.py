"""A prospect's time zone from where they are: country (ISO 3166-1 alpha-2) and optional region.

Countries come from the IANA database's own tables (`zone.tab`, `iso3166.tab`, shipped by the
`tzdata` package that `zoneinfo` falls back on), so they follow each tzdata release:
- a country all of whose zones keep the same clock (now and over the next two years) has one zone
  in practice (Germany: Berlin, and Büsingen which keeps Berlin's time): it is derived alone;
- a country whose zones differ (US, Canada, Australia, Spain with the Canaries…) needs a region.
  The checked-in table below resolves the states and provinces of the US, Canada and Australia
  (code or English name). A region spanning zones maps to the zone most of its people live in
  (Texas: Central; El Paso is Mountain); Kentucky, Tennessee and Nunavut, split evenly, do not.
Anything else derives nothing: the time zone stays unknown unless it is given.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from models.base import clock, zones

_US = {
    "America/New_York": "CT Connecticut, DE Delaware, DC District of Columbia, FL Florida, "
    "GA Georgia, ME Maine, MD Maryland, MA Massachusetts, NH New Hampshire, NJ New Jersey, "
    "NY New York, NC North Carolina, OH Ohio, PA Pennsylvania, RI Rhode Island, "
    "SC South Carolina, VT Vermont, VA Virginia, WV West Virginia",
    "America/Detroit": "MI Michigan",
    "America/Indiana/Indianapolis": "IN Indiana",
    "America/Chicago": "AL Alabama, AR Arkansas, IL Illinois, IA Iowa, KS Kansas, "
    "LA Louisiana, MN Minnesota, MS Mississippi, MO Missouri, NE Nebraska, ND North Dakota, "
    "OK Oklahoma, SD South Dakota, TX Texas, WI Wisconsin",
    "America/Denver": "CO Colorado, MT Montana, NM New Mexico, UT Utah, WY Wyoming",
    "America/Boise": "ID Idaho",
    "America/Phoenix": "AZ Arizona",
    "America/Los_Angeles": "CA California, NV Nevada, OR Oregon, WA Washington",
    "America/Anchorage": "AK Alaska",
    "Pacific/Honolulu": "HI Hawaii",
}
_CA = {
    "America/St_Johns": "NL Newfoundland and Labrador",
    "America/Halifax": "NS Nova Scotia, PE Prince Edward Island",
    "America/Moncton": "NB New Brunswick",
    "America/Toronto": "ON Ontario, QC Quebec",
    "America/Winnipeg": "MB Manitoba",
    "America/Regina": "SK Saskatchewan",
    "America/Edmonton": "AB Alberta, NT Northwest Territories",
    "America/Vancouver": "BC British Columbia",
    "America/Whitehorse": "YT Yukon",
}
_AU = {
    "Australia/Sydney": "NSW New South Wales, ACT Australian Capital Territory",
    "Australia/Melbourne": "VIC Victoria",
    "Australia/Brisbane": "QLD Queensland",
    "Australia/Adelaide": "SA South Australia",
    "Australia/Perth": "WA Western Australia",
    "Australia/Hobart": "TAS Tasmania",
    "Australia/Darwin": "NT Northern Territory",
}


def _region_table() -> dict[tuple[str, str], str]:
    """(country, normalised region code or name) -> zone."""
    table: dict[tuple[str, str], str] = {}
    for country, by_zone in (("US", _US), ("CA", _CA), ("AU", _AU)):
        for zone, regions in by_zone.items():
            for entry in regions.split(", "):
                code, _, name = entry.partition(" ")
                table[(country, _key(code))] = zone
                table[(country, _key(name))] = zone
    return table


def _key(region: str) -> str:
    return " ".join(region.replace(".", " ").split()).casefold()


def _tab(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath(f"zoneinfo/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def countries() -> frozenset[str]:
    return frozenset(row[0] for row in _tab("iso3166.tab"))


@cache
def _country_zones() -> dict[str, list[str]]:
    by_country: dict[str, list[str]] = defaultdict(list)
    for row in _tab("zone.tab"):
        by_country[row[0]].append(row[2])  # the first listed is the most populous
    return dict(by_country)


def _same_clock(names: list[str], start: datetime) -> bool:
    samples = [start + timedelta(days=7 * week) for week in range(105)]
    first = zones.zone(names[0])
    return all(
        at.astimezone(zones.zone(other)).utcoffset() == at.astimezone(first).utcoffset()
        for other in names[1:]
        for at in samples
    )


@cache
def _single_zone(country: str) -> str | None:
    names = _country_zones().get(country, [])
    if names and _same_clock(names, clock.now().astimezone(UTC)):
        return names[0]
    return None


_REGIONS = _region_table()


def derive(country: str | None, region: str | None) -> str | None:
    """The zone a country (ISO alpha-2, upper case) and region determine, or None."""
    if not country:
        return None
    if region and (zone := _REGIONS.get((country, _key(region)))):
        return zone
    return _single_zone(country)
