"""POST /inbound: a raw RFC 5322 message in the body, for providers that deliver mail by webhook.

Authenticated by `Authorization: Bearer <CC_INBOUND_TOKEN>`; without a configured token the
endpoint does not exist (404). Like the SMTP listener it stores the message and answers 202 at
once (processing follows off the loop). The SMTP envelope, which verifies delivery reports, comes
in `X-CC-Envelope-From` (`<>` for the null sender) and `X-CC-Envelope-To` (comma-separated).

While the database is away the message cannot be stored: 503 with Retry-After, the "try later" of
HTTP that webhook senders retry on (as an MTA retries the SMTP listener's 451), never a 500 with
the driver's text.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse

from config.settings import get_settings
from graph import outage
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
    except Exception as error:
        if not outage.is_database_unavailable(error):
            raise
        outage.log_outage("POST /inbound (not stored; the sender retries)", error)
        return JSONResponse(
            {"error": "Temporarily unable to accept messages; retry later."},
            status_code=503,
            headers=outage.RETRY_AFTER,
        )
    return JSONResponse(receipt.as_json(), status_code=202)
