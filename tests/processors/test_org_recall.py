"""Organisations the knowledge base lacks, found by their words (issue 12, ``tagging/org_words.py``).

Each rule has a made-up sentence it must find (never an evaluation story) and a near miss it
must leave alone, in each language the rule applies to.
"""

from __future__ import annotations

import pytest

from processors import Tags
from processors.tagging.org_words import federal, outer_start
from processors.tagging.words import Token, runs_of, tokens_of
from tests.processors.test_names_classes import _actors, _tag


def _orgs(tags: Tags) -> list[str]:
    return [t.name for t in tags.actors if t.id.startswith("name:") and t.type == "organization"]


def _tokens(text: str) -> list[Token]:
    return [t for t in tokens_of(text) if t is not None]


class TestGermanEndings:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ("Das Polizeipräsidium Oberpfalz meldete am Morgen einen Unfall.", "Polizeipräsidium Oberpfalz"),
            ("Der Vorstand des Kleingartenvereins Seeblick tagte gestern.", "Kleingartenvereins Seeblick"),
            ("Das Jugendamt Leipzig prüft den Fall.", "Jugendamt Leipzig"),
        ],
    )
    def test_a_compound_ending_names_an_organisation(self, body: str, name: str) -> None:
        assert _actors(_tag(body, "de")).get(name) == "organization"

    def test_the_compound_alone_is_a_noun(self) -> None:
        assert not _orgs(_tag("Das Polizeipräsidium meldete am Morgen einen Unfall.", "de"))


class TestFederal:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ("Die Bundespolizei kontrollierte am Bahnhof viele Reisende.", "Bundespolizei"),
            (
                "Das Bundesgesundheitsministerium erklärte, man prüfe den Antrag.",
                "Bundesgesundheitsministerium",
            ),
            ("Die Bundestierärztekammer warnte vor dem Mittel.", "Bundestierärztekammer"),
        ],
    )
    def test_a_federal_compound_is_an_organisation(self, body: str, name: str) -> None:
        assert _actors(_tag(body, "de")).get(name) == "organization"

    @pytest.mark.parametrize(
        "body",
        [
            "Der Bundesverband kritisierte die Pläne der Stadt.",  # which one?
            "Die Landespolizei kontrollierte am Bahnhof viele Reisende.",
            "Das Gesundheitsministerium erklärte, man prüfe den Antrag.",
        ],
    )
    def test_a_kind_alone_or_another_level_is_not(self, body: str) -> None:
        assert not _orgs(_tag(body, "de"))

    def test_the_rule(self) -> None:
        assert federal("bundesverteidigungsministerium")
        assert federal("bundespolizei")
        assert not federal("bundesministerium")
        assert not federal("bundesverband")
        assert not federal("landeskriminalamt")


class TestLegalForm:
    def test_a_registered_association(self) -> None:
        tags = _tag("Die Gartenfreunde e.V. laden zum Sommerfest ein.", "de")
        tag = next(t for t in tags.actors if t.name == "Gartenfreunde e.V.")
        assert tag.type == "organization"
        assert "Gartenfreunde" in tag.aliases

    def test_a_charitable_company(self) -> None:
        tags = _tag("Die Lernwerk Nord gGmbH bietet Kurse an.", "de")
        assert _actors(tags).get("Lernwerk Nord gGmbH") == "organization"

    def test_without_the_legal_form_no_organisation(self) -> None:
        assert not _orgs(_tag("Die Gartenfreunde laden zum Sommerfest ein.", "de"))


class TestAmpersand:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Das Hilfe&Rat Zentrum für Familien in Bremen berät kostenlos.",
                "de",
                "Hilfe&Rat Zentrum für Familien",
            ),
            ("Engineers at the Smith&Lowe Group said the bridge was safe.", "en", "Smith&Lowe Group"),
        ],
    )
    def test_an_ampersand_without_spaces_joins_one_name(self, body: str, language: str, name: str) -> None:
        assert _actors(_tag(body, language)).get(name) == "organization"

    def test_with_spaces_it_still_splits_two(self) -> None:
        orgs = _orgs(_tag("Officers from the Greenfield Police & the Harbor Guard arrived.", "en"))
        assert sorted(orgs) == ["Greenfield Police", "Harbor Guard"]


class TestRomanceWords:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "El Movimiento Nueva Patria convocó a una marcha en la capital.",
                "es",
                "Movimiento Nueva Patria",
            ),
            ("La Revue Horizons publie un dossier sur le climat.", "fr", "Revue Horizons"),
            (
                "A Coordenação de Operações Especiais prendeu dois suspeitos.",
                "pt",
                "Coordenação de Operações Especiais",
            ),
            ("Inmates at the Harlan County Regional Jail were moved.", "en", "Harlan County Regional Jail"),
        ],
    )
    def test_an_organisation_word_names_one(self, body: str, language: str, name: str) -> None:
        assert _actors(_tag(body, language)).get(name) == "organization"

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("El movimiento estudiantil convocó a una marcha en la capital.", "es"),
            ("La revue de presse du matin parle du climat.", "fr"),
        ],
    )
    def test_in_lower_case_no_name(self, body: str, language: str) -> None:
        assert not _orgs(_tag(body, language))

    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Según la Dirección General de Migraciones, llegaron mil personas.",
                "es",
                "Dirección General de Migraciones",
            ),
            (
                "Según la Procuraduría General del Estado de Oaxaca, el caso sigue.",
                "es",
                "Procuraduría General del Estado de Oaxaca",
            ),
        ],
    )
    def test_general_before_de_is_an_adjective(self, body: str, language: str, name: str) -> None:
        assert _actors(_tag(body, language)).get(name) == "organization"

    def test_a_general_before_a_name_is_a_title(self) -> None:
        actors = _actors(_tag("Army General Tom Baker said the troops would stay.", "en"))
        assert actors.get("Tom Baker") == "person"


class TestUnitOfAnOrganisation:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("The Board of the Greenfield Pension Fund met on Monday.", "en", "Greenfield Pension Fund"),
            (
                "La Secretaría Técnica del Consejo Nacional de Salud publicó el informe.",
                "es",
                "Consejo Nacional de Salud",
            ),
        ],
    )
    def test_the_organisation_a_unit_belongs_to(self, body: str, language: str, name: str) -> None:
        assert name in _orgs(_tag(body, language))

    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("Students at the University of Southern Maine protested.", "en", "University of Southern Maine"),
            ("The bill passed the House of Representatives on Monday.", "en", "House of Representatives"),
            (
                "Estudiantes de la Universidad de la Provincia Norte protestaron.",
                "es",
                "Universidad de la Provincia Norte",
            ),
        ],
    )
    def test_an_organisation_of_a_place_or_a_chamber_stays_whole(
        self, body: str, language: str, name: str
    ) -> None:
        assert name in _actors(_tag(body, language))

    def test_the_rule(self) -> None:
        text = "Board of the Natural Resources Fund"
        assert outer_start(_tokens(text), text) == 1  # Board | Natural Resources Fund
        text = "Bank of England"
        assert outer_start(_tokens(text), text) == 0


class TestElision:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            (
                "La Chambre de Métiers et d’Artisanat de Lyon a voté le budget.",
                "Chambre de Métiers et d’Artisanat de Lyon",
            ),
            ("Le Centre d'Études Avancées de Nantes recrute.", "Centre d'Études Avancées de Nantes"),
        ],
    )
    def test_an_elided_de_joins_one_name(self, body: str, name: str) -> None:
        assert _actors(_tag(body, "fr")).get(name) == "organization"

    def test_an_elision_after_a_full_stop_joins_nothing(self) -> None:
        text = "Il a parlé à Paris. L’Europe attend."
        assert [[t.text for t in run] for run in runs_of(text, tokens_of(text))] == [
            ["Il"],
            ["Paris"],
            ["L’Europe"],
        ]


class TestInstitution:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("Para la Fiscalía, el caso está cerrado, dijo el abogado.", "es", "Fiscalía"),
            ("Segundo a Polícia, dois suspeitos foram presos.", "pt", "Polícia"),
            ("Selon la Commission, la grève continue.", "fr", "Commission"),
        ],
    )
    def test_an_institution_by_its_word(self, body: str, language: str, name: str) -> None:
        assert _actors(_tag(body, language)).get(name) == "organization"

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("Selon la Coordination nationale, la grève continue.", "fr"),  # its name goes on
            ("Nach Angaben der Polizei ist die Straße gesperrt.", "de"),  # German nouns are capitalised
            ("Fiscalía y jueces se reunieron ayer.", "es"),  # no article: a sentence's first word
        ],
    )
    def test_no_institution(self, body: str, language: str) -> None:
        assert not _orgs(_tag(body, language))

    def test_the_word_after_the_full_name_is_its_mention(self) -> None:
        tags = _tag("El Tribunal de Apelación rechazó el pedido. Según el Tribunal, no hubo pruebas.", "es")
        tag = next(t for t in tags.actors if t.name == "Tribunal de Apelación")
        assert [m.text for m in tag.mentions] == ["Tribunal de Apelación", "Tribunal"]
        assert "Tribunal" not in _actors(tags)


class TestPolishCases:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ("Sprawa trafiła przed Trybunałem Konstytucyjnym w zeszłym roku.", "Trybunałem Konstytucyjnym"),
            ("Był dyrektorem Urzędu Komisji Nadzoru Finansowego.", "Urzędu Komisji Nadzoru Finansowego"),
        ],
    )
    def test_an_organisation_word_in_an_oblique_case(self, body: str, name: str) -> None:
        assert _actors(_tag(body, "pl")).get(name) == "organization"

    def test_a_noun_before_it_is_no_part_of_its_name(self) -> None:
        assert _orgs(_tag("Prezes Grupy Nowak ogłosił wyniki.", "pl")) == ["Grupy Nowak"]

    def test_the_word_alone_after_a_preposition_is_no_institution(self) -> None:
        # "na" is a Portuguese article ("na Polícia"), a Polish preposition.
        assert not _orgs(_tag("Pracował na Uniwersytecie w Toruniu.", "pl"))
