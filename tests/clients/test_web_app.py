"""The web app at `/` (graph/static/app/): its GraphQL documents are valid against schema.graphql
(a breaking schema change fails here, before it breaks the app), it loads only this server's own
files under a strict Content Security Policy, and its vendored modules are the pinned ones.
The app itself runs in headless Chromium in clients/tests/app.test.js (test_node_clients.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import httpx2
import pytest
from graphql import build_schema, parse, validate

from graph.web_app import APP, served_files

ROOT = Path(__file__).resolve().parents[2]
VENDOR = APP / "vendor"
DOCUMENT_MODULES = ["documents.js", "reports-documents.js"]


def app_documents() -> dict[str, str]:
    """NAME -> GraphQL text of every `export const NAME = gql`…`` in the document modules, with
    the `${FRAGMENT}` pieces (plain template strings of the same module) put in."""
    documents = {}
    for module in DOCUMENT_MODULES:
        source = (APP / module).read_text()
        pieces = dict(re.findall(r"^const (\w+) = `(.*?)`;", source, re.S | re.M))
        for name, text in re.findall(r"^export const (\w+) = gql`(.*?)`;", source, re.S | re.M):
            for piece, value in pieces.items():
                text = text.replace("${" + piece + "}", value)
            assert "${" not in text, (module, name)
            documents[name] = text
    return documents


def test_the_app_has_its_documents() -> None:
    documents = app_documents()
    # Every screen's documents were found (a broken extraction must not pass as "nothing wrong").
    for name in ("EMAILS", "EMAIL", "EMAIL_CHANGES", "CREATE_DRAFT", "PREVIEW", "TASKS"):
        assert name in documents
    for name in ("SAVED_SEARCH_MATCHES", "CAMPAIGN", "ENGAGEMENT_REPORT", "FOLDER_COUNTS_CHANGED"):
        assert name in documents
    # No document hides elsewhere: every GraphQL operation of the app is in the document modules.
    for path in APP.rglob("*.js"):
        if "vendor" in path.parts or path.name in DOCUMENT_MODULES:
            continue
        assert not re.search(r"\b(query|mutation|subscription)\s+\w+\s*[({]", path.read_text()), (
            path
        )


@pytest.mark.parametrize("name", sorted(app_documents()))
def test_each_document_is_valid_against_the_schema(name: str) -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    errors = validate(schema, parse(app_documents()[name]))
    assert not errors, [error.message for error in errors]


def test_every_import_is_a_served_file_of_this_server() -> None:
    served = served_files()
    for name, path in served.items():
        if not name.endswith(".js"):
            continue
        for target in re.findall(
            r"""(?:^|[;\s}])(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]""", path.read_text()
        ):
            assert target.startswith("./") or target.startswith("../"), (name, target)
            resolved = (path.parent / target).resolve().relative_to(APP.resolve()).as_posix()
            assert resolved in served, (name, target)


async def test_the_page_loads_only_from_this_server(client: httpx2.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/app/") or s in ("data:,", "/graphql") for s in sources)
    assert "<script>" not in page.text  # no inline script: the policy forbids it
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "connect-src 'self' ws://testserver wss://testserver" in policy
    assert "unsafe" not in policy
    for name in re.findall(r'(?:src|href)="/app/([^"]+)"', page.text):
        assert name in served_files()


async def test_assets_are_served_revalidated_and_nothing_else(client: httpx2.AsyncClient) -> None:
    for name, path in served_files().items():
        response = await client.get(f"/app/{name}")
        assert response.status_code == 200, name
        assert response.content == path.read_bytes()
        assert response.headers["cache-control"] == "no-cache"
        again = await client.get(
            f"/app/{name}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
    assert (await client.get("/app/main.js")).headers["content-type"].startswith("text/javascript")
    for bad in (
        "vendor/package.json",
        "vendor/package-lock.json",
        "vendor/integrity.json",
        "index.html",
        "..%2F..%2Fweb_app.py",
        "../graphiql.html",
        "nope.js",
    ):
        assert (await client.get(f"/app/{bad}")).status_code == 404, bad


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_the_vendored_modules_are_the_pinned_ones() -> None:
    wanted = json.loads((VENDOR / "package.json").read_text())["dependencies"]
    lock = json.loads((VENDOR / "package-lock.json").read_text())["packages"]
    for package, version in wanted.items():
        assert lock[f"node_modules/{package}"]["version"] == version
        assert lock[f"node_modules/{package}"]["integrity"].startswith("sha512-")
    pinned = json.loads((VENDOR / "integrity.json").read_text())
    assert set(pinned) == {"preact-htm.js", "graphql-ws.js", "common-CGW11Fyb.js"}
    for name, digest in pinned.items():
        assert sri((VENDOR / name).read_bytes()) == digest, f"{name} changed: run make app-assets"
    assert "Apache License" in (VENDOR / "LICENSE.htm.txt").read_text()
    assert "MIT License" in (VENDOR / "LICENSE.graphql-ws.txt").read_text()


def test_the_readme_shows_the_app() -> None:
    readme = (ROOT / "README.md").read_text()
    for picture in re.findall(r"\]\((docs/[^)]+\.png)\)", readme):
        assert (ROOT / picture).exists(), picture
    assert len(re.findall(r"\]\((docs/[^)]+\.png)\)", readme)) >= 2
