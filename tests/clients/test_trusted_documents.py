"""Trusted documents: a manifest built from the clients' documents; nothing else runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from graph.persisted.manifest import operation_documents, read_manifest, sha256
from models.emails import commands as emails
from models.emails.tables import Email
from tests.api import build_world
from tests.clients.conftest import AppFactory, asgi_client
from tests.live_clients import TIMEOUT, bearer, feeds_open, serve, ws_client

CLIENT_DOCUMENTS = """
query Me { me { ...Who } }
fragment Who on User { email name }
mutation Draft($input: CreateDraftInput!) { createDraft(input: $input) { userErrors { code } } }
"""
ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "command_center.cli"]


def build(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "app.graphql").write_text(CLIENT_DOCUMENTS)
    output = tmp_path / "trusted.json"
    subprocess.run(
        [*CLI, "trusted-documents", str(tmp_path / "docs"), "--output", str(output)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    return output, json.loads(output.read_text())


def test_the_cli_builds_one_document_per_operation_with_its_fragments(tmp_path: Path) -> None:
    _, manifest = build(tmp_path)
    assert len(manifest) == 2
    me = next(text for text in manifest.values() if text.startswith("query Me"))
    assert "fragment Who on User" in me and "createDraft" not in me
    assert all(sha256(text) == digest for digest, text in manifest.items())
    # The canonical print (graphql-js `print`), the text Apollo and urql hash.
    assert (
        me == "query Me {\n  me {\n    ...Who\n  }\n}\n\nfragment Who on User {\n  email\n  name\n}"
    )


def test_a_manifest_entry_with_a_wrong_hash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"0" * 64: "{ me { email } }"}))
    with pytest.raises(ValueError, match="not the sha256"):
        read_manifest(path)
    apollo = tmp_path / "apollo.json"
    body = "{ me { email } }"
    apollo.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": sha256(body), "body": body, "name": "x", "type": "query"}],
            }
        )
    )
    assert read_manifest(apollo) == {sha256(body): body}


def test_a_missing_fragment_is_reported() -> None:
    with pytest.raises(ValueError, match="Nope"):
        operation_documents(["query { me { ...Nope } }"])


async def test_only_trusted_documents_run(configured_app: AppFactory, tmp_path: Path) -> None:
    path, manifest = build(tmp_path)
    me = next(text for text in manifest.values() if text.startswith("query Me"))
    app = configured_app(CC_TRUSTED_DOCUMENTS=str(path), CC_TRUSTED_DOCUMENTS_ONLY="1")
    async with asgi_client(app) as client:
        alice = (await build_world(client)).alice
        wanted = {"me": {"email": "alice@a.example", "name": "Alice"}}
        by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(me)}}}
        assert (await alice.post(by_hash)).json()["data"] == wanted
        assert (await alice.post({"query": me})).json()[
            "data"
        ] == wanted  # the same text is trusted

        for body in (
            {"query": "{ me { email } }"},
            {
                "query": "{ me { email } }",  # APQ registration is closed too
                "extensions": {
                    "persistedQuery": {"version": 1, "sha256Hash": sha256("{ me { email } }")}
                },
            },
        ):
            refused = await alice.post(body)
            assert refused.json() == {
                "errors": [
                    {
                        "message": "Only trusted documents may run on this server.",
                        "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"},
                    }
                ]
            }
        # A refused mutation changes nothing.
        create = 'mutation { createDraft(input: {to: ["p@example.com"]}) { email { id } } }'
        refused_mutation = await alice.post({"query": create})
        assert "data" not in refused_mutation.json()
        assert not await Email.filter(owner_id=alice.user.id).exists()
        unknown = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}}
        code = (await alice.post(unknown)).json()["errors"][0]["extensions"]["code"]
        assert code == "PERSISTED_QUERY_NOT_FOUND"


def test_trusted_only_without_a_manifest_stops_the_start_up(configured_app: AppFactory) -> None:
    with pytest.raises(ValueError, match="CC_TRUSTED_DOCUMENTS"):
        configured_app(CC_TRUSTED_DOCUMENTS_ONLY="1")


async def test_websocket_operations_follow_the_same_rules(
    configured_app: AppFactory, tmp_path: Path
) -> None:
    docs = tmp_path / "live.graphql"
    trusted_subscription = "subscription Live { emailStatusChanged { kind } }"
    docs.write_text(trusted_subscription)
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({sha256(d): d for d in operation_documents([docs.read_text()])}))
    app = configured_app(CC_TRUSTED_DOCUMENTS=str(manifest), CC_TRUSTED_DOCUMENTS_ONLY="1")
    async with serve(app) as url, httpx2.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        world = await build_world(client)
        async with ws_client(url, bearer(world.alice.token)) as ws:
            refused = await ws.subscribe("subscription { emailStatusChanged { kind newStatus } }")
            message = await ws.message(refused)
            assert message["type"] == "error"
            assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
            [document] = operation_documents([trusted_subscription])
            allowed = await ws.subscribe(document)
            await feeds_open(1)
            # createDraft is not a trusted document on this server: change the email directly.
            await emails.create_draft(world.alice.user, emails.DraftFields(to=["p@example.com"]))
            assert (await ws.next(allowed))["emailStatusChanged"] == {"kind": "CREATED"}
