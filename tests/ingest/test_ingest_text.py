"""Plain-text wire copy and scraped text in several languages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ingest import ParseError, parse
from ingest.parsers.text import find_dateline
from schemas import DateSource


class TestWireCopy:
    def test_reuters_dateline_is_stripped_and_dated(
        self, sample: Callable[[str], bytes], now: datetime
    ) -> None:
        (story,) = parse(sample("reuters-wire.txt"), origin="reuters-wire.txt", now=now, source="reuters")
        assert story.title == "Russia says some troops return to bases after drills near Ukraine"
        assert story.dateline == "MOSCOW"
        assert story.paragraphs[0].startswith("Russia's defence ministry said on Wednesday that some units")
        assert "(Reuters)" not in story.body
        # Hard-wrapped lines are joined into one paragraph each; the credits trailer gives the byline.
        assert len(story.paragraphs) == 4
        assert story.byline == "Example Reporter"
        assert "Editing by" not in story.body
        assert story.published_at == datetime(2024, 2, 16, tzinfo=UTC)
        assert story.published_at_source is DateSource.DATELINE
        assert story.source == "reuters"
        assert story.standfirst is None

    def test_ap_byline_and_dateline(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("ap-wire.txt"), origin="ap-wire.txt", now=now)
        assert story.title == "NATO allies weigh new battalions for eastern flank"
        assert story.byline == "Jane Doe"
        assert story.dateline == "BRUSSELS"
        assert story.paragraphs[0].startswith("NATO defense ministers on Wednesday")
        assert "By Jane Doe" not in story.body
        assert story.published_at_source is DateSource.INGEST

    def test_dateline_date_never_in_the_future(self, now: datetime) -> None:
        text = "Headline about a port\n\nLONDON, Dec 30 (Reuters) - The port reopened on Monday after a long strike.\n"
        (story,) = parse(text.encode(), origin="stdin", now=now)
        # No year in the dateline: the latest Dec 30 before `now` (2024-04-18) is in 2023.
        assert story.published_at == datetime(2023, 12, 30, tzinfo=UTC)

    def test_published_line_is_used_and_removed(self, now: datetime) -> None:
        text = (
            "City opens new bridge\n\nPublished: 2024-04-17 09:30 UTC\n\n"
            "The new bridge over the river opened to traffic on Wednesday morning after three years of work.\n"
        )
        (story,) = parse(text.encode(), origin="stdin", now=now)
        assert story.published_at == datetime(2024, 4, 17, 9, 30, tzinfo=UTC)
        assert story.published_at_source is DateSource.TEXT
        assert "Published" not in story.body


SCRAPED = [
    (
        "scraped-es.txt",
        "es",
        "El Gobierno aprueba un plan de ayudas para los agricultores afectados por la sequía",
        ("Suscríbete", "Publicidad", "Artículos relacionados", "Madrid", "22 °C", "abril", "Por favor"),
    ),
    (
        "scraped-fr.txt",
        "fr",
        "Le Parlement adopte la réforme du stationnement dans les grandes villes",
        ("Abonnez-vous", "Publicité", "Articles similaires", "Veuillez", "14 °C", "Jeudi 18 avril"),
    ),
    (
        "scraped-de.txt",
        "de",
        "Bundesregierung beschließt neues Förderprogramm für Wärmepumpen",
        ("Jetzt abonnieren", "Anzeige", "Ähnliche Artikel", "Bitte geben", "9 °C", "Donnerstag, 18. April"),
    ),
    (
        "scraped-ru.txt",
        "ru",
        "Правительство выделит дополнительные средства на ремонт школ в регионах",
        ("Подписаться", "Реклама", "Похожие статьи", "Пожалуйста", "-3 °C", "Четверг"),
    ),
    (
        "scraped-uk.txt",
        "uk",
        "Уряд запускає програму відновлення зруйнованого житла у прикордонних громадах",
        ("Підписатися", "Реклама", "Схожі статті", "Будь ласка", "11 °C", "Четвер"),
    ),
]


class TestScrapedText:
    @pytest.mark.parametrize(("name", "language", "title", "chrome"), SCRAPED, ids=[s[0] for s in SCRAPED])
    def test_chrome_removed_article_kept(
        self,
        sample: Callable[[str], bytes],
        now: datetime,
        *,
        name: str,
        language: str,
        title: str,
        chrome: tuple[str, ...],
    ) -> None:
        (story,) = parse(sample(name), origin=name, now=now)
        assert story.title == title
        assert story.language == language
        assert story.standfirst is not None
        assert len(story.paragraphs) == 3
        everything = f"{story.title}\n{story.standfirst}\n{story.body}"
        for line in chrome:
            assert line not in everything, line
        assert story.published_at == now
        assert story.published_at_source is DateSource.INGEST

    def test_no_blank_lines_each_line_a_paragraph(self, now: datetime) -> None:
        text = (
            "Buy now\nStorm closes mountain roads\n"
            "Snow and strong winds closed three mountain passes on Tuesday, the regional road authority said.\n"
            "Drivers were told to avoid the area until at least Wednesday afternoon while crews clear the roads.\n"
            "Related Articles\nAnother headline that is not part of this story\n"
        )
        (story,) = parse(text.encode(), origin="stdin", now=now)
        assert story.title == "Storm closes mountain roads"
        assert len(story.paragraphs) == 2
        assert "Another headline" not in story.body

    def test_stray_tail_marker_mid_article_does_not_cut(self, now: datetime) -> None:
        para = (
            "The committee discussed the proposal at length and agreed to publish a full report next month."
        )
        text = f"Committee delays vote\n\n{para}\n\nComments\n\n{para} {para}\n\n{para}\n"
        (story,) = parse(text.encode(), origin="stdin", now=now)
        assert len(story.paragraphs) == 3

    def test_only_chrome_is_rejected(self, now: datetime) -> None:
        with pytest.raises(ParseError, match="only page chrome"):
            parse(
                b"8.3 C\nNew York\nThursday, April 18, 2024\n\nBuy now\n\nStay Connected\n",
                origin="x.txt",
                now=now,
            )


DATELINES = [
    ("MOSCOW, Feb 16 (Reuters) - Russia said", "MOSCOW", "Feb 16", "Reuters", "Russia said"),
    ("BRUSSELS (AP) — NATO said", "BRUSSELS", None, "AP", "NATO said"),
    ("KYIV (Wirenews) - Ukraine said", "KYIV", None, "Wirenews", "Ukraine said"),
    ("SAN JUAN, Puerto Rico (AP) — A storm hit", "SAN JUAN, Puerto Rico", None, "AP", "A storm hit"),
    ("МОСКВА, 16 февраля (Reuters) - Россия", "МОСКВА", "16 февраля", "Reuters", "Россия"),
    ("MADRID, 16 feb (EFE).- El Gobierno", "MADRID", "16 feb", "EFE", "El Gobierno"),
    ("WASHINGTON — The president said", "WASHINGTON", None, None, "The president said"),
]


class TestDateline:
    @pytest.mark.parametrize(("text", "place", "date", "agency", "rest"), DATELINES)
    def test_found(self, text: str, place: str, date: str | None, agency: str | None, rest: str) -> None:
        found = find_dateline(text)
        assert found is not None
        assert (found.place, found.date_text, found.agency, found.rest) == (place, date, agency, rest)

    @pytest.mark.parametrize(
        "text",
        [
            "NATO - the alliance said",
            "Moscow (Reuters) - lower case place",
            "The NATO summit (in Vilnius) - ok",
        ],
    )
    def test_not_a_dateline(self, text: str) -> None:
        assert find_dateline(text) is None
