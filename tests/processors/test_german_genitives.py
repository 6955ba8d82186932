"""German genitives of place names: "Russlands", "der Vereinigten Staaten" are places (issue 12)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from processors import KnowledgeBase, Tagger, Tags
from processors.kb_build.german import de_genitives, german_city_name, german_form
from schemas.models import Story

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _tag(body: str, language: str = "de") -> Tags:
    story = Story(
        id="t", title="", body=body, language=language, source="test", content_hash="h", ingested_at=NOW
    )
    return _tagger().tag(story)


def _places(tags: Tags) -> set[str]:
    return {t.id for t in tags.places}


class TestForms:
    @pytest.mark.parametrize(
        ("name", "forms"),
        [
            ("Russland", {"Russlands"}),
            ("Saudi-Arabien", {"Saudi-Arabiens"}),
            ("Vereinigte Staaten", {"Vereinigten Staaten"}),
            ("Vereinigtes Königreich", {"Vereinigten Königreichs"}),
            ("Demokratische Republik Kongo", {"Demokratischen Republik Kongo"}),
            ("Vereinigte Arabische Emirate", {"Vereinigten Arabischen Emirate"}),
        ],
    )
    def test_declined(self, name: str, forms: set[str]) -> None:
        assert de_genitives(name) == forms

    @pytest.mark.parametrize(
        "name", ["Paris", "Graz", "Belarus", "Republik Türkei", "Costa Rica", "Staat Israel"]
    )
    def test_no_genitive_of_its_own(self, name: str) -> None:
        # After s or z German writes "von Paris"; a name without a declining adjective stays as it is.
        assert de_genitives(name) == set()

    @pytest.mark.parametrize("form", ["Russlands", "Israels", "Frankreichs", "Vereinigten Staaten"])
    def test_german_usage_kept(self, form: str) -> None:
        assert german_form(form)

    @pytest.mark.parametrize(
        "form",
        [
            "Turkeys",  # English word
            "Jerseys",  # English word
            "Chinas",  # Spanish "empresas chinas"
            "Indiens",  # French "les Indiens"
            "Bélgicas",  # no text holds it
        ],
    )
    def test_other_languages_words_dropped(self, form: str) -> None:
        assert not german_form(form)

    def test_city_aliases(self) -> None:
        people = {"charlotte", "samaras"}
        assert german_city_name("Moskau", people, own=False)  # a German exonym
        assert german_city_name("Berlin", people, own=True)
        assert not german_city_name("Stalin", people, own=False)  # Donetsk's old name, a man's
        assert not german_city_name("Kanton", people, own=False)  # "des Kantons Zürich"
        assert not german_city_name("Nan-jang", people, own=False)  # a romanization
        assert not german_city_name("Charlotte", people, own=True)  # "Charlottes" is a woman's


class TestTagged:
    def test_countries_in_the_genitive(self) -> None:
        tags = _tag(
            "Die Regierung Israels kritisierte die Angriffe Russlands auf die Infrastruktur der Ukraine. "
            "Frankreichs Präsident und der Botschafter der Vereinigten Staaten reisten nach Warschau."
        )
        assert {"IL", "RU", "FR", "US", "UA"} <= _places(tags)

    def test_cities_in_the_genitive(self) -> None:
        tags = _tag("Moskaus Bürgermeister traf Vertreter Berlins und Kiews.")
        assert {"524901", "2950159", "703448"} <= _places(tags)

    def test_the_acting_state(self) -> None:
        tags = _tag("Die Regierung Israels kündigte neue Maßnahmen an.")
        assert "Q801" in {a.id for a in tags.actors}

    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("Las empresas chinas invierten en el puerto.", "es"),
            ("Wild turkeys and jerseys were sold at the fair.", "en"),
            ("Der Regierungsrat des Kantons beschloss neue Regeln.", "de"),
        ],
    )
    def test_words_stay_words(self, text: str, language: str) -> None:
        assert _places(_tag(text, language)) == set()
