"""GraphQL over HTTP: authentication, media types and status codes, limits, error masking."""

from __future__ import annotations

import httpx2
import pytest

from graph.http import negotiate
from models.emails import commands as emails
from models.teams import auth
from tests.api import Api

ME = {"query": "{ me { email } }"}
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer cc_" + "x" * 43],
)
async def test_missing_or_bad_tokens_get_401(
    client: httpx2.AsyncClient, api: Api, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = await client.post("/graphql", json=ME, headers={**headers, "Accept": accept})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith(accept)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "data" not in response.json()


async def test_mutations_without_a_token_change_nothing(client: httpx2.AsyncClient, api: Api):
    draft = await api.create_draft()
    response = await client.post(
        "/graphql",
        json={
            "query": f'mutation {{ deleteEmail(input: {{id: "{draft["id"]}"}}) '
            "{ deletedEmailId } }"
        },
    )
    assert response.status_code == 401
    assert await api.email(draft["id"]) is not None


async def test_a_revoked_token_stops_working(client: httpx2.AsyncClient, api: Api) -> None:
    assert (await api.post(ME)).status_code == 200
    assert await auth.revoke_token(api.token)
    assert (await api.post(ME)).status_code == 401


async def test_tokens_are_stored_only_as_hashes(api: Api) -> None:
    from models.teams.tables import ApiToken

    stored = await ApiToken.get(user_id=api.user.id)
    assert api.token not in (stored.token_hash, stored.label)
    assert stored.token_hash == auth.hash_token(api.token)


async def test_graphql_response_json_is_served_when_asked(api: Api) -> None:
    response = await api.post(ME, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"] == {"me": {"email": "alice@a.example"}}
    assert set(response.json()) == {"data", "extensions"}  # extensions: the cost (test_limits)


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ me { email "},  # does not parse
        {"query": "{ me { nope } }"},  # does not validate
        {"query": "query($n: Int!) { emails(first: $n) { totalCount } }", "variables": {"n": "x"}},
    ],
)
async def test_documents_that_fail_before_execution_get_400(api: Api, body: dict) -> None:
    response = await api.post(body, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json() and response.json()["errors"]
    # Legacy application/json clients keep the 200 they expect.
    legacy = await api.post(body, accept="application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert "data" not in legacy.json()


async def test_field_errors_during_execution_stay_200(api: Api) -> None:
    response = await api.post(
        {"query": "{ emails(first: 500) { totalCount } }"}, accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["emails"]
    assert body["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"


def test_accept_negotiation() -> None:
    assert negotiate(None) == "application/json"
    assert negotiate("*/*") == "application/json"
    assert negotiate(f"{GRAPHQL_RESPONSE}, application/json;q=0.9") == GRAPHQL_RESPONSE
    assert negotiate(f"application/json, {GRAPHQL_RESPONSE};q=0.5") == "application/json"
    assert negotiate(f"application/json;q=0.2, {GRAPHQL_RESPONSE}") == GRAPHQL_RESPONSE


async def test_queries_work_over_get_but_mutations_do_not(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    got = await api.client.get("/graphql", params=ME, headers=headers)
    assert got.status_code == 200 and got.json()["data"]["me"]["email"] == "alice@a.example"
    draft = await api.create_draft()
    mutation = f'mutation {{ deleteEmail(input: {{id: "{draft["id"]}"}}) {{ deletedEmailId }} }}'
    refused = await api.client.get("/graphql", params={"query": mutation}, headers=headers)
    assert 400 <= refused.status_code < 500
    assert await api.email(draft["id"]) is not None


async def test_graphiql_is_served_to_browsers(client: httpx2.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_introspection_is_on(api: Api) -> None:
    data = await api("{ __schema { queryType { name } mutationType { name } } }")
    assert data["__schema"] == {
        "queryType": {"name": "Query"},
        "mutationType": {"name": "Mutation"},
    }


async def test_deep_queries_are_refused(api: Api) -> None:
    deep = "{ me { " + "team { members { nodes { " * 7 + "email" + " } } }" * 7 + " } }"
    response = await api.post({"query": deep}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "depth" in response.json()["errors"][0]["message"]
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_alias_floods_are_refused(api: Api) -> None:
    aliases = " ".join(f"a{n}: me {{ email }}" for n in range(40))
    response = await api.post({"query": f"{{ {aliases} }}"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "alias" in response.json()["errors"][0]["message"].lower()
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_token_floods_are_refused(api: Api) -> None:
    fields = " ".join(["email"] * 6000)
    response = await api.post({"query": f"{{ me {{ {fields} }} }}"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "token" in response.json()["errors"][0]["message"].lower()
    assert response.json()["errors"][0]["extensions"] == {"code": "QUERY_TOO_LARGE", "limit": 5000}


async def test_internal_errors_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception reaches the client as a generic, coded error: no internals."""

    async def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    # Fault injection at the boundary of the domain layer: the resolver itself runs for real.
    monkeypatch.setattr(emails, "create_draft", explode)
    result = await api.execute("mutation { createDraft(input: {}) { email { id } } }")

    assert result["data"] is None
    error = result["errors"][0]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": error["extensions"]["requestId"],  # tests/test_error_log.py checks it
    }
    assert "hunter2" not in str(result)


async def test_health(client: httpx2.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
