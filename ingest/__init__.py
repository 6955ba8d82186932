"""Ingestion: parse wire copy, pages, feeds and agency formats into normalized Stories.

The stage's pure pipeline is :func:`parse` (bytes in, Stories out, errors with reasons; the
parsers live in ``ingest.parsers``); its core is :class:`Ingestor` (``ingest.ingestor``: parse,
drop exact duplicates, hold embargoes, dead-letter bad input, emit to a :class:`StorySink`). The
async sources that fetch the bytes live in ``ingest.sources``; the service that wires them to the
bus in ``ingest.service``.
"""

from ingest.errors import (
    ChromeDataError,
    FetchError,
    FolderInUseError,
    IngestError,
    InputTooLargeError,
    ParseError,
    UndecodableError,
    UnsupportedFormatError,
)
from ingest.ingestor import Ingestor, IngestOutcome, ParseFn, RawInput
from ingest.normalize import canonical_url, content_hash, detect_language, story_id
from ingest.parsers import (
    FORMATS,
    FeedEntry,
    detect_format,
    extract_html,
    merge_fetched,
    needs_fetch,
    parse,
    parse_feed,
)
from ingest.sink import Clock, MemorySink, StorySink

__all__ = [
    "FORMATS",
    "ChromeDataError",
    "Clock",
    "FeedEntry",
    "FetchError",
    "FolderInUseError",
    "IngestError",
    "IngestOutcome",
    "Ingestor",
    "InputTooLargeError",
    "MemorySink",
    "ParseError",
    "ParseFn",
    "RawInput",
    "StorySink",
    "UndecodableError",
    "UnsupportedFormatError",
    "canonical_url",
    "content_hash",
    "detect_format",
    "detect_language",
    "extract_html",
    "merge_fetched",
    "needs_fetch",
    "parse",
    "parse_feed",
    "story_id",
]
