"""Classes of unknown-name errors fixed for issue 12's actor figures (benchmarks/eval_actors.py).

Each case is a made-up sentence of one class (never an evaluation story): German given names
and the adjective-noun pairs that look like them, titles, lower-case institutions, possessive
organisations, web sites, descriptors before a name, abstract nouns, news agencies.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from processors import KnowledgeBase, Tagger, Tags
from schemas.models import Story

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _tag(body: str, language: str | None = None) -> Tags:
    story = Story(
        id="n", title="", body=body, language=language, source="test", content_hash="h", ingested_at=NOW
    )
    tags = _tagger().tag(story)
    for tag in tags.actors:  # every mention is where it says it is
        for m in tag.mentions:
            assert getattr(story, m.field)[m.start : m.end] == m.text
    return tags


def _actors(tags: Tags) -> dict[str, str]:
    """Name -> type of every actor tag."""
    return {t.name: t.type for t in tags.actors}


class TestGerman:
    def test_given_name_and_surname_named_once(self) -> None:
        tags = _tag("Am Abend sprach auch Leonhard Dobusch über die neuen Regeln im Netz.", "de")
        assert _actors(tags).get("Leonhard Dobusch") == "person"

    @pytest.mark.parametrize(
        "body",
        [
            "Weltweite Strahlkraft\n\nDer Start in das neue Jahr war gut, die Strahlkraft bleibt.",
            "Grüner Wasserstoff soll helfen. Ohne Wasserstoff geht es nicht.",
            "Welche Tipps gibt es? Ein Tipp kommt von uns.",
        ],
    )
    def test_adjective_and_noun_are_no_person(self, body: str) -> None:
        assert not [t for t in _tag(body, "de").actors if t.id.startswith("name:")]

    def test_a_given_name_ending_in_mann_is_no_title(self) -> None:
        tags = _tag("Es sprach Landeshauptmann Hermann Schützenhöfer vor den Gästen.", "de")
        assert "Hermann Schützenhöfer" in _actors(tags)

    def test_a_title_after_und_belongs_to_the_second_name(self) -> None:
        tags = _tag(
            "Anwesend waren Generalsekretär Raphael Koller und Sachgebietsleiter Klaus Tschabuschnig.", "de"
        )
        assert {"Raphael Koller", "Klaus Tschabuschnig"} <= set(_actors(tags))

    def test_a_noun_before_an_organisation_names_its_kind(self) -> None:
        tags = _tag("Das Video der iranischen Nachrichtenagentur Tasnim News zeigt Drohnen.", "de")
        assert _actors(tags).get("Tasnim News") == "organization"


class TestTitlesAndBoundaries:
    def test_a_role_before_a_given_name(self) -> None:
        tags = _tag("Linguist Peter Eisenberg: Genderwahn verwüstet die Sprache", "de")
        assert "Peter Eisenberg" in _actors(tags)

    def test_a_title_after_a_name_is_no_part_of_it(self) -> None:
        tags = _tag("The story begins with Hindenburg appointing Hitler Chancellor in 1933.", "en")
        assert "Hitler Chancellor" not in _actors(tags)

    def test_a_possessive_opens_an_organisation(self) -> None:
        tags = _tag("She was flown to the Children's Hospital of Manitoba in Winnipeg.", "en")
        assert _actors(tags).get("Children's Hospital of Manitoba") == "organization"

    def test_a_person_after_a_police_force(self) -> None:
        tags = _tag('"They fled," said Miami-Dade Police Detective Alvaro Zabaleta on Monday.', "en")
        names = _actors(tags)
        assert names.get("Alvaro Zabaleta") == "person"
        assert not any("Zabaleta" in n and n != "Alvaro Zabaleta" for n in names)


class TestRomance:
    def test_lower_case_institutions(self) -> None:
        tags = _tag("Les élèves du lycée Paul Bert et de l'université de Nantes ont manifesté.", "fr")
        names = _actors(tags)
        assert names.get("lycée Paul Bert") == "organization"
        assert names.get("université de Nantes") == "organization"
        assert "Paul Bert" not in names

    def test_english_shares_no_lower_case_head(self) -> None:
        tags = _tag(
            "Roxanne Delgado, founder of the civic association Friends of Pelham Park, said no.", "en"
        )
        assert not any(n.startswith("association") for n in _actors(tags))

    def test_abstract_nouns_are_no_person(self) -> None:
        tags = _tag("La ministra de la Mujer y Equidad de Género habló con la Dirección de Prevención.", "es")
        names = _actors(tags)
        assert "Equidad de Género" not in names
        assert "Dirección de Prevención" not in names

    def test_a_place_as_a_given_name_of_three_words(self) -> None:
        tags = _tag("Ariel Melgar Cabrera 3/5/2022 22:41\n\nEl investigador chileno habló.", "es")
        assert _actors(tags).get("Ariel Melgar Cabrera") == "person"


class TestSitesAndAgencies:
    def test_web_sites_in_running_text(self) -> None:
        tags = _tag("Dobusch hat einen Beitrag bei netzpolitik.org geschrieben (https://x.org/a.html).", "de")
        names = _actors(tags)
        assert names.get("netzpolitik.org") == "organization"
        assert "x.org" not in names

    @pytest.mark.parametrize(
        ("body", "agency"),
        [
            ("(Con información de AFP, EFE y Reuters)", "Reuters"),
            ("The Associated Press reported the arrest on Monday.", "Associated Press"),
            ("Das berichtete die Deutsche Presse-Agentur (dpa) am Montag.", "Deutsche Presse-Agentur"),
        ],
    )
    def test_news_agencies_are_actors(self, body: str, agency: str) -> None:
        assert agency in _actors(_tag(body))
