"""What the words around an unknown name say of it (``processors/tagging/name_cues.py``, issue 12).

Made-up sentences of each class (never an evaluation story), a positive case and a near miss,
in two or more languages where the rule is about language: people listed with people,
nicknames, photo credits and quote attributions, "Al" as a given name, "former" before what
someone was, an upper-case rank before a given name, a German genitive before its noun,
compound Spanish given names.
"""

from __future__ import annotations

import pytest

from processors import Tags
from processors.tagging.name_claims import _named_after, _title_of
from processors.tagging.name_cues import after_former, cited, listed_gap, nicknamed, surname_lists
from processors.tagging.words import Token, tokens_of
from tests.processors.test_names_classes import _tag  # the names tests' one tagger


def _names(tags: Tags) -> dict[str, str]:
    """Name -> type of the unknown names' tags."""
    return {t.name: t.type for t in tags.actors if t.id.startswith("name:")}


class TestListedWithPeople:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Elizabeth Ramirez, Kristie Mayhugh and Anna Vasquez were sentenced last year.",
                "en",
                "Kristie Mayhugh",
            ),
            (
                "El tribunal, integrado por Mesalina Fernández y Gloria Hermosa, condenó a cuatro.",
                "es",
                "Mesalina Fernández",
            ),
            (
                "Zur Jury gehörten Yorrick Babelsberg und Anna Schmidt aus Leipzig.",
                "de",
                "Yorrick Babelsberg",
            ),
        ],
    )
    def test_a_name_in_a_list_of_people_is_a_person(self, body: str, language: str, name: str) -> None:
        assert _names(_tag(body, language)).get(name) == "person"

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("The shop sells Velvet Thunder and other lagers to visitors.", "en"),
            ("Anna Vasquez arrived. Velvet Thunder opened later that night.", "en"),
            ("La tienda vende Sombra Dorada y otras cervezas.", "es"),
        ],
    )
    def test_a_name_alone_or_beside_no_person_stays_unsure(self, body: str, language: str) -> None:
        names = _names(_tag(body, language))
        assert "Velvet Thunder" not in names
        assert "Sombra Dorada" not in names

    def test_list_gaps(self) -> None:
        assert listed_gap(", ")
        assert listed_gap(" and ")
        assert listed_gap(", and ")
        assert listed_gap(" y ")
        assert listed_gap(" und ")
        assert not listed_gap(" with ")
        assert not listed_gap(". ")


class TestNicknames:
    @pytest.mark.parametrize(
        ("body", "language", "name", "nick"),
        [
            (
                'Se mostró junto a Eduardo "Wado" de Pedro en la Casa Rosada.',
                "es",
                "Eduardo de Pedro",
                "Wado",
            ),
            (
                "Incluyó además a Fernando “El Chino” Navarro, otro dirigente.",
                "es",
                "Fernando Navarro",
                "El Chino",
            ),
            (
                'The fight featured Michael "The Hammer" Dorsey at the arena.',
                "en",
                "Michael Dorsey",
                "The Hammer",
            ),
        ],
    )
    def test_a_quoted_nickname_inside_a_name(self, body: str, language: str, name: str, nick: str) -> None:
        tags = _tag(body, language)
        tag = next(t for t in tags.actors if t.name == name)
        assert tag.type == "person"
        assert nick in tag.aliases

    def test_a_quote_after_a_word_that_is_no_given_name(self) -> None:
        assert not list(nicknamed('Das Wort "Sommer" Gestern war ein Tag.', lambda w: w == "peter"))
        assert not list(nicknamed('He said "Hello" Thomas and left.', lambda w: w == "peter"))

    def test_the_nickname_needs_a_capital(self) -> None:
        assert not list(nicknamed('Michael "the hammer" Dorsey won.', lambda w: w == "michael"))
        found = list(nicknamed('Michael "The Hammer" Dorsey won.', lambda w: w == "michael"))
        assert [(base, nick) for _, base, nick in found] == [("Michael Dorsey", "The Hammer")]


class TestCited:
    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            ("La protesta frente al Congreso (Foto: Natacha Pisarenko/Pool).", "es", "Natacha Pisarenko"),
            ("Un mélange de charme et d'ironie, selon Kriss Graffiti.", "fr", "Kriss Graffiti"),
            ("„Das ist wichtig“, so Ilvy Trautwein vom Verein in Köln.", "de", "Ilvy Trautwein"),
            ("Prices will rise, according to Orvin Paltry of the bank.", "en", "Orvin Paltry"),
        ],
    )
    def test_a_name_after_a_credit_or_an_attribution_is_a_person(
        self, body: str, language: str, name: str
    ) -> None:
        assert _names(_tag(body, language)).get(name) == "person"

    def test_positions(self) -> None:
        text = "(Foto: Natacha Pisarenko) und so Weltweite Strahlkraft"
        assert cited(text, text.index("Natacha"))
        assert not cited(text, text.index("Weltweite"))  # "so" only after a quote
        assert not cited("Velvet Thunder", 0)


class TestAroundAName:
    def test_al_is_a_given_name_in_english(self) -> None:
        tags = _tag("He was hit in the face by Al Horford late on. Horford said sorry.", "en")
        assert _names(tags).get("Al Horford") == "person"

    def test_al_is_a_word_in_spanish(self) -> None:
        tags = _tag("Al Horford le gusta el tenis. Horford juega bien.", "es")
        assert "Al Horford" not in _names(tags)

    @pytest.mark.parametrize(
        ("body", "language", "name", "not_name"),
        [
            (
                "Early points came against former Sixer Jrue Holiday, the shortest player.",
                "en",
                "Jrue Holiday",
                "Sixer Jrue Holiday",
            ),
            (
                "Er traf den ehemaligen Bayern-Spieler Kai Havertz nicht; der ehemalige Schalker Quentin Brandl sagte nichts.",
                "de",
                "Quentin Brandl",
                "Schalker Quentin Brandl",
            ),
        ],
    )
    def test_what_someone_was_after_former(self, body: str, language: str, name: str, not_name: str) -> None:
        names = _names(_tag(body, language))
        assert names.get(name) == "person"
        assert not_name not in names

    def test_former_only_before_what_someone_was(self) -> None:
        def toks(text: str) -> list[Token]:
            return [t for t in tokens_of(text) if t is not None]

        given = {"jrue", "maya"}.__contains__
        text = "came against former Sixer Jrue Holiday"
        assert after_former(text, toks(text), given)
        text = "came against the Sixer Jrue Holiday"  # no "former": the words stay one name
        assert not after_former(text, toks(text), given)
        text = "came against former Maya Linden Okafor"  # a given name first: no role
        assert not after_former(text, toks(text), given)

    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Anwesend war auch Sachgebietsleiter OBR Klaus Tschabuschnig aus Graz.",
                "de",
                "Klaus Tschabuschnig",
            ),
            ("The medal went to SSG Mark Delaney, who said he was proud.", "en", "Mark Delaney"),
        ],
    )
    def test_an_upper_case_rank_before_a_given_name(self, body: str, language: str, name: str) -> None:
        assert name in _names(_tag(body, language))

    def test_an_acronym_before_no_given_name_stays(self) -> None:
        names = _names(_tag("Die Firma OBR Velvet Thunder baut Maschinen.", "de"))
        assert "Velvet Thunder" not in names

    def test_a_german_genitive_before_its_noun(self) -> None:
        body = "Frank Wisbar drehte hier. Es entstanden Frank Wisbars Antikriegsfilme und mehr."
        names = _names(_tag(body, "de"))
        assert names.get("Frank Wisbar") == "person"
        assert "Frank Wisbars Antikriegsfilme" not in names

    def test_a_genitive_without_its_base_form_is_left_alone(self) -> None:
        body = "Es entstanden Frank Wisbars Antikriegsfilme und mehr."
        assert "Frank Wisbar" not in _names(_tag(body, "de"))

    @pytest.mark.parametrize(
        ("body", "language", "name"),
        [
            (
                "Estuvo acompañado por su hija, Dania María Vergara, en el trámite.",
                "es",
                "Dania María Vergara",
            ),
            ("Ele chegou com Jocelina Maria Vergara ao tribunal ontem.", "pt", "Jocelina Maria Vergara"),
        ],
    )
    def test_a_compound_given_name(self, body: str, language: str, name: str) -> None:
        assert _names(_tag(body, language)).get(name) == "person"

    def test_a_place_named_after_a_compound_given_name_is_no_person(self) -> None:
        assert not _names(_tag("La Plaza María Auxiliadora está cerca del río.", "es"))


class TestGivenNameAlone:
    @pytest.mark.parametrize(
        ("body", "language", "names"),
        [
            ("They farm with his wife, Patty, and their son, Alec, near town.", "en", {"Patty", "Alec"}),
            ("« C'est difficile », glisse Zineb, étudiante en lettres.", "fr", {"Zineb"}),
            ("Llegó con su hija, Lucía, y con Bobby, su hermano mayor, al juicio.", "es", {"Lucía", "Bobby"}),
        ],
    )
    def test_a_relative_or_a_speaker_named_by_a_given_name(
        self, body: str, language: str, names: set[str]
    ) -> None:
        found = _names(_tag(body, language))
        assert {n for n in names if found.get(n) == "person"} == names

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("Patty arrived late and Alec left early.", "en"),  # no kin, no speech verb
            ("Il est venu avec Zineb hier soir.", "fr"),
            ("His wife, Velvetine, came too.", "en"),  # no known given name
        ],
    )
    def test_a_given_name_alone_without_a_cue_is_nobody(self, body: str, language: str) -> None:
        assert not _names(_tag(body, language))

    def test_a_given_name_of_a_person_named_in_full_is_theirs(self) -> None:
        tags = _tag("Patty Lindqvist spoke first. Later her husband, Tom, and her sister, Patty, came.", "en")
        names = _names(tags)
        assert "Patty" not in names
        patty = next(t for t in tags.actors if t.name == "Patty Lindqvist")
        assert [m.text for m in patty.mentions] == ["Patty Lindqvist", "Patty"]
        assert names.get("Tom") == "person"


class TestPersonsInsideNames:
    @pytest.mark.parametrize(
        "body",
        [
            "Montreal-Pierre Elliott Trudeau International Airport had 88 delays.",
            "Flights left Barack Obama International Airport late.",
        ],
    )
    def test_a_known_person_inside_an_airport_name_is_no_mention(self, body: str) -> None:
        tags = _tag(body, "en")
        assert not [t for t in tags.actors if t.type == "person"]

    def test_named_after_words(self) -> None:
        text = "Pierre Elliott Trudeau International Airport; Trump Visits Stadium; Obama Prize"
        assert _named_after(text, text.index(" International"))
        assert not _named_after(text, text.index(" Visits"))  # a Title Case headline's verb
        assert _named_after(text, text.index(" Prize"))

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            ("Donald Trump Visits Stadium In Ohio", "en"),
            ("Donald Trump said the airport would reopen.", "en"),
            ("Donald Trump visitó el aeropuerto de Miami.", "es"),
        ],
    )
    def test_a_person_before_other_words_stays(self, body: str, language: str) -> None:
        assert "Donald Trump" in {t.name for t in _tag(body, language).actors}


class TestNamesakes:
    def test_a_title_the_known_person_never_held_names_the_namesake(self) -> None:
        body = 'Trump\'s opponent Jeb Bush was named. "It is not true that Governor Bush knew," she said.'
        tags = _tag(body, "en")
        jeb = next(t for t in tags.actors if t.name == "Jeb Bush")
        assert {m.text for m in jeb.mentions} == {"Jeb Bush", "Governor Bush"}
        assert "George W. Bush" not in {t.name for t in tags.actors}

    def test_without_a_namesake_the_title_stays_the_known_persons(self) -> None:
        tags = _tag('"It is not true that Governor Bush knew," she said.', "en")
        assert "George W. Bush" in {t.name for t in tags.actors}

    def test_titles(self) -> None:
        assert _title_of("Governor Bush") == "governor"
        assert _title_of("Gov. Bush") == "governor"
        assert _title_of("President Obama") == "president"
        assert not _title_of("Bush")
        assert not _title_of("George W. Bush")


class TestSurnameLists:
    @pytest.mark.parametrize(
        ("body", "language", "names"),
        [
            (
                "Moisés Caicedo marcó.\n\n- Brighton: Sánchez, Veltman, Dunk, Caicedo, Bissouma y Welbeck.",
                "es",
                {"Sánchez", "Veltman", "Dunk", "Bissouma", "Welbeck"},
            ),
            (
                "Tom Okafor scored twice.\n\nStarters: Okafor, Brandvik, Lutterell, Dansby and Mercado.",
                "en",
                {"Brandvik", "Lutterell", "Dansby", "Mercado"},
            ),
        ],
    )
    def test_a_list_of_surnames_with_a_person_of_the_story(
        self, body: str, language: str, names: set[str]
    ) -> None:
        found = _names(_tag(body, language))
        assert {n for n in names if found.get(n) == "person"} == names

    @pytest.mark.parametrize(
        ("body", "language"),
        [
            # no person of the story among them
            ("Starters: Brandvik, Lutterell, Dansby, Okafor and Mercado.", "en"),
            # places among them
            ("Tom Okafor visited Okafor, Getafe, Leganés, Alcorcón y Móstoles.", "es"),
        ],
    )
    def test_a_list_without_people_or_with_places_is_no_list_of_people(
        self, body: str, language: str
    ) -> None:
        found = _names(_tag(body, language))
        assert "Brandvik" not in found
        assert "Getafe" not in found

    def test_the_lists(self) -> None:
        text = (
            "gracias a Caicedo, Cucurella, GroB y Trossard. Canales: TUDN App, Paramount+, CBS y Univision."
        )
        lists = [[[t.text for t in item] for item in items] for items in surname_lists(text)]
        assert lists == [[["Caicedo"], ["Cucurella"], ["GroB"], ["Trossard"]]]
