"""Which browser origins may call the API: CC_CORS_ORIGINS, for HTTP and WebSocket alike.

HTTP goes through Starlette's CORS middleware (preflight `OPTIONS` answered, `Vary: Origin`);
WebSocket handshakes are checked by Strawberry's view against the same list (browsers apply no
CORS to WebSockets, so the server must refuse foreign origins itself). Same-origin pages (GraphiQL
served here) and non-browser clients (no `Origin`) are always allowed.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from strawberry.http.websocket_origin import normalize_allowed_origins

from config.settings import Settings

# What our clients send: auth, JSON bodies, conditional GETs, and the headers Apollo Client adds
# (client awareness, CSRF preflight marker) so its default links work cross-origin.
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "If-None-Match",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "graphql-client-name",
    "graphql-client-version",
    "X-Request-Id",
)
# ETag for conditional GETs; the request id, so a browser app can quote it in a bug report.
EXPOSED_HEADERS = ("ETag", "WWW-Authenticate", "X-Request-Id")
PREFLIGHT_MAX_AGE = 600


def allowed_origins(settings: Settings) -> frozenset[str]:
    """The configured origins, normalised as browsers send them; ValueError for a bad entry
    (a path, a typo), so a misconfiguration stops the start-up instead of silently refusing."""
    return normalize_allowed_origins(settings.cors_origin_list)


def cors_middleware(settings: Settings) -> Middleware:
    return Middleware(
        CORSMiddleware,
        allow_origins=sorted(allowed_origins(settings)),
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "POST"],
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_MAX_AGE,
    )
