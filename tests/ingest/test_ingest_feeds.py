"""RSS 2.0, RSS 1.0 and Atom feeds: one Story per entry, teasers flagged for fetching."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ingest import ParseError, extract_html, merge_fetched, needs_fetch, parse, parse_feed
from schemas import DateSource


class TestFeeds:
    def test_rss2(self, sample: Callable[[str], bytes], now: datetime) -> None:
        teaser, full = parse(sample("feed-rss2.xml"), origin="https://harbour-daily.example.com/rss", now=now)
        assert teaser.id == "hd-2024-0412"
        assert teaser.title == "Ferry timetable changes from Monday"
        assert teaser.url == "https://harbour-daily.example.com/news/ferry"
        assert teaser.byline == "Maria Example"
        assert teaser.published_at == datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
        assert teaser.published_at_source is DateSource.FEED
        assert teaser.source == "Harbour Daily - News"
        assert teaser.format == "rss"
        assert full.published_at == datetime(2024, 3, 4, 17, 30, tzinfo=UTC)
        assert full.standfirst == "After two years of works the market is open again."
        assert len(full.paragraphs) == 2

    def test_teasers_are_flagged(self, sample: Callable[[str], bytes], now: datetime) -> None:
        teaser, full = parse_feed(sample("feed-rss2.xml"), origin="rss", now=now, source="harbour")
        assert teaser.needs_fetch
        assert teaser.link == "https://harbour-daily.example.com/news/ferry?utm_source=rss&utm_medium=feed"
        assert not full.needs_fetch
        assert needs_fetch(teaser.story)
        assert teaser.story.source == "harbour"

    def test_merge_fetched_page(self, sample: Callable[[str], bytes], now: datetime) -> None:
        teaser = parse_feed(sample("feed-rss2.xml"), origin="rss", now=now)[0].story
        page = extract_html(sample("article-page.html"), url=teaser.url, now=now, source="harbour")
        merged = merge_fetched(teaser, page)
        assert merged.id == teaser.id
        assert merged.title == teaser.title
        assert merged.published_at == teaser.published_at
        assert merged.body == page.body
        assert merged.standfirst == "The council approved a new ferry timetable."
        assert merged.content_hash != teaser.content_hash
        assert not needs_fetch(merged)

    def test_rss1(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("feed-rss1.rdf"), origin="feed-rss1.rdf", now=now)
        assert story.title == "Alpine glacier lost a tenth of its volume in two years"
        assert story.id == "https://science.example.org/notes/glacier"
        assert story.published_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
        assert story.format == "rss"

    def test_atom(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("feed-atom.xml"), origin="feed-atom.xml", now=now)
        assert story.id == "urn:uuid:7d1c0d7e-0000-4000-8000-000000000002"
        assert story.byline == "Lucía Ejemplo"
        assert story.language == "es"
        assert story.published_at == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
        assert story.format == "atom"
        assert len(story.paragraphs) == 2
        assert story.standfirst == "Las bibliotecas municipales abrirán también los domingos."

    def test_future_entry_date_falls_back(self, sample: Callable[[str], bytes], now: datetime) -> None:
        data = sample("feed-atom.xml").replace(b"2024-03-02T09:00:00Z", b"2030-03-02T09:00:00Z")
        data = data.replace(b"2024-03-02T09:30:00Z", b"2030-03-02T09:30:00Z")
        (story,) = parse(data, origin="feed-atom.xml", now=now)
        assert story.published_at == now
        assert story.published_at_source is DateSource.INGEST

    def test_empty_feed_is_rejected(self, now: datetime) -> None:
        empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title></channel></rss>'
        with pytest.raises(ParseError, match="no entries"):
            parse(empty, origin="empty.rss", now=now)

    def test_feedparser_never_opens_a_path(self, now: datetime) -> None:
        # feedparser treats bytes naming a local file as that file; we must not.
        with pytest.raises(ParseError):
            parse_feed(b"/etc/hostname", origin="x.rss", now=now)
