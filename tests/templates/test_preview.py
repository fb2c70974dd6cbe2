"""previewEmail: rendering for a recipient, listing problems, changing nothing."""

from __future__ import annotations

from typing import Any

from tests.api import Api, World
from tests.templates.test_templates import create_template

PREVIEW = """query($input: PreviewEmailInput!) {
  previewEmail(input: $input) {
    subject html text sendable problems { code field message } person { email } email { id }
  }
}"""


async def preview(api: Api, **input: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api(PREVIEW, input=input))["previewEmail"]
    return result


async def ada(api: Api, **fields: Any) -> dict[str, Any]:
    fields.setdefault("firstName", "Ada")
    fields.setdefault("company", "<Engines & Co>")
    fields.setdefault("customFields", [{"key": "industry", "value": "Computing"}])
    return await api.create_person("ada@example.com", **fields)


async def test_inline_composition_for_a_person(api: Api) -> None:
    person = await ada(api)
    result = await preview(
        api,
        personId=person["id"],
        subject="Hi {{first_name}} from {{my_name}}",
        bodyHtml="<p>{{company}} in {{industry}}, {{title | default: 'friend'}}</p>",
        bodyText="{{company}} {{{{! mention their launch }}",
    )
    assert result["subject"] == "Hi Ada from Alice"
    assert result["html"] == "<p>&lt;Engines &amp; Co&gt; in Computing, friend</p>"
    assert result["text"] == "<Engines & Co> {{{{! mention their launch }}"
    assert result["sendable"] is False
    assert [(p["code"], p["field"]) for p in result["problems"]] == [
        ("PROMPT_NOT_REPLACED", "mention their launch")
    ]
    assert result["person"] == {"email": "ada@example.com"}
    assert result["email"] is None


async def test_template_with_overrides_and_no_person(api: Api) -> None:
    template = await create_template(api, subject="Hi {{first_name}}", bodyText="{{nope}}")
    result = await preview(api, templateId=template["id"], bodyHtml="<b>{{my_email}}</b>")
    assert result["subject"] == "Hi {{first_name}}"
    assert result["html"] == "<b>alice@a.example</b>"
    assert {(p["code"], p["field"]) for p in result["problems"]} == {
        ("UNRESOLVED_MERGE_FIELD", "first_name"),
        ("UNRESOLVED_MERGE_FIELD", "nope"),
    }


async def test_stored_email_renders_for_its_person_and_changes_nothing(api: Api) -> None:
    person = await ada(api)
    draft = await api.create_draft(
        personId=person["id"], to=[], subject="For {{first_name}}", bodyText="{{last_name}}"
    )
    result = await preview(api, emailId=draft["id"])
    assert result["subject"] == "For Ada"
    assert result["problems"][0]["field"] == "last_name"
    assert result["email"] == {"id": draft["id"]}
    after = await api.email(draft["id"])
    assert after is not None
    assert (after["version"], after["status"], after["subject"]) == (
        1,
        "DRAFT",
        "For {{first_name}}",
    )


async def test_an_admin_previews_a_teammates_email_as_its_sender(world: World) -> None:
    draft = await world.alice.create_draft(subject="From {{my_name}}")
    result = await preview(world.lead_a, emailId=draft["id"])
    assert result["subject"] == "From Alice"


async def test_mixing_a_stored_email_with_a_composition_is_refused(api: Api) -> None:
    draft = await api.create_draft()
    response = await api.execute(PREVIEW, input={"emailId": draft["id"], "subject": "x"})
    assert response["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    response = await api.execute(PREVIEW, input={})
    assert response["errors"][0]["extensions"]["code"] == "REQUIRED"


async def test_other_teams_ids_are_not_found(world: World) -> None:
    person = await ada(world.alice)
    draft = await world.alice.create_draft()
    template = await create_template(world.alice)
    for input in (
        {"emailId": draft["id"]},
        {"templateId": template["id"]},
        {"personId": person["id"], "subject": "x"},
    ):
        response = await world.admin_b.execute(PREVIEW, input=input)
        [error] = response["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND"
        assert error["extensions"]["field"] == next(iter(input))
    # A member cannot preview a teammate's email either.
    response = await world.bob.execute(PREVIEW, input={"emailId": draft["id"]})
    assert response["errors"][0]["extensions"]["code"] == "NOT_FOUND"
