"""Logging for every process (`serve`, `worker`, `inbound`, the CLI), through structlog.

All records, ours and the libraries' (uvicorn, dramatiq, tortoise), go through the standard
`logging` root handler and one structlog formatter: readable console lines by default, or with
CC_LOG_FORMAT=json one JSON object per line (`timestamp`, `level`, `logger`, `event`, and the
fields of the record, e.g. `request_id`, `operation`, `duration_ms`). Values bound with
`structlog.contextvars` (the request id, for the whole request: graph/request_ids.py) are added
to every line logged while they are bound.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog


def _drop_color_message(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    # uvicorn repeats its message with terminal colour codes in this extra; the line has it once.
    event.pop("color_message", None)
    return event


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
    _drop_color_message,
]


def _upper_level(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    # Console lines say WARNING / ERROR as people (and greps) expect; JSON keeps structlog's
    # lowercase names.
    event["level"] = str(event.get("level", "")).upper()
    return event


def _renderers(fmt: str) -> list[Any]:
    if fmt == "json":
        return [structlog.processors.JSONRenderer()]
    return [_upper_level, structlog.dev.ConsoleRenderer(colors=False)]


def formatter(fmt: str) -> logging.Formatter:
    """The stdlib formatter that renders every record the structlog way."""
    tracebacks: Any = (
        structlog.processors.dict_tracebacks
        if fmt == "json"
        else structlog.processors.format_exc_info
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            tracebacks,
            *_renderers(fmt),
        ],
    )


def use_stdlib() -> None:
    """structlog loggers hand their events to stdlib `logging` (not structlog's default print),
    whoever set up the handlers: the CLI (`configure`), pytest's caplog, an embedding server."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure(level: str = "INFO", fmt: str = "console", stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging through one root handler (replacing earlier ones)."""
    use_stdlib()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Tortoise logs every statement at DEBUG and its set-up at INFO: keep it for DEBUG.
    logging.getLogger("tortoise").setLevel(max(logging.WARNING, root.level))
