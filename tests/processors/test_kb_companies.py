"""Companies and news media (issue 12): ``kb_build/companies.py`` and ``actors_companies.json``."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors import KnowledgeBase, Tagger, Tags
from processors.kb import DATA_DIR
from processors.kb_build.companies import (
    CompanyPolicy,
    build_companies,
    lowercase_words,
    merge,
    read_all,
    read_financedatabase,
    read_fundus,
    read_newspapers,
    read_nsi,
    write,
)
from processors.kb_build.organisations import Org
from schemas.models import Story

SHIPPED = DATA_DIR / "actors_companies.json"
NOW = datetime(2024, 5, 1, tzinfo=UTC)

_NSI = {
    "items": [
        {
            "displayName": "Walmart",
            "locationSet": {"include": ["us"]},
            "tags": {"brand": "Walmart", "brand:wikidata": "Q483551", "shop": "department_store"},
        },
        {
            "displayName": "Walmart Supercenter",
            "locationSet": {"include": ["us"]},
            "tags": {"brand": "Walmart", "brand:wikidata": "Q483551", "name": "Walmart Supercenter"},
        },
        {
            "displayName": "Walmart",
            "locationSet": {"include": ["us"]},
            "tags": {"brand": "Walmart", "brand:wikidata": "Q62606411", "amenity": "fuel"},
        },
        {
            "displayName": "Škoda",
            "locationSet": {"include": ["001"]},
            "tags": {"brand": "Škoda", "brand:wikidata": "Q29637", "brand:ru": "Шкода", "shop": "car"},
        },
        {"displayName": "No QID", "tags": {"brand": "Nameless Store"}},
    ]
}
_EQUITIES = (
    "symbol,name,summary,country,market_cap,isin,delisted\n"
    "RHM.DE,Rheinmetall AG,Rheinmetall AG makes vehicles.,Germany,Large Cap,DE0007030033,False\n"
    "RHM.F,RHEINMETALL AG O.N.,,Germany,Large Cap,DE0007030033,False\n"
    "WMT.DE,Walmart Inc.,Walmart sells goods on walmart.com.,United States,Mega Cap,US9311421039,False\n"
    'TPR.DE,"Tapestry, Inc.",Tapestry sells bags and a tapestry.,United States,Large Cap,US8760301072,False\n'
    "SMALL.DE,Tiny Widgets GmbH,,Germany,Small Cap,DE000000001,False\n"
)
_FUNDUS = """
class US(metaclass=PublisherGroup):
    WSJ = Publisher(
        name="The Wall Street Journal",
        domain="https://www.wsj.com/",
    )
    APNews = Publisher(
        name="Associated Press News",
        domain="https://apnews.com/",
    )
    MDR = Publisher(
        name="Mitteldeutscher Rundfunk (MDR)",
        domain="https://www.mdr.de/",
    )
"""


_NEWSPAPERS = {
    "results": {
        "bindings": [
            {
                "item": {"value": "http://www.wikidata.org/entity/Q164746"},
                "itemLabel": {"value": "The Wall Street Journal"},
                "countryLabel": {"value": "United States of America"},
            },
            {
                "item": {"value": "http://www.wikidata.org/entity/Q164746"},
                "itemLabel": {"value": "The Wall Street Journal"},
            },
            {
                "item": {"value": "http://www.wikidata.org/entity/Q4200913"},
                "itemLabel": {"value": "Q4200913"},
            },
        ]
    }
}


@functools.cache
def _policy() -> CompanyPolicy:
    return CompanyPolicy()


@functools.cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _tag(body: str) -> Tags:
    story = Story(
        id="t", title="", body=body, source="test", content_hash="h", ingested_at=NOW, published_at=NOW
    )
    return _tagger().tag(story)


def _sources(tmp_path: Path) -> Path:
    """A tiny kb-sources folder: one file of each source, with its SOURCE.txt."""
    nsi = tmp_path / "nsi" / "data" / "brands" / "shop"
    nsi.mkdir(parents=True)
    (nsi / "mixed.json").write_text(json.dumps(_NSI), encoding="utf-8")
    equities = tmp_path / "financedatabase" / "database" / "equities"
    equities.mkdir(parents=True)
    (equities / "GER.csv").write_text(_EQUITIES, encoding="utf-8")
    us = tmp_path / "fundus" / "src" / "fundus" / "publishers" / "us"
    us.mkdir(parents=True)
    (us / "__init__.py").write_text(_FUNDUS, encoding="utf-8")
    (tmp_path / "newspapers").mkdir()
    (tmp_path / "newspapers" / "full_list_of_newspapers.json").write_text(
        json.dumps(_NEWSPAPERS), encoding="utf-8"
    )
    for folder in ("nsi", "financedatabase", "fundus", "newspapers"):
        (tmp_path / folder / "SOURCE.txt").write_text(f"o/{folder} @ {'a' * 40}: data\n", encoding="utf-8")
    return tmp_path


class TestSources:
    def test_nsi_merges_the_entries_of_one_name_under_the_main_qid(self, tmp_path: Path) -> None:
        source = _sources(tmp_path)
        brands = {o.id: o for o in read_nsi(source / "nsi" / "data")}
        assert set(brands) == {"Q483551", "Q29637"}  # two Walmart QIDs: the one most entries give
        walmart, skoda = brands["Q483551"], brands["Q29637"]
        assert (walmart.name, walmart.country, walmart.languages) == ("Walmart", "US", 1)
        assert ("Шкода", "ru") in skoda.names
        assert skoda.languages == 1  # labels in two languages are no sign of notability

    def test_financedatabase_large_caps_by_isin_without_legal_form(self, tmp_path: Path) -> None:
        source = _sources(tmp_path)
        listed = {o.id: o for o in read_financedatabase(source / "financedatabase" / "database" / "equities")}
        assert set(listed) == {"company:rheinmetall", "company:walmart", "company:tapestry"}  # no small cap
        rheinmetall = listed["company:rheinmetall"]
        assert rheinmetall.name == "Rheinmetall"
        assert ("Rheinmetall AG", "en") in rheinmetall.names
        assert rheinmetall.country == "DE"
        assert all(n != "RHEINMETALL AG O.N." for n, _ in rheinmetall.names)

    def test_lowercase_words_of_the_summaries(self, tmp_path: Path) -> None:
        words = lowercase_words(_sources(tmp_path) / "financedatabase" / "database" / "equities")
        assert {"tapestry", "makes", "bags"} <= words
        assert not {"walmart", "rheinmetall"} & words  # "walmart.com" is no word

    def test_a_name_written_in_lower_case_by_a_slip_stays_a_name(self, tmp_path: Path) -> None:
        folder = tmp_path / "equities"
        folder.mkdir()
        rows = [f"X{i},Maker {i},Supplies Airbus with parts.,France,Large Cap,FR{i},False" for i in range(30)]
        rows.append('Y,Panels,"Panels for the airbus airliners, and a shell.",Japan,Large Cap,JP1,False')
        (folder / "ABC.csv").write_text(
            "symbol,name,summary,country,market_cap,isin,delisted\n" + "\n".join(rows) + "\n",
            encoding="utf-8",
        )
        words = lowercase_words(folder)
        assert "airbus" not in words  # once in lower case against 30 capitalised
        assert "shell" in words  # never capitalised here

    def test_fundus_publishers(self, tmp_path: Path) -> None:
        source = _sources(tmp_path)
        media = {o.id: o for o in read_fundus(source / "fundus" / "src" / "fundus" / "publishers")}
        assert media["media:the-wall-street-journal"].country == "US"
        assert ("Associated Press", "en") in media["media:associated-press-news"].names
        assert media["media:mitteldeutscher-rundfunk"].abbreviations == ["MDR"]

    def test_newspapers_by_qid_and_a_publisher_joins_its_newspaper(self, tmp_path: Path) -> None:
        source = _sources(tmp_path)
        papers = read_newspapers(source / "newspapers" / "full_list_of_newspapers.json")
        assert [(o.id, o.name, o.country) for o in papers] == [("Q164746", "The Wall Street Journal", "US")]
        media = {o.id: o for o in read_all(source) if o.type == "media"}
        assert "media:the-wall-street-journal" not in media
        assert media["Q164746"].languages == 2  # fundus' publisher too: notable

    def test_a_listed_company_joins_the_brand_of_its_name(self, tmp_path: Path) -> None:
        source = _sources(tmp_path)
        brands = read_nsi(source / "nsi" / "data")
        orgs = {
            o.id: o
            for o in merge(brands, read_financedatabase(source / "financedatabase" / "database" / "equities"))
        }
        assert "company:walmart" not in orgs
        assert ("Walmart Inc.", "en") in orgs["Q483551"].names
        assert "company:rheinmetall" in orgs


class TestPolicy:
    def _build(self, *orgs: Org) -> dict[str, dict[str, Any]]:
        return {a["id"]: a for a in build_companies(list(orgs), _policy()).actors}

    @staticmethod
    def _company(oid: str, *names: str, notable: bool = True) -> Org:
        return Org(oid, names[0], "company", None, [(n, "en") for n in names], languages=2 if notable else 1)

    def test_common_words_are_no_aliases(self) -> None:
        built = self._build(
            self._company("Q1", "Shell"),  # English word, however notable
            self._company("Q2", "Target"),
            self._company("Q3", "Next"),
            self._company("Q4", "Best Buy"),  # common words only
            self._company("Q5", "Ralph Lauren"),  # a person's name
            self._company("Q6", "Volkswagen"),  # a name in every language
            self._company("Q7", "Krautwickel Werke"),
            self._company("Q8", "La Sirena", notable=False),  # a siren with its article
            self._company("Q9", "El Mundo"),  # stopwords only
        )
        names = {n for a in built.values() for n in (a["name"], *a["aliases"]) if "(" not in n}
        assert names == {"Volkswagen", "Krautwickel Werke"}

    def test_an_english_word_is_no_alias_however_notable(self, tmp_path: Path) -> None:
        policy = CompanyPolicy()
        policy.lowercase = lowercase_words(_sources(tmp_path) / "financedatabase" / "database" / "equities")
        built = build_companies([self._company("company:tapestry", "Tapestry", "Tapestry, Inc.")], policy)
        assert [(a["name"], a["aliases"]) for a in built.actors] == [("Tapestry, Inc.", [])]

    def test_a_fairly_frequent_name_needs_notability(self) -> None:
        built = self._build(self._company("Q9", "Porsche", notable=False))
        assert all("(" in a["name"] and not a["aliases"] for a in built.values())

    def test_curated_and_other_tables_win(self) -> None:
        built = self._build(self._company("Q102673", "Gazprom"), self._company("Q99", "Hezbollah"))
        assert "Q102673" not in built  # curated (actors.json)
        assert all(not a["aliases"] for a in built.values())

    def test_deterministic(self, tmp_path: Path) -> None:
        source = _sources(tmp_path)
        orgs = read_all(source)
        outs = []
        for n in range(2):
            out = tmp_path / f"out{n}.json"
            write(build_companies(list(reversed(orgs)) if n else orgs, _policy()), source, out)
            outs.append(out.read_bytes())
        assert outs[0] == outs[1]
        doc = json.loads(outs[0])
        by_id = {a["id"]: a for a in doc["actors"]}
        assert by_id["Q483551"]["name"] == "Walmart"
        assert (by_id["Q164746"]["name"], by_id["Q164746"]["type"]) == ("The Wall Street Journal", "media")
        assert "osmlab/name-suggestion-index @ " + "a" * 40 in doc["_doc"]


class TestShipped:
    def test_deterministic_and_documented(self) -> None:
        data = _shipped()
        sources = ("osmlab/name-suggestion-index", "JerBouma/FinanceDatabase", "flairNLP/fundus")
        for source in (*sources, "patrickswickard/international_newspapers"):
            assert f"{source} @ " in data["_doc"]
        ids = [a["id"] for a in data["actors"]]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)

    def test_counts(self) -> None:
        actors = _shipped()["actors"]
        assert sum(a["type"] == "company" for a in actors) >= 10000
        assert sum(a["type"] == "media" for a in actors) >= 1000


class TestTagged:
    """Through the packaged loader and the tagger."""

    @pytest.mark.parametrize(
        ("body", "name", "kind", "entity"),
        [
            ("Gazprom cut its deliveries to Europe on Monday.", "Gazprom", "company", "Q102673"),
            ("Volkswagen will close three plants in Germany.", "Volkswagen", "company", "Q246"),
            ("Airbus delivered fewer jets in March.", "Airbus", "company", "company:airbus"),
            ("Rheinmetall won a contract for shells.", "Rheinmetall", "company", "company:rheinmetall"),
            ("Walmart raised its prices in Texas.", "Walmart", "company", "Q483551"),
            ("The Gleaner reported on Monday from Kingston.", "The Gleaner", "media", "Q26162515"),
            ("Según El Espectador, el acuerdo se firmó ayer.", "El Espectador", "media", "Q1324151"),
            (
                "Die Frankfurter Allgemeine Zeitung berichtete am Montag.",
                "Frankfurter Allgemeine Zeitung",
                "media",
                "media:frankfurter-allgemeine-zeitung",
            ),
        ],
    )
    def test_companies_and_media_are_tagged(self, body: str, name: str, kind: str, entity: str) -> None:
        actors = [a for a in _tag(body).actors if a.name == name]
        assert actors, [a.name for a in _tag(body).actors]
        assert (actors[0].type, actors[0].id) == (kind, entity)

    def test_a_common_word_company_is_not_tagged(self) -> None:
        tags = _tag("Shell casings lay on the road. Target practice ended. Next week the Sun rose early.")
        assert not [a.name for a in tags.actors]
