"""The normalizer's offset map, the knowledge base's contents and the build's inflection rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors import KnowledgeBase
from processors.kb import Case, Kind, Relation, case_rule
from processors.kb_build.forms import oblast_english_names, ru_noun_forms, ru_oblast_forms, uk_noun_forms
from processors.text import normalize, normalize_key


class TestNormalize:
    @pytest.mark.parametrize(
        ("text", "needle", "expected"),
        [
            ("Russia’s troops", "russia's", "Russia’s"),
            ("Straße nach Kursk", "kursk", "Kursk"),  # ß expands to ss: offsets must shift back
            ("İstanbul and Kyiv", "kyiv", "Kyiv"),  # İ casefolds to two characters
            ("Russia–Ukraine border", "russia-ukraine", "Russia–Ukraine"),
            ("ＮＡＴＯ summit", "nato", "ＮＡＴＯ"),
            ("Королёв и Белгород", "королев", "Королёв"),
        ],
    )
    def test_span_maps_back_to_original(self, text: str, needle: str, expected: str) -> None:
        norm = normalize(text)
        i = norm.text.index(needle)
        s, e = norm.span(i, i + len(needle))
        assert text[s:e] == expected

    @given(st.text(max_size=60))
    def test_every_normalized_char_maps_inside_the_original(self, text: str) -> None:
        norm = normalize(text)
        for i in range(len(norm.text)):
            s, e = norm.span(i, i + 1)
            assert 0 <= s < e <= len(text)

    def test_key_normalization_matches_text_normalization(self) -> None:
        assert normalize_key("Côte d’Ivoire") == normalize("Côte d'Ivoire").text


class TestCaseRule:
    @pytest.mark.parametrize(
        ("alias", "rule"),
        [
            ("US", Case.UPPER),
            ("U.S.", Case.UPPER),
            ("NATO", Case.CAPITAL),
            ("Russia", Case.CAPITAL),
            ("the Kremlin", Case.ANY),
            ("российские", Case.ANY),
        ],
    )
    def test_rule_from_spelling(self, alias: str, rule: Case) -> None:
        assert case_rule(alias) is rule


class TestInflection:
    @pytest.mark.parametrize(
        ("fn", "word", "forms"),
        [
            (ru_noun_forms, "Россия", {"России", "Россию", "Россией"}),
            (ru_noun_forms, "Украина", {"Украины", "Украине", "Украину", "Украиной"}),
            (ru_noun_forms, "Брюссель", {"Брюсселя", "Брюсселе", "Брюсселем"}),
            (ru_noun_forms, "Киев", {"Киева", "Киеве", "Киевом"}),
            (uk_noun_forms, "Україна", {"України", "Україні", "Україну", "Україною"}),
            (uk_noun_forms, "Київ", {"Києва", "Києві"}),
            (uk_noun_forms, "Харків", {"Харкова", "Харкові"}),
            (uk_noun_forms, "Америка", {"Америці"}),
            (ru_oblast_forms, "Белгородская область", {"Белгородской области", "Белгородскую область"}),
            (ru_oblast_forms, "Харківська область", {"Харківській області", "Харківської області"}),
        ],
    )
    def test_forms(self, fn: object, word: str, forms: set[str]) -> None:
        assert callable(fn)
        assert forms <= fn(word)

    def test_indeclinable_names_have_no_forms(self) -> None:
        assert ru_noun_forms("Осло") == set()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


class TestKnowledgeBase:
    def test_load_is_cached(self, kb: KnowledgeBase) -> None:
        assert KnowledgeBase.load() is kb

    @pytest.mark.parametrize(
        ("surface", "entity"),
        [
            ("Russia", "RU"),
            ("России", "RU"),
            ("Росії", "RU"),
            ("Rusia", "RU"),
            ("Russie", "RU"),
            ("Russland", "RU"),
            ("Украине", "UA"),
            ("Україні", "UA"),
            ("Ucrania", "UA"),
            ("the US", None),
            ("UK", "GB"),
            ("Брюсселе", "2800866"),
            ("Bruselas", "2800866"),
            ("Белгородской области", "RU-BEL"),
            ("Kharkiv region", "UA-63"),
            ("Харківщині", "UA-63"),
            ("Georgia", "US-GA"),
            ("Georgia", "GE"),
        ],
    )
    def test_place_names(self, kb: KnowledgeBase, surface: str, entity: str | None) -> None:
        ids = {s.entity for s in kb.lookup(surface) if s.relation is Relation.NAME}
        if entity is None:
            assert ids == set()  # "the US" is matched as "US" inside the text, not as a key
        else:
            assert entity in ids

    @pytest.mark.parametrize(
        ("surface", "country"),
        [
            ("Russian", "RU"),
            ("rusos", "RU"),
            ("russe", "RU"),
            ("russische", "RU"),
            ("российские", "RU"),
            ("российских", "RU"),
            ("російські", "RU"),
            ("Ukrainian", "UA"),
            ("украинской", "UA"),
            ("Norwegian", "NO"),
        ],
    )
    def test_demonyms(self, kb: KnowledgeBase, surface: str, country: str) -> None:
        assert any(s.entity == country and s.relation is Relation.DEMONYM for s in kb.lookup(surface))

    def test_every_capital_metonym_is_a_capital_city(self, kb: KnowledgeBase) -> None:
        for place_id, actor_id in kb.capital_metonyms.items():
            place = kb.get(place_id)
            assert place.kind is Kind.PLACE
            assert place.type == "city"
            assert place.population > 100_000, place.name
            assert kb.get(actor_id).kind is Kind.ACTOR

    @pytest.mark.parametrize(
        ("actor_id", "name"),
        [
            ("Q159", "Russia"),
            ("Q212", "Ukraine"),
            ("Q30", "United States"),
            ("Q7184", "NATO"),
            ("Q57614", "Jens Stoltenberg"),
            ("Q29540", "Sergei Lavrov"),
            ("state:MT", "Malta"),
        ],
    )
    def test_actors(self, kb: KnowledgeBase, actor_id: str, name: str) -> None:
        assert kb.get(actor_id).name == name

    def test_people_have_dated_roles(self, kb: KnowledgeBase) -> None:
        roles = kb.get("Q57614").roles
        assert roles[0].role == "NATO Secretary General"
        assert (roles[0].start, roles[0].end) == ("2014-10-01", "2024-10-01")

    def test_region_members_are_known_places(self, kb: KnowledgeBase) -> None:
        for ent in kb.entities.values():
            if ent.kind is Kind.REGION:
                for member in ent.members:
                    assert member in kb.entities, (ent.id, member)


class TestOblastNames:
    @pytest.mark.parametrize(
        ("name", "cities", "expected"),
        [
            ("Tverskaya oblast'", {"tver": "Tver"}, "Tver Oblast"),
            ("Kurskaya oblast'", {"kursk": "Kursk"}, "Kursk Oblast"),
            ("Sumska oblast", {"sumy": "Sumy"}, "Sumy Oblast"),
            ("Poltavska oblast", {"poltava": "Poltava"}, "Poltava Oblast"),
            ("Krasnodarskiy kray", {"krasnodar": "Krasnodar"}, "Krasnodar Krai"),
        ],
    )
    def test_english_name_from_the_regional_centre(
        self, name: str, cities: dict[str, str], expected: str
    ) -> None:
        assert expected in oblast_english_names(name, cities)

    def test_no_invented_names(self) -> None:
        assert oblast_english_names("Kaluzhskaya oblast'", {"kaluga": "Kaluga"}) == set()
