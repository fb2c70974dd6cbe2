"""POST /inbound: a raw RFC 5322 message in the body, for providers that deliver mail by webhook.

Authenticated by `Authorization: Bearer <CC_INBOUND_TOKEN>`; without a configured token the
endpoint does not exist (404). Like the SMTP listener it stores the message and answers 202 at
once (processing follows off the loop). The SMTP envelope, which verifies delivery reports, comes
in `X-CC-Envelope-From` (`<>` for the null sender) and `X-CC-Envelope-To` (comma-separated).
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse

from config.settings import get_settings
from models.inbound.receiving import MalformedMessage
from models.inbound.tables import InboundVia
from workers import inbound


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
    envelope_from = request.headers.get("x-cc-envelope-from")
    envelope_to = [a.strip() for a in request.headers.get("x-cc-envelope-to", "").split(",")]
    try:
        receipt = await inbound.accept(
            bytes(body),
            InboundVia.HTTP,
            envelope_from=envelope_from,
            envelope_to=[a for a in envelope_to if a],
        )
    except MalformedMessage as error:
        return JSONResponse({"error": error.reason}, status_code=422)
    return JSONResponse(receipt.as_json(), status_code=202)
