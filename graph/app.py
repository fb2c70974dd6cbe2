"""The Starlette application: GraphQL (HTTP, SSE, WebSocket) at /graphql, the web app at /
(graph/web_app.py), /healthz, /readyz and /metrics (graph/health.py, graph/metrics.py), the public
tracking routes (/t/…, /u/…: graph/tracking.py) and POST /inbound (raw replies and delivery
reports)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from config import logs
from config.database import tortoise_config
from config.settings import get_settings
from events import running_bus
from graph import caching, graphiql, health, web_app
from graph.body_limit import BodyLimit
from graph.cors import cors_middleware
from graph.http import GraphQLApp
from graph.inbound.endpoint import inbound_endpoint
from graph.metrics import metrics_endpoint
from graph.request_ids import RequestIdMiddleware
from graph.request_log import RequestLog
from graph.schema import schema
from graph.tracking import routes as tracking_routes
from workers import metrics as worker_metrics

log = logging.getLogger(__name__)


@asynccontextmanager
async def embedded_worker() -> AsyncIterator[None]:
    """In the embedded default (no CC_BROKER_URL) the API process also sends: see workers.runtime.
    With a real broker, `command-center worker` processes do it instead."""
    from workers.broker import broker, is_embedded
    from workers.runtime import EmbeddedWorker

    if not is_embedded(broker):
        yield
        return
    worker = EmbeddedWorker()
    await worker.start()
    try:
        yield
    finally:
        await worker.stop()


@asynccontextmanager
async def embedded_inbound() -> AsyncIterator[None]:
    """In the embedded set-up the API process also listens for inbound mail (replies, bounces,
    complaints) on CC_INBOUND_SMTP_HOST:PORT; port 0 turns it off. With a real broker,
    `command-center inbound` runs it instead."""
    from workers.broker import broker, is_embedded
    from workers.inbound_smtp import InboundSmtpServer

    settings = get_settings()
    if not is_embedded(broker) or settings.inbound_smtp_port == 0:
        yield
        return
    server = InboundSmtpServer(settings.inbound_smtp_host, settings.inbound_smtp_port)
    try:
        await server.start()
    except OSError as error:  # the port is taken: the API still serves, without inbound SMTP
        log.error("inbound SMTP not started on %s:%s: %s", server.host, server.port, error)
        yield
        return
    try:
        yield
    finally:
        await server.stop()


def create_app(*, manage_database: bool = True) -> Starlette:
    """The ASGI app. Tests pass `manage_database=False` and set up Tortoise themselves."""
    graphql = GraphQLApp(schema, graphql_ide="graphiql", allow_queries_via_get=True)
    logs.use_stdlib()  # structlog's request lines go wherever logging is set up to go
    worker_metrics.install()  # transitions committed by this process (embedded worker included)
    settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The bus publishes what this process commits and feeds its subscriptions.
        async with running_bus():
            try:
                if not manage_database:
                    yield
                    return
                async with (
                    RegisterTortoise(app, config=tortoise_config(), _enable_global_fallback=True),
                    embedded_worker(),
                    embedded_inbound(),
                ):
                    yield
            finally:
                await graphql.persisted.close()
                if graphql.budget is not None:
                    await graphql.budget.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *graphiql.routes,
            *web_app.routes,
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", metrics_endpoint),
            *tracking_routes,
            Route("/inbound", inbound_endpoint, methods=["POST"]),
        ],
        # CORS outermost, so even a refused or compressed answer carries its headers.
        middleware=[
            cors_middleware(settings),
            Middleware(RequestIdMiddleware),
            Middleware(RequestLog),  # one line and one observation per request
            # No route reads a body larger than its limit (graph/body_limit.py).
            Middleware(BodyLimit),
            caching.gzip_middleware(),
        ],
        lifespan=lifespan,
    )
    app.state.graphql = graphql
    return app
