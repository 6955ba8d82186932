"""Curated corrections to the generated actor tables (``actors_corrections.json``)."""

from __future__ import annotations

import functools

import pytest

from processors import KnowledgeBase
from processors.errors import KnowledgeBaseError
from processors.kb import Entity, Kind, _load_corrections
from tests.processors.test_names_classes import _tag


@functools.cache
def _kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _actors(body: str, language: str) -> dict[str, list[str]]:
    tags = _tag(body, language)  # the tagger the name tests share (one build per session)
    return {t.id: [m.text for m in t.mentions] for t in tags.actors}


def test_islamic_jihad_is_palestinian_islamic_jihad_not_hezbollah() -> None:
    kb = _kb()
    assert {s.entity for s in kb.lookup("Islamic Jihad")} == {"org:palestinian-islamic-jihad"}
    assert "Islamic Jihad" not in kb.entities["Q41053"].aliases
    found = _actors("Islamic Jihad fired rockets from Gaza, and Hezbollah warned Israel.", "en")
    assert found["org:palestinian-islamic-jihad"] == ["Islamic Jihad"]
    assert found["Q41053"] == ["Hezbollah"]


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Real Madrid lead La Liga by six points.", "en"),  # PETRARCH: a 1970s Mexican guerrilla's name
        ("Retailers expect record sales on Black Friday.", "en"),  # PETRARCH: an armed group's name
        ("Las tiendas esperan ventas récord en el Black Friday.", "es"),
    ],
)
def test_a_wrong_name_of_a_source_is_dropped(body: str, language: str) -> None:
    assert not any(t.type == "armed group" for t in _tag(body, language).actors)


@pytest.mark.parametrize(
    ("body", "language", "actor", "mention"),
    [
        ("Die Hisbollah feuerte Raketen auf Nordisrael.", "de", "Q41053", "Hisbollah"),
        ("Хезболла заявила о новых ударах.", "ru", "Q41053", "Хезболла"),
        ("Houthis attacked a ship in the Red Sea.", "en", "org:ansar-allah", "Houthis"),
        ("Los hutíes atacaron un buque.", "es", "org:ansar-allah", "hutíes"),
        ("Talibowie przejęli władzę w Kabulu.", "pl", "org:taliban", "Talibowie"),
        ("Der Europäische Gerichtshof (EuGH) entschied.", "de", "Q4951", "Europäische Gerichtshof"),
        ("La CJUE a tranché.", "fr", "Q4951", "CJUE"),
        ("Söldner der Wagner-Truppe posierten.", "de", "org:wagner-group", "Wagner-Truppe"),
        ("Der Bundestag stimmte zu.", "de", "Q154797", "Bundestag"),
        ("Le Bundestag a voté la loi.", "fr", "Q154797", "Bundestag"),
        ("Der Bundesrat stimmte dem Gesetz des Bundestages zu.", "de", "Q155136", "Bundesrat"),
        (
            "Das Internationale Komitee vom Roten Kreuz half.",
            "de",
            "Q5987345",
            "Internationale Komitee vom Roten Kreuz",
        ),
    ],
)
def test_names_the_open_data_lacks(body: str, language: str, actor: str, mention: str) -> None:
    assert mention in _actors(body, language).get(actor, [])


def test_an_added_name_is_an_alias_on_the_tag() -> None:
    assert "Hisbollah" in _kb().entities["Q41053"].aliases


def test_a_correction_of_an_unknown_actor_is_an_error() -> None:
    kb = KnowledgeBase()
    kb.add(Entity("Q1", "Known", Kind.ACTOR, "organization"))
    _load_corrections(kb, {"actors": {"Q1": {"add": ["Bekannt"]}}}, {})
    assert kb.entities["Q1"].aliases == ("Bekannt",)
    with pytest.raises(KnowledgeBaseError, match="unknown actor"):
        _load_corrections(kb, {"actors": {"Q404": {"add": ["X"]}}}, {})
    # An id a generated table replaced is corrected under its new id.
    _load_corrections(kb, {"actors": {"petrarch:known": {"drop": ["Bekannt"]}}}, {"petrarch:known": "Q1"})
    assert not kb.entities["Q1"].aliases
    assert kb.lookup("Bekannt") == []
