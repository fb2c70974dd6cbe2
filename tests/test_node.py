"""`node(id:)` and `nodes(ids:)` for every type that implements `Node`, scoped to the team."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from graphql import GraphQLInterfaceType, GraphQLObjectType

from graph.schema import schema
from models.base import clock
from tests.api import Api, World, gid
from tests.campaigns import api_helpers as campaigns


async def _email(api: Api) -> str:
    return str((await api.create_draft())["id"])


async def _event(api: Api) -> str:
    draft = await api.create_draft()
    data = await api(
        "query($id: ID!) { email(id: $id) { events { edges { node { id } } } } }", id=draft["id"]
    )
    return str(data["email"]["events"]["edges"][0]["node"]["id"])


async def _person(api: Api) -> str:
    return str((await api.create_person(f"p{api.user.id}@prospect.example"))["id"])


async def _campaign(api: Api) -> str:
    return str((await campaigns.create(api, "Q3"))["id"])


async def _campaign_step(api: Api) -> str:
    campaign = await campaigns.create(api, "Steps")
    return str((await campaigns.add_step(api, campaign["id"], kind="CALL"))["id"])


async def _campaign_membership(api: Api) -> str:
    campaign_id = await campaigns.launched(api, "Members")
    person = await api.create_person(f"member{api.user.id}@prospect.example")
    payload = await campaigns.add_people(api, campaign_id, personIds=[person["id"]])
    return str(payload["results"][0]["membership"]["id"])


async def _template(api: Api) -> str:
    payload = await api.mutate("createTemplate", {"name": "Intro"}, "template { id }")
    return str(payload["template"]["id"])


async def _task(api: Api) -> str:
    due = (clock.now() + timedelta(days=1)).isoformat()
    payload = await api.mutate(
        "createTask", {"type": "CALL", "title": "Call", "dueAt": due}, "task { id }"
    )
    return str(payload["task"]["id"])


async def _saved_search(api: Api) -> str:
    payload = await api.mutate(
        "saveSearch", {"name": "Sent", "filter": {"folder": "SENT"}}, "savedSearch { id }"
    )
    return str(payload["savedSearch"]["id"])


async def _user(api: Api) -> str:
    return str((await api("{ me { id } }"))["me"]["id"])


async def _team(api: Api) -> str:
    return str((await api("{ me { team { id } } }"))["me"]["team"]["id"])


MAKERS: dict[str, Callable[[Api], Awaitable[str]]] = {
    "Email": _email,
    "EmailEvent": _event,
    "Person": _person,
    "Campaign": _campaign,
    "CampaignStep": _campaign_step,
    "CampaignMembership": _campaign_membership,
    "Template": _template,
    "Task": _task,
    "SavedSearch": _saved_search,
    "User": _user,
    "Team": _team,
}

NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


def node_types() -> set[str]:
    graphql_schema = schema._schema
    interface = graphql_schema.get_type("Node")
    assert isinstance(interface, GraphQLInterfaceType)
    return {
        t.name
        for t in graphql_schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and interface in t.interfaces
    }


async def test_every_node_type_resolves_through_node_and_nodes(world: World) -> None:
    assert node_types() == set(MAKERS), "a Node type without a maker here (or a stale one)"
    alice, carol = world.alice, world.carol
    ours = {name: await make(alice) for name, make in MAKERS.items()}
    theirs = {name: await make(carol) for name, make in MAKERS.items()}

    for name, global_id in ours.items():
        assert (await alice(NODE, id=global_id))["node"] == {"__typename": name, "id": global_id}
        # Another team's object answers exactly like one that does not exist.
        assert (await alice(NODE, id=theirs[name]))["node"] is None
        missing = gid(name, 10**9)
        assert (await alice(NODE, id=missing))["node"] is None

    # Order kept, nulls in place: ours, theirs and nonsense interleaved.
    ids: list[str] = []
    expected: list[dict[str, str] | None] = []
    for name in sorted(MAKERS):
        ids += [ours[name], theirs[name], gid(name, 10**9)]
        expected += [{"__typename": name, "id": ours[name]}, None, None]
    ids += ["not-an-id", gid("Nope", 1), ours["Email"]]
    expected += [None, None, {"__typename": "Email", "id": ours["Email"]}]
    assert (await alice(NODES, ids=ids))["nodes"] == expected


async def test_a_member_sees_no_teammates_email_events(world: World) -> None:
    event = await _event(world.bob)
    assert (await world.alice(NODE, id=event))["node"] is None
    assert (await world.admin_a(NODE, id=event))["node"] == {
        "__typename": "EmailEvent",
        "id": event,
    }


async def test_nodes_takes_at_most_100_ids(api: Api) -> None:
    email = await _email(api)
    assert len((await api(NODES, ids=[email] * 100))["nodes"]) == 100
    result = await api.execute(NODES, ids=[email] * 101)
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"] == {"code": "PAGE_TOO_LARGE", "field": "ids"}
