"""Armed groups of the UN and OFAC sanctions lists (issue 12): ``kb_build/sanctions.py``."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors import KnowledgeBase, Tagger, Tags
from processors.kb import DATA_DIR
from processors.kb_build.sanctions import Group, Keys, build, read_ofac, read_un, split_names, title
from processors.text import normalize_key
from schemas.models import Story

SHIPPED = DATA_DIR / "actors_groups.json"
NOW = datetime(2024, 5, 1, tzinfo=UTC)

_UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">
  <INDIVIDUALS/>
  <ENTITIES>
    <ENTITY>
      <FIRST_NAME>AL-SHABAAB</FIRST_NAME>
      <UN_LIST_TYPE>Somalia</UN_LIST_TYPE>
      <REFERENCE_NUMBER>SOe.001</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>THE YOUTH</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Harakat Shabab al-Mujahidin</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
    <ENTITY>
      <FIRST_NAME>ADF</FIRST_NAME>
      <UN_LIST_TYPE>DRC</UN_LIST_TYPE>
      <REFERENCE_NUMBER>CDe.001</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>ADF/NALU</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
    <ENTITY>
      <FIRST_NAME>KOREA MINING DEVELOPMENT TRADING CORPORATION</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPe.001</REFERENCE_NUMBER>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

_SDN = """4695,"HAMAS",-0- ,"FTO] [SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r
10761,"AL-SHABAAB",-0- ,"FTO] [SDGT] [SOMALIA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r
2686,"NASRALLAH, Hasan","individual","SDGT] [SYRIA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r
25069,"AFAQ DUBAI",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r
17466,"OPLOT",-0- ,"UKRAINE-EO13660",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r
"""
_ALT = """10761,1,"aka","AL-SHABAB",-0- \r
10761,2,"aka","MYM",-0- \r
25069,3,"aka","AFAQ DUBAI EXCHANGE COMPANY",-0- \r
"""


@functools.cache
def _keys() -> Keys:
    return Keys()


@functools.cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


def _by_name() -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in _shipped()["actors"]}


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _tag(body: str) -> Tags:
    story = Story(
        id="t", title="", body=body, source="test", content_hash="h", ingested_at=NOW, published_at=NOW
    )
    return _tagger().tag(story)


class TestSources:
    def test_names_in_capitals_are_cased_and_acronyms_kept(self) -> None:
        assert title("AL-SHABAAB") == "Al-Shabaab"
        assert title("HAYAT TAHRIR AL-SHAM") == "Hayat Tahrir al-Sham"
        assert title("REAL IRA", frozenset({"IRA"})) == "Real IRA"
        assert title("Ansar al-Islam") == "Ansar al-Islam"  # written as spelt: unchanged
        assert split_names("AL-ITIHAAD AL-ISLAMIYA / AIAI") == (["AL-ITIHAAD AL-ISLAMIYA"], ["AIAI"])
        assert split_names("ADF/NALU") == ([], ["ADF", "NALU"])
        names, acronyms = split_names(
            "Hay’at Tahrir al-Sham (HTS) (هيئة تحرير الشام (original script); Hayat Tahrir al-Sham)"
        )
        assert "Hay'at Tahrir al-Sham" in names
        assert "Hayat Tahrir al-Sham" in names
        assert acronyms == ["HTS"]

    def test_un_entities_of_the_group_lists(self, tmp_path: Path) -> None:
        path = tmp_path / "UN_consolidated.xml"
        path.write_text(_UN_XML, encoding="utf-8")
        groups = read_un(path)
        assert [g.source for g in groups] == ["un:SOe.001", "un:CDe.001"]  # not the DPRK list
        assert groups[0].names == ["AL-SHABAAB", "THE YOUTH", "Harakat Shabab al-Mujahidin"]
        assert groups[1].names == ["Allied Democratic Forces"]
        assert groups[1].acronyms == ["ADF", "ADF", "NALU"]

    def test_ofac_entities_with_their_akas(self, tmp_path: Path) -> None:
        (tmp_path / "sdn.csv").write_text(_SDN, encoding="utf-8")
        (tmp_path / "alt.csv").write_text(_ALT, encoding="utf-8")
        groups = {g.source: g for g in read_ofac(tmp_path)}
        assert set(groups) == {"ofac:4695", "ofac:10761", "ofac:25069", "ofac:17466"}  # no individual
        assert groups["ofac:10761"].names == ["AL-SHABAAB", "AL-SHABAB"]
        assert groups["ofac:10761"].acronyms == ["MYM"]
        assert groups["ofac:4695"].programs == ("FTO", "SDGT")


class TestPolicy:
    def _build(self, *groups: Group) -> dict[str, dict[str, Any]]:
        built = build(list(groups), _keys())
        return {a["source"]: a for a in built.actors}

    def test_common_words_short_and_foreign_acronyms_dropped(self) -> None:
        group = Group(
            "un:X.1",
            ["Harakat Testowa al-Mujahidin", "The Youth", "Supporters of God", "Ekin", "Savien Gang"],
            "armed group",
            acronyms=["HT", "JIT", "HTAM"],
        )
        actor = self._build(group)["un:X.1"]
        names = {actor["name"], *actor["aliases"]}
        assert names == {"Harakat Testowa al-Mujahidin", "Savien Gang", "HTAM"}

    def test_a_name_of_two_entries_is_neither_s(self) -> None:
        one = Group("un:X.1", ["Katibat Zorro Nord", "Ansar al-Testaria"], "armed group")
        two = Group("un:X.2", ["Katibat Zorro Sud", "Ansar al-Testaria"], "armed group")
        built = self._build(one, two)
        assert built["un:X.1"]["aliases"] == []
        assert built["un:X.2"]["aliases"] == []

    def test_curated_actors_win_and_petrarch_ones_are_replaced(self) -> None:
        wagner = Group(
            "ofac:22543", ["Wagner Group", "Private Military Company Wagner"], "armed group", ("FTO",)
        )
        boko = Group(
            "un:QDe.138", ["Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "Boko Haram"], "armed group"
        )
        built = build([wagner, boko], _keys())
        assert [a["source"] for a in built.actors] == ["un:QDe.138"]  # actors.json has the Wagner Group
        actor = built.actors[0]
        assert actor["name"] == "Boko Haram"
        assert actor["aliases"][0] == "petrarch:boko-haram"
        assert built.replaces == {"petrarch:boko-haram": actor["id"]}

    def test_companies_only_when_petrarch_knows_them(self) -> None:
        shell = Group("ofac:1", ["Zorro Trading LLC"], "company", ("SDGT",))
        other = Group("ofac:2", ["Testing Sweets Bakery"], "armed group", ("IRAN",))  # program not taken
        assert self._build(shell, other) == {}


class TestShipped:
    def test_deterministic_and_documented(self) -> None:
        data = _shipped()
        assert "moov-io/watchman @ " in data["_doc"]
        assert "public domain" in data["_doc"]
        ids = [a["id"] for a in data["actors"]]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert list(data["replaces"]) == sorted(data["replaces"])

    def test_counts(self) -> None:
        actors = _shipped()["actors"]
        assert len(actors) >= 120
        assert sum(a["type"] == "armed group" for a in actors) >= 120
        assert len(_shipped()["replaces"]) >= 50

    def test_no_alias_of_another_actor(self) -> None:
        """No key of these actors is another's here, a curated or QID actor's (it would tag both)."""
        owner: dict[str, str] = {}
        for actor in _shipped()["actors"]:
            for alias in (actor["name"], *actor["aliases"]):
                if not alias.startswith("petrarch:"):
                    key = normalize_key(alias).strip()
                    assert owner.setdefault(key, actor["id"]) == actor["id"], alias
        others = {}
        for name in ("actors.json", "actors_wikidata.json", "actors_orgs.json"):
            for actor in json.loads((DATA_DIR / name).read_text(encoding="utf-8"))["actors"]:
                others[actor["id"]] = actor
        assert not set(owner) & _keys().winners
        assert not {a["id"] for a in _shipped()["actors"]} & set(others)

    @pytest.mark.parametrize(
        ("name", "alias"),
        [
            ("Al-Shabaab", "Harakat Shabab al-Mujahidin"),
            ("Boko Haram", "Jama'atu Ahlis Sunna Lidda'awati wal-Jihad"),
            ("Al-Nusrah Front for the People of the Levant", "Hayat Tahrir al-Sham"),
            (
                "Allied Democratic Forces",
                "Forces Démocratiques Alliées-Armée Nationale de Libération de l'Ouganda",
            ),
            ("Lord's Resistance Army", "Lord's Resistance Movement"),  # "LRA" is a party's (QID table)
            ("Ansar Allah", "The Houthis"),
        ],
    )
    def test_known_groups(self, name: str, alias: str) -> None:
        actor = _by_name()[name]
        assert actor["type"] == "armed group"
        assert alias in actor["aliases"]


class TestTagged:
    """Through the packaged loader and the tagger."""

    def test_replaces_petrarch(self) -> None:
        kb = KnowledgeBase.load()
        assert "petrarch:boko-haram" not in kb.entities
        assert [s.entity for s in kb.lookup("Boko Haram")] == ["org:boko-haram"]
        assert kb.get("org:boko-haram").type == "armed group"

    @pytest.mark.parametrize(
        ("body", "name"),
        [
            ("Fighters of the Wagner Group crossed the border on Monday.", "Wagner Group"),
            (
                "Hayat Tahrir al-Sham took the city of Aleppo on Saturday.",
                "Al-Nusrah Front for the People of the Levant",
            ),
            ("The militants of al-Shabaab attacked a base in Somalia.", "Al-Shabaab"),
            ("Boko Haram abducted students in Nigeria on Tuesday.", "Boko Haram"),
            ("The Houthis fired a missile at a ship in the Red Sea.", "Ansar Allah"),
        ],
    )
    def test_groups_are_tagged_as_armed_groups(self, body: str, name: str) -> None:
        actors = [a for a in _tag(body).actors if a.name == name]
        assert actors, [a.name for a in _tag(body).actors]
        assert actors[0].type == "armed group"

    def test_a_common_word_alias_is_not_tagged(self) -> None:
        """The lists' a.k.a.s "The Youth" (al-Shabaab) and "The Base" (al-Qaida) are words here."""
        tags = _tag(
            "The Youth of Europe met in Vienna. The Base of the team was in Graz. The Sentinels played."
        )
        kinds = {a.name for a in tags.actors}
        assert not kinds & {"Al-Shabaab", "Al Qa'ida", "Al Mourabitoun"}
