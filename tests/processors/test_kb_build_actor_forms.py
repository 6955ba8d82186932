"""Case forms of actors' names (kb_build/actor_forms.py) and unknown names in the nominative."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors import KnowledgeBase, Tagger, Tags
from processors.kb import DATA_DIR
from processors.kb_build.actor_forms import (
    actor_forms,
    org_forms,
    person_forms,
    ru_person_forms,
    uk_person_forms,
    wikidata_genders,
)
from processors.tagging.names import given_names
from processors.tagging.nominative import Nominatives
from schemas.models import Story

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LAVROV, ZELENSKY, EU, NATO, PUTIN = "Q29540", "Q3874799", "Q458", "Q7184", "Q7747"


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _tag(body: str, language: str) -> Tags:
    story = Story(
        id="t", title="", body=body, language=language, source="test", content_hash="h", ingested_at=NOW
    )
    return _tagger().tag(story)


class TestRussianUkrainianPeople:
    def test_russian_full_name_and_surname(self) -> None:
        forms = ru_person_forms("Сергей Лавров", "male")
        assert {"Сергея Лаврова", "Сергею Лаврову", "Сергеем Лавровым", "Сергее Лаврове"} == forms
        assert ru_person_forms("Лавров", "male", surname_only=True) == {
            "Лаврова",
            "Лаврову",
            "Лавровым",
            "Лаврове",
        }

    def test_women_and_indeclinable_surnames(self) -> None:
        assert "Ангелой Меркель" in ru_person_forms("Ангела Меркель", "female")
        assert not any("Меркеля" in f for f in ru_person_forms("Ангела Меркель", "female"))
        assert "Сергеем Шойгу" in ru_person_forms("Сергей Шойгу", "male")

    def test_ukrainian(self) -> None:
        forms = uk_person_forms("Володимир Зеленський", "male")
        assert {"Володимиром Зеленським", "Володимира Зеленського", "Володимиру Зеленському"} <= forms
        assert "Зеленському" in uk_person_forms("Зеленський", "male", surname_only=True)

    def test_actor_gets_its_lone_surnames_only_if_it_has_them(self) -> None:
        actor = {"id": "x", "name": "Sergei Lavrov", "type": "person", "aliases": ["Сергей Лавров", "Лавров"]}
        assert {"Лаврову", "Сергеем Лавровым"} <= actor_forms(actor, curated=True)
        no_surname = {**actor, "aliases": ["Сергей Лавров"]}
        assert "Лаврову" not in actor_forms(no_surname, curated=False)


class TestOrganisations:
    def test_head_noun_and_its_adjectives_decline_the_complement_stays(self) -> None:
        assert {"Европейского союза", "Европейским союзом", "Европейском союзе"} <= org_forms(
            "Европейский союз", "ru"
        )
        assert {"Министерства обороны России", "Министерством обороны России"} <= org_forms(
            "Министерство обороны России", "ru"
        )
        assert "Міністерством оборони України" in org_forms("Міністерство оборони України", "uk")
        assert {"Евросоюза", "Евросоюзе"} <= org_forms("Евросоюз", "ru")

    def test_acronyms_and_unknown_words_get_nothing(self) -> None:
        assert org_forms("ЧВК Вагнер", "ru") == set()
        assert org_forms("НАТО", "ru") == set()


class TestPolish:
    def test_men_and_women(self) -> None:
        assert person_forms("Viktor Orbán") == {"Viktora Orbána", "Viktorowi Orbánowi", "Viktorem Orbánem"}
        assert person_forms("Radosław Sikorski") >= {"Radosława Sikorskiego", "Radosławem Sikorskim"}
        women = person_forms("Angela Merkel", feminine=True)
        assert women == {"Angeli Merkel", "Angelą Merkel", "Angelę Merkel"}
        assert "Kai Kallas" in person_forms("Kaja Kallas", feminine=True)
        assert not any("Merkela" in f for f in women)  # a woman's foreign surname does not decline

    def test_generated_people_get_full_names_only_and_not_cyrillic_states(self) -> None:
        orban = {
            "id": "q",
            "name": "Viktor Orbán",
            "type": "person",
            "country": "HU",
            "aliases": ["Viktor Orban"],
        }
        assert "Orbána" not in actor_forms(orban, curated=False)
        assert "Viktorem Orbánem" in actor_forms(orban, curated=False)
        lavrov = {"id": "q", "name": "Sergey Lavrov", "type": "person", "country": "RU", "aliases": []}
        assert actor_forms(lavrov, curated=False) == set()


class TestGender:
    def test_wikidata_gender_by_qid_from_peppercat(self, tmp_path: Path) -> None:
        folder = tmp_path / "peppercat" / "docs" / "leaders" / "spain"
        folder.mkdir(parents=True)
        (folder / "bio.csv").write_text(
            "id,name,gender,dob\nQ10287,Manuel Valls,male,1962\nQ1,Someone,,\n", encoding="utf-8"
        )
        assert wikidata_genders(tmp_path) == {"Q10287": "male"}
        assert wikidata_genders(tmp_path / "missing") == {}

    def test_stated_gender_wins_over_the_given_names_guess(self) -> None:
        valls = {"id": "Q10287", "name": "Manuel Valls", "type": "person", "aliases": ["Мануэль Вальс"]}
        assert "Мануэля Вальса" not in actor_forms(valls, curated=False)  # the detector: a woman's name
        assert "Мануэля Вальса" in actor_forms({**valls, "gender": "male"}, curated=False)


class TestTagged:
    @pytest.mark.parametrize(
        ("text", "lang", "actor"),
        [
            ("Путин встретился с Сергеем Лавровым в Москве.", "ru", LAVROV),
            ("Об этом заявил Лаврову министр.", "ru", LAVROV),
            ("Президент поговорил с Владимиром Зеленским.", "ru", ZELENSKY),
            ("Представители Евросоюза и Европейского союза обсудили санкции.", "ru", EU),
            ("Решение Североатлантического альянса.", "ru", NATO),
            ("Прем'єр зустрівся з Володимиром Зеленським у Києві.", "uk", ZELENSKY),
            ("Відповідь Путіна була різкою.", "uk", PUTIN),
        ],
    )
    def test_oblique_forms_tag_the_actor(self, text: str, lang: str, actor: str) -> None:
        assert actor in {t.id for t in _tag(text, lang).actors}


@pytest.fixture
def nominative() -> Nominatives:
    given = frozenset({"сергей", "сергій", "radosław", "władimir"})
    endings = {
        "ru": {
            "given": [["еем", "ей", "ins"], ["ея", "ей", "gen"]],
            "surname": [["вым", "в", "ins"], ["ва", "в", "gen"]],
        },
        "pl": {"given": [["awem", "aw", "ins"]], "surname": [["kim", "ki", "ins"]]},
    }
    return Nominatives(endings, given)


class TestNominativeOfUnknownNames:
    def test_oblique_to_nominative(self, nominative: Nominatives) -> None:
        assert nominative.of("Сергеем Лавровым", "ru") == "Сергей Лавров"
        assert nominative.of("Сергея Лаврова", "ru") == "Сергей Лавров"
        assert nominative.of("Radosławem Sikorskim", "pl") == "Radosław Sikorski"

    def test_left_alone(self, nominative: Nominatives) -> None:
        assert nominative.of("Сергей Лавров", "ru") == "Сергей Лавров"  # already a given name
        assert nominative.of("Сергеем Лавровым", "de") == "Сергеем Лавровым"  # no rules
        assert nominative.of("Сергеем Лаврова", "ru") == "Сергеем Лаврова"  # cases disagree
        assert nominative.of("Главой МИД", "ru") == "Главой МИД"  # no known given name

    def test_unknown_person_in_the_instrumental_gets_the_nominative_id(self) -> None:
        tags = _tag("Министр встретился с Radosławem Sikorskim w Warszawie.", "pl")
        ids = {t.id for t in tags.actors}
        assert "name:radoslaw-sikorski" in ids or any(t.name == "Radosław Sikorski" for t in tags.actors)

    def test_the_data_file_knows_common_given_names(self) -> None:
        given = given_names(KnowledgeBase.load())
        assert {"сергей", "владимир", "володимир"} <= given

    def test_with_the_generated_table(self) -> None:
        table = Nominatives.load(DATA_DIR / "name_endings.json", given_names(KnowledgeBase.load()))
        assert table.of("Сергеем Лавровым", "ru") == "Сергей Лавров"
        assert table.of("Михаилом Ивановым", "ru") == "Михаил Иванов"  # a given name of the file's list
        assert table.of("Tomaszem Nowakiem", "pl") == "Tomasz Nowak"  # -kiem, not -em (Mikem: Mike)
        # -ным is Путиным (Путин) and Навальным (Навальный): ambiguous, left as written.
        assert table.of("Алексеем Навальным", "ru") == "Алексеем Навальным"
