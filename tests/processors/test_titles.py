"""Titles resolve to the office's holder on the story's date ("the NATO chief" in 2023 and 2025)."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors import KnowledgeBase, Tagger
from processors.knowledge import overlay
from schemas import KnowledgeEntry, KnowledgeRole, Tag
from tests.factories import make_story

DATA_DIR = Path(__file__).resolve().parents[2] / "processors" / "data"


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _actors(body: str, year: int, tagger: Tagger | None = None) -> dict[str, Tag]:
    story = make_story(title="Statement", body=body, published_at=datetime(year, 6, 15, 12, tzinfo=UTC))
    return {t.id: t for t in (tagger or _tagger()).tag(story).actors}


class TestDatedTitles:
    def test_the_same_title_names_different_holders_in_two_years(self) -> None:
        body = "The NATO chief said allies would send more air defence."
        in_2023, in_2025 = _actors(body, 2023), _actors(body, 2025)
        assert "Q57614" in in_2023  # Jens Stoltenberg
        assert "Q57792" not in in_2023
        assert "Q57792" in in_2025  # Mark Rutte
        assert "Q57614" not in in_2025
        rutte = in_2025["Q57792"]
        assert [m.text for m in rutte.mentions] == ["NATO chief"]
        assert any(e.startswith("title: NATO chief (NATO Secretary General") for e in rutte.evidence)
        assert "Q7184" in in_2025  # the title names its organisation too

    @pytest.mark.parametrize(
        ("body", "year", "holder"),
        [
            ("Russia's foreign minister rejected the plan.", 2023, "Q29540"),  # Lavrov
            ("Le président russe a rejeté le plan.", 2023, "Q7747"),  # Putin
            ("Der russische Außenminister wies den Plan zurück.", 2016, "Q29540"),
            ("The U.S. secretary of state arrived in Kyiv.", 2023, "Q23010"),  # Blinken
            ("The U.S. secretary of state arrived in Kyiv.", 2025, "person:marco-rubio"),
            ("The German chancellor spoke to reporters.", 2019, "Q567"),  # Merkel
            ("The German chancellor spoke to reporters.", 2023, "Q61053"),  # Scholz
            ("Szef NATO ostrzegł Rosję.", 2025, "Q57792"),
            (
                "Генсек НАТО заявил о поддержке.",
                2012,
                "Q46052",
            ),  # Rasmussen (was petrarch:anders-fogh-rasmussen)
            (
                "Il presidente russo ha parlato a Mosca.",
                2010,
                "Q23530",
            ),  # Medvedev (was petrarch:dmitry-medvedev)
        ],
    )
    def test_titles_in_several_languages_and_years(self, body: str, year: int, holder: str) -> None:
        assert holder in _actors(body, year)

    def test_a_former_holder_or_a_name_after_the_title_is_not_the_current_holder(self) -> None:
        former = _actors("Former NATO chief Anders Fogh Rasmussen said allies must do more.", 2023)
        assert "Q57614" not in former
        assert "Q46052" in former  # by his name (Rasmussen, was petrarch:anders-fogh-rasmussen)
        named = _actors("Russian Foreign Minister Sergei Lavrov met his Turkish counterpart.", 2023)
        assert [m.text for m in named["Q29540"].mentions] == ["Sergei Lavrov"]
        no_office_holder = _actors("The president of Ruritania spoke.", 2023)
        assert not any(t.type == "office" for t in no_office_holder.values())

    def test_a_holder_the_story_names_takes_the_title_whatever_the_date(self) -> None:
        # A story stamped today (no dateline) that names its office-holder in apposition.
        body = (
            "The Secretary General of NATO, Jens Stoltenberg, said Russia had not withdrawn. "
            "Stoltenberg spoke in Brussels."
        )
        actors = _actors(body, 2026)
        assert "Q57792" not in actors  # not Mark Rutte, today's holder
        stoltenberg = actors["Q57614"]
        assert "Secretary General of NATO" in [m.text for m in stoltenberg.mentions]
        assert any("named in the story" in e for e in stoltenberg.evidence)
        # Named nowhere: the date decides, as before.
        assert "Q57792" in _actors("The Secretary General of NATO said Russia had not withdrawn.", 2026)

    def test_holders_added_as_knowledge_of_ones_own(self) -> None:
        roe = KnowledgeEntry(
            id="user:jane-roe",
            kind="actor",
            name="Jane Roe",
            type="person",
            roles=(KnowledgeRole(role="NATO Secretary General", org="Q7184", start="2032-10-01"),),
        )
        kb, rejected = overlay(KnowledgeBase.load(), [roe])
        assert rejected == []
        tagger = Tagger(kb)
        assert "user:jane-roe" in _actors("The NATO chief warned Moscow.", 2033, tagger)
        assert "user:jane-roe" not in _actors("The NATO chief warned Moscow.", 2030, tagger)


class TestGeneratedTitles:
    """Every state's leaders by title (``offices_generated.json``, from the Wikidata actor table)."""

    @pytest.mark.parametrize(
        ("body", "year", "holder", "not_holder"),
        [
            ("The Hungarian prime minister spoke in Brussels.", 2008, "Q191337", "Q57641"),  # Gyurcsány
            ("The Hungarian prime minister spoke in Brussels.", 2020, "Q57641", "Q191337"),  # Orbán
            (
                "Poland's foreign minister met his counterparts.",
                2016,
                "Q9375875",
                "Q9388252",
            ),  # Waszczykowski
            ("Poland's foreign minister met his counterparts.", 2022, "Q9388252", "Q9375875"),  # Rau
            ("Der ungarische Außenminister reiste nach Moskau.", 2021, "Q685293", "Q58190"),  # Szijjártó
            ("Premier Węgier spotkał się z kanclerzem.", 2012, "Q57641", "Q191337"),
            ("Премьер-министр Венгрии прибыл в Москву.", 2019, "Q57641", "Q191337"),
            ("Міністр закордонних справ Угорщини заявив про підтримку.", 2016, "Q685293", "Q58190"),
            ("El primer ministro de Hungría visitó Madrid.", 2015, "Q57641", "Q57595"),
            # English short names and initials of the state; a state's own titles for its ministers.
            ("Britain's foreign secretary flew to Kyiv.", 2023, "Q6131460", "Q534727"),  # Cleverly
            ("The UK prime minister spoke in Brussels.", 2025, "Q6383803", "Q20055561"),  # Starmer
            ("Britain's chancellor of the exchequer cut taxes.", 2023, "Q333533", "Q574896"),  # Hunt
            ("The British chancellor cut taxes.", 2025, "Q574896", "Q333533"),  # Reeves
            (
                "The U.S. defense secretary arrived in Kyiv.",
                2023,
                "Q941013",
                "Q33190271",
            ),  # Austin, not Esper
            # The state's adjective before the title, declined (pl, ru, uk).
            ("Węgierski premier spotkał się z kanclerzem.", 2012, "Q57641", "Q191337"),
            ("Zdaniem brytyjskiego premiera to za mało.", 2025, "Q6383803", "Q20055561"),  # Starmer
            ("Zdaniem brytyjskiego premiera to za mało.", 2023, "Q20055561", "Q6383803"),  # Sunak
            ("Глава британской дипломатии прибыл в Киев.", 2025, "Q534727", "Q6131460"),  # Lammy
            ("Британський прем'єр-міністр заявив про підтримку.", 2023, "Q20055561", "Q6383803"),
        ],
    )
    def test_a_title_names_its_holder_on_the_date(
        self, body: str, year: int, holder: str, not_holder: str
    ) -> None:
        actors = _actors(body, year)
        assert holder in actors
        assert not_holder not in actors
        assert any(e.startswith("title: ") for e in actors[holder].evidence)

    def test_no_title_of_a_word_that_is_no_state(self) -> None:
        # Role names that name no state ("United States Secretary of Defense", "Head of State of X")
        # take the state's own name: no "Defense's defense secretary", no "Afghanistan's head".
        data = json.loads((DATA_DIR / "offices_generated.json").read_text(encoding="utf-8"))["offices"]
        english = {p for office in data for p in office["phrases"].get("en", [])}
        assert not {p for p in english if p.startswith(("Defense's", "Treasury's", "State of", "Man's"))}
        assert "Afghanistan's head" not in english
        assert "Afghanistan's head of state" in english

    def test_generated_offices_cover_the_states_and_never_shadow_a_curated_one(self) -> None:
        data = json.loads((DATA_DIR / "offices_generated.json").read_text(encoding="utf-8"))["offices"]
        curated = {
            o["office"]
            for o in json.loads((DATA_DIR / "offices.json").read_text(encoding="utf-8"))["offices"]
        }
        names = [o["office"] for o in data]
        assert len(names) == len(set(names))
        assert not curated & set(names)
        classes = {(o["class"], o["org"]) for o in data}
        assert len({org for _, org in classes}) >= 150  # states with at least one office
        assert {("head_of_government", "HU"), ("foreign", "PL"), ("defence", "KZ")} <= classes
        # Each title phrase names one office only: otherwise a title would name two people.
        seen: dict[str, str] = {}
        for office in data:
            for phrases in office["phrases"].values():
                for phrase in phrases:
                    assert seen.setdefault(phrase.casefold(), office["office"]) == office["office"], phrase
