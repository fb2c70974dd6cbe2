"""Real processes on loopback for the scale-out test (and `bench/scale.py`): `command-center serve`
and `command-center worker` on one PostgreSQL database, a private redis-server that may be
restarted mid-run, and a throw-away RabbitMQ vhost.

Nothing here touches the machine's shared services beyond creating and dropping its own database
and vhost: the Redis that gets restarted is ours, on a free port.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx2
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[2]
START_WITHIN = 60.0  # seconds a process may take to answer (the machine is shared and loaded)
STOP_WITHIN = 30.0

Ready = Callable[[], Awaitable[bool]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Child:
    """One command run as a child process; restartable with the same arguments (same port)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        logs: Path,
        ready: Ready | None = None,
        ready_line: str | None = None,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = logs / f"{name}.log"
        self.ready = ready or (self._logged(ready_line) if ready_line else None)
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def _logged(self, line: str) -> Ready:
        """Ready once this start has written `line` to the log (a process without a port)."""

        async def ready() -> bool:
            return self.log_path.read_text(errors="replace").count(line) >= self.starts

        return ready

    async def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        if self.ready is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_WITHIN
        while not await self.ready():
            if not self.running:
                raise AssertionError(f"{self.name} exited at start-up; see {self.log_path}")
            if loop.time() > deadline:
                raise AssertionError(f"{self.name} not ready in {START_WITHIN}s; {self.log_path}")
            await asyncio.sleep(0.1)

    async def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """Send `signum` and wait for the exit (SIGKILL after STOP_WITHIN); the exit status."""
        process = self.process
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        process.send_signal(signum)
        try:
            async with asyncio.timeout(STOP_WITHIN):
                return await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(
                f"{self.name} ignored signal {signum} for {STOP_WITHIN}s"
            ) from None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def command_center(*args: str) -> list[str]:
    return [sys.executable, "-m", "command_center.cli", *args]


def http_ready(base: str) -> Ready:
    async def ready() -> bool:
        try:
            async with httpx2.AsyncClient(timeout=2) as client:
                return (await client.get(f"{base}/healthz")).status_code == 200
        except httpx2.TransportError:
            return False

    return ready


def api_process(name: str, port: int, env: dict[str, str], logs: Path) -> Child:
    """`command-center serve` on `port` (no demo data: CC_DEMO=0 in `env`)."""
    argv = command_center("serve", "--host", "127.0.0.1", "--port", str(port))
    return Child(name, argv, env, logs, http_ready(f"http://127.0.0.1:{port}"))


def worker_process(name: str, env: dict[str, str], logs: Path) -> Child:
    """One `command-center worker` process (Dramatiq threads + dispatcher); ready once it logs
    that it consumes (its log level is INFO for that line, whatever CC_LOG_LEVEL says)."""
    argv = command_center("worker", "--processes", "1")
    return Child(name, argv, {**env, "CC_LOG_LEVEL": "INFO"}, logs, ready_line="worker consuming")


def redis_server(port: int, logs: Path) -> Child:
    """A private redis-server without persistence: a restart loses every key, like a crash."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError("redis-server is not installed")
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    url = f"redis://127.0.0.1:{port}/0"

    async def ready() -> bool:
        client = aioredis.Redis.from_url(url)
        try:
            return bool(await client.ping())
        except (OSError, aioredis.RedisError):
            return False
        finally:
            await client.aclose()

    return Child(f"redis-{port}", argv, {**os.environ}, logs, ready)


def _database_url(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def migrated_postgres(server_url: str, env: dict[str, str]) -> AsyncIterator[str]:
    """A throw-away database migrated by `command-center migrate` (as production is, so the API
    processes' own start-up migration finds nothing to do and they may start together)."""
    name = f"cc_scale_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = _database_url(server_url, name)
    try:
        migrate = await asyncio.create_subprocess_exec(
            *command_center("migrate"),
            env={**env, "CC_DATABASE_URL": url},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        assert await migrate.wait() == 0, "command-center migrate failed"
        yield url
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rabbitmqctl(*args: str) -> None:
    binary = shutil.which("rabbitmqctl")
    if binary is None:
        raise FileNotFoundError("rabbitmqctl")
    subprocess.run([binary, *args], check=True, capture_output=True, timeout=60)


@contextmanager
def rabbitmq_vhost(server_url: str) -> Iterator[str]:
    """A vhost of our own on the machine's RabbitMQ (the actors' queue names are fixed, so a
    parallel run on the same vhost would consume our messages); its amqp:// URL."""
    name = f"cc-scale-{uuid.uuid4().hex[:10]}"
    user = urlsplit(server_url).username or "guest"
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        _rabbitmqctl("delete_vhost", name)


async def stop_all(children: list[Child]) -> None:
    """Stop whatever still runs, in parallel; a stubborn child is killed (reported by `stop`)."""
    await asyncio.gather(*(child.stop() for child in children), return_exceptions=True)
