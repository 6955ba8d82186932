"""Unknown organisations' tags revised by the words around them (issue 12, ``tagging/org_spans.py``).

Made-up sentences only (never an evaluation story): each rule has one it must change and a
near miss it must leave alone, in two languages or more where the rule is about words.
"""

from __future__ import annotations

import pytest

from processors import Tags
from processors.tagging.org_spans import revise
from schemas.models import Mention, Tag, TextField
from tests.processors.test_names_classes import _actors, _tag


def _orgs(tags: Tags) -> dict[str, Tag]:
    return {t.name: t for t in tags.actors if t.id.startswith("name:") and t.type == "organization"}


class TestWeakAcronyms:
    @pytest.mark.parametrize(
        ("body", "language", "acronym"),
        [
            ("Los once titulares del partido.\n\nPREVIA\n\nEl equipo llega con dudas.", "es", "PREVIA"),
            ("Team line-ups below.\n\n| RHEL | SLES |\n\nThe match starts at noon.", "en", "RHEL"),
            ("Mehr dazu (http://example.org/KAFOR.de.html) im Netz, sagte die Stiftung.", "de", "KAFOR"),
            ("The British Virgin Islands (BVI) governor called for calm. The BVI is small.", "en", "BVI"),
            ("La oposición pidió tratar #BoletaLimpia en la sesión del jueves.", "es", "BoletaLimpia"),
            ("Follow us on Twitter @HarbourGazette for more news on the port.", "en", "HarbourGazette"),
        ],
    )
    def test_a_heading_an_address_or_a_place_abbreviation_is_no_organisation(
        self, body: str, language: str, acronym: str
    ) -> None:
        assert acronym not in _orgs(_tag(body, language))

    @pytest.mark.parametrize(
        ("body", "language", "acronym"),
        [
            ("El equipo llega con dudas, dijo la FECOL en un comunicado.", "es", "FECOL"),
            ("EDMONTON, Ky (WBKO) - A fire broke out on Sunday at a farm.", "en", "WBKO"),
            ("Die Stiftung Warentest und die KAFOR prüfen den Fall.", "de", "KAFOR"),
            ("La oposición y BoletaLimpia pidieron la sesión del jueves.", "es", "BoletaLimpia"),
        ],
    )
    def test_an_acronym_in_running_text_stays(self, body: str, language: str, acronym: str) -> None:
        assert acronym in _orgs(_tag(body, language))


class TestBranches:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("“It hurts,” he told CBC Toronto on Monday.", "en", "CBC Toronto"),
            ("Der Fall kommt vor das OLG Köln als zweite Instanz.", "de", "OLG Köln"),
        ],
    )
    def test_an_acronym_before_a_city_names_its_branch(self, body: str, language: str, name: str) -> None:
        orgs = _orgs(_tag(body, language))
        assert name in orgs
        assert name.split(maxsplit=1)[0] in orgs[name].aliases

    def test_an_acronym_in_a_city_keeps_its_name(self) -> None:
        assert "CBC" in _orgs(_tag("The CBC in Toronto said so on Monday.", "en"))


class TestKindWords:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("“Es imposible”, aseguró a la red Erbol el lunes.", "es", "Erbol"),
            ("Les éditions Allia viennent de rééditer le livre.", "fr", "Allia"),
            ("Segundo o jornal Folha Paulista, o caso foi arquivado.", "pt", "Folha Paulista"),
            ("Betting company Dunmore's pitch to build a casino failed.", "en", "Dunmore"),
        ],
    )
    def test_a_kind_word_before_a_name_makes_it_an_organisation(
        self, body: str, language: str, name: str
    ) -> None:
        assert name in _orgs(_tag(body, language))

    def test_the_possessive_is_kept_as_a_form(self) -> None:
        orgs = _orgs(_tag("Betting company Dunmore's pitch to build a casino failed.", "en"))
        assert "Dunmore's" in orgs["Dunmore"].aliases

    def test_an_unknown_person_after_a_kind_word_is_retyped(self) -> None:
        # A made-up paper (Novaya Gazeta is a known one since the newspapers' table names it).
        assert (
            _actors(_tag("Lo dijo Volna Gazeta. Volna Gazeta cerró en marzo.", "es"))["Volna Gazeta"]
            == "person"
        )
        tags = _tag("Lo publicó el periódico Volna Gazeta. Volna Gazeta cerró en marzo.", "es")
        assert _actors(tags).get("Volna Gazeta") == "organization"

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("La empresa dijo que la red de agua fue reparada en Lima.", "es"),
            ("La revue Brasil informe, selon le journal Le lundi.", "fr"),
            ("The company Monday said it would appeal.", "en"),
        ],
    )
    def test_no_name_after_a_kind_word_no_organisation(self, body: str, language: str) -> None:
        orgs = _orgs(_tag(body, language))
        assert not {"Brasil", "Le", "Monday", "Lima"} & set(orgs)

    def test_a_role_after_a_kind_word_is_a_person(self) -> None:
        tags = _tag("The company President John Smith said it would appeal.", "en")
        assert _actors(tags).get("John Smith") == "person"
        assert not _orgs(tags)

    def test_an_article_before_a_person_read_there(self) -> None:
        tags = _tag("The newspaper The Daily Harbour said so on Monday.", "en")
        assert _actors(tags).get("Daily Harbour") == "organization"

    def test_german_is_left_to_the_reader(self) -> None:
        # German capitalises the kind's word too ("die Firma Acme"): the name reader's descriptor rule.
        assert "Acme" not in _orgs(_tag("Das sagte die firma Acme am Montag.", "de"))


def _tag_of(name: str, kind: str, evidence: str, text: str) -> Tag:
    start = text.index(name)
    mention = Mention(field="body", start=start, end=start + len(name), text=name)
    return Tag(
        id="name:" + name.casefold().replace(" ", "-"),
        name=name,
        type=kind,
        mentions=(mention,),
        evidence=(evidence,),
    )


def _place(name: str, text: str) -> Tag:
    start = text.index(name)
    mention = Mention(field="body", start=start, end=start + len(name), text=name)
    return Tag(id="1", name=name, type="city", mentions=(mention,))


class TestTeamsAndDesignations:
    @pytest.mark.parametrize("name", ["Boston Celtics", "Philadelphia 76ers"])
    def test_a_city_and_a_plural_is_a_team(self, name: str) -> None:
        text = f"The {name} won again on Sunday."
        person = _tag_of(name, "person", "", text)
        texts: dict[TextField, str] = {"title": "", "body": text}
        (out,) = revise((person,), texts, [_place(name.split(maxsplit=1)[0], text)], "en")
        assert out.type == "organization"

    @pytest.mark.parametrize("evidence", ["unknown name: given name Austin", "unknown name: title Coach"])
    def test_a_person_named_after_a_city_stays(self, evidence: str) -> None:
        text = "Austin Rivers won again on Sunday."
        person = _tag_of("Austin Rivers", "person", evidence, text)
        texts: dict[TextField, str] = {"title": "", "body": text}
        (out,) = revise((person,), texts, [_place("Austin", text)], "en")
        assert out.type == "person"

    def test_a_designation_after_a_name_goes(self) -> None:
        tags = _tag("A Puerto Rico Police Department K-9 alerted the agents.", "en")
        assert "Puerto Rico Police Department" in _orgs(tags)

    def test_a_number_in_a_name_stays(self) -> None:
        text = "The Harbour Radio 2 newsroom said so."
        org = _tag_of("Harbour Radio 2", "organization", "unknown name: organisation cue Radio", text)
        texts: dict[TextField, str] = {"title": "", "body": text}
        (out,) = revise((org,), texts, [], "en")
        assert out.name == "Harbour Radio 2"


class TestRemits:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Ele foi preso pela Coordenação de Repressão a Crimes Contra Instituições Financeiras, do Draco.",
                "pt",
                "Coordenação de Repressão a Crimes Contra Instituições Financeiras",
            ),
            (
                "La Fiscalía Especializada contra Delitos Electorales abrió una investigación.",
                "es",
                "Fiscalía Especializada contra Delitos Electorales",
            ),
        ],
    )
    def test_a_name_goes_on_to_its_remit(self, body: str, language: str, name: str) -> None:
        assert name in _orgs(_tag(body, language))

    def test_not_over_a_person(self) -> None:
        tags = _tag("Lo acusó ante el Tribunal Supremo a Juan Pérez Gómez, dijo Juan Pérez Gómez.", "es")
        assert _actors(tags).get("Juan Pérez Gómez") == "person"
        assert "Tribunal Supremo" in _orgs(tags)

    def test_not_after_a_one_word_institution(self) -> None:
        assert not any(" a " in n for n in _orgs(_tag("Lo entregó la Policía a Interpol ayer.", "es")))


class TestGermanKindBeforeAnEnglishName:
    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ("Die Meeresbodenbehörde The Crown Estate vergab die Flächen.", "The Crown Estate"),
            (
                "Den Zuschlag bekam der staatliche Fonds Nordlicht Harbour Partners.",
                "Nordlicht Harbour Partners",
            ),
        ],
    )
    def test_the_german_kind_goes(self, body: str, name: str) -> None:
        assert name in _orgs(_tag(body, "de"))

    def test_a_german_name_keeps_its_kind(self) -> None:
        assert "Firma Müller Logistik GmbH" in _orgs(_tag("Die Firma Müller Logistik GmbH berichtet.", "de"))

    def test_only_in_german(self) -> None:
        orgs = _orgs(_tag("The Gruppe The Harbour Partners said so on Monday.", "en"))
        assert "Harbour Partners" not in orgs
