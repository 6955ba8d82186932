"""Wirewatch's exception hierarchy.

Every error Wirewatch raises derives from :class:`WirewatchError`; each stage
adds its own subtree in its package::

    WirewatchError
    ├── ConfigError              settings or a data file are invalid
    ├── BusError                 the message bus failed (infrastructure: stops a service)
    │   └── BusClosedError
    ├── MessageError             one message is bad (goes to the DLQ; the service carries on)
    │   └── LimitExceededError   a size, rate or time limit was hit
    ├── ingest.IngestError       (ingest/errors.py)
    ├── processors.ProcessError  (processors/errors.py)
    └── alerts.AlertError        (alerts/errors.py)

Errors carry context (story id, topic, partition, offset) as attributes and in
their message, and are raised ``from`` the error that caused them.
"""

from __future__ import annotations


class WirewatchError(Exception):
    """Root of every error Wirewatch raises."""

    def __init__(self, message: str, **context: object) -> None:
        self.context = {k: v for k, v in context.items() if v is not None}
        suffix = " ".join(f"{k}={v}" for k, v in self.context.items())
        super().__init__(f"{message} ({suffix})" if suffix else message)
        self.message = message


class ConfigError(WirewatchError):
    """Settings, a subscription file or a data file are invalid."""


class BusError(WirewatchError):
    """The message bus failed; infrastructure errors stop the service."""


class BusClosedError(BusError):
    """The bus, producer or consumer was used after it was closed."""


class MessageError(WirewatchError):
    """One message could not be handled; it goes to the dead-letter topic."""


class LimitExceededError(MessageError):
    """A size, rate or time limit was exceeded."""
