"""Errors of the alerting stage (the whole tree is drawn in :mod:`wirewatch.errors`)."""

from __future__ import annotations

from wirewatch.errors import WirewatchError


class AlertError(WirewatchError):
    """Root of the alerting stage's errors."""


class QueryError(AlertError):
    """A subscription query is invalid: syntax, unknown field, too large, or not indexable.

    ``position`` is the 0-based character offset of the error in ``query``
    (``column`` is the same, 1-based); ``str(err)`` ends with the query and a caret line
    pointing at it.
    """

    def __init__(
        self,
        message: str,
        *,
        query: str,
        position: int = 0,
        subscription_id: str | None = None,
    ) -> None:
        position = max(0, min(position, len(query)))
        self.query = query
        self.position = position
        self.column = position + 1
        self.reason = message
        self.subscription_id = subscription_id
        self.pointer = caret_lines(query, position)
        super().__init__(
            f"{message} at column {position + 1}\n{self.pointer}",
            subscription_id=subscription_id,
        )


class AlertStateError(AlertError):
    """Bad input to the alert state: a naive ``now``, a bad time zone, a corrupt changelog record."""


class InvalidSinceError(AlertError, ValueError):
    """A backtest's ``since`` is neither a duration such as ``7d`` nor an ISO 8601 date."""


class SlowClientError(AlertError):
    """An SSE client's queue was full: it is dropped and must reconnect from its last id."""


class DeliveryError(AlertError):
    """A channel could not deliver an alert to a target after ``attempts`` attempts.

    ``retryable``: the target may take it later (unreachable, 5xx, no acknowledgement), so the
    delivery stage tries again with backoff up to the alert's maximum age; otherwise (4xx, no
    URL, no secret) trying again cannot help and the alert is dead-lettered at once.
    """

    def __init__(
        self,
        message: str,
        *,
        channel: str,
        target: str,
        attempts: int = 1,
        retryable: bool = False,
        **context: object,
    ) -> None:
        self.channel = channel
        self.target = target
        self.attempts = attempts
        self.retryable = retryable
        super().__init__(message, channel=channel, target=target, attempts=attempts, **context)


def caret_lines(query: str, position: int, *, width: int = 120) -> str:
    """Show the query (one line, clipped around ``position``) with a ``^`` under ``position``."""
    flat = query.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    start = max(0, position - width // 2)
    end = start + width
    shown = flat[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return f"  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + position - start)}^"
