"""Pure parsers: bytes in, Stories out (one module per format, one entry point: :func:`parse`)."""

from ingest.parsers.dispatch import FORMATS, detect_format, parse
from ingest.parsers.feed import FeedEntry, merge_fetched, needs_fetch, parse_feed
from ingest.parsers.html import extract_html
from ingest.parsers.newsml import parse_newsml
from ingest.parsers.text import parse_text

__all__ = [
    "FORMATS",
    "FeedEntry",
    "detect_format",
    "extract_html",
    "merge_fetched",
    "needs_fetch",
    "parse",
    "parse_feed",
    "parse_newsml",
    "parse_text",
]
