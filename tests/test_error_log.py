"""Bad input is logged at INFO in one line; internal errors at ERROR with a request id that the
masked error and the `X-Request-Id` header carry too."""

from __future__ import annotations

import logging

import pytest

from models.teams import profile
from tests.api import Api

LOGGER = "command_center.requests"
UPDATE_ME = 'mutation { updateMe(input: {timezone: "Nowhere/Land"}) { userErrors { code } } }'


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Error lines (the one-per-request `request` lines are tested in test_observability)."""
    return [
        r
        for r in caplog.records
        if r.name.startswith(("command_center", "strawberry"))
        and not (isinstance(r.msg, dict) and r.msg.get("event") == "request")
    ]


async def test_bad_input_is_one_info_line_without_a_traceback(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await api.post({"query": UPDATE_ME}, **{"X-Request-Id": "req-42.a:b_c"})
    assert response.json()["data"]["updateMe"]["userErrors"] == [{"code": "INVALID_INPUT"}]
    assert response.headers["X-Request-Id"] == "req-42.a:b_c"  # a sane incoming id is kept

    # A typed GraphQL error (a query refusal) and a validation error.
    too_many = await api.execute("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=["x"] * 101)
    assert too_many["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"
    invalid = await api.execute("{ me { noSuchField } }")
    assert invalid["errors"]

    logged = records(caplog)
    assert [r.levelno for r in logged] == [logging.INFO] * 3
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in logged)
    assert "req-42.a:b_c" in logged[0].getMessage()
    assert "INVALID_INPUT timezone" in logged[0].getMessage()
    assert "PAGE_TOO_LARGE" in logged[1].getMessage()
    assert "noSuchField" in logged[2].getMessage()


async def test_an_internal_error_is_logged_with_the_id_the_client_gets(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(profile, "update_me", broken)
    caplog.set_level(logging.DEBUG)
    response = await api.post({"query": UPDATE_ME}, **{"X-Request-Id": "bad id\twith spaces"})

    request_id = response.headers["X-Request-Id"]
    assert request_id != "bad id\twith spaces" and len(request_id) == 32  # replaced: not sane
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error."  # nothing of ours leaks
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}

    [record] = records(caplog)
    assert record.levelno == logging.ERROR
    assert request_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


async def test_every_response_has_a_request_id(api: Api) -> None:
    first = await api.post({"query": "{ me { id } }"})
    second = await api.post({"query": "{ me { id } }"})
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    too_long = await api.post({"query": "{ me { id } }"}, **{"X-Request-Id": "a" * 129})
    assert too_long.headers["X-Request-Id"] != "a" * 129
    health = await api.client.get("/healthz")
    assert health.headers["X-Request-Id"]
