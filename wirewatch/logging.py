"""structlog configuration: called once, by the CLI."""

from __future__ import annotations

import contextvars
import logging
import sys
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

import structlog
from structlog.contextvars import STRUCTLOG_KEY_PREFIX as _STRUCTLOG_PREFIX

if TYPE_CHECKING:
    from structlog.typing import EventDict

    from wirewatch.bus.base import Record

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
            merge_message_context,
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


#: The message a stage loop is handling, as ``(stage, record)``: one ContextVar set per message,
#: turned into log fields only when a line is written (most messages log nothing).
_MESSAGE: ContextVar[tuple[str, Record] | None] = ContextVar("wirewatch_message", default=None)


def merge_message_context(_logger: object, _method: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: the fields of the message handled (stage, topic, partition, offset, key).

    What the handler bound itself (structlog contextvars) and the call's own fields win.
    """
    current = _MESSAGE.get()
    if current is not None:
        stage, record = current
        event_dict.setdefault("stage", stage)
        event_dict.setdefault("topic", record.topic)
        event_dict.setdefault("partition", record.partition)
        event_dict.setdefault("offset", record.offset)
        event_dict.setdefault("key", record.key.decode(errors="replace") if record.key else None)
    return event_dict


class message_context:  # noqa: N801 - used as a function: ``with message_context(stage, record):``
    """Log lines written while one message is handled carry its fields; afterwards the context is as it was.

    Whatever the handler binds inside (structlog contextvars: story ids, alert keys) is undone too,
    so nothing leaks from one message's log lines into the next one's. Costs one ContextVar set and
    a walk over the (few) context variables per message, not a bind and clear of five fields.
    """

    __slots__ = ("_before", "_token", "_value")

    def __init__(self, stage: str, record: Record) -> None:
        self._value = (stage, record)

    def __enter__(self) -> None:
        self._token = _MESSAGE.set(self._value)
        self._before = contextvars.copy_context()

    def __exit__(self, *exc: object) -> None:
        before = self._before
        after = contextvars.copy_context()
        for var in after:
            if var.name.startswith(_STRUCTLOG_PREFIX):
                old = before.get(var, Ellipsis)  # Ellipsis: structlog's "not bound"
                if after[var] is not old:
                    var.set(old)
        _MESSAGE.reset(self._token)
