"""The baseline of bench/subscriptions.py: a bare Starlette app that pushes pre-serialised bytes
to every connected WebSocket (no GraphQL, no database, no bus)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

_sockets: set[WebSocket] = set()


async def _socket(websocket: WebSocket) -> None:
    await websocket.accept()
    _sockets.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        _sockets.discard(websocket)


async def _push(request: Request) -> PlainTextResponse:
    text = (await request.body()).decode()
    for websocket in list(_sockets):
        await websocket.send_text(text)
    return PlainTextResponse(str(len(_sockets)))


async def _health(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        WebSocketRoute("/ws", _socket),
        Route("/push", _push, methods=["POST"]),
        Route("/healthz", _health),
    ]
)
