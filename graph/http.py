"""GraphQL over HTTP, SSE and WebSocket on top of Strawberry's ASGI view.

Adds what the GraphQL-over-HTTP spec and our conventions ask for:
- bearer-token authentication on every operation (401 with an UNAUTHENTICATED error otherwise),
  the same for SSE streams (`Accept: text/event-stream`); over WebSocket (graphql-transport-ws)
  the token travels in the `connection_init` payload and a bad one closes with 4403 Forbidden;
- identical subscriptions share one execution (`graph.live.sharing`);
- `application/graphql-response+json` when the client accepts it, with 400 for documents that
  cannot be parsed or validated (legacy `application/json` clients keep getting 200).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from graph.context import Context
from graph.live import sharing
from graph.live.transport import TransportWSHandler, closing_on_revocation, shared_sse_stream
from models.teams.auth import authenticate_token
from models.teams.tables import User

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def negotiate(accept: str | None) -> str:
    """The response media type: graphql-response+json if the client asked for it first."""
    if not accept:
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.lower() in (GRAPHQL_RESPONSE, JSON) and quality > 0:
            ranked.append((-quality, position, media.lower()))
    return min(ranked)[2] if ranked else JSON


class SubResponse(Response):
    media: str = JSON


def connection_token(params: object) -> str | None:
    """The bearer token of a `connection_init` payload: {"Authorization": "Bearer …"} (any case
    of the key) or {"token": "…"}."""
    if not isinstance(params, Mapping):
        return None
    for key, value in params.items():
        if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
            return bearer_token(value)
    token = params.get("token")
    return token if isinstance(token, str) else None


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # graphql-transport-ws and SSE only: the legacy graphql-ws protocol has no auth hook here.
        kwargs.setdefault(
            "subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL)
        )
        super().__init__(*args, **kwargs)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        token = await authenticate_token(connection_token(context.connection_params))
        if token is None:
            # Strawberry closes the socket with 4403 Forbidden, as graphql-transport-ws says.
            raise ConnectionRejectionError({"message": "A valid API token is required."})
        context.viewer = token.user
        context.token_id = token.id  # revoking it closes this socket (graph/live/revocations)
        return UNSET

    async def execute_operation(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        if isinstance(request_data, GraphQLRequestData) and request_data.protocol == "sse":
            plan = sharing.plan_for(
                request_data.query,
                request_data.variables,
                request_data.operation_name,
                context.viewer,
            )
            if plan is not None:
                return closing_on_revocation(shared_sse_stream(self.schema, context, plan), context)
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if isinstance(result, AsyncGenerator):  # an SSE stream: it ends when the token is revoked
            return closing_on_revocation(result, context)
        return result

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        viewer: User | None = getattr(request.state, "viewer", None)
        token_id: int | None = getattr(request.state, "token_id", None)
        return Context(request=request, response=response, viewer=viewer, token_id=token_id)

    async def get_sub_response(self, request: Request | WebSocket) -> SubResponse:
        sub = SubResponse()
        sub.status_code = None  # type: ignore[assignment]
        del sub.headers["content-length"]
        sub.media = negotiate(request.headers.get("accept"))
        return sub

    async def run(
        self,
        request: Any,
        context: Any = UNSET,
        root_value: Any = UNSET,
    ) -> Any:
        if isinstance(request, Request) and request.method in ("GET", "POST"):
            adapter = self.request_adapter_class(request)
            if not self.should_render_graphql_ide(adapter):
                token = await authenticate_token(bearer_token(request.headers.get("authorization")))
                request.state.viewer = token.user if token is not None else None
                request.state.token_id = token.id if token is not None else None
                if token is None:
                    return self._unauthenticated(request)
        return await super().run(request, context, root_value)

    def _unauthenticated(self, request: Request) -> Response:
        body = {
            "errors": [
                {
                    "message": "A valid API token is required: "
                    "send 'Authorization: Bearer <token>'.",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        }
        return Response(
            self.encode_json(body),
            status_code=401,
            media_type=negotiate(request.headers.get("accept")),
            headers={"WWW-Authenticate": 'Bearer realm="command-center"'},
        )

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        request_error = False
        if isinstance(response_data, dict) and _is_request_error(response_data):
            # Nothing was executed: per the GraphQL spec the `data` entry must be absent.
            request_error = True
            response_data = cast(
                GraphQLHTTPResponse, {k: v for k, v in response_data.items() if k != "data"}
            )
        response = super().create_response(response_data, sub_response)
        media = getattr(sub_response, "media", JSON)
        response.headers["content-type"] = f"{media}; charset=utf-8"
        if media == GRAPHQL_RESPONSE and request_error and not sub_response.status_code:
            response.status_code = 400
        return response


def _is_request_error(data: GraphQLHTTPResponse) -> bool:
    """No execution happened: the document could not be parsed or validated."""
    errors = data.get("errors") or []
    return (
        data.get("data") is None
        and bool(errors)
        and not any(isinstance(e, dict) and e.get("path") for e in errors)
    )
