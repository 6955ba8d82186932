"""Ingestion: parse wire copy, pages, feeds and agency formats into normalized Stories.

Pure half (this package's parsers): bytes in, Stories out, errors with reasons. The async
sources that fetch the bytes live in ``ingest.sources``.
"""

from ingest.errors import ChromeDataError, IngestError, InputTooLargeError, ParseError, UnsupportedFormatError
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

__all__ = [
    "FORMATS",
    "ChromeDataError",
    "FeedEntry",
    "IngestError",
    "InputTooLargeError",
    "ParseError",
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
