"""Team scoping of templates, previews and bulk sends: another team's IDs (and a teammate's
private template) behave exactly like IDs that do not exist, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from models.bulk.requests import BulkRequest
from models.campaigns.tables import Campaign
from models.emails.tables import Email
from models.templates.tables import Template
from tests.api import Api, World, gid
from tests.teams.test_isolation import MISSING, scrub
from tests.templates.test_templates import create_template


async def state() -> list[Any]:
    return [await model.all().order_by("id").values() for model in (Email, Template, BulkRequest)]


@pytest.fixture
async def team_a(world: World) -> dict[str, str]:
    alice = world.alice
    person = await alice.create_person("ann@acme.example", firstName="Ann")
    campaign = await Campaign.create(team_id=alice.user.team_id, owner_id=alice.user.id, name="Q4")
    template = await create_template(alice, name="Acme secret", subject="Secret {{first_name}}")
    private = await create_template(alice, name="Private secret", shared=False)
    draft = await alice.create_draft(personId=person["id"], subject="Team A secret")
    return {
        "person": person["id"],
        "campaign": gid("Campaign", campaign.id),
        "template": template["id"],
        "private": private["id"],
        "draft": draft["id"],
    }


async def compare(outsider: Api, document: str, real: Any, missing: Any, ids: set[str]) -> Any:
    before = await state()
    foreign = await outsider.execute(document, input=real)
    unknown = await outsider.execute(document, input=missing)
    assert scrub(foreign, ids) == scrub(unknown, ids)
    assert "secret" not in str(foreign).lower() and "acme" not in str(foreign)
    assert await state() == before
    return foreign


READS = {
    "template": ("query($input: ID!) { template(id: $input) { id name } }", "template"),
    "node": ("query($input: ID!) { node(id: $input) { id } }", "template"),
    "preview-template": (
        "query($input: PreviewEmailInput!) { previewEmail(input: $input) { subject } }",
        "template",
    ),
}


@pytest.mark.parametrize("case", sorted(READS))
async def test_reads(world: World, team_a: dict[str, str], case: str) -> None:
    document, key = READS[case]
    real, missing = team_a[key], gid("Template", MISSING)
    if case.startswith("preview"):
        await compare(
            world.carol, document, {"templateId": real}, {"templateId": missing}, {real, missing}
        )
    else:
        await compare(world.carol, document, real, missing, {real, missing})
        # A teammate's private template is just as invisible.
        await compare(world.bob, document, team_a["private"], missing, {team_a["private"], missing})


PREVIEW = "query($input: PreviewEmailInput!) { previewEmail(input: $input) { subject } }"


@pytest.mark.parametrize(
    ("field", "key", "type_name"),
    [("emailId", "draft", "Email"), ("personId", "person", "Person")],
)
async def test_preview_of_foreign_emails_and_people(
    world: World, team_a: dict[str, str], field: str, key: str, type_name: str
) -> None:
    real, missing = team_a[key], gid(type_name, MISSING)
    extra = {} if field == "emailId" else {"subject": "Hi"}
    answer = await compare(
        world.carol, PREVIEW, {field: real, **extra}, {field: missing, **extra}, {real, missing}
    )
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


MUTATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "updateTemplate": ("id", {"name": "pwned"}),
    "deleteTemplate": ("id", {}),
    "createDraft": ("templateId", {"to": ["x@y.z"]}),
    "sendBulkEmail": (
        "templateId",
        {"kind": "GROUP", "personIds": [], "idempotencyKey": "k", "subject": "s", "bodyText": "b"},
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
async def test_mutations_with_foreign_templates(
    world: World, team_a: dict[str, str], mutation: str
) -> None:
    field, extra = MUTATIONS[mutation]
    document = (
        f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $input)"
        " { userErrors { field message code } } }"
    )
    carols = await world.carol.create_person("zed@b.example")
    cases = (
        (world.carol, team_a["template"], carols["id"]),
        (world.bob, team_a["private"], team_a["person"]),
    )
    for outsider, real, recipient in cases:
        if mutation == "sendBulkEmail":
            extra = {**extra, "personIds": [recipient]}  # someone the outsider may email
        missing = gid("Template", MISSING)
        answer = await compare(
            outsider, document, {field: real, **extra}, {field: missing, **extra}, {real, missing}
        )
        assert answer["data"][mutation]["userErrors"] == [
            {"field": field, "message": "Template not found.", "code": "NOT_FOUND"}
        ]


@pytest.mark.parametrize(
    ("field", "key", "type_name"),
    [("personIds", "person", "Person"), ("campaignId", "campaign", "Campaign")],
)
async def test_bulk_sends_cannot_reach_foreign_people_or_campaigns(
    world: World, team_a: dict[str, str], field: str, key: str, type_name: str
) -> None:
    carols = await world.carol.create_person("zed@b.example")
    real, missing = team_a[key], gid(type_name, MISSING)
    base = {"kind": "GROUP", "idempotencyKey": "k", "subject": "s", "bodyText": "b"}
    if field == "personIds":
        inputs = [{**base, "personIds": [carols["id"], pk]} for pk in (real, missing)]
        error_field = "personIds[1]"
    else:
        inputs = [{**base, "personIds": [carols["id"]], "campaignId": pk} for pk in (real, missing)]
        error_field = "campaignId"
    document = (
        "mutation($input: SendBulkEmailInput!) { sendBulkEmail(input: $input) "
        "{ groupId results { status } userErrors { field message code } } }"
    )
    answer = await compare(world.carol, document, inputs[0], inputs[1], {real, missing})
    assert answer["data"]["sendBulkEmail"]["userErrors"] == [
        {"field": error_field, "message": f"{type_name} not found.", "code": "NOT_FOUND"}
    ]
