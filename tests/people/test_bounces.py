"""Issue 14, hard and soft bounces: an address that bounced is marked undeliverable for the team
(reason, when, which email), shown on the person, refused for new sends and retries, skipped by
bulk sends, until corrected or cleared; soft bounces count, N in a row are a hard one."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import get_settings
from models.emails.tables import Email, EmailStatus
from models.inbound.parsing import parse
from models.inbound.tables import InboundVia
from models.people import bounces
from tests.api import Api, World, drive_to, gid
from tests.bulk.test_bulk import send
from tests.inbound.messages import DELAYED_DSN, PERMANENT_DSN, corpus_report, new_id, process

HARD = "anne.person@dom.ain"  # the address dsn_10 (permanent, 5.0.0) names
SOFT = "userx@example.cz"  # the address dsn_05 (delayed, 4.4.1) names
DELIVERABILITY = """query($id: ID!) { node(id: $id) { ... on Person {
  email deliverability { status reason since softBounces emailId } } } }"""


def report(sample: tuple[str, str], ours: str) -> bytes:
    """A corpus report about our email, with a Message-ID of its own (each one is new mail)."""
    raw = corpus_report(sample, ours)
    own = parse(raw, max_bytes=10**7).message_id
    return raw.replace(own.encode(), new_id().encode())


async def delivered_to(api: Api, person_id: str) -> Email:
    draft = await api.create_draft(personId=person_id, subject="Hello", bodyText="Hi")
    return await drive_to(draft["id"], EmailStatus.DELIVERED)


async def actions(api: Api, email_id: str) -> tuple[list[str], list[str]]:
    """availableActions of one email, read alone and from a listing (partial rows)."""
    alone = (await api("query($id: ID!) { email(id: $id) { availableActions } }", id=email_id))[
        "email"
    ]["availableActions"]
    listing = await api(
        "{ emails(folder: UNDELIVERED, first: 10) { nodes { id availableActions } } }"
    )
    [listed] = [n for n in listing["emails"]["nodes"] if n["id"] == email_id]
    return alone, listed["availableActions"]


async def deliverability(api: Api, person_id: str) -> dict[str, Any]:
    data = await api(DELIVERABILITY, id=person_id)
    result: dict[str, Any] = data["node"]["deliverability"]
    return result


async def test_undeliverable_is_per_team_and_lower_cased(world: World) -> None:
    team_a, team_b = world.alice.user.team_id, world.carol.user.team_id
    assert await bounces.mark_undeliverable(team_a, "Anne.Person@Dom.Ain", "550 no such user", 7)
    # Marked once: a second hard bounce keeps the first reason and email.
    assert not await bounces.mark_undeliverable(team_a, HARD, "550 again", 8)

    assert await bounces.undeliverable(team_a, ["ANNE.PERSON@dom.ain", "ok@x.example"]) == {HARD}
    assert await bounces.undeliverable(team_b, [HARD]) == set()
    [row] = (await bounces.states(team_a, [HARD])).values()
    assert (row.reason, row.email_id) == ("550 no such user", 7)


async def test_a_permanent_report_marks_the_address_and_the_person_shows_it(
    api: Api, world: World
) -> None:
    anne = await api.create_person(HARD, firstName="Anne")
    email = await delivered_to(api, anne["id"])
    assert (await deliverability(api, anne["id"]))["status"] == "DELIVERABLE"

    await process(report(PERMANENT_DSN, email.message_id), InboundVia.HTTP)

    shown = await deliverability(api, anne["id"])
    assert shown["status"] == "UNDELIVERABLE"
    assert "5.0.0" in shown["reason"]
    assert shown["since"] is not None
    assert shown["emailId"] == gid("Email", email.id)
    # Another team knowing the same address is not affected.
    assert await bounces.undeliverable(world.carol.user.team_id, [HARD]) == set()


async def test_a_report_never_marks_an_address_the_email_did_not_go_to(api: Api) -> None:
    other = await api.create_person("someone.else@dom.ain")
    email = await delivered_to(api, other["id"])
    await process(report(PERMANENT_DSN, email.message_id), InboundVia.HTTP)
    assert await bounces.undeliverable(api.user.team_id, [HARD, "someone.else@dom.ain"]) == set()


async def test_a_marked_address_is_refused_skipped_and_can_be_cleared(
    api: Api, world: World
) -> None:
    anne = await api.create_person(HARD, firstName="Anne")
    ben = await api.create_person("ben@example.com", firstName="Ben")
    older = await api.create_draft(personId=anne["id"], subject="Hi", bodyText="Hi")
    bounced = await drive_to((await api.create_draft(to=[HARD]))["id"], EmailStatus.BOUNCED)
    await bounces.mark_undeliverable(api.user.team_id, HARD, "550 5.1.1 unknown", bounced.id)

    retry = await api.mutate("retryEmail", {"id": gid("Email", bounced.id)}, "email { id }")
    assert [e["code"] for e in retry["userErrors"]] == ["RECIPIENT_BOUNCED"]
    assert (await Email.get(id=bounced.id)).status is EmailStatus.BOUNCED
    assert await actions(api, gid("Email", bounced.id)) == (["DELETE"], ["DELETE"])
    for mutation in ("sendEmailNow",):
        refused = await api.mutate(mutation, {"id": older["id"]}, "email { id }")
        assert [e["code"] for e in refused["userErrors"]] == ["RECIPIENT_BOUNCED"]
    by_address = await api.mutate("createDraft", {"to": [HARD.upper()]}, "email { id }")
    assert [(e["field"], e["code"]) for e in by_address["userErrors"]] == [
        ("to", "RECIPIENT_BOUNCED")
    ]
    by_person = await api.mutate("createDraft", {"personId": anne["id"]}, "email { id }")
    assert [(e["field"], e["code"]) for e in by_person["userErrors"]] == [
        ("personId", "RECIPIENT_BOUNCED")
    ]
    bulk = await send(api, personIds=[anne["id"], ben["id"]])
    assert [r["status"] for r in bulk["results"]] == ["SKIPPED_BOUNCED", "QUEUED"]
    assert bulk["results"][0]["userErrors"][0]["code"] == "RECIPIENT_BOUNCED"

    # Another team's person behaves like one that does not exist.
    foreign = await world.carol.mutate(
        "clearBouncedAddress", {"personId": anne["id"]}, "person { id }"
    )
    assert [e["code"] for e in foreign["userErrors"]] == ["NOT_FOUND"]
    assert await bounces.undeliverable(api.user.team_id, [HARD]) == {HARD}

    cleared = await api.mutate(
        "clearBouncedAddress",
        {"personId": anne["id"]},
        "person { deliverability { status reason softBounces } }",
    )
    assert cleared["userErrors"] == []
    assert cleared["person"]["deliverability"] == {
        "status": "DELIVERABLE",
        "reason": None,
        "softBounces": 0,
    }
    sent = await api.mutate("sendEmailNow", {"id": older["id"]}, "email { status }")
    assert (sent["userErrors"], sent["email"]) == ([], {"status": "SCHEDULED"})
    both = ["RETRY", "DELETE"]
    assert await actions(api, gid("Email", bounced.id)) == (both, both)


async def test_correcting_the_address_makes_the_person_deliverable(api: Api) -> None:
    anne = await api.create_person(HARD, firstName="Anne")
    await bounces.mark_undeliverable(api.user.team_id, HARD, "550 unknown", None)
    assert (await deliverability(api, anne["id"]))["status"] == "UNDELIVERABLE"

    await api.mutate("updatePerson", {"id": anne["id"], "email": "anne@dom.ain"}, "person { id }")

    assert (await deliverability(api, anne["id"]))["status"] == "DELIVERABLE"
    assert await bounces.undeliverable(api.user.team_id, [HARD]) == {HARD}  # still dead
    created = await api.mutate("createDraft", {"personId": anne["id"]}, "email { to }")
    assert (created["userErrors"], created["email"]["to"]) == ([], ["anne@dom.ain"])


async def test_soft_bounces_in_a_row_count_as_a_hard_one(api: Api) -> None:
    assert get_settings().soft_bounce_limit == 3
    person = await api.create_person(SOFT)
    emails = [await delivered_to(api, person["id"]) for _ in range(3)]

    await process(report(DELAYED_DSN, emails[0].message_id), InboundVia.HTTP)
    await process(report(DELAYED_DSN, emails[0].message_id), InboundVia.HTTP)  # same email
    await process(report(DELAYED_DSN, emails[1].message_id), InboundVia.HTTP)
    shown = await deliverability(api, person["id"])
    assert (shown["status"], shown["softBounces"]) == ("DELIVERABLE", 2)

    await process(report(DELAYED_DSN, emails[2].message_id), InboundVia.HTTP)

    shown = await deliverability(api, person["id"])
    assert (shown["status"], shown["softBounces"]) == ("UNDELIVERABLE", 3)
    assert shown["reason"].startswith("3 soft bounces in a row")
    assert shown["emailId"] == gid("Email", emails[2].id)
    # The emails themselves stay delivered: a delay is not a bounce of that email.
    assert {e.status for e in await Email.filter(id__in=[e.id for e in emails])} == {
        EmailStatus.DELIVERED
    }


@pytest.mark.parametrize("delivered_between", [True, False])
async def test_a_delivery_in_between_restarts_the_count(api: Api, delivered_between: bool) -> None:
    person = await api.create_person(SOFT)
    first, middle, last = [await delivered_to(api, person["id"]) for _ in range(3)]
    await process(report(DELAYED_DSN, first.message_id), InboundVia.HTTP)
    if not delivered_between:  # the middle one soft-bounced too
        await process(report(DELAYED_DSN, middle.message_id), InboundVia.HTTP)
    await process(report(DELAYED_DSN, last.message_id), InboundVia.HTTP)

    shown = await deliverability(api, person["id"])
    assert shown["softBounces"] == (1 if delivered_between else 3)
    assert shown["status"] == ("DELIVERABLE" if delivered_between else "UNDELIVERABLE")
