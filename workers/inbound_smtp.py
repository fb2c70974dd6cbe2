"""The inbound SMTP listener (aiosmtpd): replies, bounces and complaints sent to us by mail.

It runs on the caller's event loop, so handle_DATA uses the same Tortoise connections as the rest
of the process (the API in the embedded set-up, or `command-center inbound`). Like POST /inbound,
it only stores the message with its envelope (workers.inbound.accept) and answers 250 at once;
parsing and processing happen off the loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from config.settings import get_settings
from models.base.outage import is_database_unavailable, summary
from models.inbound.receiving import MalformedMessage
from models.inbound.tables import InboundVia
from workers import inbound

log = logging.getLogger(__name__)


class InboundHandler:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            receipt = await inbound.accept(
                raw,
                InboundVia.SMTP,
                envelope_from=envelope.mail_from,
                envelope_to=list(envelope.rcpt_tos),
            )
        except MalformedMessage as error:
            # Permanent: the same bytes will never be readable.
            return f"554 5.6.0 Malformed message: {_one_line(error.reason)}"
        except Exception as error:  # not stored: a temporary failure, so the MTA retries
            if is_database_unavailable(error):
                log.error("inbound SMTP: database unavailable, answered 451: %s", summary(error))
            else:
                log.exception("inbound SMTP: could not record a message")
            return "451 4.3.0 Temporary failure, please retry"
        if receipt.duplicate:
            return f"250 2.0.0 Already received as {receipt.record.id} (duplicate)"
        return f"250 2.0.0 Queued as {receipt.record.id}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]


class InboundSmtpServer:
    """An aiosmtpd server on this loop; `start` returns the bound (host, port)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: asyncio.AbstractServer | None = None

    def _protocol(self) -> SMTP:
        settings = get_settings()
        return SMTP(
            InboundHandler(),
            data_size_limit=settings.inbound_max_bytes,
            hostname=settings.message_id_domain,
            ident="Command Center inbound",
            enable_SMTPUTF8=True,
        )

    async def start(self) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host=self.host, port=self.port)
        # Under uvloop a listening socket may come back as None: only port 0 needs the lookup.
        bound: list[Any] = [s.getsockname() for s in self._server.sockets or () if s is not None]
        if bound:
            self.port = int(bound[0][1])
        elif self.port == 0:
            await self.stop()
            raise OSError("the inbound SMTP server did not report the port it bound")
        log.info("inbound SMTP listening on %s:%s", self.host, self.port)
        return self.host, self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await inbound.drain()  # what was accepted is processed before the database closes

    async def __aenter__(self) -> InboundSmtpServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()
