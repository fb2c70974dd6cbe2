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
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
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


SendResult = Delivered | Rejected | Unavailable


class Transport(Protocol):
    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult: ...

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
        return Unavailable("; ".join(replies))
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        # Our credentials, not the recipient: worth retrying, and never a bounce.
        return Unavailable(f"authentication failed: {_reply(error.code, error.message)}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        reply = _reply(error.code, error.message)
        return Rejected(error.code, reply) if error.code >= 500 else Unavailable(reply)
    return Unavailable(f"{type(error).__name__}: {error}")


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
        self._options = {
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
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(max(1, pool_size))

    async def send(self, message: Wire, sender: str, recipients: list[str]) -> SendResult:
        async with self._slots:
            client = self._idle.pop() if self._idle else aiosmtplib.SMTP(**self._options)  # type: ignore[arg-type]
            reused = client.is_connected
            try:
                result = await self._send_on(client, message, sender, recipients, reused)
            except Exception as error:
                await _discard(client)
                return classify(error)
            self._idle.append(client)
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
            if not reused:
                raise
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
