"""Real database outages for tests: a TCP proxy in front of PostgreSQL that can be cut, and a
SQLite file that can be made unreadable."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise import connections
from tortoise.context import TortoiseContext

from tests.database import database


@dataclass
class TcpProxy:
    """Forwards a loopback port to `target`; `cut()` closes the port and every open connection,
    as a database host that went away would."""

    target: tuple[str, int]
    server: asyncio.Server | None = None
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in self.writers:
            writer.close()
        self.writers.clear()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@dataclass
class Outage:
    """A test database that works until `begin()`; then every query fails as in production."""

    backend: str
    proxy: TcpProxy | None = None
    path: Path | None = None

    async def begin(self) -> None:
        if self.proxy is not None:
            await self.proxy.cut()
        if self.path is not None:
            # An unreadable file (replaced by something else, a disk gone bad): the connection
            # is closed, as after a restart, so the next statement has to open the file again.
            await connections.get("default").close()
            self.path.write_bytes(b"this is not a database" * 200)


@contextlib.asynccontextmanager
async def outage_database(
    backend: str, tmp_path: Path, postgres_url: str | None
) -> AsyncIterator[tuple[TortoiseContext, Outage]]:
    if backend == "sqlite":
        path = tmp_path / "outage.sqlite3"
        async with database(f"sqlite://{path}") as ctx:
            yield ctx, Outage(backend, path=path)
        return
    assert postgres_url is not None
    parts = urlsplit(postgres_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    port = await proxy.start()
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    proxied = urlunsplit(parts._replace(netloc=netloc))
    try:
        async with database(proxied) as ctx:
            yield ctx, Outage(backend, proxy=proxy)
    finally:
        await proxy.cut()
