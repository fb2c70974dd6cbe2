"""Task helpers over the GraphQL API, shared by the task tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.teams.tables import User
from tests.api import Api

TASK_FIELDS = """
  id type title details priority dueAt status completedAt outcome snoozedUntil snoozed
  campaignStep assignee { id } creator { id } person { id } email { id } campaign { id }
"""
COUNTS = "today tomorrow overdue upcoming completed all"
VIEWS = ("TODAY", "TOMORROW", "OVERDUE", "UPCOMING", "COMPLETED", "ALL")


def iso(at: datetime) -> str:
    return at.isoformat()


async def create_task(api: Api, title: str, due_at: datetime, **fields: Any) -> dict[str, Any]:
    fields.setdefault("type", "CALL")
    payload = await api.mutate(
        "createTask", {"title": title, "dueAt": iso(due_at), **fields}, f"task {{ {TASK_FIELDS} }}"
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    task: dict[str, Any] = payload["task"]
    return task


async def act(api: Api, name: str, input: dict[str, Any]) -> dict[str, Any]:
    """Run a task mutation; returns its payload (task + userErrors)."""
    return await api.mutate(name, input, f"task {{ {TASK_FIELDS} }}")


async def titles(api: Api, view: str, **filter: Any) -> list[str]:
    data = await api(
        "query($view: TaskView, $filter: TaskFilter) { tasks(view: $view, filter: $filter, "
        "first: 100) { totalCount nodes { title } } }",
        view=view,
        filter=filter or None,
    )
    nodes = data["tasks"]["nodes"]
    assert data["tasks"]["totalCount"] == len(nodes)
    return [node["title"] for node in nodes]


async def every_view(api: Api, **filter: Any) -> dict[str, list[str]]:
    return {view: sorted(await titles(api, view, **filter)) for view in VIEWS}


async def counts(api: Api, assignee_id: str | None = None) -> dict[str, int]:
    data = await api(
        f"query($a: ID) {{ taskCounts(assigneeId: $a) {{ {COUNTS} }} }}", a=assignee_id
    )
    result: dict[str, int] = data["taskCounts"]
    return result


async def set_timezone(user: User, timezone: str) -> None:
    user.timezone = timezone
    await User.filter(id=user.id).update(timezone=timezone)
