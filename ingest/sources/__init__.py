"""Async sources of ingestion: feeds, web pages, a drop folder, stdin and an HTTP endpoint.

Each source fetches or receives bytes and hands them to one :class:`ingest.Ingestor` (the stage's
core, :mod:`ingest.ingestor`), which parses them, drops exact duplicates, holds embargoed stories
and writes to a :class:`ingest.StorySink` (the bus in production, :class:`ingest.MemorySink` in
tests). Bad input becomes a dead letter; sources carry on.
"""

from ingest.errors import FetchError
from ingest.sources._feeds import Backoff, FeedPoller, FeedState
from ingest.sources._folder import DropFolder, is_candidate_name
from ingest.sources._http import USER_AGENT, HttpLimits, Response, bounded_get, make_http_client
from ingest.sources._http_app import create_ingest_app
from ingest.sources._stdin import LineReader, StdinSource, open_stdin_reader
from ingest.sources._web import WebPageFetcher

__all__ = [
    "USER_AGENT",
    "Backoff",
    "DropFolder",
    "FeedPoller",
    "FeedState",
    "FetchError",
    "HttpLimits",
    "LineReader",
    "Response",
    "StdinSource",
    "WebPageFetcher",
    "bounded_get",
    "create_ingest_app",
    "is_candidate_name",
    "make_http_client",
    "open_stdin_reader",
]
