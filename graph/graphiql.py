"""GraphiQL served entirely by this server: the page and its pinned React/GraphiQL files.

The files live in graph/static/graphiql/ (versions pinned by its package-lock.json, refreshed with
`make graphiql-assets`); integrity.json holds their sha384, which the page's tags carry as
Subresource Integrity, so the browser refuses a file that changed. The page's Content Security
Policy only lets it load from and connect to this origin: no request leaves the machine.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from graph.caching import etag_matches

STATIC = Path(__file__).parent / "static"
ASSETS = STATIC / "graphiql"
ASSETS_URL = "/graphiql"

# The README's first query (tests/test_graphiql.py keeps them equal): what a newcomer runs first.
DEFAULT_QUERY = """{
  me { name role team { name } }
  folderCounts { sent pending undelivered statuses { status count } }
  emails(folder: SENT, first: 5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { subject status to statusAt viewCount availableActions } }
  }
}
"""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


@cache
def integrity() -> dict[str, str]:
    """Served file name -> its Subresource Integrity hash (sha384)."""
    data: dict[str, str] = json.loads((ASSETS / "integrity.json").read_text())
    return data


@cache
def page_html() -> str:
    hashes = integrity()
    template = Template((STATIC / "graphiql.html").read_text())
    return template.substitute(
        assets=ASSETS_URL,
        integrity_css=hashes["graphiql.min.css"],
        integrity_react=hashes["react.production.min.js"],
        integrity_react_dom=hashes["react-dom.production.min.js"],
        integrity_graphiql=hashes["graphiql.min.js"],
        default_query=json.dumps(DEFAULT_QUERY),
    )


def page() -> HTMLResponse:
    return HTMLResponse(
        page_html(),
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"},
    )


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    # Only the listed files: the name never becomes a path on its own.
    if name not in integrity():
        return Response("Not Found", status_code=404, media_type="text/plain")
    # Revalidated on every load (a 304 thanks to the ETag): after an upgrade a stale cached file
    # would fail the page's new integrity hash and leave GraphiQL blank.
    path = ASSETS / name
    response = FileResponse(path, headers={"Cache-Control": "no-cache"}, stat_result=path.stat())
    if etag_matches(request.headers.get("if-none-match", ""), response.headers["etag"]):
        return Response(status_code=304, headers={"ETag": response.headers["etag"]})
    return response


routes = [Route(ASSETS_URL + "/{name}", asset, methods=["GET", "HEAD"])]
