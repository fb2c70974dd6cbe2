"""The per-token budget per minute: in-process and in Redis (shared by API processes)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from graph.limits.budget import MemoryBudget, QueryBudget, RedisBudget, create_budget
from models.emails.tables import Email
from tests import services
from tests.limits.helpers import (
    GRAPHQL_RESPONSE,
    app_client,
    fragment_bomb,
    graphql_app,
    limited,
)
from tests.live_clients import bearer

DRAFT = 'mutation { createDraft(input: {subject: "x"}) { email { id } userErrors { code } } }'
DRAFT_COST = 10 + 1 + 1 + 20  # root mutation, payload, email, userErrors (a list: a page of 20)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # on a whole minute

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def budget(request: pytest.FixtureRequest) -> AsyncIterator[QueryBudget]:
    clock = Clock()
    if request.param == "memory":
        store: QueryBudget = MemoryBudget(100, clock=clock)
    else:
        url = services.service_url(services.REDIS_VAR, "Redis")
        store = RedisBudget(url, 100, prefix=f"test-{uuid.uuid4().hex}:", clock=clock)
    yield store
    await store.close()


async def test_a_window_allows_its_limit_then_refuses_until_it_resets(budget: QueryBudget) -> None:
    clock = budget.clock
    assert isinstance(clock, Clock)
    first = await budget.spend("token", 60)
    assert first.allowed and first.remaining == 40 and first.reset_at == clock.now + 60
    refused = await budget.spend("token", 41)
    assert not refused.allowed and refused.remaining == 40  # refused operations charge nothing
    assert refused.retry_after(clock.now + 15.5) == 45
    assert (await budget.spend("token", 40)).remaining == 0
    assert (await budget.spend("other token", 100)).allowed  # budgets are per token
    clock.now += 59
    assert not (await budget.spend("token", 1)).allowed
    clock.now += 1  # the next minute
    again = await budget.spend("token", 100)
    assert again.allowed and again.remaining == 0


async def test_penalties_take_what_is_left_and_left_does_not_charge(budget: QueryBudget) -> None:
    assert (await budget.left("token")).remaining == 100
    assert (await budget.spend("token", 70, whole=False)).remaining == 30
    penalty = await budget.spend("token", 500, whole=False)
    assert penalty.allowed and penalty.remaining == 0  # never refused, never below zero
    assert not (await budget.left("token")).allowed
    assert not (await budget.spend("token", 1)).allowed
    assert (await budget.left("other")).allowed


@pytest.mark.redis
async def test_redis_budgets_are_shared_by_processes() -> None:
    url = services.service_url(services.REDIS_VAR, "Redis")
    prefix, clock = f"test-{uuid.uuid4().hex}:", Clock()
    one, two = (RedisBudget(url, 100, prefix=prefix, clock=clock) for _ in range(2))
    try:
        assert (await one.spend("token", 70)).allowed
        refused = await two.spend("token", 31)
        assert not refused.allowed and refused.remaining == 30
        assert (await two.spend("token", 30)).allowed
        assert not (await one.spend("token", 1)).allowed
    finally:
        await one.close()
        await two.close()


def test_the_store_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings

    settings = get_settings()
    monkeypatch.setattr(settings, "query_budget_url", "")
    monkeypatch.setattr(settings, "events_url", "")
    monkeypatch.setattr(settings, "broker_url", "amqp://guest@localhost/")
    assert isinstance(create_budget(), MemoryBudget)
    monkeypatch.setattr(settings, "events_url", "redis://127.0.0.1:6379/0")
    assert isinstance(create_budget(), RedisBudget)
    monkeypatch.setattr(settings, "query_budget_url", "memory://")
    assert isinstance(create_budget(), MemoryBudget)
    assert create_budget(limit=0) is None
    with pytest.raises(ValueError, match="CC_QUERY_BUDGET_URL"):
        create_budget("http://nope")


async def test_over_budget_answers_429_with_retry_after_and_runs_nothing(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with limited(monkeypatch, query_budget=DRAFT_COST + 5) as (_app, world):
        ok = await world.alice.post({"query": DRAFT}, accept=GRAPHQL_RESPONSE)
        assert ok.status_code == 200 and "errors" not in ok.json()
        assert ok.json()["extensions"]["cost"]["budget"]["remaining"] == 5
        for accept in (GRAPHQL_RESPONSE, "application/json"):
            refused = await world.alice.post({"query": DRAFT}, accept=accept)
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            body = refused.json()
            assert "data" not in body
            assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            assert body["errors"][0]["extensions"]["retryAfter"] == int(
                refused.headers["retry-after"]
            )
            assert body["extensions"]["cost"]["budget"]["remaining"] == 5
        assert await Email.all().count() == 1
        # Cheap operations still fit; another token (another user) has its own budget.
        assert (await world.alice.post({"query": "{ me { id } }"})).status_code == 200
        assert (await world.bob.post({"query": DRAFT})).status_code == 200


async def test_refused_documents_pay_for_being_read_and_an_empty_budget_refuses_unread(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with limited(monkeypatch, query_budget=1000) as (_app, world):
        costly = "{ emails(first: 100) { nodes { events(first: 100) { nodes { id } } } } }"
        refused = (await world.alice.post({"query": costly})).json()
        assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
        broken = "{ me { id " + " " * 200  # does not parse
        await world.alice.post({"query": broken})
        left = (await world.alice.post({"query": "{ me { id } }"})).json()["extensions"]["cost"]
        assert left["budget"]["remaining"] == 1000 - len(costly) - len(broken) - 1
        # A flood of refused documents drains the budget; then requests are refused unread.
        bomb = fragment_bomb(40)
        for _ in range(1000 // len(bomb) + 1):
            await world.alice.post({"query": bomb})
        unread = await world.alice.client.post(
            "/graphql",
            content=b"{not even json",
            headers={**bearer(world.alice.token), "Content-Type": "application/json"},
        )
        assert unread.status_code == 429
        assert unread.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(unread.headers["retry-after"]) >= 1
        assert (await world.bob.post({"query": "{ me { id } }"})).status_code == 200


@pytest.mark.redis
async def test_two_api_processes_on_one_redis_share_a_tokens_budget(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps (as two API processes would) counting in the same Redis."""
    url = services.service_url(services.REDIS_VAR, "Redis")
    settings = {
        "query_budget": DRAFT_COST + 5,
        "query_budget_url": url,
        "broker_namespace": f"test-{uuid.uuid4().hex}",
    }
    async with limited(monkeypatch, **settings) as (one, world), app_client() as (_two, other):
        assert isinstance(graphql_app(one).budget, RedisBudget)
        assert (await world.alice.post({"query": DRAFT})).status_code == 200
        refused = await other.post(
            "/graphql", json={"query": DRAFT}, headers=bearer(world.alice.token)
        )
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert await Email.all().count() == 1
