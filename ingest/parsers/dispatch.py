"""Format detection and the single entry point :func:`parse`.

The format comes from the media type, else the extension of ``origin`` (a path, URL or label
such as ``stdin``), else by sniffing the first bytes. ``parse`` never lets anything but an
:class:`~ingest.errors.IngestError` escape: every failure becomes a ParseError with a reason.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ingest.errors import IngestError, InputTooLargeError, ParseError, UnsupportedFormatError
from ingest.parsers.decode import decode_bytes
from ingest.parsers.feed import parse_feed
from ingest.parsers.html import extract_html
from ingest.parsers.jsonstory import parse_json
from ingest.parsers.newsml import parse_newsml
from ingest.parsers.ninjs import is_ninjs
from ingest.parsers.text import parse_text

if TYPE_CHECKING:
    from datetime import datetime

    from schemas import Story

__all__ = ["FORMATS", "detect_format", "parse"]

#: The formats :func:`detect_format` can return (also the values of ``Story.format``).
FORMATS = ("text", "html", "rss", "atom", "ninjs", "newsml", "json")

_MEDIA_TYPES = {
    "text/plain": "text",
    "text/markdown": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/ninjs+json": "ninjs",
    "application/vnd.iptc.ninjs+json": "ninjs",
    "application/vnd.iptc.g2.newsitem+xml": "newsml",
    "application/vnd.iptc.g2.packageitem+xml": "newsml",
    "application/vnd.iptc.g2.newsmessage+xml": "newsml",
    "application/json": "json",
    "application/x-ndjson": "json",
    "application/jsonl": "json",
    "application/json-seq": "json",
}
_GENERIC_MEDIA = {"application/xml", "text/xml", "application/octet-stream"}
_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rss": "rss",
    ".rdf": "rss",
    ".atom": "atom",
    ".ninjs": "ninjs",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".nml": "newsml",
    ".newsml": "newsml",
    ".g2": "newsml",
}
_XML_EXTENSIONS = {".xml"}
_JSON_KEY = re.compile(r'"([$A-Za-z_]+)"\s*:')
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|div|p|article|title|!--)[\s>]", re.IGNORECASE
)


def _sniff_xml(head: str) -> str | None:
    lowered = head.lower()
    g2_root = re.search(r"<(?:\w+:)?(?:newsitem|packageitem|newsmessage)[\s>]", lowered)
    if "iptc.org/std/nar/" in lowered or g2_root:
        return "newsml"
    if re.search(r"<rss[\s>]|<rdf:rdf[\s>]", lowered) or "purl.org/rss/1.0" in lowered:
        return "rss"
    if re.search(r"<feed[\s>]", lowered) and "www.w3.org/2005/atom" in lowered:
        return "atom"
    if _HTML_START.search(head[:1024]) or "<html" in lowered:
        return "html"
    return None


def _looks_ninjs(head: str) -> bool:
    """Whether the first JSON object looks like ninjs; the head may be cut, so fall back to its keys."""
    first = head.split("\n", 1)[0]
    for candidate in (head, first):
        try:
            obj = json.loads(candidate)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(obj, list):
            obj = obj[0] if obj else None
        return is_ninjs(obj)
    keys = set(_JSON_KEY.findall(head[:2048]))
    return is_ninjs(dict.fromkeys(keys))


_SNIFF_BYTES = 4096


def _head(data: bytes) -> bytes:
    """The first bytes to sniff, cut before a UTF-8 sequence rather than inside one.

    A sequence cut in two makes valid UTF-8 look like an unknown encoding, and the encoding
    detection that follows costs more than parsing the whole story.
    """
    end = min(len(data), _SNIFF_BYTES)
    stop = max(0, end - 3)  # a UTF-8 sequence has at most 3 continuation bytes
    while stop < end < len(data) and data[end] & 0xC0 == 0x80:
        end -= 1
    return data[:end]


def _sniff(data: bytes, *, ninjs: bool = True) -> str:
    """The format from the first bytes; ``ninjs=False``: JSON is "json", ninjs or not (cheaper)."""
    head, _ = decode_bytes(_head(data))
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        return "ninjs" if ninjs and _looks_ninjs(stripped) else "json"
    if stripped.startswith("<"):
        return _sniff_xml(stripped) or "xml"
    return "text"


def detect_format(data: bytes, origin: str, media_type: str | None = None) -> str:
    """One of :data:`FORMATS` from the media type, else ``origin``'s extension, else the bytes.

    Raises UnsupportedFormatError for XML that is none of the formats we read.
    """
    fmt = _coarse_format(data, origin, media_type)
    return "ninjs" if fmt == "json" and _sniff(data) == "ninjs" else fmt


def _coarse_format(data: bytes, origin: str, media_type: str | None) -> str:
    """:func:`detect_format` without telling ninjs from other JSON ("json" for both).

    :func:`parse` reads both with :func:`parse_json`, which tells ninjs items apart one by one,
    so it need not sniff (decode and try to load) the head of every JSON input first.
    """
    if media_type:
        base = media_type.split(";", 1)[0].strip().lower()
        if base in _MEDIA_TYPES:
            return _MEDIA_TYPES[base]
        if base.endswith("+json"):
            return "json"
    path = urlsplit(origin).path if "://" in origin else origin
    suffix = PurePosixPath(path.lower()).suffix
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    fmt = _sniff(data, ninjs=False)
    if fmt == "xml":
        if suffix in _XML_EXTENSIONS or (media_type or "").split(";")[0].strip().lower() in _GENERIC_MEDIA:
            raise UnsupportedFormatError("XML document is not RSS, Atom, NewsML-G2 or XHTML", origin=origin)
        raise UnsupportedFormatError("markup that is not RSS, Atom, NewsML-G2 or HTML", origin=origin)
    return fmt


def _parse_format(
    fmt: str,
    data: bytes,
    *,
    origin: str,
    now: datetime,
    source: str | None,
    media_type: str | None,
    url: str | None,
) -> list[Story]:
    name = source or origin
    if fmt in {"rss", "atom"}:
        entries = parse_feed(data, origin=origin, now=now, source=source, media_type=media_type)
        return [entry.story for entry in entries]
    if fmt == "newsml":
        return parse_newsml(data, origin=origin, now=now, source=name, url=url)
    if fmt == "html":
        return [extract_html(data, url=url, now=now, source=name, media_type=media_type)]
    text, _ = decode_bytes(data, media_type=media_type, strict=True, origin=origin)
    if fmt in {"json", "ninjs"}:
        return parse_json(text, origin=origin, now=now, source=name, url=url)
    if fmt == "text":
        if "\x00" in text:
            raise ParseError("binary data, not text (NUL bytes)", origin=origin)
        story = parse_text(text, now=now, source=name, url=url)
        if story is None:
            raise ParseError("no story text (empty or only page chrome)", origin=origin)
        return [story]
    raise UnsupportedFormatError(f"unsupported format {fmt!r}", origin=origin)


def parse(
    data: bytes,
    *,
    origin: str,
    now: datetime,
    source: str | None = None,
    media_type: str | None = None,
    url: str | None = None,
    max_bytes: int = 5_000_000,
) -> list[Story]:
    """Parse one input into one Story per item (a feed or a NewsML-G2 package may hold several).

    ``origin`` names the input (path, URL or label such as "stdin") for format detection and
    errors; ``source`` defaults to it (feeds: to the feed title). ``url`` is the article URL when
    known (an HTML page's own URL). Raises InputTooLargeError above ``max_bytes`` and ParseError
    (or UnsupportedFormatError) otherwise; never another exception type.
    """
    if len(data) > max_bytes:
        raise InputTooLargeError(size=len(data), limit=max_bytes, origin=origin)
    if url is None and origin.startswith(("http://", "https://")):
        url = origin
    if not data.strip():
        raise ParseError("empty input", origin=origin)
    try:
        fmt = _coarse_format(data, origin, media_type)
        return _parse_format(fmt, data, origin=origin, now=now, source=source, media_type=media_type, url=url)
    except IngestError:
        raise
    except Exception as exc:
        # Anything else (a library bug, a validation error on a strange field) is still this input's
        # fault as far as the pipeline is concerned: it goes to the DLQ with the reason.
        raise ParseError(f"cannot parse input: {type(exc).__name__}: {exc}", origin=origin) from exc
