"""sendBulkEmail: Group email and Select & Send over the API."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.emails.tables import Email, EmailEvent
from models.people.tables import Person
from tests.api import Api, World, gid
from tests.templates.test_templates import create_template

RESULT = """
groupId queuedCount replayed
results {
  status person { id email }
  email { id status bulkKind groupId subject bodyText scheduledAt availableActions
          template { id } events { nodes { kind newStatus actor { email } data } } }
  userErrors { field code message }
}
"""


async def send(api: Api, **input: Any) -> dict[str, Any]:
    input.setdefault("kind", "GROUP")
    input.setdefault("idempotencyKey", "key-1")
    input.setdefault("subject", "Hello {{first_name | default: 'there'}}")
    input.setdefault("bodyText", "From {{my_name}}")
    return await api.mutate("sendBulkEmail", input, RESULT)


async def person(api: Api, address: str, **fields: Any) -> str:
    created = await api.create_person(address, **fields)
    person_id: str = created["id"]
    return person_id


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_group_send_schedules_one_email_per_person(api: Api) -> None:
    ada = await person(api, "ada@example.com", firstName="Ada")
    bob = await person(api, "bob@example.com")
    gone = await person(api, "gone@example.com")
    await api.mutate("updatePerson", {"id": gone, "unsubscribed": True}, "person { id }")

    before = datetime.now(UTC)
    payload = await send(api, personIds=[ada, gone, bob, ada])
    assert payload["userErrors"] == []
    assert payload["replayed"] is False
    assert payload["queuedCount"] == 2
    results = payload["results"]
    assert [(r["person"]["id"], r["status"]) for r in results] == [
        (ada, "QUEUED"),
        (gone, "SKIPPED_UNSUBSCRIBED"),
        (bob, "QUEUED"),
        (ada, "SKIPPED_DUPLICATE"),
    ]
    assert results[1]["email"] is None
    assert [e["code"] for e in results[1]["userErrors"]] == ["RECIPIENT_UNSUBSCRIBED"]
    assert [e["code"] for e in results[3]["userErrors"]] == ["DUPLICATE"]

    email = results[0]["email"]
    assert email["status"] == "SCHEDULED"
    assert email["bulkKind"] == "GROUP"
    assert email["groupId"] == payload["groupId"] == results[2]["email"]["groupId"]
    # Stored as written: dynamic fields are rendered for each person at send time.
    assert email["subject"] == "Hello {{first_name | default: 'there'}}"
    assert before - timedelta(seconds=5) <= datetime.fromisoformat(email["scheduledAt"])
    assert "UNSCHEDULE" not in email["availableActions"]  # bulk emails are never drafts
    [event] = email["events"]["nodes"]
    assert event["kind"] == "CREATED"
    assert event["newStatus"] == "SCHEDULED"
    assert event["actor"] == {"email": "alice@a.example"}
    assert event["data"]["groupId"] == payload["groupId"]

    counts = await api("{ folderCounts { scheduled pending drafts total } }")
    assert counts["folderCounts"] == {"scheduled": 2, "pending": 2, "drafts": 0, "total": 2}
    listed = await api(
        "query($g: String) { emails(filter: {groupId: $g}) { totalCount } }",
        g=payload["groupId"],
    )
    assert listed["emails"]["totalCount"] == 2


async def test_send_at_and_campaign(api: Api, world: World) -> None:
    ada = await person(api, "ada@example.com")
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    payload = await send(api, personIds=[ada], sendAt=at.isoformat())
    assert datetime.fromisoformat(payload["results"][0]["email"]["scheduledAt"]) == at

    payload = await send(
        api,
        personIds=[ada],
        idempotencyKey="key-2",
        sendAt=(datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        campaignId=gid("Campaign", 999),
    )
    assert set(codes(payload)) == {("sendAt", "NOT_IN_FUTURE"), ("campaignId", "NOT_FOUND")}
    assert await Email.all().count() == 1


async def test_limits_refuse_the_whole_send(api: Api) -> None:
    ada = await person(api, "ada@example.com")
    many = [gid("Person", n) for n in range(1, 202)]
    payload = await send(api, kind="SELECT_AND_SEND", personIds=many)
    assert codes(payload) == [("personIds", "TOO_MANY_RECIPIENTS")]
    assert payload["results"] == []
    assert payload["groupId"] is None
    payload = await send(api, personIds=[gid("Person", n) for n in range(1, 1002)])
    assert codes(payload) == [("personIds", "TOO_MANY_RECIPIENTS")]
    payload = await send(api, personIds=[])
    assert codes(payload) == [("personIds", "REQUIRED")]
    payload = await send(api, personIds=[ada], idempotencyKey=" ")
    assert codes(payload) == [("idempotencyKey", "INVALID_INPUT")]
    payload = await send(api, personIds=[ada], subject="", bodyText="")
    assert codes(payload) == [("subject", "REQUIRED")]
    assert await Email.all().count() == 0
    # Nothing was recorded under the key: the corrected request goes through.
    payload = await send(api, personIds=[ada])
    assert payload["queuedCount"] == 1


async def test_a_thousand_recipients_in_one_go(api: Api) -> None:
    await Person.bulk_create(
        [
            Person(team_id=api.user.team_id, owner_id=api.user.id, email=f"p{n}@example.com")
            for n in range(1000)
        ]
    )
    ids = [gid("Person", p.id) for p in await Person.all().only("id")]
    started = time.monotonic()
    payload = await api.mutate(
        "sendBulkEmail",
        {
            "kind": "GROUP",
            "personIds": ids,
            "idempotencyKey": "big",
            "subject": "Hi",
            "bodyText": "x",
        },
        "groupId queuedCount userErrors { code }",
    )
    elapsed = time.monotonic() - started
    assert payload["userErrors"] == []
    assert payload["queuedCount"] == 1000
    assert await Email.filter(group_id=payload["groupId"]).count() == 1000
    assert await EmailEvent.filter(kind="CREATED").count() == 1000
    counts = await api("{ folderCounts { scheduled } }")
    assert counts["folderCounts"]["scheduled"] == 1000
    assert elapsed < 30, elapsed  # bulk inserts, not 1,000 round trips


async def statements_for_a_send(api: Api, size: int, key: str, caplog: Any) -> int:
    ids = [gid("Person", p.id) for p in await Person.all().order_by("id").only("id").limit(size)]
    input = {"kind": "GROUP", "personIds": ids, "idempotencyKey": key, "subject": "s"}
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        payload = await api.mutate(
            "sendBulkEmail",
            {**input, "bodyText": "b"},
            "queuedCount results { status person { id } email { id template { id } } }",
        )
    assert payload["queuedCount"] == size
    return len(caplog.records)


async def test_the_number_of_statements_does_not_grow_with_recipients(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    await Person.bulk_create(
        [
            Person(team_id=api.user.team_id, owner_id=api.user.id, email=f"p{n}@example.com")
            for n in range(400)
        ]
    )
    small = await statements_for_a_send(api, 10, "small", caplog)
    large = await statements_for_a_send(api, 400, "large", caplog)
    # Only the INSERT batches (200 rows each) may add statements.
    assert large - small <= 4, (small, large)


async def test_a_retry_with_the_same_key_creates_nothing_new(api: Api) -> None:
    ada = await person(api, "ada@example.com")
    first = await send(api, personIds=[ada])
    again = await send(api, personIds=[ada])
    assert again["replayed"] is True
    assert again["groupId"] == first["groupId"]
    assert again["results"][0]["email"]["id"] == first["results"][0]["email"]["id"]
    assert again["queuedCount"] == 1
    assert await Email.all().count() == 1
    assert await EmailEvent.all().count() == 1
    counts = await api("{ folderCounts { scheduled } }")
    assert counts["folderCounts"]["scheduled"] == 1

    reused = await send(api, personIds=[ada], subject="Something else")
    assert codes(reused) == [("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")]
    other = await send(api, personIds=[ada], idempotencyKey="key-2")
    assert other["groupId"] != first["groupId"]
    assert await Email.all().count() == 2


async def test_concurrent_retries_create_one_group(api: Api) -> None:
    ada = await person(api, "ada@example.com")
    payloads = await asyncio.gather(*(send(api, personIds=[ada]) for _ in range(3)))
    assert {p["groupId"] for p in payloads} != {None}
    assert len({p["groupId"] for p in payloads}) == 1
    assert await Email.all().count() == 1
    assert sorted(p["replayed"] for p in payloads) == [False, True, True]


async def test_keys_belong_to_their_user(world: World) -> None:
    ada = await person(world.alice, "ada@example.com")
    first = await send(world.alice, personIds=[ada])
    second = await send(world.bob, personIds=[ada])
    assert second["replayed"] is False
    assert second["groupId"] != first["groupId"]


async def test_other_teams_people_are_unknown_and_refuse_the_send(world: World) -> None:
    ada = await person(world.alice, "ada@example.com")
    foreign = await person(world.carol, "zed@example.com")
    payload = await send(world.alice, personIds=[ada, foreign, "not-an-id"])
    assert codes(payload) == [("personIds[1]", "NOT_FOUND"), ("personIds[2]", "NOT_FOUND")]
    assert payload["userErrors"][0]["message"] == "Person not found."
    assert await Email.all().count() == 0
    # Nor can team B use team A's template or see team A's bulk emails.
    template = await create_template(world.alice)
    payload = await send(world.carol, personIds=[foreign], templateId=template["id"])
    assert codes(payload) == [("templateId", "NOT_FOUND")]
    sent = await send(world.alice, personIds=[ada], idempotencyKey="k")
    listed = await world.admin_b(
        "query($g: String) { emails(filter: {groupId: $g}) { totalCount } }", g=sent["groupId"]
    )
    assert listed["emails"]["totalCount"] == 0


async def test_select_and_send_edits_each_email(api: Api) -> None:
    ada = await person(api, "ada@example.com", firstName="Ada")
    bob = await person(api, "bob@example.com", firstName="Bob")
    payload = await send(
        api,
        kind="SELECT_AND_SEND",
        personIds=[ada, bob],
        bodyText="Hi {{first_name}}, {{! say why you write }}",
        overrides=[{"personId": ada, "bodyText": "Hi Ada, loved your talk.", "subject": "Talk"}],
    )
    assert payload["userErrors"] == []
    ada_result, bob_result = payload["results"]
    assert ada_result["status"] == "QUEUED"
    assert ada_result["email"]["bulkKind"] == "SELECT_AND_SEND"
    assert ada_result["email"]["subject"] == "Talk"
    assert ada_result["email"]["bodyText"] == "Hi Ada, loved your talk."
    # Bob's email still has the prompt: it would fail at send time, so it is not created.
    assert bob_result["status"] == "SKIPPED_MERGE_PROBLEM"
    assert [(e["field"], e["code"]) for e in bob_result["userErrors"]] == [
        ("bodyText", "PROMPT_NOT_REPLACED")
    ]


async def test_override_mistakes_refuse_the_send(api: Api) -> None:
    ada = await person(api, "ada@example.com")
    bob = await person(api, "bob@example.com")
    payload = await send(
        api,
        kind="SELECT_AND_SEND",
        personIds=[ada],
        overrides=[
            {"personId": bob, "subject": "x"},
            {"personId": ada, "subject": "two\nlines"},
            {"personId": ada},
        ],
    )
    assert codes(payload) == [
        ("overrides[0].personId", "NOT_FOUND"),
        ("overrides[1].subject", "INVALID_INPUT"),
        ("overrides[2].personId", "DUPLICATE"),
    ]
    payload = await send(api, personIds=[ada], overrides=[{"personId": ada, "subject": "x"}])
    assert codes(payload) == [("overrides", "INVALID_INPUT")]
    assert await Email.all().count() == 0


async def test_unresolvable_fields_skip_that_person_only(api: Api) -> None:
    ada = await person(api, "ada@example.com", firstName="Ada")
    anon = await person(api, "anon@example.com")
    payload = await send(api, personIds=[ada, anon], subject="Hi {{first_name}}")
    assert [r["status"] for r in payload["results"]] == ["QUEUED", "SKIPPED_MERGE_PROBLEM"]
    [error] = payload["results"][1]["userErrors"]
    assert (error["field"], error["code"]) == ("subject", "UNRESOLVED_MERGE_FIELD")
    assert "{{first_name}}" in error["message"]


async def test_from_a_template(api: Api) -> None:
    ada = await person(api, "ada@example.com", firstName="Ada")
    template = await create_template(api, subject="T {{first_name}}", bodyText="T body")
    payload = await send(
        api, personIds=[ada], templateId=template["id"], subject=None, bodyText=None
    )
    email = payload["results"][0]["email"]
    assert (email["subject"], email["bodyText"]) == ("T {{first_name}}", "T body")
    assert email["template"] == {"id": template["id"]}
