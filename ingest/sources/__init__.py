"""Async sources of ingestion: feeds, web pages, a drop folder, stdin and an HTTP endpoint.

Each source fetches or receives bytes and hands them to one :class:`Ingestor`, which parses them,
drops exact duplicates, holds embargoed stories and writes to a :class:`StorySink` (the bus in
production, :class:`MemorySink` in tests). Bad input becomes a dead letter; sources carry on.
"""

from ingest.sources._feeds import Backoff, FeedPoller, FeedState
from ingest.sources._folder import DropFolder, is_candidate_name
from ingest.sources._http import USER_AGENT, FetchError, HttpLimits, Response, bounded_get, make_http_client
from ingest.sources._http_app import create_ingest_app
from ingest.sources._ingestor import Ingestor, IngestOutcome, ParseFn
from ingest.sources._sink import Clock, MemorySink, StorySink
from ingest.sources._stdin import LineReader, StdinSource, open_stdin_reader
from ingest.sources._web import WebPageFetcher

__all__ = [
    "USER_AGENT",
    "Backoff",
    "Clock",
    "DropFolder",
    "FeedPoller",
    "FeedState",
    "FetchError",
    "HttpLimits",
    "IngestOutcome",
    "Ingestor",
    "LineReader",
    "MemorySink",
    "ParseFn",
    "Response",
    "StdinSource",
    "StorySink",
    "WebPageFetcher",
    "bounded_get",
    "create_ingest_app",
    "is_candidate_name",
    "make_http_client",
    "open_stdin_reader",
]
