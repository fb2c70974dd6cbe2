"""GraphQL over HTTP, SSE and WebSocket on top of Strawberry's ASGI view.

Adds what the GraphQL-over-HTTP spec and our conventions ask for:
- bearer-token authentication on every operation (401 with an UNAUTHENTICATED error otherwise),
  the same for SSE streams (`Accept: text/event-stream`); over WebSocket (graphql-transport-ws)
  the token travels in the `connection_init` payload and a bad one closes with 4403 Forbidden;
- identical subscriptions share one execution (`graph.live.sharing`);
- `application/graphql-response+json` when the client accepts it, with 400 for documents that
  cannot be parsed or validated (legacy `application/json` clients keep getting 200);
- the transport chosen by the client's `Accept` order and q-values (`graph.negotiation`): JSON,
  SSE, or multipart subscriptions (Apollo Client); a subscription no transport fits gets 406;
- persisted queries (`graph.persisted`), ETag/304 on GET (`graph.caching`), CORS origins for
  WebSocket handshakes (`graph.cors`), and GraphiQL served offline (`graph.graphiql`);
- every operation admitted by its shape, static cost and the token's budget (graph/limits/), and
  bodies that cannot be read (bad or too deeply nested JSON) answered as GraphQL errors, not
  plain text.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from typing import Any, cast

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.streaming import HTTPStreamTransport
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types.unset import UNSET, UnsetType

from config.settings import get_settings
from graph import caching, encoding, graphiql, metrics, negotiation, outage, request_log
from graph.compiled.listing import CompiledListings
from graph.context import Context
from graph.cors import allowed_origins
from graph.limits.admission import Payer, Refused, check_not_exhausted
from graph.limits.budget import QueryBudget, create_budget, token_key
from graph.live import sharing
from graph.live.transport import (
    STREAM_TRANSPORTS,
    TransportWSHandler,
    admit_member,
    closing_on_revocation,
    shared_sse_stream,
)
from graph.persisted.manifest import sha256
from graph.persisted.resolve import PersistedQueries, PersistedQueryError
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
    request: Request | None = None


class RequestRefused(Exception):
    """Refused before execution: answered as a GraphQL error with `extensions.code`."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


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
    stream_transport_classes_by_protocol = STREAM_TRANSPORTS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # graphql-transport-ws, SSE and multipart HTTP: the legacy graphql-ws protocol has no
        # auth hook here.
        kwargs.setdefault(
            "subscription_protocols",
            (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL),
        )
        settings = get_settings()
        kwargs.setdefault("allowed_origins", sorted(allowed_origins(settings)))
        super().__init__(*args, **kwargs)
        self.max_tokens = settings.max_tokens
        self.persisted = PersistedQueries(settings)
        self.budget: QueryBudget | None = create_budget()
        self.compiled = CompiledListings(self.schema)

    def payer(self, token: str | None) -> Payer:
        return Payer(self.budget, token_key(token) if token else None)

    def decode_json(self, data: str | bytes) -> object:
        try:
            return json.loads(data)
        except RecursionError:
            # JSON nested thousands of levels deep: a bad body (400), as any other unparsable one.
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from None

    def encode_json(self, data: object) -> str:
        # orjson (graph/encoding.py). Text, not bytes: Strawberry sends bytes over a WebSocket as
        # binary frames, which graphql-transport-ws clients do not read.
        return encoding.dumps(data).decode()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET carrying only a persisted query's hash is an operation, not a visit.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page()

    def _get_stream_transport_from_headers(
        self, headers: Mapping[str, str]
    ) -> HTTPStreamTransport | None:
        return None  # chosen in parse_http_body, once the operation's type is known

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, list):
            return data
        try:
            data.query = await self.persisted.resolve(data.query, data.extensions)
        except PersistedQueryError as error:
            raise RequestRefused(0, error.message, error.code) from error
        subscription = data.query is not None and negotiation.is_subscription(
            data.query, data.operation_name, self.max_tokens
        )
        protocol = negotiation.choose_protocol(request.headers.get("accept"), subscription)
        if protocol is None:
            raise RequestRefused(
                406,
                "Subscriptions need a streaming transport: "
                + negotiation.SUBSCRIPTION_TRANSPORTS
                + ".",
                "SUBSCRIPTION_TRANSPORT_REQUIRED",
            )
        data.protocol = protocol  # type: ignore[assignment]
        return data

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        token = await authenticate_token(connection_token(context.connection_params))
        if token is None:
            # Strawberry closes the socket with 4403 Forbidden, as graphql-transport-ws says.
            raise ConnectionRejectionError({"message": "A valid API token is required."})
        context.viewer = token.user
        context.token_id = token.id  # revoking it closes this socket (graph/live/revocations)
        context.payer = self.payer(connection_token(context.connection_params))
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
        if isinstance(request_data, GraphQLRequestData) and request_data.protocol in (
            negotiation.SSE,
            negotiation.MULTIPART,
        ):
            plan = sharing.plan_for(
                request_data.query,
                request_data.variables,
                request_data.operation_name,
                context.viewer,
            )
            if plan is not None:
                await admit_member(self.schema, plan, context)  # raises Refused: see run()
                stream = closing_on_revocation(
                    shared_sse_stream(self.schema, context, plan), context
                )
                return metrics.counted_stream(stream, "http-stream")
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if isinstance(result, AsyncGenerator):  # an SSE stream: it ends when the token is revoked
            return metrics.counted_stream(closing_on_revocation(result, context), "http-stream")
        return result

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        viewer: User | None = getattr(request.state, "viewer", None)
        token_id: int | None = getattr(request.state, "token_id", None)
        bearer = None if isinstance(request, WebSocket) else request.headers.get("authorization")
        return Context(
            request=request,
            response=response,
            viewer=viewer,
            token_id=token_id,
            payer=self.payer(bearer_token(bearer)),
        )

    async def get_sub_response(self, request: Request | WebSocket) -> SubResponse:
        sub = SubResponse()
        sub.status_code = None  # type: ignore[assignment]
        del sub.headers["content-length"]
        sub.media = negotiate(request.headers.get("accept"))
        if isinstance(request, Request):
            sub.request = request
        return sub

    async def run(
        self,
        request: Any,
        context: Any = UNSET,
        root_value: Any = UNSET,
    ) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        try:
            if request.method in ("GET", "POST"):
                adapter = self.request_adapter_class(request)
                if not self.should_render_graphql_ide(adapter):
                    bearer = bearer_token(request.headers.get("authorization"))
                    # A token with no budget left is refused before anything else: no body read,
                    # no database lookup (budgets are kept under the token's hash, so only its
                    # holder can spend one; unknown tokens have none spent and go on to a 401).
                    await check_not_exhausted(self.payer(bearer))
                    token = await authenticate_token(bearer)
                    request.state.viewer = token.user if token is not None else None
                    request.state.token_id = token.id if token is not None else None
                    request_log.note_viewer(token.user if token is not None else None)
                    if token is None:
                        return self._unauthenticated(request)
                    if request.method == "POST":
                        compiled = await self._compiled(request, token.user, bearer)
                        if compiled is not None:
                            return compiled
            return await super().run(request, context, root_value)
        except RequestRefused as refused:
            media = negotiate(request.headers.get("accept"))
            # Status 0: a request error, 400 under graphql-response+json, 200 for legacy JSON.
            status = refused.status or (400 if media == GRAPHQL_RESPONSE else 200)
            return self.error_response(request, status, refused.message, refused.code)
        except HTTPException as error:
            # Strawberry answers these in plain text; clients expect a GraphQL-over-HTTP body.
            code = "REQUEST_TOO_LARGE" if error.status_code == 413 else "BAD_REQUEST"
            return self.error_response(request, error.status_code, error.reason, code)
        except Refused as refused:  # no budget left, or a shared subscription refused
            headers = {}
            if refused.retry_after is not None:
                headers["Retry-After"] = str(refused.retry_after)
            return self.error_response(
                request,
                429 if refused.retry_after is not None else 400,
                refused.error.message,
                str((refused.error.extensions or {}).get("code")),
                headers,
                extensions={"cost": refused.report} if refused.report else None,
            )
        except Exception as error:
            if not outage.is_database_unavailable(error):
                raise
            outage.log_outage(request.url.path, error)  # e.g. authentication could not read
            return self.error_response(
                request, 503, outage.MESSAGE, outage.CODE, outage.RETRY_AFTER
            )

    async def _compiled(
        self, request: Request, viewer: User, bearer: str | None
    ) -> Response | None:
        """A persisted or trusted listing answered by one SQL statement (graph/compiled/), or
        None: Strawberry's machinery answers it."""
        if not request.headers.get("content-type", "").startswith(JSON):
            return None
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        query, extensions = data.get("query"), data.get("extensions")
        variables, operation_name = data.get("variables"), data.get("operationName")
        if not isinstance(extensions, dict | None) or not isinstance(variables, dict | None):
            return None
        if not isinstance(operation_name, str | None) or not isinstance(query, str | None):
            return None
        persisted = extensions is not None and "persistedQuery" in extensions
        trusted = self.persisted.trusted
        if not persisted and (query is None or not trusted or sha256(query) not in trusted):
            return None
        try:
            query = await self.persisted.resolve(query, extensions)
        except PersistedQueryError:
            return None
        accept = request.headers.get("accept")
        if query is None or negotiation.choose_protocol(accept, False) != negotiation.HTTP:
            return None
        body = await self.compiled.respond(
            query, variables, operation_name, viewer, self.payer(bearer)
        )
        if body is None:
            return None
        media = negotiate(accept)
        return Response(body, headers={"content-type": f"{media}; charset=utf-8"})

    def _unauthenticated(self, request: Request) -> Response:
        return self.error_response(
            request,
            401,
            "A valid API token is required: send 'Authorization: Bearer <token>'.",
            "UNAUTHENTICATED",
            {"WWW-Authenticate": 'Bearer realm="command-center"'},
        )

    def error_response(
        self,
        request: Request,
        status: int,
        message: str,
        code: str,
        headers: Mapping[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> Response:
        """A request refused before any operation ran, as a GraphQL-over-HTTP error body."""
        body: dict[str, Any] = {"errors": [{"message": message, "extensions": {"code": code}}]}
        if extensions:
            body["extensions"] = extensions
        return Response(
            self.encode_json(body),
            status_code=status,
            media_type=negotiate(request.headers.get("accept")),
            headers=dict(headers or {}),
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
        outage.mark_response(response_data, response)  # 503 + Retry-After: database away
        request_log.note_response(response_data)  # its cost, for the request's log line
        if media == GRAPHQL_RESPONSE and request_error and not sub_response.status_code:
            response.status_code = 400
        request = getattr(sub_response, "request", None)
        if request is None or request.method != "GET":  # only GET answers are tagged
            return response
        return caching.conditional(request, response, _tagged(response_data))


def _tagged(data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bytes | None:
    """What an answer's ETag stands for: all of it but the budget left (`extensions.cost.
    budget`), which changes with every request and would make every answer look new."""
    if not isinstance(data, dict):
        return None
    extensions = cast(dict[str, Any], data.get("extensions") or {})
    cost = extensions.get("cost")
    if not isinstance(cost, dict) or "budget" not in cost:
        return None
    stable = {**extensions, "cost": {k: v for k, v in cost.items() if k != "budget"}}
    return encoding.dumps({**data, "extensions": stable})


def _is_request_error(data: GraphQLHTTPResponse) -> bool:
    """No execution happened: the document could not be parsed or validated."""
    errors = data.get("errors") or []
    return (
        data.get("data") is None
        and bool(errors)
        and not any(isinstance(e, dict) and e.get("path") for e in errors)
    )
