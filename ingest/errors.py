"""Errors of the ingest stage (the whole tree is drawn in :mod:`wirewatch.errors`)."""

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


class UndecodableError(ParseError):
    """The input's bytes fit no text encoding with confidence (binary, corrupt, or a mix)."""


class InputTooLargeError(IngestError, LimitExceededError):
    """The input is larger than the size limit."""

    def __init__(self, *, size: int, limit: int, origin: str | None = None) -> None:
        super().__init__(
            f"input of {size} bytes exceeds the limit of {limit} bytes", size=size, limit=limit, origin=origin
        )
        self.size = size
        self.limit = limit
        self.origin = origin


class FetchError(IngestError):
    """A URL could not be fetched: network error, timeout, bad status or too many redirects."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message, url=url, status=status)
        self.url = url
        self.status = status


class ChromeDataError(IngestError, ConfigError):
    """The page-chrome data file is invalid."""


class FolderInUseError(ConfigError):
    """Another watcher already holds the drop folder (its lock file is locked)."""

    def __init__(self, message: str, *, path: str, holder: str | None = None) -> None:
        super().__init__(message, path=path, holder=holder)
        self.path = path
        self.holder = holder
