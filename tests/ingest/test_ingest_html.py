"""HTML pages: trafilatura plus our chrome cleaning; comments never in the body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ingest import ParseError, extract_html, parse
from ingest.parsers.html import _clean_byline
from schemas import DateSource, Story

PAGE_URL = "https://harbour-daily.example.com/news/port-strike?utm_source=rss#top"


@pytest.fixture
def story(sample: Callable[[str], bytes], now: datetime) -> Story:
    return extract_html(sample("article-page.html"), url=PAGE_URL, now=now, source="harbour-daily")


class TestExtractHtml:
    def test_metadata(self, story: Story) -> None:
        assert story.title == "Port workers strike over automation plans"
        assert story.byline == "Maria Example"
        assert story.published_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
        assert story.published_at_source is DateSource.METADATA
        assert story.url == "https://harbour-daily.example.com/news/port-strike"
        assert story.id == story.url
        assert story.language == "en"
        assert story.format == "html"
        assert story.source == "harbour-daily"

    def test_article_paragraphs_kept(self, story: Story) -> None:
        assert len(story.paragraphs) == 5
        assert story.paragraphs[0].startswith("Hundreds of dock workers walked off the job")
        assert story.paragraphs[-1].endswith("outside the harbour on Tuesday evening.")

    @pytest.mark.parametrize(
        "chrome",
        [
            "8.3 C",
            "New York",
            "Thursday, April 18, 2024",
            "Buy now",
            "Advertisement",
            "Related Articles",
            "Council approves new ferry timetable",
            "Please enter your comment!",
            "Stay Connected",
            "Latest Articles",
            "Harbourfan77",
            "long overdue",
            "better to negotiate now",
            "© 2024",
        ],
    )
    def test_no_chrome_or_comments(self, story: Story, chrome: str) -> None:
        assert chrome not in story.body
        assert chrome not in story.title

    def test_widget_date_ignored_without_metadata(
        self, sample: Callable[[str], bytes], now: datetime
    ) -> None:
        html = sample("article-page.html")
        html = html.replace(
            b'<meta property="article:published_time" content="2024-03-05T08:30:00+00:00">', b""
        )
        html = html.replace(b"Thursday, April 18, 2024", b"Monday, April 15, 2024")
        story = extract_html(html, url=None, now=now, source="harbour-daily")
        assert story.published_at == now
        assert story.published_at_source is DateSource.INGEST

    def test_future_date_falls_back_to_ingest(self, sample: Callable[[str], bytes], now: datetime) -> None:
        html = sample("article-page.html").replace(b"2024-03-05T08:30:00+00:00", b"2031-01-01T08:30:00+00:00")
        story = extract_html(html, url=None, now=now, source="harbour-daily")
        assert story.published_at == now
        assert story.published_at_source is DateSource.INGEST

    def test_parse_detects_html_and_uses_origin_url(
        self, sample: Callable[[str], bytes], now: datetime
    ) -> None:
        (story,) = parse(sample("article-page.html"), origin=PAGE_URL, now=now)
        assert story.format == "html"
        assert story.url == "https://harbour-daily.example.com/news/port-strike"

    def test_page_without_article_is_rejected(self, now: datetime) -> None:
        with pytest.raises(ParseError, match="no article text"):
            extract_html(b"<html><body><nav>Home</nav></body></html>", url=None, now=now, source="x")

    def test_meta_charset_latin1(self, now: datetime) -> None:
        body = "Le maire a annoncé mercredi la fermeture de la piscine municipale pour des travaux de rénovation."
        html = (
            '<html><head><meta charset="iso-8859-1"><title>Piscine fermée pour travaux</title></head>'
            f"<body><article><h1>Piscine fermée pour travaux</h1><p>{body}</p><p>{body}</p></article></body></html>"
        ).encode("latin-1")
        story = extract_html(html, url=None, now=now, source="x")
        assert "annoncé" in story.body
        assert story.title == "Piscine fermée pour travaux"


class TestHtmlDates:
    PARA = "The harbour authority confirmed on Monday that the new quay will open in June after long delays."

    def page(self, article_date: str) -> bytes:
        return (
            "<html><head><title>Quay opens in June</title></head><body>"
            '<header><div class="today">Thursday, April 18, 2024</div></header>'
            f"<article><h1>Quay opens in June</h1>{article_date}<p>{self.PARA}</p><p>{self.PARA}</p></article>"
            "</body></html>"
        ).encode()

    @pytest.mark.parametrize(
        "now", [datetime(2024, 4, 18, 12, tzinfo=UTC), datetime(2026, 4, 18, 12, tzinfo=UTC)]
    )
    def test_article_date_line_beats_the_widget(self, now: datetime) -> None:
        story = extract_html(self.page('<p class="date">12 March 2024</p>'), url=None, now=now, source="x")
        assert story.published_at == datetime(2024, 3, 12, tzinfo=UTC)

    @pytest.mark.parametrize(
        "now", [datetime(2024, 4, 18, 12, tzinfo=UTC), datetime(2026, 4, 18, 12, tzinfo=UTC)]
    )
    def test_widget_alone_is_never_the_date(self, now: datetime) -> None:
        story = extract_html(self.page(""), url=None, now=now, source="x")
        assert story.published_at == now
        assert story.published_at_source is DateSource.INGEST


class TestHtmlTitles:
    PARA = "Volunteers planted four hundred trees along the river bank on Saturday, the city said in a statement."

    @pytest.mark.parametrize(
        ("head_title", "h1", "expected"),
        [
            (
                "River bank gets new trees | Riverside Times",
                "River bank gets new trees",
                "River bank gets new trees",
            ),
            ("News | River bank gets new trees", "River bank gets new trees", "River bank gets new trees"),
            ("Trees – planting day - Riverside", "Trees – planting day", "Trees – planting day"),
            (
                "River bank gets new trees - riversidetimes",
                "riversidetimes.example",
                "River bank gets new trees",
            ),
            ("River bank gets new trees", "", "River bank gets new trees"),
        ],
    )
    def test_headline_not_site_name(self, now: datetime, head_title: str, h1: str, expected: str) -> None:
        heading = f"<h1>{h1}</h1>" if h1 else ""
        page = (
            f"<html><head><title>{head_title}</title></head><body>{heading}"
            f"<article><p>{self.PARA}</p><p>{self.PARA}</p></article></body></html>"
        )
        story = extract_html(
            page.encode(), url="https://www.riversidetimes.example/trees", now=now, source="x"
        )
        assert story.title == expected


class TestBylineCleaning:
    @pytest.mark.parametrize(
        ("author", "sitename", "expected"),
        [
            ("View all posts by Daniel Example", None, "Daniel Example"),
            (
                "Example Zeitung GmbH; Jana Example; Marc Example",
                "Example Zeitung",
                "Jana Example; Marc Example",
            ),
            ("Harbour Daily", "Harbour Daily", None),
            ("Autor: Max Muster", None, "Max Muster"),
            ("Byron Smith", None, "Byron Smith"),
            (None, None, None),
        ],
    )
    def test_table(self, author: str | None, sitename: str | None, expected: str | None) -> None:
        assert _clean_byline(author, sitename) == expected
