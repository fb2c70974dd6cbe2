"""The public tracking routes: open pixel, click redirect and unsubscribe (no login: the token is
the credential).

Unknown or forged tokens answer 404 and write nothing. HEAD answers like GET and records nothing
(link checkers). An archived email still answers (the reader lands where they clicked) but
records nothing: `models.engagement.recorders` turns tracking off for it. GET on an unsubscribe URL
only
shows a confirmation form, because mail scanners prefetch links; the POST (the form, or a mailbox
provider's RFC 8058 one-click request) unsubscribes.

While the database is away (graph/outage.py): the pixel still answers its image (a broken image in
a recipient's mail helps nobody; the open is lost), a click whose link was read still redirects
(the reader must reach the page; only the count is lost), a click whose link cannot be read gets a
plain 503 page with Retry-After (its destination is only in the database), and the unsubscribe
page a friendly 503 asking to retry: nothing is recorded that was not, and the reader is told so.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from graph import outage
from models.engagement import recorders as engagement
from models.engagement import tracking
from models.engagement.tracking import TrackingKind

# The smallest transparent GIF (1×1).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {
    "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}
NOT_FOUND = "Not found"
MAX_BODY = 4096


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def _not_found() -> Response:
    return Response(NOT_FOUND, status_code=404, media_type="text/plain", headers=NO_STORE)


def _pixel() -> Response:
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


def _unavailable(what: str) -> HTMLResponse:
    return _page(
        "Temporarily unavailable",
        f"<h1>Temporarily unavailable</h1><p>We could not {what} just now. Please try again in a "
        "few minutes.</p>",
        status_code=503,
        headers=outage.RETRY_AFTER,
    )


async def open_pixel(request: Request) -> Response:
    try:
        found = await tracking.resolve(request.path_params["token"], TrackingKind.OPEN)
        if found is None:
            return _not_found()
        if request.method == "GET":
            await engagement.record_view(found[1], _user_agent(request))
    except Exception as error:
        if not outage.is_database_unavailable(error):
            raise
        outage.log_outage("open pixel (the open is not recorded)", error)
    return _pixel()


async def click(request: Request) -> Response:
    try:
        found = await tracking.resolve(request.path_params["token"], TrackingKind.CLICK)
    except Exception as error:
        if not outage.is_database_unavailable(error):
            raise
        outage.log_outage("click (destination unknown)", error)
        return _unavailable("open this link")
    if found is None or not found[0].url:
        return _not_found()
    link, email = found
    assert link.url is not None
    if request.method == "GET":
        try:
            await engagement.record_click(email, link.url, _user_agent(request))
        except Exception as error:
            if not outage.is_database_unavailable(error):
                raise
            outage.log_outage("click (redirected, not recorded)", error)
    # Only ever the stored destination: nothing from the request can change where this goes.
    return RedirectResponse(link.url, status_code=302, headers=NO_STORE)


async def _is_one_click(request: Request) -> bool:
    """An RFC 8058 request: `List-Unsubscribe=One-Click`, form-encoded or multipart. Read by hand
    (a small bounded body) rather than adding a multipart library for one field."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return False
    text = body.decode("utf-8", "replace")
    if "multipart/form-data" in request.headers.get("content-type", ""):
        return bool(re.search(r'name="?List-Unsubscribe"?\r?\n\r?\nOne-Click', text))
    return parse_qs(text).get("List-Unsubscribe") == ["One-Click"]


def _page(
    title: str, body: str, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    document = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='robots' content='noindex'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;max-width:32em;margin:4em auto'>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status_code, headers={**NO_STORE, **(headers or {})})


async def unsubscribe(request: Request) -> Response:
    try:
        return await _unsubscribe(request)
    except Exception as error:
        if not outage.is_database_unavailable(error):
            raise
        outage.log_outage("unsubscribe", error)
        return _unavailable("process your unsubscribe request")


async def _unsubscribe(request: Request) -> Response:
    token = request.path_params["token"]
    found = await tracking.resolve(token, TrackingKind.UNSUBSCRIBE)
    if found is None:
        return _not_found()
    email = found[1]
    if request.method != "POST":
        # Never unsubscribe on GET: scanners and previews fetch every link.
        action = html.escape(tracking.unsubscribe_url(token))
        return _page(
            "Unsubscribe",
            "<h1>Unsubscribe</h1><p>Stop receiving emails from us at this address?</p>"
            f"<form method='post' action='{action}'>"
            "<button type='submit'>Unsubscribe</button></form>",
        )
    one_click = await _is_one_click(request)
    await engagement.unsubscribe(email, "one-click" if one_click else "link")
    return _page(
        "Unsubscribed",
        "<h1>You are unsubscribed</h1><p>You will not receive further emails from us.</p>",
    )


routes = [
    Route("/t/o/{token}.gif", open_pixel, methods=["GET", "HEAD"]),
    Route("/t/c/{token}", click, methods=["GET", "HEAD"]),
    Route("/u/{token}", unsubscribe, methods=["GET", "HEAD", "POST"]),
]
