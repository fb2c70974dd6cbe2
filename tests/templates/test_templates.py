"""Templates over the API: CRUD, sharing rules, team isolation, drafts made from a template."""

from __future__ import annotations

from typing import Any

from tests.api import Api, World, gid

TEMPLATE = "template { id name subject bodyHtml bodyText shared viewerCanEdit owner { email } }"


async def create_template(api: Api, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", "Intro")
    fields.setdefault("subject", "Hi {{first_name}}")
    fields.setdefault("bodyHtml", "<p>Hello {{first_name | default: 'there'}}</p>")
    fields.setdefault("bodyText", "Hello {{first_name | default: 'there'}}")
    payload = await api.mutate("createTemplate", fields, TEMPLATE)
    assert payload["userErrors"] == [], payload["userErrors"]
    template: dict[str, Any] = payload["template"]
    return template


async def template_names(api: Api, **variables: Any) -> list[str]:
    data = await api(
        "query($filter: TemplateFilter, $first: Int, $after: String) {"
        " templates(filter: $filter, first: $first, after: $after) {"
        " totalCount nodes { name } } }",
        **variables,
    )
    return [n["name"] for n in data["templates"]["nodes"]]


async def test_create_read_update_delete(api: Api) -> None:
    created = await create_template(api, name="  Intro  ")
    assert created["name"] == "Intro"
    assert created["shared"] is True
    assert created["viewerCanEdit"] is True
    assert created["owner"]["email"] == "alice@a.example"

    data = await api("query($id: ID!) { template(id: $id) { name } }", id=created["id"])
    assert data["template"] == {"name": "Intro"}

    payload = await api.mutate(
        "updateTemplate", {"id": created["id"], "subject": "New {{company}}"}, TEMPLATE
    )
    assert payload["userErrors"] == []
    assert payload["template"]["subject"] == "New {{company}}"
    assert payload["template"]["bodyText"] == created["bodyText"]

    payload = await api.mutate("deleteTemplate", {"id": created["id"]}, "deletedTemplateId")
    assert payload == {"deletedTemplateId": created["id"], "userErrors": []}
    data = await api("query($id: ID!) { template(id: $id) { name } }", id=created["id"])
    assert data["template"] is None


async def test_invalid_input_changes_nothing(api: Api) -> None:
    payload = await api.mutate(
        "createTemplate", {"name": " ", "subject": "two\nlines", "bodyHtml": "x"}, TEMPLATE
    )
    assert payload["template"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("name", "REQUIRED"),
        ("subject", "INVALID_INPUT"),
    }
    assert await template_names(api) == []

    created = await create_template(api)
    payload = await api.mutate(
        "updateTemplate", {"id": created["id"], "name": "x" * 201, "subject": "ok"}, TEMPLATE
    )
    assert payload["userErrors"][0]["code"] == "TOO_LONG"
    data = await api("query($id: ID!) { template(id: $id) { name subject } }", id=created["id"])
    assert data["template"] == {"name": "Intro", "subject": created["subject"]}


async def test_listing_filters_and_pages_by_name(api: Api) -> None:
    for name in ("Charlie", "Echo", "Bravo", "Delta"):
        await create_template(api, name=name, subject=f"About {name}")
    assert await template_names(api) == ["Bravo", "Charlie", "Delta", "Echo"]
    assert await template_names(api, filter={"text": "about br"}) == ["Bravo"]
    first = await api("{ templates(first: 2) { pageInfo { endCursor hasNextPage } } }")
    info = first["templates"]["pageInfo"]
    assert info["hasNextPage"] is True
    assert await template_names(api, first=2, after=info["endCursor"]) == ["Delta", "Echo"]


async def test_shared_templates_are_visible_to_the_team_private_ones_only_to_the_owner(
    world: World,
) -> None:
    shared = await create_template(world.alice, name="Team intro")
    private = await create_template(world.alice, name="My notes", shared=False)
    assert await template_names(world.alice) == ["My notes", "Team intro"]
    assert await template_names(world.bob) == ["Team intro"]
    assert await template_names(world.lead_a) == ["Team intro"]
    assert await template_names(world.alice, filter={"shared": False}) == ["My notes"]
    assert await template_names(
        world.bob, filter={"ownerId": gid("User", world.alice.user.id)}
    ) == ["Team intro"]

    # Bob may use the shared one but not change it; the private one does not exist for him.
    payload = await world.bob.mutate("updateTemplate", {"id": shared["id"], "name": "x"}, TEMPLATE)
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    for mutation, data in (
        ("updateTemplate", {"id": private["id"], "name": "x"}),
        ("deleteTemplate", {"id": private["id"]}),
    ):
        payload = await world.bob.mutate(mutation, data, "__typename")
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    node = await world.bob("query($id: ID!) { node(id: $id) { id } }", id=private["id"])
    assert node["node"] is None

    # A team admin may edit and delete shared templates, but not make them private.
    payload = await world.lead_a.mutate(
        "updateTemplate", {"id": shared["id"], "shared": False}, TEMPLATE
    )
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    payload = await world.lead_a.mutate(
        "updateTemplate", {"id": shared["id"], "name": "Renamed"}, TEMPLATE
    )
    assert payload["template"]["name"] == "Renamed"
    payload = await world.lead_a.mutate("deleteTemplate", {"id": shared["id"]}, "deletedTemplateId")
    assert payload["userErrors"] == []


async def test_other_teams_see_nothing(world: World) -> None:
    template = await create_template(world.alice)
    assert await template_names(world.carol) == []
    assert await template_names(world.admin_b) == []
    data = await world.admin_b("query($id: ID!) { template(id: $id) { id } }", id=template["id"])
    assert data["template"] is None
    data = await world.admin_b("query($id: ID!) { node(id: $id) { id } }", id=template["id"])
    assert data["node"] is None
    for mutation, fields in (
        ("updateTemplate", {"id": template["id"], "name": "x"}),
        ("deleteTemplate", {"id": template["id"]}),
    ):
        payload = await world.admin_b.mutate(mutation, fields, "__typename")
        assert payload["userErrors"] == [
            {"field": "id", "message": "Template not found.", "code": "NOT_FOUND"}
        ]
    payload = await world.carol.mutate(
        "createDraft", {"templateId": template["id"], "to": ["x@example.com"]}, "email { id }"
    )
    assert payload["email"] is None
    assert payload["userErrors"][0]["field"] == "templateId"
    assert payload["userErrors"][0]["code"] == "NOT_FOUND"


async def test_draft_from_template_copies_text_and_remembers_the_template(api: Api) -> None:
    template = await create_template(api)
    payload = await api.mutate(
        "createDraft",
        {"templateId": template["id"], "to": ["p@example.com"], "bodyText": "Custom"},
        "email { subject bodyHtml bodyText template { id name } }",
    )
    assert payload["userErrors"] == []
    email = payload["email"]
    assert email["subject"] == template["subject"]
    assert email["bodyHtml"] == template["bodyHtml"]
    assert email["bodyText"] == "Custom"  # given explicitly: wins over the template
    assert email["template"] == {"id": template["id"], "name": "Intro"}


async def test_deleting_a_template_keeps_emails_made_from_it(api: Api) -> None:
    template = await create_template(api)
    payload = await api.mutate(
        "createDraft",
        {"templateId": template["id"], "to": ["p@example.com"]},
        "email { id }",
    )
    email_id = payload["email"]["id"]
    await api.mutate("deleteTemplate", {"id": template["id"]}, "deletedTemplateId")
    data = await api("query($id: ID!) { email(id: $id) { subject template { id } } }", id=email_id)
    assert data["email"] == {"subject": template["subject"], "template": None}


async def test_an_email_shows_its_template_only_to_those_who_can_see_it(world: World) -> None:
    private = await create_template(world.alice, shared=False)
    payload = await world.alice.mutate(
        "createDraft", {"templateId": private["id"], "to": ["p@example.com"]}, "email { id }"
    )
    document = "query($id: ID!) { email(id: $id) { template { id } } }"
    mine = await world.alice(document, id=payload["email"]["id"])
    assert mine["email"]["template"] == {"id": private["id"]}
    as_admin = await world.lead_a(document, id=payload["email"]["id"])
    assert as_admin["email"] == {"template": None}
