"""POST /inbound: a raw RFC 5322 message in the body, for providers that deliver mail by webhook.

Authenticated by `Authorization: Bearer <CC_INBOUND_TOKEN>`; without a configured token the
endpoint does not exist (404). Same processor as the SMTP listener.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse

from config.settings import get_settings
from models.inbound.processing import MalformedMessage, process
from models.inbound.tables import InboundVia


async def inbound_endpoint(request: Request) -> JSONResponse:
    settings = get_settings()
    if not settings.inbound_token:
        return JSONResponse({"error": "Not Found"}, status_code=404)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.inbound_token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        return JSONResponse(
            {"error": "A valid inbound token is required."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    limit = settings.inbound_max_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return JSONResponse(
                {"error": f"The message is larger than {limit} bytes."}, status_code=413
            )
    try:
        result = await process(bytes(body), InboundVia.HTTP)
    except MalformedMessage as error:
        return JSONResponse({"error": error.reason}, status_code=422)
    return JSONResponse(result.as_json(), status_code=202)
