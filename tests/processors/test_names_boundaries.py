"""Where an unknown name begins and ends, and capitalised words that are no person (issue 12).

Each case is a made-up sentence of one class (never an evaluation story): adjectives, numbers
and places' generic words before a name, plural acronyms and noun suffixes, places named after
people, gazetteer places, German commas, known companies inside longer names, and a known
given name before a company's surname-shaped alias. Beside each class, true names that must
still be found.
"""

from __future__ import annotations

import pytest

from processors import Tags
from processors.tagging.name_words import noun_shaped
from tests.processors.test_names_classes import _actors, _tag


def _persons(tags: Tags) -> list[str]:
    return [t.name for t in tags.actors if t.id.startswith("name:") and t.type == "person"]


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Her comic In Real Life, the book she adapted, sold well.", "en"),
        ("Several Tory MPs who said they were angry voted against it.", "en"),
        ("The game runs on Windows PCs and on consoles, the maker said.", "en"),
        ("Their Concept Development, the team said, took two years.", "en"),
        ("The leaders of Nazi Germany, as the film shows, were cruel.", "en"),
        ("El fenómeno llamado la Gran Renuncia, han dicho los expertos, sigue.", "es"),
        ("El Tribunal de Apelación, Cuarta Sala, rechazó el pedido.", "es"),
        ("Los combates en los Montes de María, las zonas del norte, siguen.", "es"),
        ("O suspeito fugiu pela Avenida Paralela, seguindo até o centro.", "pt"),
        ("A polícia chegou ao bairro da Sete Portas, em Salvador, à noite.", "pt"),
        ("Wir sagen: Danke und Happy Pride! Euer Team", "de"),
        ("Die Reise führte nach Schloss Juval, wo er lebt, und weiter.", "de"),
        ("Falta la comisión de Asuntos Constitucionales, la encargada del tema.", "es"),
        ("Les États Généraux, qui se tiennent à Lyon, commencent demain.", "fr"),
    ],
)
def test_adjectives_numbers_and_places_begin_no_person(body: str, language: str) -> None:
    assert _persons(_tag(body, language)) == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("MPs", True),
        ("NGOs", True),
        ("Development", True),
        ("Integration", True),
        ("Clement", False),
        ("Florence", False),
        ("Fleming", False),
        ("Jones", False),
    ],
)
def test_noun_shaped_words(word: str, *, expected: bool) -> None:
    assert noun_shaped(word) is expected


def test_true_names_still_work() -> None:
    assert _actors(_tag("Jane Doe said the plan was fine.", "en")).get("Jane Doe") == "person"
    tags = _tag("El concejal Juan Montes Ruiz, dijo el alcalde, renunció.", "es")
    assert "Juan Montes Ruiz" in _persons(tags)


class TestPlacesNamedAfterPeople:
    def test_a_room_named_after_a_person(self) -> None:
        tags = _tag("La réunion se tient en salle Louise Michel, à Paris, mercredi.", "fr")
        assert _persons(tags) == []

    def test_a_street_named_after_a_person(self) -> None:
        tags = _tag("Ele seguiu até a Avenida Antero de Brito, no bairro, à tarde.", "pt")
        assert _persons(tags) == []

    def test_a_lower_case_school_after_a_colon(self) -> None:
        tags = _tag("Trois établissements en grève : lycée Angela Davis (Saint-Denis) et d'autres.", "fr")
        assert _actors(tags).get("lycée Angela Davis") == "organization"
        assert "Angela Davis" not in _actors(tags)

    def test_a_university_named_after_a_person(self) -> None:
        tags = _tag("Jest absolwentem filologii na Uniwersytecie im. Adama Mickiewicza w Poznaniu.", "pl")
        assert _persons(tags) == []

    def test_a_place_inside_a_hyphenated_surname_splits_nothing(self) -> None:
        # Among places of the same state, "Cortez" (a town) is claimed inside the surname.
        body = "The race in the Bronx, near Pelham and Whitestone, overlaps the district held by "
        tags = _tag(body + "Democratic Rep. Alexandria Ocasio-Cortez.", "en")
        assert "Alexandria Ocasio-Cortez" in _persons(tags)
        assert "Alexandria" not in _actors(tags)

    def test_a_gazetteer_place_with_a_given_name(self) -> None:
        tags = _tag("Sie wanderte im Sommer von Leon bis Santiago de Compostela zu Fuß.", "de")
        assert "Santiago de Compostela" not in _actors(tags)

    def test_a_person_of_that_name_who_speaks_still_is_one(self) -> None:
        tags = _tag("Louise Michel said the strike would go on.", "en")
        assert _actors(tags).get("Louise Michel") == "person"


class TestGermanCommas:
    def test_a_clause_after_a_comma_is_no_apposition(self) -> None:
        tags = _tag("Vielmehr ermöglicht es Grüner Wasserstoff, dass große Mengen Energie lagern.", "de")
        assert _persons(tags) == []

    def test_an_apposition_still_is_one(self) -> None:
        tags = _tag("Das Buch entstand mit Tamsin Okoro, früherer Leiter des Archivs.", "de")
        assert _actors(tags).get("Tamsin Okoro") == "person"


class TestKnownCompanies:
    def test_a_given_name_before_a_company_alias_is_a_person(self) -> None:
        tags = _tag("Adrian Cummins, the mayor, opened the plant. Cummins said it would grow.", "en")
        actors = _actors(tags)
        assert actors.get("Adrian Cummins") == "person"
        assert "Cummins" not in actors  # the company
        person = next(t for t in tags.actors if t.name == "Adrian Cummins")
        assert [m.text for m in person.mentions] == ["Adrian Cummins", "Cummins"]

    def test_a_given_name_claimed_by_a_place(self) -> None:
        assert _actors(_tag("Nancy Kellogg said the plan was fine.", "en")).get("Nancy Kellogg") == "person"

    def test_the_company_alone_stays_the_company(self) -> None:
        tags = _tag("Cummins said sales of its engines rose in the quarter.", "en")
        assert _actors(tags).get("Cummins") == "company"

    def test_a_noun_after_an_article_is_no_given_name(self) -> None:
        tags = _tag("Sie wünschen sich „eine Art Netflix für Journalismus“, sagt sie.", "de")
        assert _actors(tags).get("Netflix") == "company"

    def test_the_rest_of_a_known_company_name_is_no_person(self) -> None:
        tags = _tag("The order went to Cummins Helicopters Technik, the firm said.", "en")
        assert _persons(tags) == []

    def test_a_known_company_heading_a_longer_company_name(self) -> None:
        tags = _tag("The order went to Cummins Engine Technik GmbH in Ulm last week.", "en")
        actors = _actors(tags)
        assert actors.get("Cummins Engine Technik GmbH") == "organization"
        assert "Cummins" not in actors

    def test_an_unknown_company_with_its_legal_form_is_one_organisation(self) -> None:
        tags = _tag("The order went to Airbus Helicopters Technik GmbH in Donauwörth.", "en")
        assert _actors(tags).get("Airbus Helicopters Technik GmbH") == "organization"
        assert _persons(tags) == []

    def test_a_person_listed_after_an_organisation_is_still_one(self) -> None:
        tags = _tag("Signed: Nicholas Brand, Yale University Roger Cohen, writer.", "en")
        assert "Roger Cohen" in _persons(tags)
