"""A small client for the GraphQL API as one user, and the two-team world most tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2

from graph.relay import decode_id, to_global_id
from models.base import clock
from models.emails import transitions
from models.emails.state_machine import Action
from models.emails.tables import Email, EmailStatus
from models.teams import auth
from models.teams.tables import Role, User

EMAIL_FIELDS = """
  id status folder version subject to cc bcc bodyHtml bodyText bulkKind groupId
  scheduledAt statusAt deliveredAt failedAt archivedAt failureCode availableActions
  person { id email } campaign { id name } owner { id email }
"""


class GraphQLErrors(AssertionError):
    pass


@dataclass
class Api:
    client: httpx2.AsyncClient
    user: User
    token: str

    async def post(self, body: dict[str, Any], **headers: str) -> httpx2.Response:
        return await self.client.post(
            "/graphql", json=body, headers={"Authorization": f"Bearer {self.token}", **headers}
        )

    async def execute(self, document: str, **variables: Any) -> dict[str, Any]:
        """The whole result, less the token's budget left (`extensions.cost.budget`): it changes
        with every request, and tests compare results (the cost itself is kept)."""
        response = await self.post({"query": document, "variables": variables})
        result: dict[str, Any] = response.json()
        result.get("extensions", {}).get("cost", {}).pop("budget", None)
        return result

    async def __call__(self, document: str, **variables: Any) -> dict[str, Any]:
        """The data of a successful operation; any GraphQL error fails the test."""
        result = await self.execute(document, **variables)
        if result.get("errors"):
            raise GraphQLErrors(result["errors"])
        data: dict[str, Any] = result["data"]
        return data

    async def mutate(self, name: str, input: dict[str, Any], selection: str) -> dict[str, Any]:
        """Run mutation `name` with one input; returns its payload."""
        document = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) "
            f"{{ {name}(input: $input) {{ {selection} userErrors {{ field message code }} }} }}"
        )
        return (await self(document, input=input))[name]

    async def create_draft(self, **fields: Any) -> dict[str, Any]:
        if "personId" not in fields:
            fields.setdefault("to", ["prospect@example.com"])
        fields.setdefault("subject", "Hello")
        payload = await self.mutate("createDraft", fields, f"email {{ {EMAIL_FIELDS} }}")
        assert payload["userErrors"] == [], payload["userErrors"]
        email: dict[str, Any] = payload["email"]
        return email

    async def create_person(self, email: str, **fields: Any) -> dict[str, Any]:
        payload = await self.mutate(
            "createPerson", {"email": email, **fields}, "person { id email firstName }"
        )
        assert payload["userErrors"] == [], payload["userErrors"]
        person: dict[str, Any] = payload["person"]
        return person

    async def email(self, global_id: str) -> dict[str, Any] | None:
        data = await self(
            f"query($id: ID!) {{ email(id: $id) {{ {EMAIL_FIELDS} }} }}", id=global_id
        )
        return data["email"]


@dataclass
class World:
    admin_a: Api
    lead_a: Api  # TEAM_ADMIN
    alice: Api
    bob: Api
    admin_b: Api
    carol: Api  # team B member


async def _api(client: httpx2.AsyncClient, team_name: str, email: str, role: Role) -> Api:
    team = await auth.get_or_create_team(team_name)
    user = await auth.create_user(team, email, name=email.split("@")[0].title(), role=role)
    return Api(client, user, await auth.issue_token(user))


async def build_world(client: httpx2.AsyncClient) -> World:
    return World(
        admin_a=await _api(client, "Team A", "admin@a.example", Role.ADMIN),
        lead_a=await _api(client, "Team A", "lead@a.example", Role.TEAM_ADMIN),
        alice=await _api(client, "Team A", "alice@a.example", Role.MEMBER),
        bob=await _api(client, "Team A", "bob@a.example", Role.MEMBER),
        admin_b=await _api(client, "Team B", "admin@b.example", Role.ADMIN),
        carol=await _api(client, "Team B", "carol@b.example", Role.MEMBER),
    )


# The system's side of the state machine (dispatcher, sender, inbound), to reach any status.
_PATHS: dict[EmailStatus, list[Action]] = {
    EmailStatus.DRAFT: [],
    EmailStatus.SCHEDULED: [Action.SEND_NOW],
    EmailStatus.IN_PROGRESS: [Action.SEND_NOW, Action.CLAIM],
    EmailStatus.DELIVERED: [Action.SEND_NOW, Action.CLAIM, Action.MARK_DELIVERED],
    EmailStatus.ARCHIVED: [Action.SEND_NOW, Action.CLAIM, Action.MARK_DELIVERED, Action.ARCHIVE],
    EmailStatus.FAILED: [Action.SEND_NOW, Action.CLAIM, Action.MARK_FAILED],
    EmailStatus.BOUNCED: [Action.SEND_NOW, Action.CLAIM, Action.MARK_BOUNCED],
    EmailStatus.SPAM: [Action.SEND_NOW, Action.CLAIM, Action.MARK_DELIVERED, Action.MARK_SPAM],
}
_CHANGES: dict[Action, dict[str, str]] = {
    Action.SEND_NOW: {"scheduled_at": "now"},
    Action.CLAIM: {"sent_at": "now", "lease_expires_at": "later"},
    Action.MARK_DELIVERED: {"delivered_at": "now"},
    Action.ARCHIVE: {"archived_at": "now"},
    Action.MARK_FAILED: {"failed_at": "now", "failure_code": "SMTP_UNAVAILABLE"},
    Action.MARK_BOUNCED: {"failed_at": "now", "failure_code": "SMTP_REJECTED"},
    Action.MARK_SPAM: {"failed_at": "now"},
}


def _value(value: str) -> Any:
    if value == "now":
        return clock.now()
    if value == "later":  # a send lease (every IN_PROGRESS email has one)
        return clock.now() + timedelta(minutes=10)
    return value


async def drive_to(global_id: str, status: EmailStatus) -> Email:
    """Move a fresh draft to `status` through the real state machine, as the system would."""
    pk = decode_id(global_id, "Email")
    assert pk is not None
    email = await Email.get(id=pk)
    for action in _PATHS[status]:
        changes = {k: _value(v) for k, v in _CHANGES.get(action, {}).items()}
        moved = await transitions.apply(email, action, None, changes=changes)
        assert moved is not None
        email = moved
    return email


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)
