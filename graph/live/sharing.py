"""Identical subscriptions run once per process, however many clients hold them.

Subscriptions with the same document, operation name, variables and visibility (`scope.
visibility_key`: same team, role and, for members, same user) produce the same results, so the
first one starts ONE Strawberry subscription (one resolver generator, one execution per event) and
every later one joins it. What is shared per event:
- the resolver's work (email row load, visibility checks, filtering, folder counts),
- the GraphQL execution of the selection set (one `ExecutionResult`),
- over WebSocket, the serialised payload (each member only frames its own operation id around it).

Not shared: `since:` replays (each subscriber needs its own gap; such operations run alone), and
operations that fail to parse (Strawberry's own handling closes the socket for those).
Snapshot subscriptions (folder counts) hand their latest result to late joiners, since for them the
last value is the state; change streams only deliver what happens after joining.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    NullValueNode,
    OperationDefinitionNode,
    parse,
)
from graphql.language import OperationType, VariableNode
from strawberry.schema import BaseSchema
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from models.teams import scope
from models.teams.tables import User

log = logging.getLogger(__name__)

SNAPSHOT_FIELDS = frozenset({"folderCountsChanged", "taskCountsChanged"})
# Results that depend on who the viewer is, not only on what they may see (an admin's own to-do
# list): shared only between subscriptions of the same user.
PERSONAL_FIELDS = frozenset({"taskCountsChanged"})
REPLAY_ARGUMENT = "since"
MEMBER_BACKLOG = 1000  # results a member may have queued before it is dropped as too slow


@dataclass(frozen=True)
class Plan:
    """What makes two subscriptions identical."""

    query: str
    operation_name: str | None
    variables: str  # canonical JSON
    scope: tuple[int, str, int | None]
    snapshot: bool


@lru_cache(maxsize=256)
def _parse(query: str) -> DocumentNode | None:
    try:
        return parse(query)
    except GraphQLError:
        return None


def parsed(query: str) -> DocumentNode | None:
    """The document of a query (cached; None when it does not parse)."""
    return _parse(query)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _replays(field: FieldNode, variables: dict[str, Any]) -> bool:
    for argument in field.arguments or ():
        if argument.name.value != REPLAY_ARGUMENT:
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value) is not None
        return not isinstance(value, NullValueNode)
    return False


def plan_for(
    query: str | None, variables: dict[str, Any] | None, operation_name: str | None, viewer: Any
) -> Plan | None:
    """The plan to share this operation under, or None when it must run on its own."""
    if not query or not isinstance(viewer, User):
        return None
    document = _parse(query)
    operation = _operation(document, operation_name) if document else None
    if operation is None or operation.operation != OperationType.SUBSCRIPTION:
        return None
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if any(_replays(field, variables or {}) for field in fields):
        return None  # a replay: this subscriber's gap is its own
    try:
        canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    snapshot = any(field.name.value in SNAPSHOT_FIELDS for field in fields)
    key = scope.visibility_key(viewer)
    if any(field.name.value in PERSONAL_FIELDS for field in fields):
        key = (viewer.team_id, viewer.role.value, viewer.id)
    return Plan(query, operation_name, canonical, key, snapshot)


class Item:
    """One result of a shared execution, serialised at most once."""

    __slots__ = ("_payload", "result")

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result
        self._payload: str | None = None

    @property
    def initial_error(self) -> bool:
        return isinstance(self.result, PreExecutionError)

    def payload_json(self) -> str:
        if self._payload is None:
            payload: dict[str, Any] = {"data": self.result.data}
            if self.result.errors:
                payload["errors"] = [error.formatted for error in self.result.errors]
            if self.result.extensions:
                payload["extensions"] = self.result.extensions
            self._payload = json.dumps(payload, separators=(",", ":"))
        return self._payload


class Member:
    """One subscriber's view of a group: the items produced since it joined."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Item | None] = asyncio.Queue()
        self.dropped = False

    def push(self, item: Item | None) -> None:
        if self._queue.qsize() >= MEMBER_BACKLOG and item is not None:
            self.dropped = True
            item = None  # end this member's stream; the client resubscribes (with `since:`)
        self._queue.put_nowait(item)

    async def items(self) -> AsyncIterator[Item]:
        while (item := await self._queue.get()) is not None:
            yield item


class Group:
    def __init__(
        self, registry: Registry, plan: Plan, schema: BaseSchema, context: Any, root: Any
    ) -> None:
        self.registry, self.plan = registry, plan
        self.members: set[Member] = set()
        self.latest: Item | None = None
        self.task = asyncio.create_task(
            self._run(schema, context, root), name="shared-subscription"
        )

    async def _run(self, schema: BaseSchema, context: Any, root: Any) -> None:
        try:
            stream = await schema.stream(
                self.plan.query,
                variable_values=json.loads(self.plan.variables),
                context_value=context,
                root_value=root,
                operation_name=self.plan.operation_name,
            )
            async with aclosing(stream):
                async for result in stream:
                    if not isinstance(result, ExecutionResult):
                        break  # incremental delivery: not used by subscriptions here
                    item = Item(result)
                    if self.plan.snapshot:
                        self.latest = item
                    for member in list(self.members):
                        member.push(item)
        except Exception:
            log.exception("shared subscription failed")
        finally:
            self.registry.forget(self)
            for member in list(self.members):
                member.push(None)

    def join(self) -> Member:
        member = Member()
        if self.latest is not None:
            member.push(self.latest)
        self.members.add(member)
        return member

    def leave(self, member: Member) -> None:
        self.members.discard(member)
        if not self.members:
            self.registry.forget(self)
            self.task.cancel()


class Registry:
    """The groups of one process."""

    def __init__(self) -> None:
        self.groups: dict[Plan, Group] = {}

    def forget(self, group: Group) -> None:
        if self.groups.get(group.plan) is group:
            del self.groups[group.plan]

    @asynccontextmanager
    async def member(
        self, plan: Plan, schema: BaseSchema, make_context: Callable[[], Any], root: Any = None
    ) -> AsyncIterator[Member]:
        group = self.groups.get(plan)
        if group is None:
            group = self.groups[plan] = Group(self, plan, schema, make_context(), root)
        member = group.join()
        try:
            yield member
        finally:
            group.leave(member)


registry = Registry()
