"""The campaign API over HTTP: the walkthrough of the README, typed refusals that change
nothing, sharing like templates, and another team's ids behaving like ids that do not exist."""

from __future__ import annotations

from typing import Any

from models.campaigns.tables import CampaignMembership
from models.emails.tables import Email
from tests.api import Api, World, gid
from tests.campaigns.api_helpers import ALWAYS, add_people, add_step, create, launched
from tests.campaigns.helpers import people, run_due

DETAIL = """query($id: ID!) { campaign(id: $id) {
  id name status viewerCanEdit
  steps { position kind delayDays timeOfDay subject replyInThread }
  members(first: 10, filter: {state: ACTIVE}) { totalCount nodes { state currentStep
    person { email } history { kind state step } } }
  stats { total { people sent delivered opened clicked replied bounced unsubscribed openRate }
          steps { step people sent } }
} }"""


async def test_the_walkthrough(api: Api, world: World) -> None:
    campaign = await create(api, sendWindow=ALWAYS, skipWeekends=False)
    assert campaign["status"] == "DRAFT"
    assert campaign["sendWindow"]["startTime"] == "00:00"
    cid = campaign["id"]
    await add_step(api, cid, kind="AUTO_EMAIL", subject="Hello {{first_name}}", bodyText="Hi")
    await add_step(api, cid, kind="AUTO_EMAIL", delayDays=2, replyInThread=True, bodyText="Bump")
    call = await add_step(api, cid, kind="CALL", delayDays=1, timeOfDay="14:30", title="Call")
    assert call["timeOfDay"] == "14:30"
    assert (await api.mutate("activateCampaign", {"id": cid}, "campaign { status }"))[
        "campaign"
    ] == {"status": "ACTIVE"}

    folks = await people(api.user, 3)
    payload = await add_people(api, cid, personIds=[gid("Person", p.id) for p in folks])
    assert payload["userErrors"] == [] and payload["added"] == 3
    assert {r["status"] for r in payload["results"]} == {"ADDED"}

    assert await run_due() == 3
    data = (await api(DETAIL, id=cid))["campaign"]
    assert [s["kind"] for s in data["steps"]] == ["AUTO_EMAIL", "AUTO_EMAIL", "CALL"]
    assert data["members"]["totalCount"] == 3
    member = data["members"]["nodes"][0]
    assert member["currentStep"] == 2
    assert [h["kind"] for h in member["history"]] == ["ADDED", "STEP_ADVANCED"]
    assert data["stats"]["total"]["people"] == 3
    assert data["stats"]["steps"] == [{"step": 1, "people": 3, "sent": 0}]
    # The step emails carry the campaign: the emails filter finds them.
    found = await api(
        "query($c: ID!) { emails(filter: {campaignId: $c}) { totalCount "
        "nodes { status campaignStep availableActions } } }",
        c=cid,
    )
    assert found["emails"]["totalCount"] == 3
    for node in found["emails"]["nodes"]:
        assert (node["status"], node["campaignStep"]) == ("SCHEDULED", 1)
        assert "UNSCHEDULE" not in node["availableActions"]
        assert "DELETE" not in node["availableActions"]


async def test_campaign_emails_are_never_drafts_nor_deleted(api: Api) -> None:
    cid = await launched(api)
    (person,) = await people(api.user, 1)
    await add_people(api, cid, personIds=[gid("Person", person.id)])
    await run_due()
    email = await Email.get(person_id=person.id)
    for mutation, code in (
        ("unscheduleEmail", "CAMPAIGN_EMAIL_CANNOT_BE_DRAFT"),
        ("deleteEmail", "CAMPAIGN_EMAIL_NOT_DELETABLE"),
    ):
        payload = await api.mutate(mutation, {"id": gid("Email", email.id)}, "__typename")
        assert payload["userErrors"][0]["code"] == code
    assert (await Email.get(id=email.id)).status.value == "SCHEDULED"


async def test_refusals_are_typed_and_change_nothing(api: Api) -> None:
    campaign = await create(api)
    cid = campaign["id"]
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        ("createCampaign", {"name": "  "}, "REQUIRED", "name"),
        (
            "createCampaign",
            {"name": "x", "sendWindow": {"days": [], "startTime": "08:00", "endTime": "18:00"}},
            "INVALID_INPUT",
            "sendWindow",
        ),
        (
            "updateCampaign",
            {"id": cid, "sendWindow": {"days": ["MON"], "startTime": "8h", "endTime": "9:00"}},
            "INVALID_INPUT",
            "sendWindow.startTime",
        ),
        ("activateCampaign", {"id": cid}, "CAMPAIGN_HAS_NO_STEPS", "id"),
        ("addCampaignStep", {"campaignId": cid}, "REQUIRED", "kind"),
        ("addCampaignStep", {"campaignId": cid, "kind": "AUTO_EMAIL"}, "REQUIRED", "subject"),
        (
            "addCampaignStep",
            {"campaignId": cid, "kind": "AUTO_EMAIL", "replyInThread": True},
            "INVALID_INPUT",
            "replyInThread",
        ),
        (
            "addCampaignStep",
            {"campaignId": cid, "kind": "CALL", "delayDays": -1},
            "INVALID_INPUT",
            "delayDays",
        ),
        (
            "addCampaignStep",
            {"campaignId": cid, "kind": "CALL", "timeOfDay": "25:00"},
            "INVALID_INPUT",
            "timeOfDay",
        ),
        ("pauseCampaign", {"id": cid}, "INVALID_TRANSITION", "id"),
    ]
    for name, input, code, field in cases:
        payload = await api.mutate(name, input, "__typename")
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], name
    detail = (await api(DETAIL, id=cid))["campaign"]
    assert (detail["status"], detail["steps"]) == ("DRAFT", [])
    # People join active campaigns only.
    (person,) = await people(api.user, 1)
    refused = await add_people(api, cid, personIds=[gid("Person", person.id)])
    assert refused["userErrors"][0]["code"] == "CAMPAIGN_NOT_ACTIVE"
    assert await CampaignMembership.all().count() == 0


async def test_launch_results_limits_and_idempotency(api: Api) -> None:
    cid = await launched(api)
    folks = await people(api.user, 4)
    folks[1].unsubscribed = True
    await folks[1].save()
    folks[2].email = ""
    await folks[2].save()
    ids = [gid("Person", p.id) for p in folks]
    first = await add_people(api, cid, key="launch-1", personIds=[*ids, ids[0]])
    assert [r["status"] for r in first["results"]] == [
        "ADDED",
        "SKIPPED_UNSUBSCRIBED",
        "SKIPPED_NO_EMAIL",
        "ADDED",
        "SKIPPED_DUPLICATE",
    ]
    again = await add_people(api, cid, key="launch-1", personIds=[*ids, ids[0]])
    assert again["replayed"] is True
    assert [r["status"] for r in again["results"]] == [r["status"] for r in first["results"]]
    assert await CampaignMembership.all().count() == 2
    reused = await add_people(api, cid, key="launch-1", personIds=ids[:1])
    assert reused["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    later = await add_people(api, cid, key="launch-2", personIds=ids[:1])
    assert [r["status"] for r in later["results"]] == ["ALREADY_IN_CAMPAIGN"]
    too_many = await add_people(
        api, cid, key="big", personIds=[gid("Person", i) for i in range(1, 202)]
    )
    assert too_many["userErrors"][0]["code"] == "TOO_MANY_RECIPIENTS"


async def test_exclusive_campaigns_refuse_people_active_elsewhere(api: Api) -> None:
    first = await launched(api, "First")
    second = await launched(api, "Second", exclusive=True)
    (person,) = await people(api.user, 1)
    await add_people(api, first, key="a", personIds=[gid("Person", person.id)])
    payload = await add_people(api, second, key="b", personIds=[gid("Person", person.id)])
    assert [r["status"] for r in payload["results"]] == ["ACTIVE_IN_ANOTHER_CAMPAIGN"]


async def test_sharing_follows_the_template_rules(world: World) -> None:
    shared = await launched(world.alice, "Shared")
    private = (await create(world.alice, "Private", shared=False))["id"]
    listed = await world.bob("{ campaigns { totalCount nodes { name viewerCanEdit } } }")
    assert listed["campaigns"]["nodes"] == [{"name": "Shared", "viewerCanEdit": False}]
    assert (await world.bob(DETAIL, id=private))["campaign"] is None
    # A teammate may launch people into a shared campaign, not edit it.
    edit = await world.bob.mutate("updateCampaign", {"id": shared, "name": "Mine"}, "__typename")
    assert edit["userErrors"][0]["code"] == "FORBIDDEN"
    hidden = await world.bob.mutate("updateCampaign", {"id": private, "name": "x"}, "__typename")
    assert hidden["userErrors"][0]["code"] == "NOT_FOUND"
    (person,) = await people(world.bob.user, 1)
    launched_by_bob = await add_people(world.bob, shared, personIds=[gid("Person", person.id)])
    assert launched_by_bob["added"] == 1
    # A team admin edits a teammate's shared campaign.
    renamed = await world.lead_a.mutate(
        "updateCampaign", {"id": shared, "name": "Ours"}, "campaign { name }"
    )
    assert renamed == {"campaign": {"name": "Ours"}, "userErrors": []}


async def test_another_teams_ids_behave_like_missing_ones(world: World) -> None:
    cid = await launched(world.alice)
    (person,) = await people(world.alice.user, 1)
    payload = await add_people(world.alice, cid, personIds=[gid("Person", person.id)])
    membership = payload["results"][0]["membership"]["id"]
    step = (await world.alice(DETAIL.replace("  steps {", "  steps { id", 1), id=cid))["campaign"]
    step_id = step["steps"][0]["id"]
    carol = world.carol
    assert (await carol(DETAIL, id=cid))["campaign"] is None
    assert (await carol("{ campaigns { totalCount } }"))["campaigns"]["totalCount"] == 0
    for name, input in (
        ("updateCampaign", {"id": cid, "name": "x"}),
        ("pauseCampaign", {"id": cid}),
        ("archiveCampaign", {"id": cid}),
        ("addCampaignStep", {"campaignId": cid, "kind": "CALL"}),
        ("updateCampaignStep", {"id": step_id, "delayDays": 3}),
        ("removeCampaignStep", {"id": step_id}),
        ("moveCampaignStep", {"id": step_id, "position": 1}),
        ("pauseMembership", {"id": membership}),
        ("resumeMembership", {"id": membership}),
        ("removePeopleFromCampaign", {"campaignId": cid, "personIds": [gid("Person", person.id)]}),
        (
            "addPeopleToCampaign",
            {"campaignId": cid, "idempotencyKey": "c", "personIds": [gid("Person", person.id)]},
        ),
    ):
        result = await carol.mutate(name, input, "__typename")
        assert result["userErrors"][0]["code"] == "NOT_FOUND", (name, result)
    # Alice's people cannot be launched into Carol's campaign either.
    own = await launched(carol, "Carol's")
    foreign = await add_people(carol, own, key="x", personIds=[gid("Person", person.id)])
    assert foreign["userErrors"][0]["code"] == "NOT_FOUND"
    detail = (await world.alice(DETAIL, id=cid))["campaign"]
    assert (detail["name"], detail["status"], len(detail["steps"])) == ("Q3 outreach", "ACTIVE", 1)
    assert detail["members"]["totalCount"] == 1


async def test_node_finds_steps_and_memberships_for_their_team_only(world: World) -> None:
    cid = await launched(world.alice)
    (person,) = await people(world.alice.user, 1)
    payload = await add_people(world.alice, cid, personIds=[gid("Person", person.id)])
    membership = payload["results"][0]["membership"]["id"]
    detail = await world.alice(
        "query($id: ID!) { campaign(id: $id) { steps { id position } } }", id=cid
    )
    step = detail["campaign"]["steps"][0]["id"]
    query = """query($s: ID!, $m: ID!) {
      s: node(id: $s) { ... on CampaignStep { position kind } }
      m: node(id: $m) { ... on CampaignMembership { state currentStep } } }"""
    assert await world.bob(query, s=step, m=membership) == {
        "s": {"position": 1, "kind": "AUTO_EMAIL"},
        "m": {"state": "ACTIVE", "currentStep": 1},
    }
    assert await world.carol(query, s=step, m=membership) == {"s": None, "m": None}
