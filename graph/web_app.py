"""The Command Center web app, served at `/` by this server: one HTML page and the ES modules
under graph/static/app/ (the app's own, and the pinned vendor/ builds of Preact+htm and graphql-ws).

The app uses only the public GraphQL API at /graphql, like any third-party client. Its Content
Security Policy lets it load scripts and styles from this origin only (no inline script) and
connect only back to it (HTTP and the graphql-ws WebSocket): no request leaves the machine.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from graph.caching import etag_matches

APP = Path(__file__).parent / "static" / "app"
APP_URL = "/app"
# What the browser may fetch: the app's modules, styles and icons; never the vendor's
# package.json, lockfile or integrity list (they are for tools/app_assets.py and the tests).
SERVED_SUFFIXES = {".js", ".css", ".svg"}
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def content_security_policy(host: str) -> str:
    # 'self' covers same-origin ws: in current browsers; naming the socket's origin keeps older
    # ones (CSP level 2 treats ws: as another scheme) working too.
    sockets = f"ws://{host} wss://{host}" if host else ""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {sockets}".strip(),
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


@cache
def served_files() -> dict[str, Path]:
    """URL path under /app/ -> file, listed once: a request's path never becomes a path itself."""
    return {
        path.relative_to(APP).as_posix(): path
        for path in sorted(APP.rglob("*"))
        if path.is_file() and path.suffix in SERVED_SUFFIXES
    }


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(
        (APP / "index.html").read_text(),
        headers={
            "Content-Security-Policy": content_security_policy(request.headers.get("host", "")),
            "Cache-Control": "no-cache",
            "Referrer-Policy": "no-referrer",
        },
    )


async def asset(request: Request) -> Response:
    path = served_files().get(request.path_params["path"])
    if path is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    # Revalidated on every load (a 304 thanks to the ETag), so an upgrade never mixes old and new
    # modules of the app.
    response = FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        stat_result=path.stat(),
    )
    if etag_matches(request.headers.get("if-none-match", ""), response.headers["etag"]):
        return Response(status_code=304, headers={"ETag": response.headers["etag"]})
    return response


routes = [
    Route("/", page, methods=["GET", "HEAD"]),
    Route(APP_URL + "/{path:path}", asset, methods=["GET", "HEAD"]),
]
