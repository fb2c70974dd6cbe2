"""Issue 14: scheduleEmail and sendEmailNow refuse, up front, an email whose merge fields or
prompts would not resolve for its recipient (the checks previewEmail shows), naming each problem
and the part it is in; a bulk override's problem names its own part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.base import clock
from models.emails.tables import Email, EmailEvent, EmailStatus
from tests.api import Api
from tests.bulk.test_bulk import person, send
from tests.sending.helpers import pk

ERRORS = "email { id status } userErrors { field message code }"


async def problem_draft(api: Api) -> dict[str, Any]:
    ned = await api.create_person("ned@prospect.example", firstName="Ned")  # no company
    return await api.create_draft(
        personId=ned["id"],
        subject="Hi {{first_name}}, about {{company}}",
        bodyHtml="<p>{{! write something personal }}</p>",
        bodyText="How is {{industry}} at {{company}}?",
    )


@pytest.mark.parametrize("mutation", ["scheduleEmail", "sendEmailNow"])
async def test_unresolvable_fields_and_prompts_are_refused_up_front(
    api: Api, mutation: str
) -> None:
    draft = await problem_draft(api)
    input: dict[str, Any] = {"id": draft["id"]}
    if mutation == "scheduleEmail":
        input["sendAt"] = (clock.now() + timedelta(hours=2)).isoformat()
    before = await Email.get(id=pk(draft["id"]))
    events = await EmailEvent.filter(email_id=before.id).count()

    payload = await api.mutate(mutation, input, ERRORS)

    assert payload["email"] is None
    problems = {(e["field"], e["code"]) for e in payload["userErrors"]}
    assert problems == {
        ("subject", "UNRESOLVED_MERGE_FIELD"),  # {{company}}: first seen in the subject
        ("bodyHtml", "PROMPT_NOT_REPLACED"),
        ("bodyText", "UNRESOLVED_MERGE_FIELD"),  # {{industry}}
    }
    messages = " ".join(e["message"] for e in payload["userErrors"])
    assert "{{company}} in the subject" in messages
    assert "{{industry}} in the text body" in messages
    after = await Email.get(id=before.id)
    assert (after.status, after.version) == (EmailStatus.DRAFT, before.version)
    assert await EmailEvent.filter(email_id=before.id).count() == events


async def test_the_same_problems_as_preview_and_a_fixed_email_goes(api: Api) -> None:
    draft = await problem_draft(api)
    preview = await api(
        "query($id: ID!) { previewEmail(input: {emailId: $id}) { problems { code field } } }",
        id=draft["id"],
    )
    refused = await api.mutate("sendEmailNow", {"id": draft["id"]}, ERRORS)
    assert {p["code"] for p in preview["previewEmail"]["problems"]} == {
        e["code"] for e in refused["userErrors"]
    }
    assert len(preview["previewEmail"]["problems"]) == len(refused["userErrors"])

    fixed = await api.mutate(
        "updateDraft",
        {"id": draft["id"], "subject": "Hi {{first_name}}", "bodyHtml": "<p>Hi</p>"},
        "email { id }",
    )
    assert fixed["userErrors"] == []
    await api.mutate(
        "updatePerson",
        {
            "id": (await api.email(draft["id"]) or {})["person"]["id"],
            "company": "Acme",
            "customFields": [{"key": "industry", "value": "retail"}],
        },
        "person { id }",
    )
    sent = await api.mutate("sendEmailNow", {"id": draft["id"]}, ERRORS)
    assert sent["userErrors"] == []
    assert sent["email"]["status"] == "SCHEDULED"


async def test_a_bulk_override_problem_names_its_own_part(api: Api) -> None:
    ada = await person(api, "ada@example.com", firstName="Ada")
    payload = await send(
        api,
        kind="SELECT_AND_SEND",
        personIds=[ada],
        overrides=[{"personId": ada, "bodyText": "Hi {{nickname}}"}],
    )
    [result] = payload["results"]
    assert result["status"] == "SKIPPED_MERGE_PROBLEM"
    [error] = result["userErrors"]
    assert (error["field"], error["code"]) == ("overrides[0].bodyText", "UNRESOLVED_MERGE_FIELD")
    assert "in the text body" in error["message"]
    assert "subject" not in error["message"]
