"""GraphiQL is served by the server itself: pinned files, integrity-checked, no other host."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import httpx2

from graph.graphiql import ASSETS, DEFAULT_QUERY, integrity

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html,application/xhtml+xml"}


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


async def test_the_page_loads_only_from_this_server(client: httpx2.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/graphiql/") or s == "data:," for s in sources), sources
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "script-src 'self' 'unsafe-inline'" in policy


async def test_every_asset_is_served_with_the_hash_the_page_pins(
    client: httpx2.AsyncClient,
) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    tags = dict(re.findall(r'(?:src|href)="/graphiql/([^"]+)" integrity="([^"]+)"', page))
    assert (
        set(tags)
        == set(integrity())
        == {
            "react.production.min.js",
            "react-dom.production.min.js",
            "graphiql.min.js",
            "graphiql.min.css",
        }
    )
    for name, pinned in tags.items():
        response = await client.get(f"/graphiql/{name}")
        assert response.status_code == 200
        assert sri(response.content) == pinned == sri((ASSETS / name).read_bytes()), name
        assert response.headers["cache-control"] == "no-cache"
        again = await client.get(
            f"/graphiql/{name}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
    for bad in ("integrity.json", "package.json", "..%2Fgraphiql.html", "nope.js"):
        assert (await client.get(f"/graphiql/{bad}")).status_code == 404


def test_the_assets_match_their_lockfile_and_keep_their_licences() -> None:
    wanted = json.loads((ASSETS / "package.json").read_text())["dependencies"]
    lock = json.loads((ASSETS / "package-lock.json").read_text())["packages"]
    for package, version in wanted.items():
        assert lock[f"node_modules/{package}"]["version"] == version
        assert lock[f"node_modules/{package}"]["integrity"].startswith("sha512-")
    for package in ("react", "react-dom", "graphiql"):
        licence = (ASSETS / f"LICENSE.{package}.txt").read_text()
        assert "MIT License" in licence
    assert f'"{wanted["react"]}"' in (ASSETS / "react.production.min.js").read_text()


def test_the_default_query_is_the_readmes_first_query() -> None:
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```graphql\n(.*?)```", readme, re.S)
    assert first is not None and first.group(1) == DEFAULT_QUERY


async def test_the_page_reads_the_token_from_the_fragment(client: httpx2.AsyncClient) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    assert "window.location.hash" in page and "Bearer " in page
    assert json.dumps(DEFAULT_QUERY) in page
