"""GET /healthz (liveness) and GET /readyz (readiness), for load balancers and orchestrators.

- /healthz: the process is up and its event loop answers. No dependency is touched, so a database
  outage never gets a healthy process restarted: `{"status": "ok"}`, always 200.
- /readyz: each registered check, run concurrently with a timeout: `{"status": "ok" |
  "unavailable", "checks": {"database": "ok", "broker": "ok", "bus": "unavailable", …}}`, 200 when
  every check passes, else 503 (take this process out of rotation). Only names and "ok" /
  "unavailable": the reasons (hosts, driver messages) go to the log, never to the caller.

Checks are a small registry: `register("name", async_fn)`, where the function raises when not
ready. The SMTP relay is reported beside them (`"relay": "up" | "down" | "unknown"`) but does not
make the process unready: while the relay is down the API still answers and emails wait
SCHEDULED (models/sending/relay.py), so taking every API process out of rotation would only turn
a paused send queue into a full outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise.connection import get_connection

from events import current_bus
from models.base.outage import summary
from models.sending import relay
from workers import broker_state

Check = Callable[[], Awaitable[object]]
CHECK_TIMEOUT_SECONDS = 2.0
NO_STORE = {"Cache-Control": "no-store"}

log = logging.getLogger(__name__)
_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> Check:
    """Add (or replace) a readiness check: an async function that raises when not ready."""
    _checks[name] = check
    return check


def checks() -> dict[str, Check]:
    return dict(_checks)


async def _database() -> None:
    await get_connection("default").execute_query("SELECT 1")


async def _bus() -> None:
    await current_bus().ping()


register("database", _database)
register("broker", broker_state.ping)
register("bus", _bus)


async def _run(name: str, check: Check) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except Exception as error:  # TimeoutError included: a check that hangs is not ready
        log.warning("readiness check %s failed: %s", name, summary(error))
        return False
    return True


async def readiness() -> dict[str, bool]:
    names = list(_checks)
    results = await asyncio.gather(*(_run(name, _checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


async def relay_state() -> str:
    """ "up" / "down" as every process sees the relay, "unknown" when that cannot be read."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            snapshot = await relay.current_state()
    except Exception as error:  # the database check reports the cause
        log.warning("relay state unreadable: %s", summary(error))
        return "unknown"
    return "down" if snapshot.down else "up"


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


async def readyz(_request: Request) -> JSONResponse:
    results = await readiness()
    ready = all(results.values())
    # Read after the checks, not beside them: on a database that just broke, this read must not
    # race the check that is there to report it.
    relay_now = await relay_state() if results.get("database") else "unknown"
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if passed else "unavailable" for name, passed in results.items()},
        "relay": relay_now,
    }
    return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)
