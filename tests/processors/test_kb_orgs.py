"""International organisations and parties with QIDs (issue 12): ``kb_build/organisations.py``."""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from processors.kb import DATA_DIR, KnowledgeBase, _add_actor
from processors.kb_build.organisations import Org, Policy, build, read_partyfacts, read_supraverden
from processors.text import normalize_key

SHIPPED = DATA_DIR / "actors_orgs.json"


@functools.cache
def _policy() -> Policy:
    return Policy()


@functools.cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


def _by_id() -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in _shipped()["actors"]}


class TestSources:
    def test_supraverden_names_and_abbreviations(self, tmp_path: Path) -> None:
        path = tmp_path / "general_list.yaml"
        path.write_text(
            "World Health Organization:\n  Wikidata_code: Q7817\n  Name_en: World Health Organization\n"
            "  Abbreviation_en: WHO\n  Name_fr: Organisation mondiale de la santé\n  Name_zh: 世界卫生组织\n"
            "Nameless Board:\n  Wikidata_code: '[No code found.]'\n  Name_en: Nameless Board\n"
            "  Abbreviation_en:\n",
            encoding="utf-8",
        )
        who, board = read_supraverden(path)
        assert (who.id, who.type, who.country, who.abbreviations) == ("Q7817", "organization", None, ["WHO"])
        assert ("Organisation mondiale de la santé", "fr") in who.names
        assert all(lang != "zh" for _, lang in who.names)
        assert who.languages == 2
        assert board.id == "org:nameless-board"

    def test_partyfacts_keeps_parties_of_2008_on_and_merges_a_qid(self, tmp_path: Path) -> None:
        (tmp_path / "wikidata.csv").write_text(
            "country,partyfacts_id,wikidata_id,name,name_short,name_native\n"
            "POL,1,Q1,Civic Coalition,KO,Koalicja Obywatelska\n"
            "POL,2,Q2,Old Party,OP,\n"
            "POL,3,Q1,Civic Coalition,,\n"
            "XKX,4,Q4,Vetëvendosje,VV,\n",
            encoding="utf-8",
        )
        (tmp_path / "wikipedia.csv").write_text(
            '"country","partyfacts_id","url","name_short","name","name_native","year_founded","year_dissolved"\n'
            '"POL",1,"u",,"Civic Coalition",,"2018",\n"POL",2,"u",,"Old Party",,"1990","2001"\n'
            '"POL",3,"u",,"Civic Coalition",,"2018",\n"XKX",4,"u",,"V",,"2005",\n',
            encoding="utf-8",
        )
        parties = {p.id: p for p in read_partyfacts(tmp_path)}
        assert set(parties) == {"Q1", "Q4"}  # Old Party was dissolved in 2001
        assert parties["Q1"].country == "PL"
        assert parties["Q4"].country == "XK"
        assert ("Koalicja Obywatelska", "native") in parties["Q1"].names


class TestPolicy:
    def _party(self, qid: str, name: str, country: str, short: str = "", native: str = "") -> Org:
        org = Org(qid, name, "party", country, names=[(name, "en")])
        if native:
            org.names.append((native, "native"))
        if short:
            org.abbreviations.append(short)
        return org

    def test_generic_names_keep_their_country_and_unique_names_stay(self) -> None:
        orgs = [
            self._party("Q9000001", "Zorvexian Labour Party", "NO"),
            self._party("Q9000002", "Zorvexian Labour Party", "NZ"),
            self._party("Q9000003", "Quintavian Renewal League", "PL", native="Liga Odnowy Kwintawii"),
        ]
        actors = {a["id"]: a for a in build(orgs, _policy()).actors}
        assert actors["Q9000001"]["name"] == "Zorvexian Labour Party (Norway)"
        assert actors["Q9000001"]["aliases"] == []  # the bare name would tag both
        assert actors["Q9000003"]["name"] == "Quintavian Renewal League"
        assert actors["Q9000003"]["aliases"] == ["Liga Odnowy Kwintawii"]

    def test_abbreviations_unique_and_no_words(self) -> None:
        orgs = [
            self._party("Q9000011", "Zorvexian Social Party", "AT", short="ZSPX"),
            self._party("Q9000012", "Zorvexian Socialist Party", "DE", short="ZSPX"),
            self._party("Q9000013", "Quintavian Union", "FR", short="GAP"),  # a word, in capitals too
            self._party("Q9000014", "Quintavian Front", "FR", short="QF"),  # two letters: never for parties
            self._party("Q9000015", "Quintavian Alliance", "FR", short="N/QA"),  # Party Facts' code
        ]
        actors = {a["id"]: a for a in build(orgs, _policy()).actors}
        assert all(a["aliases"] == [] for a in actors.values())

    def test_curated_actors_win(self) -> None:
        orgs = [
            self._party("Q49768", "Social Democratic Party of Germany", "DE", short="SPD"),
            self._party("Q9000021", "Law and Justice", "PL", native="Prawo i Sprawiedliwość"),  # org:pis
        ]
        result = build(orgs, _policy())
        assert result.actors == []
        assert result.skipped_curated == 2

    def test_short_acronyms_only_for_well_known_organisations(self) -> None:
        well_known = Org("Q7817", "World Health Organization", "organization", None, languages=9)
        well_known.names.append(("Weltgesundheitsorganisation", "de"))
        well_known.abbreviations.append("WHO")
        obscure = Org("Q9000031", "Zorvexian Fisheries Commission", "organization", None, languages=1)
        obscure.abbreviations.append("ZFC")
        actors = {a["id"]: a for a in build([well_known, obscure], _policy()).actors}
        assert "WHO" in actors["Q7817"]["aliases"]
        assert actors["Q9000031"]["aliases"] == []


class TestShipped:
    def test_deterministic_and_documented(self) -> None:
        data = _shipped()
        assert "CC BY-SA 4.0" in data["_doc"]
        assert "MIT" in data["_doc"]
        ids = [a["id"] for a in data["actors"]]
        assert ids == sorted(ids)
        assert len(ids) == len(set(ids))
        assert list(data["replaces"]) == sorted(data["replaces"])
        assert set(data["replaces"].values()) <= set(ids)

    def test_counts(self) -> None:
        kinds = Counter(a["type"] for a in _shipped()["actors"])
        assert kinds["organization"] >= 500
        assert kinds["party"] >= 2500

    def test_no_alias_of_another_actor(self) -> None:
        """No key of these actors is a curated actor's, or another entry's here (it would tag both)."""
        owner: dict[str, str] = {}
        for actor in _shipped()["actors"]:
            for alias in (actor["name"], *actor["aliases"]):
                if alias.startswith("petrarch:"):
                    continue
                key = normalize_key(alias).strip()
                assert owner.setdefault(key, actor["id"]) == actor["id"], alias
        assert not set(owner) & _policy().curated

    @pytest.mark.parametrize(
        ("qid", "alias"),
        [
            ("Q7817", "WHO"),
            ("Q7817", "Organisation mondiale de la santé"),
            ("Q7817", "Всесвітня організація охорони здоров’я"),
            ("Q7795", "OPEC"),
            ("Q7795", "ОПЕК"),
            ("Q41984", "IAEA"),
        ],
    )
    def test_known_organisations(self, qid: str, alias: str) -> None:
        actor = _by_id()[qid]
        assert alias in (actor["name"], *actor["aliases"])

    def test_loads_as_actors(self) -> None:
        kb = KnowledgeBase()
        for item in _shipped()["actors"]:
            _add_actor(kb, item)
        assert any(s.entity == "Q7817" for s in kb.lookup("Weltgesundheitsorganisation"))
        assert [s.entity for s in kb.lookup("WHO")] == ["Q7817"]


class TestLoaded:
    """Through the packaged loader (``kb._load``: the generated files after the curated one)."""

    def test_replaces_petrarch_and_tags(self) -> None:
        kb = KnowledgeBase.load()
        assert kb.get("Q7817").name == "World Health Organization"
        assert "petrarch:world-health-organization" not in kb.entities
        assert [s.entity for s in kb.lookup("Weltgesundheitsorganisation")] == ["Q7817"]
        assert [s.entity for s in kb.lookup("Hamas")] == ["Q38799"]
