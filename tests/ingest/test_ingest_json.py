"""Plain JSON stories: one object, a list or JSON lines (stdin, drop folder, HTTP endpoint)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest import ParseError, parse
from schemas import DateSource, PubStatus

BODY = "BRUSSELS (AP) — Ministers agreed on Thursday to extend the fishing quota talks by two weeks."


class TestJsonStories:
    def test_single_object(self, now: datetime) -> None:
        obj = {
            "title": "Fishing quota talks extended",
            "body": BODY,
            "url": "https://News.Example.com/fish?utm_campaign=x&id=7#c",
            "source": "example-news",
            "published_at": "2024-04-18T08:00:00+02:00",
        }
        (story,) = parse(json.dumps(obj).encode(), origin="stdin", now=now, source="stdin")
        assert story.id == "https://news.example.com/fish?id=7"
        assert story.url == story.id
        assert story.source == "example-news"
        assert story.dateline == "BRUSSELS"
        assert story.body.startswith("Ministers agreed")
        assert story.published_at == datetime(2024, 4, 18, 6, 0, tzinfo=UTC)
        assert story.published_at_source is DateSource.METADATA
        assert story.format == "json"

    def test_json_lines_and_lists(self, now: datetime) -> None:
        lines = "\n".join(
            json.dumps({"title": f"Story {i}", "body": f"Body number {i} of the batch."}) for i in range(3)
        )
        assert len(parse(lines.encode(), origin="batch.jsonl", now=now)) == 3
        as_list = json.dumps([{"title": "A", "body": "First body text."}, {"title": "B", "body": "Second."}])
        assert [s.title for s in parse(as_list.encode(), origin="stdin", now=now)] == ["A", "B"]

    def test_optional_fields(self, now: datetime) -> None:
        obj = {
            "id": "agency-42",
            "title": "Recall notice",
            "body": "The product is recalled.",
            "version": 3,
            "pubstatus": "withheld",
            "urgency": 1,
            "language": "en",
            "byline": "Desk",
        }
        (story,) = parse(json.dumps(obj).encode(), origin="stdin", now=now)
        assert (story.id, story.version, story.pubstatus, story.urgency, story.byline) == (
            "agency-42",
            3,
            PubStatus.WITHHELD,
            1,
            "Desk",
        )

    def test_body_chrome_is_cleaned(self, now: datetime) -> None:
        body = (
            "Buy now\n\nThe library will open on Sundays from next month, the council said.\n\nStay Connected"
        )
        (story,) = parse(
            json.dumps({"title": "Library hours", "body": body}).encode(), origin="stdin", now=now
        )
        assert story.body == "The library will open on Sundays from next month, the council said."

    def test_html_field_goes_through_trafilatura(self, now: datetime) -> None:
        para = "The harbour authority confirmed on Monday that the new quay will open in June after delays."
        page = f"<html><head><title>Quay opens in June</title></head><body><article><p>{para}</p><p>{para}</p></article></body></html>"
        (story,) = parse(
            json.dumps({"html": page, "url": "https://x.example/q"}).encode(), origin="stdin", now=now
        )
        assert story.format == "html"
        assert para in story.body

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (b'{"title": ', "invalid JSON"),
            (b"[1, 2]", "not an object"),
            (b'{"url": "https://x.example/"}', "neither title nor body"),
            (b'{"a": 1}\n{"b": ', "invalid JSON on line 2"),
            (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        ],
    )
    def test_rejections(self, now: datetime, data: bytes, reason: str) -> None:
        with pytest.raises(ParseError, match=reason):
            parse(data, origin="stdin.json", now=now)
