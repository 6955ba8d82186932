"""structlog configuration: called once, by the CLI."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any, Literal

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a line is written (a runner or a test may swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure_logging(
    level: str = "info", fmt: Literal["auto", "json", "console"] = "auto", *, stream: object = None
) -> None:
    """Configure structlog: JSON lines when not on a terminal, pretty console output otherwise.

    Logs go to stderr so that commands such as ``wirewatch tag`` keep stdout for data.
    """
    out: Any = stream if stream is not None else _CurrentStderr()
    use_json = fmt == "json" or (fmt == "auto" and not (hasattr(out, "isatty") and out.isatty()))
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=True,
    )
    # Libraries (aiokafka, amqtt, uvicorn) log through stdlib logging: keep them quiet but visible.
    logging.basicConfig(level=max(_LEVELS[level], logging.WARNING), stream=out)


@contextlib.contextmanager
def message_context(**values: object) -> Iterator[None]:
    """Bind ``values`` to the log context for one message; afterwards the context is as it was.

    Whatever the handler binds inside (story ids, alert keys) goes too, so nothing leaks from one
    message's log lines into the next one's.
    """
    before = structlog.contextvars.get_contextvars()
    structlog.contextvars.bind_contextvars(**values)
    try:
        yield
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**before)
