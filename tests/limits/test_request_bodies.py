"""Request bodies: a size limit on every route (413, chunked bodies too), and JSON nested too deep
for the parser answered as a GraphQL-over-HTTP 400, not a plain-text 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx2
import pytest

from config.settings import get_settings
from models.emails.tables import Email
from tests.api import Api
from tests.limits.helpers import GRAPHQL_RESPONSE


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body with no Content-Length: sent chunked."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def too_large(response: httpx2.Response) -> None:
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(get_settings(), "max_request_bytes", 10_000)
    monkeypatch.setattr(get_settings(), "inbound_max_bytes", 20_000)
    monkeypatch.setattr(get_settings(), "inbound_token", "inbound-secret")
    return 10_000


async def test_graphql_bodies_over_the_limit_get_413_and_run_nothing(
    api: Api, small_limit: int
) -> None:
    subject = "x" * small_limit
    mutation = "mutation($s: String) { createDraft(input: {subject: $s}) { email { id } } }"
    body = json.dumps({"query": mutation, "variables": {"s": subject}}).encode()
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    too_large(await api.client.post("/graphql", content=body, headers=headers))
    assert "content-length" not in {
        k.lower() for k in api.client.build_request("POST", "/x", content=chunks(body)).headers
    }
    too_large(await api.client.post("/graphql", content=chunks(body), headers=headers))
    assert await Email.all().count() == 0
    # Just under the limit, chunked or not, it runs.
    fits = json.dumps({"query": mutation, "variables": {"s": "y" * 100}}).encode()
    assert (await api.client.post("/graphql", content=chunks(fits), headers=headers)).json()[
        "data"
    ]["createDraft"]["email"]["id"]


async def test_other_routes_have_their_limits(
    client: httpx2.AsyncClient, api: Api, small_limit: int
) -> None:
    inbound = {"Authorization": "Bearer inbound-secret"}
    message = b"From: a@x.test\r\nSubject: hi\r\n\r\n" + b"x" * 15_000
    # A mail message may be larger than a GraphQL request, up to CC_INBOUND_MAX_BYTES.
    response = await client.post("/inbound", content=chunks(message), headers=inbound)
    assert response.status_code != 413
    too_large(await client.post("/inbound", content=chunks(message * 2), headers=inbound))
    # Tracking routes and unknown ones: the general limit, before anything reads the body.
    too_large(await client.post("/u/whatever", content=chunks(b"x" * 20_000)))
    too_large(await client.post("/healthz", content=b"x" * 20_000))


async def test_deeply_nested_json_answers_400_with_a_graphql_error(api: Api) -> None:
    deep = b'{"query": "{ me { id } }", "variables": {"x": ' + b"[" * 100_000 + b"]" * 100_000
    deep += b"}}"
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await api.client.post(
            "/graphql",
            content=deep,
            headers={
                "Authorization": f"Bearer {api.token}",
                "Content-Type": "application/json",
                "Accept": accept,
            },
        )
        assert response.status_code == 400
        assert response.headers["content-type"].startswith(accept)
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # Other unreadable bodies get the same kind of answer.
    broken = await api.client.post(
        "/graphql",
        content=b"{not json",
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
