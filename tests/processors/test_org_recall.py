"""Organisations the knowledge base lacks, found by their words (issue 12, ``tagging/org_words.py``).

Each rule has a made-up sentence it must find (never an evaluation story) and a near miss it
must leave alone, in each language the rule applies to.
"""

from __future__ import annotations

import pytest

from processors import Tags
from processors.kb_build.forms import de_org_forms
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
            ("El proyecto llegó al Congreso de la mano del gobierno.", "es", "Congreso"),  # "de la" + article
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
            ("Il sera présent au Conseil des ministres lundi.", "fr"),  # its name goes on in lower case
            ("Según la Cámara de comercio local, las ventas cayeron.", "es"),
            ("Selon la Société suisse, la grève continue.", "fr"),  # a national adjective
            ("Ayer llegó la Policía española al puerto.", "es"),
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


class TestSubjectAfterTheName:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Das Institut für öffentliche Gesundheit warnte vor dem Virus.",
                "de",
                "Institut für öffentliche Gesundheit",
            ),
            (
                "Der Verband der chemischen Industrie fordert niedrigere Preise.",
                "de",
                "Verband der chemischen Industrie",
            ),
        ],
    )
    def test_german_adjectives_in_lower_case(self, body: str, language: str, name: str) -> None:
        assert name in _orgs(_tag(body, language))

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("Der Verband meldete schwere Verluste im Jahr.", "de"),  # a verb, then an adjective
            ("Die Vertreter des Verbands der anderen Vereine kamen.", "de"),  # no adjective's stem
            ("Das Zentrum des isländischen Tourismus liegt im Norden.", "de"),  # a noun's genitive
        ],
    )
    def test_not_over_a_verb_or_a_determiner(self, body: str, language: str) -> None:
        orgs = _orgs(_tag(body, language))
        assert not any(w in o for o in orgs for w in (" der anderen ", "meldete", "isländischen"))

    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Das Ministerium für Umwelt, Klima und Energie teilte mit, man prüfe den Antrag.",
                "de",
                "Ministerium für Umwelt, Klima und Energie",
            ),
            (
                "El Ministerio de Ciencia, Tecnología e Innovación anunció un plan.",
                "es",
                "Ministerio de Ciencia, Tecnología e Innovación",
            ),
            (
                "The Department of Health, Education and Welfare said so.",
                "en",
                "Department of Health, Education and Welfare",
            ),
        ],
    )
    def test_a_list_of_subjects(self, body: str, language: str, name: str) -> None:
        assert name in _orgs(_tag(body, language))

    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("The Ministry of Defence, John and Mary said it was over.", "en", "Ministry of Defence"),
            ("The Ministry of Defence, Britain and France agreed on Monday.", "en", "Ministry of Defence"),
            ("Das Bundesamt für Justiz, Peter und Anna kamen zur Sitzung.", "de", "Bundesamt für Justiz"),
        ],
    )
    def test_not_over_people_or_places(self, body: str, language: str, name: str) -> None:
        orgs = _orgs(_tag(body, language))
        assert name in orgs
        assert not any("," in o for o in orgs)


class TestStateAsABody:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ("Der Konzern hat sich mit dem Land Niedersachsen geeinigt.", "Land Niedersachsen"),
            ("Gefördert wird das Projekt vom Land Steiermark.", "Land Steiermark"),
            ("Der Freistaat Bayern klagt gegen das Gesetz.", "Freistaat Bayern"),
        ],
    )
    def test_after_an_article_a_state_that_acts(self, body: str, name: str) -> None:
        assert _actors(_tag(body, "de")).get(name) == "organization"

    @pytest.mark.parametrize(
        "body",
        [
            "Im Land Brandenburg regnet es seit Tagen.",  # where
            "Der Steinkauz lebt in den Wäldern des Kantons Genf.",  # a place's genitive
            "Die Regierung gibt dem Land Geld für Schulen.",  # no place after it
        ],
    )
    def test_where_something_is_no_body(self, body: str) -> None:
        assert not _orgs(_tag(body, "de"))

    def test_only_in_german(self) -> None:
        assert "Land Niedersachsen" not in _orgs(_tag("The Land Niedersachsen owns shares.", "en"))


class TestGermanCaseForms:
    @pytest.mark.parametrize(
        ("body", "qid"),
        [
            ("Ein Sprecher der Europäischen Union sagte, man prüfe das.", "Q458"),
            ("Laut der Europäischen Zentralbank sinkt die Inflation.", "Q8901"),
            ("Das ist ein Urteil des Europäischen Gerichtshofs für Menschenrechte.", "Q122880"),
        ],
    )
    def test_a_known_organisation_in_the_genitive_or_dative(self, body: str, qid: str) -> None:
        tags = _tag(body, "de")
        assert qid in {t.id for t in tags.actors}
        assert not _orgs(tags)  # no unknown "Europäischen Union" beside it

    def test_the_forms(self) -> None:
        assert de_org_forms("Europäische Union") == {"Europäischen Union"}
        assert de_org_forms("Norddeutscher Rundfunk") == {
            "Norddeutsche Rundfunk",
            "Norddeutschen Rundfunk",
            "Norddeutschen Rundfunks",
        }
        assert de_org_forms("Bundesamt für Justiz") == {"Bundesamts für Justiz", "Bundesamtes für Justiz"}

    @pytest.mark.parametrize(
        "name",
        [
            "Berliner Zeitung",  # a place's adjective never declines
            "Frankfurter Allgemeine Zeitung",
            "Greater Kashmir",  # English
            "Blue Origin",
            "Forum des Nations unies sur les forêts",  # French
            "Bundestag",  # one word: the scan reads its genitive
            "Die Linke",
        ],
    )
    def test_no_forms_of_other_names(self, name: str) -> None:
        assert de_org_forms(name) == set()


class TestDefinedAcronym:
    @pytest.mark.parametrize(
        ("body", "language", "qid", "acronym"),
        [
            (
                "Die Europäische Zentralbank (EZB) erhöht die Zinsen. Die EZB sagt, das sei nötig.",
                "de",
                "Q8901",
                "EZB",
            ),
            (
                "The European Central Bank (ECB) raised rates. The ECB said more may follow.",
                "en",
                "Q8901",
                "ECB",
            ),
        ],
    )
    def test_the_acronym_is_the_known_organisations(
        self, body: str, language: str, qid: str, acronym: str
    ) -> None:
        tags = _tag(body, language)
        tag = next(t for t in tags.actors if t.id == qid)
        assert [m.text for m in tag.mentions].count(acronym) == 2
        assert not _orgs(tags)

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("Die Europäische Zentralbank und die KfW (Förderbank) helfen. Die KfW zahlt.", "de"),
            ("The European Central Bank and the XYZ Group met. XYZ said little.", "en"),
        ],
    )
    def test_not_without_brackets_right_after_it(self, body: str, language: str) -> None:
        tags = _tag(body, language)
        tag = next(t for t in tags.actors if t.id == "Q8901")
        assert all(m.text[:1] != "K" and m.text != "XYZ" for m in tag.mentions)


class TestOrdinal:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            (
                "The 3rd District Court of Appeal in Springfield ruled on Friday.",
                "3rd District Court of Appeal",
            ),
            ("Troops of the 2nd Mountain Brigade landed.", "2nd Mountain Brigade"),
        ],
    )
    def test_an_ordinal_is_part_of_the_name(self, body: str, name: str) -> None:
        assert name in _orgs(_tag(body, "en"))

    def test_not_a_holders_rank(self) -> None:
        assert not _orgs(_tag("He was the 4th Police Chief of the city.", "en"))


class TestGermanAdjectiveOfTheName:
    def test_a_long_adjective_is_part_of_the_name(self) -> None:
        body = "Der Vorstand des Bayerischen Fischereivereins tagte am Montag."
        assert "Bayerischen Fischereivereins" in _orgs(_tag(body, "de"))

    def test_without_an_organisations_word_no_organisation(self) -> None:
        assert not _orgs(_tag("Der Verkauf des Österreichischen Sommerweins lief gut.", "de"))


class TestRegionOfAnOrganisation:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("El Banco del Sur anunció un crédito nuevo.", "es", "Banco del Sur"),
            ("Le Conseil du Sud a voté la motion.", "fr", "Conseil du Sud"),
        ],
    )
    def test_a_small_word_after_de_is_the_region(self, body: str, language: str, name: str) -> None:
        assert name in _orgs(_tag(body, language))

    def test_not_without_de(self) -> None:
        assert not any("About" in o for o in _orgs(_tag("He wrote to the Bank About the loan.", "en")))
