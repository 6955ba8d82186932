"""Errors of the ingest stage.

::

    wirewatch.errors.MessageError
    └── IngestError                    one input could not be ingested (goes to the DLQ)
        ├── ParseError                 the bytes could not be turned into a story (origin, reason)
        │   └── UnsupportedFormatError the format is unknown or not handled
        ├── InputTooLargeError         the input is larger than the limit (also a LimitExceededError)
        └── ChromeDataError            the chrome patterns data file is invalid (also a ConfigError)
"""

from __future__ import annotations

from wirewatch.errors import ConfigError, LimitExceededError, MessageError


class IngestError(MessageError):
    """One input could not be ingested; it goes to the dead-letter topic."""


class ParseError(IngestError):
    """The input could not be turned into at least one story."""

    def __init__(self, reason: str, *, origin: str, **context: object) -> None:
        super().__init__(reason, origin=origin, **context)
        self.reason = reason
        self.origin = origin


class UnsupportedFormatError(ParseError):
    """The input's format is unknown or not one we parse."""


class InputTooLargeError(IngestError, LimitExceededError):
    """The input is larger than the size limit."""

    def __init__(self, *, size: int, limit: int, origin: str | None = None) -> None:
        super().__init__(
            f"input of {size} bytes exceeds the limit of {limit} bytes", size=size, limit=limit, origin=origin
        )
        self.size = size
        self.limit = limit
        self.origin = origin


class ChromeDataError(IngestError, ConfigError):
    """The page-chrome data file is invalid."""
