"""Wirewatch's exception hierarchy, drawn whole here (a test keeps the drawing complete).

Every error Wirewatch raises derives from :class:`WirewatchError`. The classes of a stage live in
its package's ``errors`` module; the tree is one::

    WirewatchError
    ├── ConfigError                      settings or a data file are invalid
    │   ├── ingest.ChromeDataError       the chrome patterns data file is invalid (also an IngestError)
    │   └── ingest.FolderInUseError      another watcher already holds the drop folder (its lock)
    ├── BusError                         the message bus failed (infrastructure: stops a service)
    │   └── BusClosedError               used after it was closed
    ├── StateError                       stage state not held here, or a changelog record is corrupt
    ├── MessageError                     one message is bad (to the DLQ; the service carries on)
    │   ├── LimitExceededError           a size, rate or time limit was hit
    │   ├── ingest.IngestError           one input could not be ingested
    │   │   ├── ParseError               the bytes are not a story (origin, reason)
    │   │   │   ├── UnsupportedFormatError
    │   │   │   └── UndecodableError     the bytes fit no text encoding with confidence
    │   │   ├── InputTooLargeError       over the size limit (also a LimitExceededError)
    │   │   ├── FetchError               a URL could not be fetched (network, status, redirects)
    │   │   └── ChromeDataError          (see ConfigError)
    │   └── processors.SignatureError    a replicated cluster signature is unreadable (also a ProcessError)
    ├── processors.ProcessError          tagging or enrichment failed
    │   ├── KnowledgeBaseError           a knowledge-base data file is missing or invalid
    │   └── SignatureError               (see MessageError)
    └── alerts.AlertError                matching, alert state or delivery failed
        ├── QueryError                   a subscription's query is invalid (caret at the error)
        ├── AlertStateError              a naive time, a bad time zone, a corrupt state record
        ├── InvalidSinceError            a backtest's ``since`` is unreadable (also a ValueError)
        ├── SlowClientError              an SSE client fell behind and is dropped
        ├── DeliveryError                a channel gave up on an alert after its retries
        └── (internal to the channels, never raised out of them: the webhook's
            _RetryableStatusError and _RejectedError, Apprise's _NotifyFailedError)

Errors carry context (story id, topic, partition, offset) as attributes and in
their message, and are raised ``from`` the error that caused them. The stage loop
(:mod:`wirewatch.runner`) decides by this tree: a ``BusError`` stops a service, any
other error of one message sends that message to the dead-letter topic.
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


class StateError(WirewatchError):
    """Stage state is missing (a partition not held here) or a changelog record is corrupt."""


class MessageError(WirewatchError):
    """One message could not be handled; it goes to the dead-letter topic."""


class LimitExceededError(MessageError):
    """A size, rate or time limit was exceeded."""
