"""Team scoping: another team's IDs behave exactly like IDs that do not exist.

Each case runs the same operation twice as team B — once with team A's real ID, once with an ID
that exists nowhere — and requires identical answers (IDs aside) and an untouched team A.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.campaigns.tables import Campaign
from models.emails.tables import Email, EmailStatus
from models.people.tables import Person
from tests.api import Api, World, drive_to, gid

MISSING = 10**8


def scrub(value: Any, ids: set[str]) -> Any:
    """The answer with the two compared IDs replaced by one placeholder."""
    if isinstance(value, dict):
        return {k: scrub(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, ids) for v in value]
    return "<id>" if value in ids else value


async def state() -> list[Any]:
    return [
        await Email.all().order_by("id").values(),
        await Person.all().order_by("id").values(),
    ]


async def same_as_missing(outsider: Api, document: str, real: str, missing: str, **extra: Any):
    before = await state()
    foreign = await outsider.execute(document, id=real, **extra)
    unknown = await outsider.execute(document, id=missing, **extra)
    assert scrub(foreign, {real, missing}) == scrub(unknown, {real, missing})
    assert await state() == before
    return foreign


@pytest.fixture
async def team_a_data(world: World) -> dict[str, str]:
    alice = world.alice
    person = await alice.create_person("ann@acme.example")
    campaign = await Campaign.create(team_id=alice.user.team_id, owner_id=alice.user.id, name="Q4")
    draft = await alice.create_draft(personId=person["id"], subject="Team A secret")
    delivered = await alice.create_draft(subject="Delivered secret")
    await drive_to(delivered["id"], EmailStatus.DELIVERED)
    return {
        "person": person["id"],
        "campaign": gid("Campaign", campaign.id),
        "draft": draft["id"],
        "delivered": delivered["id"],
        "user": gid("User", alice.user.id),
        "team": gid("Team", alice.user.team_id),
    }


READS = {
    "email": ("query($id: ID!) { email(id: $id) { id subject } }", "draft", "Email"),
    "node-email": ("query($id: ID!) { node(id: $id) { id } }", "draft", "Email"),
    "node-person": ("query($id: ID!) { node(id: $id) { id } }", "person", "Person"),
    "node-campaign": ("query($id: ID!) { node(id: $id) { id } }", "campaign", "Campaign"),
    "node-user": ("query($id: ID!) { node(id: $id) { id } }", "user", "User"),
    "node-team": ("query($id: ID!) { node(id: $id) { id } }", "team", "Team"),
    "person": ("query($id: ID!) { person(id: $id) { id email } }", "person", "Person"),
    "emails-by-person": (
        "query($id: ID!) { emails(filter: {personId: $id}) { totalCount edges { node { id } } } }",
        "person",
        "Person",
    ),
    "emails-by-campaign": (
        "query($id: ID!) { emails(filter: {campaignId: $id}) { totalCount } }",
        "campaign",
        "Campaign",
    ),
    "emails-view-as": (
        "query($id: ID!) { emails(filter: {ownerId: $id}) { totalCount } }",
        "user",
        "User",
    ),
    "folder-counts-view-as": (
        "query($id: ID!) { folderCounts(viewAs: $id) { total } }",
        "user",
        "User",
    ),
}


@pytest.mark.parametrize("case", sorted(READS))
async def test_reads_of_foreign_ids(world: World, team_a_data: dict[str, str], case: str) -> None:
    document, key, type_name = READS[case]
    answer = await same_as_missing(
        world.admin_b, document, team_a_data[key], gid(type_name, MISSING)
    )
    assert "secret" not in str(answer) and "acme" not in str(answer)


MUTATIONS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "updateDraft": ("UpdateDraftInput", "draft", "Email", {"subject": "pwned"}),
    "scheduleEmail": ("ScheduleEmailInput", "draft", "Email", {"sendAt": "2030-01-01T00:00:00Z"}),
    "sendEmailNow": ("SendEmailNowInput", "draft", "Email", {}),
    "unscheduleEmail": ("UnscheduleEmailInput", "draft", "Email", {}),
    "archiveEmail": ("ArchiveEmailInput", "delivered", "Email", {}),
    "unarchiveEmail": ("UnarchiveEmailInput", "delivered", "Email", {}),
    "retryEmail": ("RetryEmailInput", "delivered", "Email", {}),
    "deleteEmail": ("DeleteEmailInput", "draft", "Email", {}),
    "updatePerson": ("UpdatePersonInput", "person", "Person", {"firstName": "pwned"}),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
async def test_mutations_on_foreign_ids(
    world: World, team_a_data: dict[str, str], mutation: str
) -> None:
    input_type, key, type_name, extra = MUTATIONS[mutation]
    document = (
        f"mutation($extra: {input_type}!) {{ {mutation}(input: $extra) "
        "{ userErrors { field message code } } }"
    )
    real, missing = team_a_data[key], gid(type_name, MISSING)
    before = await state()
    foreign = await world.carol.execute(document, extra={"id": real, **extra})
    unknown = await world.carol.execute(document, extra={"id": missing, **extra})
    assert foreign == unknown
    assert foreign["data"][mutation]["userErrors"][0]["code"] == "NOT_FOUND"
    assert await state() == before


@pytest.mark.parametrize(
    ("field", "key", "type_name"),
    [("personId", "person", "Person"), ("campaignId", "campaign", "Campaign")],
)
async def test_drafts_cannot_point_at_foreign_people_or_campaigns(
    world: World, team_a_data: dict[str, str], field: str, key: str, type_name: str
) -> None:
    document = (
        "mutation($input: CreateDraftInput!) { createDraft(input: $input) { email { id } "
        "userErrors { field message code } } }"
    )
    before = await state()
    foreign = await world.carol.execute(document, input={field: team_a_data[key], "to": ["x@y.z"]})
    unknown = await world.carol.execute(
        document, input={field: gid(type_name, MISSING), "to": ["x@y.z"]}
    )
    assert foreign == unknown
    assert foreign["data"]["createDraft"]["userErrors"] == [
        {"field": field, "message": f"{type_name} not found.", "code": "NOT_FOUND"}
    ]
    assert await state() == before


async def test_a_member_cannot_reach_a_teammates_email(world: World, team_a_data: dict[str, str]):
    """Within a team, members see only their own emails: same answer as a missing ID."""
    await same_as_missing(
        world.bob,
        "query($id: ID!) { email(id: $id) { id } }",
        team_a_data["draft"],
        gid("Email", MISSING),
    )
    payload = await world.bob.mutate("deleteEmail", {"id": team_a_data["draft"]}, "deletedEmailId")
    assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    assert await world.alice.email(team_a_data["draft"]) is not None


async def test_admins_act_on_their_team_only(world: World, team_a_data: dict[str, str]) -> None:
    payload = await world.lead_a.mutate(
        "archiveEmail", {"id": team_a_data["delivered"]}, "email { status }"
    )
    assert payload == {"email": {"status": "ARCHIVED"}, "userErrors": []}
    assert (await world.admin_b("{ emails { totalCount } }"))["emails"]["totalCount"] == 0
    assert (await world.admin_b("{ people { totalCount } }"))["people"]["totalCount"] == 0
    assert (await world.admin_b("{ folderCounts { total } }"))["folderCounts"]["total"] == 0
    assert (await world.admin_b("{ campaigns { totalCount } }"))["campaigns"]["totalCount"] == 0
    team = (await world.admin_b("{ me { team { members { nodes { email } } } } }"))["me"]["team"]
    emails = {m["email"] for m in team["members"]["nodes"]}
    assert emails == {"admin@b.example", "carol@b.example"}
