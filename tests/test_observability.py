"""Structured request logs (CC_LOG_FORMAT=json) and GET /metrics, over HTTP against the app."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import logs
from config.settings import get_settings
from models.emails.tables import EmailStatus
from models.teams import profile
from tests.api import Api
from tests.live_clients import COUNTS_CHANGED, serve, ws_client
from tests.sending.conftest import sink, smtp_settings, worker
from tests.sending.helpers import pk, wait_for_status
from tests.sending.smtp_sink import SmtpSink

__all__ = ["sink", "smtp_settings", "worker"]  # fixtures

UPDATE_ME = 'mutation { updateMe(input: {timezone: "Nowhere/Land"}) { userErrors { code } } }'


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The process's logging as `command-center` sets it up with CC_LOG_FORMAT=json."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    logs.configure("INFO", "json", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def request_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line.get("event") == "request"]


async def test_one_json_line_per_request_with_who_what_and_how_long(
    api: Api, json_log: io.StringIO
) -> None:
    ok = await api.post({"query": "query Me { me { id } }"}, **{"X-Request-Id": "req-ok"})
    refused = await api.client.post("/graphql", json={"query": "query Me { me { id } }"})
    user_error = await api.post({"query": UPDATE_ME, "operationName": None})
    assert (ok.status_code, refused.status_code, user_error.status_code) == (200, 401, 200)

    by_id = {line["request_id"]: line for line in request_lines(json_log)}
    line = by_id["req-ok"]
    assert line["level"] == "info" and line["logger"] == "command_center.requests"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert (line["user_id"], line["team_id"]) == (api.user.id, api.user.team_id)
    assert (line["operation"], line["outcome"]) == ("Me", "ok")
    assert isinstance(line["cost"], int) and line["cost"] >= 1
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert "timestamp" in line

    line = by_id[refused.headers["X-Request-Id"]]
    assert (line["status"], line["outcome"], line["user_id"]) == (401, "refused", None)
    line = by_id[user_error.headers["X-Request-Id"]]
    assert line["outcome"] == "user_error" and line["operation"] is None

    # The userError's own line: INFO, no traceback, the same request id.
    details = [
        entry
        for entry in lines(json_log)
        if entry.get("request_id") == user_error.headers["X-Request-Id"]
        and entry.get("event") != "request"
    ]
    assert [d["level"] for d in details] == ["info"]
    assert "INVALID_INPUT" in details[0]["event"] and "exception" not in details[0]


async def test_an_internal_error_is_one_error_line_with_the_masked_request_id(
    api: Api, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(profile, "update_me", broken)
    response = await api.post({"query": UPDATE_ME})
    request_id = response.json()["errors"][0]["extensions"]["requestId"]
    assert request_id == response.headers["X-Request-Id"]

    mine = [line for line in lines(json_log) if line.get("request_id") == request_id]
    [error] = [line for line in mine if line["level"] == "error"]
    assert "internal error" in error["event"]
    assert error["exception"][0]["exc_type"] == "RuntimeError"  # the traceback, structured
    [request] = [line for line in mine if line["event"] == "request"]
    assert request["outcome"] == "error"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client: httpx2.AsyncClient, **headers: str) -> dict[Any, float]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_are_counted_by_operation_and_outcome(api: Api) -> None:
    before = await scrape(api.client)
    await api.post({"query": "query Dashboard { me { id } }"})
    await api.post({"query": "query Dashboard { me { id } }"})
    await api.client.post("/graphql", json={"query": "query Dashboard { me { id } }"})
    await api.post({"query": UPDATE_ME})
    long_name = "Q" + "x" * 80  # a valid GraphQL name, too long for a label: "other"
    await api.post({"query": f"query {long_name} {{ me {{ id }} }}"})
    after = await scrape(api.client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cc_graphql_requests_total", operation="Dashboard", outcome="ok") == 2
    # The 401 came before any operation was read: no name.
    assert delta("cc_graphql_requests_total", operation="anonymous", outcome="refused") == 1
    assert delta("cc_graphql_requests_total", operation="anonymous", outcome="user_error") == 1
    assert delta("cc_graphql_requests_total", operation="other", outcome="ok") == 1
    assert delta("cc_graphql_request_seconds_count", operation="Dashboard", outcome="ok") == 2
    assert (
        delta("cc_graphql_request_seconds_bucket", operation="Dashboard", outcome="ok", le="+Inf")
        == 2
    )


async def test_transitions_queue_depth_and_dispatcher_lag(api: Api) -> None:
    draft = await api.create_draft(subject="Due now", bodyText="Hi")
    before = await scrape(api.client)
    payload = await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")
    assert payload["userErrors"] == []
    after = await scrape(api.client)
    moved = value(
        after, "cc_email_transitions_total", from_status="DRAFT", to_status="SCHEDULED"
    ) - value(before, "cc_email_transitions_total", from_status="DRAFT", to_status="SCHEDULED")
    assert moved == 1
    # No dispatcher runs in this test: the due email waits, and the lag says so.
    assert value(after, "cc_dispatcher_lag_seconds") >= 0
    assert ("cc_dispatcher_lag_seconds", ()) in after


async def test_smtp_outcomes_and_send_latency(worker: Any, api: Api, sink: SmtpSink) -> None:
    before = await scrape(api.client)
    draft = await api.create_draft(subject="Hi", bodyText="Hi")
    await api.mutate("sendEmailNow", {"id": draft["id"]}, "email { id }")
    await wait_for_status(pk(draft["id"]), EmailStatus.DELIVERED)
    after = await scrape(api.client)
    sent = value(after, "cc_smtp_sends_total", outcome="delivered") - value(
        before, "cc_smtp_sends_total", outcome="delivered"
    )
    assert sent == 1
    timed = value(after, "cc_smtp_send_seconds_count", outcome="delivered") - value(
        before, "cc_smtp_send_seconds_count", outcome="delivered"
    )
    assert timed == 1
    assert value(after, "cc_dispatcher_lag_seconds") == 0
    assert any(name == "cc_queue_depth" for name, _labels in after)


async def test_inbound_outcomes_are_counted(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_INBOUND_TOKEN", "observability-inbound-token")
    get_settings.cache_clear()
    raw = b"From: p@example.com\r\nTo: r@cc.example\r\nMessage-ID: <m1@x>\r\n\r\nHi\r\n"
    headers = {"Authorization": "Bearer observability-inbound-token"}
    before = await scrape(api.client)
    first = await api.client.post("/inbound", content=raw, headers=headers)
    again = await api.client.post("/inbound", content=raw, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    after = await scrape(api.client)
    for outcome in ("stored", "duplicate"):
        assert (
            value(after, "cc_inbound_messages_total", via="HTTP", outcome=outcome)
            - value(before, "cc_inbound_messages_total", via="HTTP", outcome=outcome)
            == 1
        )
    get_settings.cache_clear()


async def test_metrics_token(client: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_METRICS_TOKEN", "scrape-me")
    get_settings.cache_clear()
    try:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        await scrape(client, Authorization="Bearer scrape-me")
    finally:
        get_settings.cache_clear()


async def test_open_subscriptions_are_a_gauge(api: Api, app: Any) -> None:
    async with serve(app) as url, httpx2.AsyncClient(base_url=url, timeout=10) as http:
        baseline = value(await scrape(http), "cc_subscriptions_open", transport="websocket")
        async with ws_client(url, {"token": api.token}) as ws:
            op = await ws.subscribe(COUNTS_CHANGED)
            await ws.next(op)  # the subscription is live
            during = value(await scrape(http), "cc_subscriptions_open", transport="websocket")
            assert during == baseline + 1
        for _ in range(100):  # the server notices the close asynchronously
            after = value(await scrape(http), "cc_subscriptions_open", transport="websocket")
            if after == baseline:
                break
            await asyncio.sleep(0.05)
        assert after == baseline


def test_extras_are_fields_but_uvicorns_colour_copy_is_dropped(json_log: io.StringIO) -> None:
    logging.getLogger("tests.observability").info(
        "Uvicorn running on %s",
        "http://127.0.0.1:8000",
        extra={"color_message": "Uvicorn running on \x1b[1m%s\x1b[0m", "port": 8000},
    )
    [line] = lines(json_log)
    assert line["event"] == "Uvicorn running on http://127.0.0.1:8000"
    assert line["port"] == 8000 and "color_message" not in line
