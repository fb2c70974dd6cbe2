"""Email mutations through the API: what each does, and typed refusals that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.base import clock
from models.campaigns.tables import Campaign
from models.emails.tables import Email, EmailEvent, EmailStatus
from tests.api import EMAIL_FIELDS, Api, drive_to, gid

PAYLOAD = f"email {{ {EMAIL_FIELDS} }}"


def future(**delta: float) -> str:
    return (clock.now() + timedelta(**delta)).isoformat()


async def snapshot() -> list[dict[str, Any]]:
    """Every email and event row, to prove a refused request changed nothing."""
    emails = await Email.all().order_by("id").values()
    events = await EmailEvent.all().order_by("id").values("id")
    return [*emails, *events]


async def refused(api: Api, mutation: str, input: dict[str, Any]) -> list[dict[str, Any]]:
    before = await snapshot()
    payload = await api.mutate(
        mutation, input, PAYLOAD if mutation != "deleteEmail" else "deletedEmailId"
    )
    assert payload.get("email") is None and payload.get("deletedEmailId") is None
    assert payload["userErrors"], payload
    assert await snapshot() == before, "a refused mutation must change nothing"
    errors: list[dict[str, Any]] = payload["userErrors"]
    return errors


async def test_create_draft_addresses_the_person_when_no_recipient_is_given(api: Api) -> None:
    ann = await api.create_person("Ann@Acme.example", firstName="Ann")

    email = await api.create_draft(personId=ann["id"], to=None, subject="Hi Ann", bodyText="Hey")

    assert email["status"] == "DRAFT" and email["folder"] == "PENDING"
    assert email["to"] == ["ann@acme.example"]
    assert email["person"]["id"] == ann["id"]
    assert email["bulkKind"] == "SINGLE" and email["version"] == 1
    assert email["availableActions"] == ["EDIT", "SCHEDULE", "SEND_NOW", "DELETE"]


async def test_create_draft_reports_every_bad_field_at_once(api: Api) -> None:
    errors = await refused(
        api,
        "createDraft",
        {
            "to": ["not an address"],
            "cc": ["ok@example.com", "bad@"],
            "subject": "two\nlines",
            "personId": gid("Person", 10**6),
        },
    )
    assert {(e["field"], e["code"]) for e in errors} == {
        ("to", "INVALID_EMAIL_ADDRESS"),
        ("cc", "INVALID_EMAIL_ADDRESS"),
        ("subject", "INVALID_INPUT"),
        ("personId", "NOT_FOUND"),
    }


async def test_update_draft_changes_only_given_fields(api: Api) -> None:
    ann = await api.create_person("ann@acme.example")
    draft = await api.create_draft(personId=ann["id"], subject="v1", bodyText="body")

    payload = await api.mutate(
        "updateDraft", {"id": draft["id"], "version": 1, "subject": "v2", "personId": None}, PAYLOAD
    )

    email = payload["email"]
    assert payload["userErrors"] == []
    assert (email["subject"], email["bodyText"], email["person"]) == ("v2", "body", None)
    assert email["to"] == ["ann@acme.example"] and email["version"] == 2


async def test_update_draft_with_a_stale_version_is_refused(api: Api) -> None:
    draft = await api.create_draft()
    await api.mutate("updateDraft", {"id": draft["id"], "subject": "v2"}, PAYLOAD)

    errors = await refused(api, "updateDraft", {"id": draft["id"], "version": 1, "subject": "x"})
    assert errors[0]["code"] == "STALE_VERSION" and errors[0]["field"] == "version"


async def test_only_drafts_can_be_edited(api: Api) -> None:
    draft = await api.create_draft()
    await drive_to(draft["id"], EmailStatus.DELIVERED)

    errors = await refused(api, "updateDraft", {"id": draft["id"], "subject": "too late"})
    assert errors[0]["code"] == "INVALID_TRANSITION"


async def test_schedule_reschedule_unschedule(api: Api) -> None:
    draft = await api.create_draft()
    send_at = future(days=1)

    scheduled = (
        await api.mutate("scheduleEmail", {"id": draft["id"], "sendAt": send_at}, PAYLOAD)
    )["email"]
    assert scheduled["status"] == "SCHEDULED"
    assert datetime.fromisoformat(scheduled["scheduledAt"]) == datetime.fromisoformat(send_at)
    assert scheduled["statusAt"] == scheduled["scheduledAt"]

    later = (clock.now() + timedelta(days=2)).astimezone(datetime.now().astimezone().tzinfo or UTC)
    moved = (
        await api.mutate("scheduleEmail", {"id": draft["id"], "sendAt": later.isoformat()}, PAYLOAD)
    )["email"]
    assert datetime.fromisoformat(moved["scheduledAt"]) == later
    assert moved["version"] == scheduled["version"] + 1

    back = (await api.mutate("unscheduleEmail", {"id": draft["id"]}, PAYLOAD))["email"]
    assert (back["status"], back["scheduledAt"]) == ("DRAFT", None)
    kinds = (
        await EmailEvent.filter(email_id=(await drive_to(draft["id"], EmailStatus.DRAFT)).id)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert [k.value for k in kinds] == ["CREATED", "SCHEDULED", "RESCHEDULED", "UNSCHEDULED"]


@pytest.mark.parametrize(
    ("send_at", "code"),
    [
        ("2001-01-01T00:00:00+00:00", "NOT_IN_FUTURE"),
        ("2030-01-01T09:00:00", "TIMEZONE_REQUIRED"),
        ("2099-01-01T09:00:00+00:00", "INVALID_INPUT"),
    ],
)
async def test_schedule_refuses_bad_send_times(api: Api, send_at: str, code: str) -> None:
    draft = await api.create_draft()
    errors = await refused(api, "scheduleEmail", {"id": draft["id"], "sendAt": send_at})
    assert [(e["field"], e["code"]) for e in errors] == [("sendAt", code)]


async def test_a_draft_without_recipient_cannot_be_sent(api: Api) -> None:
    draft = await api.create_draft(to=[])
    for mutation, extra in (("scheduleEmail", {"sendAt": future(hours=1)}), ("sendEmailNow", {})):
        errors = await refused(api, mutation, {"id": draft["id"], **extra})
        assert errors[0]["code"] == "NO_RECIPIENT"


async def test_send_now_makes_a_draft_due_immediately(api: Api) -> None:
    draft = await api.create_draft()
    at = clock.now().replace(microsecond=0)
    with clock.frozen(at):
        email = (await api.mutate("sendEmailNow", {"id": draft["id"]}, PAYLOAD))["email"]
    assert email["status"] == "SCHEDULED"
    assert datetime.fromisoformat(email["scheduledAt"]) == at


async def test_archive_and_unarchive(api: Api) -> None:
    draft = await api.create_draft()
    await drive_to(draft["id"], EmailStatus.DELIVERED)

    archived = (await api.mutate("archiveEmail", {"id": draft["id"]}, PAYLOAD))["email"]
    assert (archived["status"], archived["folder"]) == ("ARCHIVED", "SENT")
    assert archived["archivedAt"] is not None
    assert archived["availableActions"] == ["UNARCHIVE", "DELETE"]
    back = (await api.mutate("unarchiveEmail", {"id": draft["id"]}, PAYLOAD))["email"]
    assert (back["status"], back["archivedAt"]) == ("DELIVERED", None)
    errors = await refused(api, "unarchiveEmail", {"id": draft["id"]})
    assert errors[0]["code"] == "INVALID_TRANSITION"


async def test_a_spam_email_offers_no_retry_and_refuses_one(api: Api) -> None:
    """After a complaint the recipient is suppressed: retrying could only hurt the team."""
    draft = await api.create_draft()
    row = await drive_to(draft["id"], EmailStatus.SPAM)
    assert (await api.email(draft["id"]) or {})["availableActions"] == ["DELETE"]

    errors = await refused(api, "retryEmail", {"id": draft["id"]})

    assert [e["code"] for e in errors] == ["RECIPIENT_COMPLAINED"]
    after = await Email.get(id=row.id)
    assert (after.status, after.version) == (EmailStatus.SPAM, row.version)


@pytest.mark.parametrize("status", [EmailStatus.FAILED, EmailStatus.BOUNCED])
async def test_retry_reschedules_now_and_keeps_the_failure_in_history(
    api: Api, status: EmailStatus
) -> None:
    draft = await api.create_draft()
    row = await drive_to(draft["id"], status)

    email = (await api.mutate("retryEmail", {"id": draft["id"]}, PAYLOAD))["email"]

    assert (email["status"], email["failureCode"]) == ("SCHEDULED", None)
    event = await EmailEvent.filter(email_id=row.id).order_by("-id").first()
    assert event is not None and event.kind.value == "RETRIED"
    assert event.data["failureCode"] == row.failure_code


async def test_delete_and_its_refusals(api: Api) -> None:
    draft = await api.create_draft()
    payload = await api.mutate("deleteEmail", {"id": draft["id"]}, "deletedEmailId")
    assert payload == {"deletedEmailId": draft["id"], "userErrors": []}
    assert await api.email(draft["id"]) is None

    sending = await api.create_draft()
    await drive_to(sending["id"], EmailStatus.IN_PROGRESS)
    errors = await refused(api, "deleteEmail", {"id": sending["id"]})
    assert errors[0]["code"] == "INVALID_TRANSITION"

    campaign = await Campaign.create(team_id=api.user.team_id, owner_id=api.user.id, name="Q4")
    from_campaign = await api.create_draft(campaignId=gid("Campaign", campaign.id))
    errors = await refused(api, "deleteEmail", {"id": from_campaign["id"]})
    assert errors[0]["code"] == "CAMPAIGN_EMAIL_NOT_DELETABLE"


async def test_history_is_a_connection_in_order(api: Api) -> None:
    draft = await api.create_draft()
    await drive_to(draft["id"], EmailStatus.ARCHIVED)
    query = """query($id: ID!, $after: String) { email(id: $id) { events(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { kind previousStatus newStatus actor { email } } } } }"""

    kinds, after = [], None
    while True:
        events = (await api(query, id=draft["id"], after=after))["email"]["events"]
        kinds += [(n["kind"], n["previousStatus"], n["newStatus"]) for n in events["nodes"]]
        if not events["pageInfo"]["hasNextPage"]:
            break
        after = events["pageInfo"]["endCursor"]

    assert events["totalCount"] == 5
    assert kinds == [
        ("CREATED", None, "DRAFT"),
        ("SCHEDULED", "DRAFT", "SCHEDULED"),
        ("SENDING", "SCHEDULED", "IN_PROGRESS"),
        ("DELIVERED", "IN_PROGRESS", "DELIVERED"),
        ("ARCHIVED", "DELIVERED", "ARCHIVED"),
    ]
