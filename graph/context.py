"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from graph.errors import unauthenticated
from graph.limits.admission import Payer
from graph.loaders import Loaders
from models.teams.tables import User


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    viewer: User | None
    loaders: Loaders = field(default_factory=Loaders)
    connection_params: Any = None
    payer: Payer | None = None  # whose query budget the operations spend (graph/limits/)
    token_id: int | None = None  # the API token the viewer authenticated with

    @property
    def user(self) -> User:
        """The authenticated caller; every operation needs one."""
        if self.viewer is None:
            raise unauthenticated()
        return self.viewer


Info = StrawberryInfo[Context, None]
