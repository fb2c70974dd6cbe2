"""Mail transports behind one small interface: `await transport.send(wire, sender, recipients)`
(`wire`: the message's bytes, workers/mime.py).

- `SmtpTransport`: aiosmtplib to any relay. CC_SMTP_URL is `smtp://user:pass@host:port` (STARTTLS
  when the server offers it; `?starttls=1` requires it, `?starttls=0` forbids it) or
  `smtps://…` (implicit TLS). Connections are kept open in a small pool and reused across messages
  (`?pool=N`, default CC_SMTP_POOL_SIZE); a connection the server closed is reopened.
- `FileTransport` (`file://DIR`, the embedded default `file://var/mail`): writes each message as
  DIR/<message-id>.eml instead of sending it, so `make run` needs no mail server.

`send` never raises for SMTP outcomes: it returns Delivered, Rejected (5xx: permanent) or
Unavailable (4xx, connection or timeout errors: worth retrying), so the caller decides.
Unavailable says whether the relay itself failed (`relay`: refused, timed out, 4xx outside RCPT:
counts towards an outage, models/sending/relay.py) or only this email's recipients (4xx at RCPT),
and whether the message may have gone out anyway (`maybe_sent`: the connection broke after the
content was handed over, before the relay's answer; never retried blindly).

`lane()` holds one pooled connection for several sends in a row (workers/delivery.py records each
send's start and result on it, so at most one email per connection is ever in doubt); `probe()`
checks a relay that is DOWN with EHLO, NOOP, MAIL FROM and RSET: nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from config.settings import get_settings
from workers.mime import Wire

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivered:
    reply: str
    refused: tuple[str, ...] = ()  # recipients refused with a 5xx at RCPT (hard bounces)


@dataclass(frozen=True)
class Rejected:
    code: int
    reply: str
    refused: tuple[str, ...] = ()  # recipients refused with a 5xx at RCPT (hard bounces)


@dataclass(frozen=True)
class Unavailable:
    detail: str
    relay: bool = True  # the relay failed (an outage if it repeats), not just these recipients
    maybe_sent: bool = False  # cut off after the content was handed over: may have gone out


SendResult = Delivered | Rejected | Unavailable


class Lane(Protocol):
    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult: ...


class Transport(Protocol):
    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult: ...

    def lane(self) -> Any:  # an async context manager yielding a Lane
        ...

    async def probe(self, sender: str) -> str | None: ...

    async def close(self) -> None: ...


def _reply(code: int, message: str) -> str:
    return f"{code} {message}".strip()


def classify(error: Exception) -> SendResult:
    """Map an aiosmtplib failure to what the pipeline does next."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        replies = [_reply(r.code, r.message) + f" <{r.recipient}>" for r in error.recipients]
        codes = [r.code for r in error.recipients]
        if codes and all(code >= 500 for code in codes):
            refused = tuple(r.recipient.lower() for r in error.recipients)
            return Rejected(min(codes), "; ".join(replies), refused)
        # 421 closes the session whatever the recipient: the relay, not the mailbox.
        return Unavailable("; ".join(replies), relay=421 in codes)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        # Our credentials, not the recipient: worth retrying, and never a bounce.
        return Unavailable(f"authentication failed: {_reply(error.code, error.message)}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        reply = _reply(error.code, error.message)
        return Rejected(error.code, reply) if error.code >= 500 else Unavailable(reply)
    return Unavailable(f"{type(error).__name__}: {error}")


class _Client(aiosmtplib.SMTP):
    """aiosmtplib's client, noting when the DATA phase began: a connection lost or timed out
    from then on may have delivered the message (the relay got it, we missed its answer)."""

    in_data = False

    async def data(self, message: str | bytes, /, **kwargs: Any) -> Any:
        self.in_data = True
        return await super().data(message, **kwargs)


class SmtpTransport:
    def __init__(
        self,
        hostname: str,
        port: int | None,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool | None = None,
        pool_size: int = 4,
        timeout: float = 30.0,
    ) -> None:
        self._options: dict[str, Any] = {
            "hostname": hostname,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "start_tls": start_tls,
            "timeout": timeout,
            # Skips a DNS lookup of our own name per connection.
            "local_hostname": get_settings().message_id_domain,
        }
        self._idle: list[_Client] = []
        self._slots = asyncio.Semaphore(max(1, pool_size))

    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult:
        async with self.lane() as lane:
            return await lane.send(message, sender, recipients)

    @asynccontextmanager
    async def lane(self) -> AsyncIterator[_SmtpLane]:
        """One pool slot (and its connection) for as many sends as the caller makes."""
        async with self._slots:
            lane = _SmtpLane(self, self._idle.pop() if self._idle else self._new_client())
            try:
                yield lane
            finally:
                if lane.client.is_connected:
                    self._idle.append(lane.client)

    def _new_client(self) -> _Client:
        return _Client(**self._options)  # type: ignore[arg-type]

    async def probe(self, sender: str) -> str | None:
        """None when the relay answers a whole envelope start (EHLO, NOOP, MAIL FROM, then RSET:
        nothing is sent), else what went wrong. Uses its own connection, outside the pool."""
        client = self._new_client()
        try:
            await client.connect()
            await client.noop()
            await client.mail(sender)
            await client.rset()
        except Exception as error:
            result = classify(error)
            # A 5xx is the relay answering (it dislikes the probe's sender): it is up.
            return result.detail if isinstance(result, Unavailable) else None
        finally:
            try:
                await client.quit()
            except Exception:
                await _discard(client)
        return None

    async def send_on(
        self, client: _Client, message: Wire, sender: str, recipients: list[str]
    ) -> SendResult:
        reused = client.is_connected
        client.in_data = False
        try:
            return await self._send_on(client, message, sender, recipients, reused)
        except Exception as error:
            await _discard(client)
            result = classify(error)
            if isinstance(result, Unavailable) and client.in_data and not _answered(error):
                return Unavailable(result.detail, relay=True, maybe_sent=True)
            return result

    async def _send_on(
        self,
        client: aiosmtplib.SMTP,
        message: Wire,
        sender: str,
        recipients: list[str],
        reused: bool,
    ) -> SendResult:
        if not client.is_connected:
            await client.connect()
        try:
            errors, reply = await client.sendmail(sender, recipients, message.data)
        except aiosmtplib.SMTPServerDisconnected:
            if not reused or getattr(client, "in_data", False):
                raise  # a fresh connection failed, or the relay may have the message already
            # The server closed an idle pooled connection before our MAIL FROM: open a new one.
            await _discard(client)
            await client.connect()
            errors, reply = await client.sendmail(sender, recipients, message.data)
        if errors:  # some recipients refused, others accepted: it went out
            refused = "; ".join(f"{_reply(r.code, r.message)} <{a}>" for a, r in errors.items())
            dead = tuple(a.lower() for a, r in errors.items() if r.code >= 500)
            return Delivered(f"{reply} (refused: {refused})", dead)
        return Delivered(reply)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                await client.quit()
            except Exception:
                await _discard(client)


class _SmtpLane:
    def __init__(self, transport: SmtpTransport, client: _Client) -> None:
        self.transport = transport
        self.client = client

    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult:
        return await self.transport.send_on(self.client, message, sender, recipients)


def _answered(error: Exception) -> bool:
    # The relay replied (4xx/5xx): it did not take the message. Anything else during DATA (a
    # timeout, a lost connection) leaves us not knowing.
    return isinstance(error, aiosmtplib.SMTPResponseException)


async def _discard(client: aiosmtplib.SMTP) -> None:
    if client.is_connected:
        client.close()


_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


class FileTransport:
    """Writes messages as .eml files: the embedded default, so `make run` needs no mail server."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        log.info("Outgoing email is captured as .eml files in %s", directory.resolve())

    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult:
        name = _UNSAFE.sub("_", message.message_id.strip("<>")) + ".eml"
        path = self.directory / name
        try:
            await asyncio.to_thread(self._write, path, message.data)
        except OSError as error:
            return Unavailable(f"cannot write {path}: {error}")
        return Delivered(f"250 written to {path}")

    @asynccontextmanager
    async def lane(self) -> AsyncIterator[FileTransport]:
        yield self  # files need no connection: every send is its own lane

    async def probe(self, sender: str) -> str | None:
        try:
            await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
        except OSError as error:
            return f"cannot write to {self.directory}: {error}"
        return None

    def _write(self, path: Path, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".eml.partial")
        partial.write_bytes(data)
        partial.replace(path)  # atomic: a reader never sees half a message

    async def close(self) -> None:
        return None


def from_url(url: str) -> Transport:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    settings = get_settings()
    if parts.scheme == "file":
        return FileTransport(Path(unquote(parts.netloc + parts.path)))
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"CC_SMTP_URL must be smtp://, smtps:// or file://, not {url!r}")
    starttls = query.get("starttls")
    return SmtpTransport(
        parts.hostname or "localhost",
        parts.port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=None if starttls is None or parts.scheme == "smtps" else starttls == "1",
        pool_size=int(query.get("pool", settings.smtp_pool_size)),
        timeout=float(query.get("timeout", settings.smtp_timeout)),
    )
