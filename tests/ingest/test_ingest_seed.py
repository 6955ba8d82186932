"""The canonical input: a real scraped article wrapped in page chrome."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from ingest import parse
from schemas import DateSource

if TYPE_CHECKING:
    from datetime import datetime

    from schemas import Story

CHROME = (
    "8.3 C",
    "New York",
    "Thursday, April 18, 2024",
    "Buy now",
    "Related Articles",
    "Please enter your comment!",
    "Please enter your name here",
    "Stay Connected",
    "Advertisement",
    "spot_img",
    "Latest Articles",
)


@pytest.fixture
def story(seed_bytes: bytes, now: datetime) -> Story:
    (parsed,) = parse(seed_bytes, origin="nato-russia-border-scraped.txt", now=now)
    return parsed


class TestSeedStory:
    def test_title_and_standfirst(self, story: Story) -> None:
        assert story.title == "NATO insists that Russia has not withdrawn troops from the border with Ukraine"
        assert story.standfirst == (
            "He criticizes that Moscow still does not send its response in writing to start the diplomatic channel"
        )

    def test_body_keeps_every_article_sentence(self, story: Story, seed_bytes: bytes) -> None:
        lines = [line.strip() for line in seed_bytes.decode("utf-8").splitlines() if line.strip()]
        article = lines[lines.index(story.standfirst or "") + 1 : lines.index("Related Articles")]
        assert len(article) == 9
        assert story.paragraphs == article

    @pytest.mark.parametrize("chrome", CHROME)
    def test_body_has_no_chrome(self, story: Story, chrome: str) -> None:
        assert chrome not in story.body
        assert chrome not in story.title
        assert chrome not in (story.standfirst or "")

    def test_widget_date_is_not_the_publication_date(self, story: Story, now: datetime) -> None:
        assert story.published_at == now
        assert story.published_at_source is DateSource.INGEST

    def test_metadata(self, story: Story, now: datetime) -> None:
        assert story.language == "en"
        assert story.format == "text"
        assert story.id.startswith("sha256:")
        assert story.ingested_at == now
        assert story.source == "nato-russia-border-scraped.txt"
        assert story.dateline is None


class TestSeedThroughOtherInputs:
    def test_json_body_without_title(self, seed_bytes: bytes, now: datetime) -> None:
        data = json.dumps({"body": seed_bytes.decode("utf-8"), "source": "scraper"}).encode()
        (story,) = parse(data, origin="stdin", now=now)
        assert story.title == "NATO insists that Russia has not withdrawn troops from the border with Ukraine"
        assert story.standfirst is not None
        assert story.standfirst.startswith("He criticizes that Moscow")
        assert len(story.paragraphs) == 9
        assert story.published_at_source is DateSource.INGEST
        assert story.source == "scraper"

    def test_json_body_with_title_keeps_first_paragraph(self, seed_bytes: bytes, now: datetime) -> None:
        body = seed_bytes.decode("utf-8").split("He criticizes", 1)[1]
        data = json.dumps({"title": "NATO: no withdrawal", "body": "He criticizes" + body}).encode()
        (story,) = parse(data, origin="stdin", now=now)
        assert story.title == "NATO: no withdrawal"
        assert story.paragraphs[0].startswith("He criticizes that Moscow")
        assert "Related Articles" not in story.body
