"""A real SMTP server (aiosmtpd) on loopback, in its own thread and event loop, for tests.

It records every accepted message (envelope + parsed message) and can be told to answer RCPT for
some recipients with a fixed reply ("550 …" to reject, "451 …" to defer), optionally only the
first N times; to answer every MAIL FROM with one reply (`answer_everything("421 …")`: a relay
in trouble); to go away (`go_down()`: connections refused) and come back on the same port; and
to take its time before answering the end of DATA (`data_delay`, after recording the message:
a client killed meanwhile leaves a message the sink has but the client never heard about).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Rule:
    reply: str
    times: int | None = None  # None: always


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    everything: str | None = None  # the reply to every MAIL FROM, when set
    data_delay: float = 0.0  # seconds before answering the end of DATA
    hang_up_after_data: bool = False  # take the message, then drop the connection unanswered

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        with self.lock:
            reply = self.everything
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        with self.lock:
            rule = self.rules.get(address.lower())
            if rule is not None and rule.times != 0:
                if rule.times is not None:
                    rule.times -= 1
                return rule.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
            delay = self.data_delay
            hang_up = self.hang_up_after_data
        if delay:
            await asyncio.sleep(delay)
        if hang_up and server.transport is not None:
            server.transport.close()  # the client never hears the 250
        return "250 2.0.0 Accepted"


class SmtpSink:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = 0
        self.connections = 0  # SMTP sessions opened: shows whether clients reuse connections
        self.sessions: list[SMTP] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, port: int = 0) -> asyncio.AbstractServer:
        def session() -> SMTP:
            self.connections += 1
            self.sessions.append(server := SMTP(self.handler, hostname="sink.test"))
            return server

        return await self._loop.create_server(session, "127.0.0.1", port)

    def go_down(self) -> None:
        """Stop listening and drop every open session: connections are refused until
        `come_back()`."""

        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for session in self.sessions:
                if session.transport is not None:
                    session.transport.close()
            self.sessions.clear()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)

    def come_back(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._serve(self.port), self._loop)
        self._server = future.result(timeout=10)

    def answer_everything(self, reply: str | None) -> None:
        """Answer every MAIL FROM with `reply` ("421 …", "451 …"); None: back to normal."""
        with self.handler.lock:
            self.handler.everything = reply

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def answer(self, recipient: str, reply: str, times: int | None = None) -> None:
        with self.handler.lock:
            self.handler.rules[recipient.lower()] = Rule(reply, times)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def count_by_message_id(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)


@contextmanager
def running_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
