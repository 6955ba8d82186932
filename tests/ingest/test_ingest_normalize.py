"""Normalization: ids, hashes, URLs, dates, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest import canonical_url, content_hash, detect_language, story_id
from ingest.normalize import make_story, normalize_language, resolve_published
from schemas import DateSource

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


class TestCanonicalUrl:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("https://Example.COM/a/b?utm_source=x&utm_medium=y&id=3#frag", "https://example.com/a/b?id=3"),
            ("HTTP://example.com:80/x", "http://example.com/x"),
            ("https://example.com:8443/x?fbclid=abc", "https://example.com:8443/x"),
            ("https://example.com", "https://example.com/"),
            ("ftp://example.com/file", None),
            ("not a url", None),
            ("", None),
            (None, None),
        ],
    )
    def test_table(self, url: str | None, expected: str | None) -> None:
        assert canonical_url(url) == expected


class TestIdsAndHashes:
    def test_hash_ignores_case_space_and_compatibility_forms(self) -> None:
        assert content_hash("NATO  Summit", "Leaders\n\nmet.") == content_hash("nato summit", "leaders met.")
        assert content_hash("ﬁnal", "x") == content_hash("final", "x")  # NFKC ligature
        assert content_hash("A", "b") != content_hash("A", "c")

    @pytest.mark.parametrize(
        ("guid", "url", "expected"),
        [
            ("urn:agency:1", "https://x.example/a", "urn:agency:1"),
            ("  ", "https://X.example/a?utm_source=z", "https://x.example/a"),
            (None, None, "sha256:" + "ab" * 16),
        ],
    )
    def test_id_precedence(self, guid: str | None, url: str | None, expected: str) -> None:
        assert story_id(guid=guid, url=url, content_hash_hex="ab" * 32) == expected


class TestDates:
    def test_first_trustworthy_candidate_wins(self) -> None:
        past = NOW - timedelta(hours=2)
        assert resolve_published([(None, DateSource.METADATA), (past, DateSource.FEED)], now=NOW) == (
            past,
            DateSource.FEED,
        )

    def test_future_is_skipped(self) -> None:
        future = NOW + timedelta(days=1)
        assert resolve_published([(future, DateSource.METADATA)], now=NOW) == (NOW, DateSource.INGEST)

    def test_small_clock_skew_is_tolerated(self) -> None:
        skewed = NOW + timedelta(minutes=2)
        assert resolve_published([(skewed, DateSource.METADATA)], now=NOW) == (skewed, DateSource.METADATA)

    def test_naive_means_utc(self) -> None:
        naive = datetime(2024, 1, 1, 10, 0)  # noqa: DTZ001 - the point of the test
        assert resolve_published([(naive, DateSource.TEXT)], now=NOW)[0] == datetime(
            2024, 1, 1, 10, 0, tzinfo=UTC
        )


class TestLanguage:
    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("The government announced new measures to support farmers affected by the drought.", "en"),
            (
                "El Gobierno anunció nuevas medidas para apoyar a los agricultores afectados por la sequía.",
                "es",
            ),
            ("Le gouvernement a annoncé de nouvelles mesures pour soutenir les agriculteurs.", "fr"),
            ("Die Regierung kündigte neue Maßnahmen zur Unterstützung der Landwirte an.", "de"),
            ("Правительство объявило о новых мерах поддержки фермеров, пострадавших от засухи.", "ru"),
            ("Уряд оголосив про нові заходи підтримки фермерів, які постраждали від посухи.", "uk"),
        ],
    )
    def test_detect(self, text: str, code: str) -> None:
        assert detect_language(text) == code

    def test_too_short_is_unknown(self) -> None:
        assert detect_language("OK 123") is None

    @pytest.mark.parametrize(
        ("tag", "code"),
        [("en-GB", "en"), ("DE", "de"), ("fra", "fr"), ("pt_BR", "pt"), ("", None), ("x", None)],
    )
    def test_declared_tags(self, tag: str, code: str | None) -> None:
        assert normalize_language(tag) == code


class TestMakeStory:
    def test_title_falls_back_to_first_sentence(self) -> None:
        story = make_story(
            title=None,
            body_paragraphs=["The river rose above its banks overnight. Roads were closed.", "More text."],
            now=NOW,
            source="s",
            fmt="text",
        )
        assert story.title == "The river rose above its banks overnight."
        assert story.body == "The river rose above its banks overnight. Roads were closed.\n\nMore text."

    def test_paragraph_whitespace_is_normalized(self) -> None:
        story = make_story(
            title="T", body_paragraphs=["  a\u00a0 b  ", "", "c\n\n\nd"], now=NOW, source="s", fmt="text"
        )
        assert story.body == "a b\n\nc\n\nd"
