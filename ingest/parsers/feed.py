"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds via feedparser: one Story per entry.

Many feeds carry only a teaser. :func:`parse_feed` returns :class:`FeedEntry` objects whose
``needs_fetch`` says so: the source should fetch ``entry.link``, run
:func:`ingest.extract_html` on the page and combine both with :func:`merge_fetched` (the feed's
id, title and date win; the page gives the body). :func:`ingest.parse` returns the teaser
stories as they are (body = summary).
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import feedparser

from ingest.errors import ParseError
from ingest.normalize import content_hash, make_story
from ingest.parsers.markup import fragment_paragraphs
from schemas import DateSource

if TYPE_CHECKING:
    from schemas import Story

__all__ = ["FeedEntry", "merge_fetched", "needs_fetch", "parse_feed"]

# An entry whose text is shorter than this and has no separate full content is a teaser.
_TEASER_MAX_CHARS = 600


@dataclass(frozen=True)
class FeedEntry:
    """A feed entry as a Story, plus whether its linked page should be fetched for the full text."""

    story: Story
    link: str | None
    needs_fetch: bool


def _struct_time(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry(entry: Any, *, fmt: str, feed: Any, now: datetime, source: str) -> FeedEntry | None:
    title = entry.get("title")
    summary = entry.get("summary") or ""
    contents = [c.get("value", "") for c in entry.get("content") or [] if c.get("value")]
    content = max(contents, key=len) if contents else ""
    summary_paras = fragment_paragraphs(summary) if summary else []
    content_paras = fragment_paragraphs(content) if content else []
    # feedparser copies the summary into content for some feeds; only distinct, longer text counts.
    full = bool(content_paras) and len(" ".join(content_paras)) > len(" ".join(summary_paras))
    body = content_paras if full else summary_paras
    if not body and not title:
        return None
    standfirst = " ".join(summary_paras) if full and summary_paras else None
    link = entry.get("link")
    # dict.get, not entry.get: FeedParserDict maps a missing "updated" to "published" with a
    # DeprecationWarning; we want exactly what the entry carries.
    dates = [
        (_struct_time(dict.get(entry, "published_parsed")), DateSource.FEED),
        (_struct_time(dict.get(entry, "updated_parsed")), DateSource.FEED),
    ]
    language = None
    detail = entry.get("title_detail") or {}
    if isinstance(detail, dict):
        language = detail.get("language")
    story = make_story(
        title=title,
        standfirst=standfirst,
        body_paragraphs=body or [title or ""],
        guid=entry.get("id") or None,
        url=link,
        byline=entry.get("author"),
        language=language or feed.get("language"),
        dates=dates,
        now=now,
        source=source,
        fmt=fmt,
    )
    teaser = not full and len(" ".join(body)) < _TEASER_MAX_CHARS
    return FeedEntry(story=story, link=link, needs_fetch=teaser and bool(link))


def parse_feed(
    data: bytes, *, origin: str, now: datetime, source: str | None = None, media_type: str | None = None
) -> list[FeedEntry]:
    """Every entry of an RSS/Atom feed; ParseError when it is not a feed or has no usable entry."""
    headers = {"content-type": media_type} if media_type else None
    # A BytesIO, never bytes or str: feedparser opens a str/bytes that names a local file or URL.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    version = str(parsed.get("version") or "")
    if not version:
        reason = str(parsed.get("bozo_exception") or "not an RSS or Atom feed")
        raise ParseError(f"not a feed: {reason}", origin=origin)
    fmt = "atom" if version.startswith("atom") else "rss"
    feed = parsed.get("feed") or {}
    name = source or str(feed.get("title") or "").strip() or origin
    entries = [
        e
        for raw in parsed.get("entries") or []
        if (e := _entry(raw, fmt=fmt, feed=feed, now=now, source=name)) is not None
    ]
    if not entries:
        raise ParseError("feed has no entries with a title or text", origin=origin)
    return entries


def needs_fetch(story: Story) -> bool:
    """Heuristic for callers holding only a Story: a feed story with a link whose body is a teaser.

    Prefer ``FeedEntry.needs_fetch`` from :func:`parse_feed`, which also knows whether the feed
    carried full content.
    """
    return story.format in {"rss", "atom"} and story.url is not None and len(story.body) < _TEASER_MAX_CHARS


def merge_fetched(feed_story: Story, page: Story) -> Story:
    """The feed story with the fetched page's body, byline and language; the feed's id, title, date stay."""
    body = page.body
    return feed_story.model_copy(
        update={
            "body": body,
            "standfirst": feed_story.standfirst or (feed_story.body if feed_story.body != body else None),
            "byline": feed_story.byline or page.byline,
            "language": page.language or feed_story.language,
            "content_hash": content_hash(feed_story.title, body),
        }
    )
