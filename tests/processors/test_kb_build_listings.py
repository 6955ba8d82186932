"""Issue 12, wider coverage: the S&P 500, universities, known newspapers of shared names, governors.

``kb_build/listings.py``, ``companies.read_newspapers`` and ``positions.classify``'s regional heads,
each on small inputs, and the shipped tables through the tagger (several languages).
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors import KnowledgeBase, Tagger
from processors.kb import DATA_DIR
from processors.kb_build.companies import CompanyPolicy, build_companies, merge, read_newspapers
from processors.kb_build.listings import read_sp500, read_universities, sp500_name
from processors.kb_build.organisations import Org
from processors.kb_build.positions import classify, role_name
from schemas.models import Story

NOW = datetime(2024, 5, 1, tzinfo=UTC)

_SP500 = (
    "Symbol,Security,GICS Sector,GICS Sub-Industry,Headquarters Location,Date added,CIK,Founded\n"
    'HON,Honeywell,Industrials,Industrial Conglomerates,"Charlotte, North Carolina",1957-03-04,773840,1906\n'
    'KO,Coca-Cola Company (The),Consumer Staples,Soft Drinks,"Atlanta, Georgia",1957-03-04,21344,1886\n'
    'LLY,Lilly (Eli),Health Care,Pharmaceuticals,"Indianapolis, Indiana",1970-12-31,59478,1876\n'
    'GOOGL,Alphabet Inc. (Class A),Communication Services,Media,"Mountain View, California",2006-04-03,1,1998\n'
    'GOOG,Alphabet Inc. (Class C),Communication Services,Media,"Mountain View, California",2014-04-03,1,1998\n'
    'WMT,Walmart,Consumer Staples,Retail,"Bentonville, Arkansas",1982-08-31,104169,1962\n'
)
_UNIVERSITIES = [
    {"name": "Harvard University", "alpha_two_code": "US", "country": "United States"},
    {"name": "University of Miami", "alpha_two_code": "US", "country": "United States"},
    {"name": "Trinity College (CT)", "alpha_two_code": "US", "country": "United States"},
    {"name": "Trinity College (DC)", "alpha_two_code": "US", "country": "United States"},
    {"name": "French University in Armenia (UFAR)", "alpha_two_code": "AM", "country": "Armenia"},
    {"name": "Université Vincennes Saint-Denis (Paris VIII)", "alpha_two_code": "FR", "country": "France"},
    {"name": "Harvard University", "alpha_two_code": "US", "country": "United States"},  # listed twice
]


def _row(qid: str, label: str, country: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {
        "item": {"value": f"http://www.wikidata.org/entity/{qid}"},
        "itemLabel": {"value": label},
    }
    if country:
        row["countryLabel"] = {"value": country}
    return row


class TestSp500:
    def test_names_as_news_write_them(self) -> None:
        assert sp500_name("Coca-Cola Company (The)") == "Coca-Cola Company"
        assert sp500_name("Lilly (Eli)") == "Eli Lilly"
        assert sp500_name("Alphabet Inc. (Class A)") == "Alphabet Inc."
        assert sp500_name("Honeywell") == "Honeywell"

    def test_read(self, tmp_path: Path) -> None:
        path = tmp_path / "constituents.csv"
        path.write_text(_SP500, encoding="utf-8")
        orgs = {o.id: o for o in read_sp500(path)}
        expected = {"honeywell", "coca-cola", "eli-lilly", "alphabet", "walmart"}
        assert set(orgs) == {f"company:{slug}" for slug in expected}
        assert orgs["company:coca-cola"].names == [("Coca-Cola", "en"), ("Coca-Cola Company", "en")]
        assert orgs["company:alphabet"].names == [("Alphabet", "en"), ("Alphabet Inc.", "en")]  # one company
        assert all(o.country == "US" and o.languages > 1 and o.type == "company" for o in orgs.values())

    def test_joins_the_brand_of_its_name(self, tmp_path: Path) -> None:
        path = tmp_path / "constituents.csv"
        path.write_text(_SP500, encoding="utf-8")
        brand = Org("Q483551", "Walmart", "company", "US", languages=1)
        brand.names.append(("Walmart", "en"))
        out = merge([brand], read_sp500(path))
        assert brand in out
        assert brand.languages > 1  # listed: notable
        assert not any(o.id == "company:walmart" for o in out)

    def test_joins_a_listing_of_the_same_slug(self) -> None:
        listed = Org("company:archer-daniels-midland", "Archer-Daniels-Midland", "company", "US", languages=2)
        listed.names.append(("Archer-Daniels-Midland", "en"))
        sp = Org("company:archer-daniels-midland", "Archer Daniels Midland", "company", "US", languages=2)
        sp.names.append(("Archer Daniels Midland", "en"))
        out = merge([listed], [sp])
        assert out == [listed]
        assert ("Archer Daniels Midland", "en") in listed.names


class TestUniversities:
    def _read(self, tmp_path: Path) -> dict[str, Org]:
        path = tmp_path / "world_universities_and_domains.json"
        path.write_text(json.dumps(_UNIVERSITIES), encoding="utf-8")
        return {o.id: o for o in read_universities(path)}

    def test_read(self, tmp_path: Path) -> None:
        orgs = self._read(tmp_path)
        harvard = orgs["university:harvard-university-us"]
        assert (harvard.name, harvard.type, harvard.country) == ("Harvard University", "organization", "US")
        assert harvard.names == [("Harvard University", "en")]  # listed twice: once
        assert len(orgs) == 6

    def test_brackets(self, tmp_path: Path) -> None:
        orgs = self._read(tmp_path)
        assert orgs["university:trinity-college-ct-us"].names == [("Trinity College", "en")]
        ufar = orgs["university:french-university-in-armenia-ufar-am"]
        assert (ufar.names, ufar.abbreviations) == ([("French University in Armenia", "en")], ["UFAR"])
        paris = orgs["university:universite-vincennes-saint-denis-paris-viii-fr"]
        assert paris.names == [("Université Vincennes Saint-Denis", "en")]  # "Paris VIII": no alias

    def test_policy(self, tmp_path: Path) -> None:
        orgs = list(self._read(tmp_path).values())
        built = build_companies(orgs, CompanyPolicy())
        names = {a["name"] for a in built.actors}
        assert {"Harvard University", "University of Miami", "French University in Armenia"} <= names
        trinity = next(a for a in built.actors if a["id"] == "university:trinity-college-ct-us")
        assert trinity["name"] == "Trinity College (CT)"  # a name of many colleges: no alias
        assert not trinity["aliases"]


class TestNewspapersOfOneName:
    def test_the_known_paper_keeps_the_name(self, tmp_path: Path) -> None:
        rows = [_row("Q15043094", "Novaya Gazeta", "Latvia"), _row("Q170135", "Novaya Gazeta", "Germany")]
        path = tmp_path / "papers.json"
        path.write_text(json.dumps({"results": {"bindings": rows}}), encoding="utf-8")
        assert [(o.id, o.country) for o in read_newspapers(path)] == [("Q170135", "DE")]

    def test_namesakes_of_like_age_leave_it_to_neither(self, tmp_path: Path) -> None:
        rows = [_row("Q3179178", "The Herald"), _row("Q7737000", "The Herald"), _row("Q900", "Other Paper")]
        path = tmp_path / "papers.json"
        path.write_text(json.dumps({"results": {"bindings": rows}}), encoding="utf-8")
        assert [o.id for o in read_newspapers(path)] == ["Q900", "Q3179178", "Q7737000"]
        rows = [_row("Q5000000", "Late Paper"), _row("Q90000000", "Late Paper")]  # no early item
        path.write_text(json.dumps({"results": {"bindings": rows}}), encoding="utf-8")
        assert len(read_newspapers(path)) == 2


class TestRegionalHeads:
    @pytest.mark.parametrize(
        "position",
        [
            "Governor of California",
            "governor of Stockholm County",
            "Premier of Ontario",
            "Minister-President of Bavaria",
            "Chief Minister of Punjab",
            "Governor of Lagos State",
        ],
    )
    def test_kept(self, position: str) -> None:
        assert classify(position, country="US") == "regional_head"

    @pytest.mark.parametrize(
        ("position", "expected"),
        [
            ("Lieutenant Governor of California", None),
            ("Deputy Governor of Lagos State", None),
            ("Vice Governor of Bulacan", None),
            ("Governor of the Banque de France", None),  # a central bank's
            ("Governor of the Central Bank of Nigeria", "central_bank"),
            ("Governor of the Reserve Bank of India", "central_bank"),
            ("Premier of the State Council", "head_of_government"),  # China's, national
            ("Governor-General", None),
            ("Mayor of Paris", None),
        ],
    )
    def test_near_misses(self, position: str, expected: str | None) -> None:
        assert classify(position, country="US") == expected

    def test_role_name(self) -> None:
        assert role_name("Governor of California", "United States", code="US") == "Governor of California"
        assert (
            role_name("governor of Stockholm County", "Sweden", code="SE") == "Governor of Stockholm County"
        )


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _actors(text: str, lang: str) -> dict[str, str]:
    story = Story(id="s", title="t", body=text, language=lang, source="x", content_hash="s", ingested_at=NOW)
    return {t.id: t.name for t in _tagger().tag(story).actors}


class TestShipped:
    def test_counts(self) -> None:
        doc = json.loads((DATA_DIR / "actors_companies.json").read_text(encoding="utf-8"))
        ids = [a["id"] for a in doc["actors"]]
        assert sum(i.startswith("university:") for i in ids) > 8000
        assert "company:honeywell" in ids

    @pytest.mark.parametrize(
        ("lang", "text", "actor"),
        [
            ("en", "Honeywell said orders rose.", "company:honeywell"),
            ("de", "Der Konzern Honeywell meldete mehr Aufträge.", "company:honeywell"),
            ("en", "Researchers at Harvard University found", "university:harvard-university-us"),
            ("es", "La Universidad de Chile firmó un acuerdo.", "university:universidad-de-chile-cl"),
            ("fr", "Le journal Novaya Gazeta a suspendu sa publication.", "Q170135"),
            ("en", "California Governor Gavin Newsom signed the bill.", "Q461391"),
        ],
    )
    def test_tagged(self, lang: str, text: str, actor: str) -> None:
        assert actor in _actors(text, lang)

    @pytest.mark.parametrize(
        ("lang", "text", "actor"),
        [
            ("de", "Über die Pläne sprach der Minister am Montag.", "company:uber"),
            ("en", "The Carnival in Rio drew a million people.", "company:carnival"),
            ("en", "Climbers died on Everest this spring.", "Q62273299"),
            ("en", "He won by TKO in the third round.", "company:tko"),
            ("de", "Die Daten sind mit AES verschlüsselt.", "Q291508"),
            ("en", "Trinity College students marched.", "university:trinity-college-ct-us"),
        ],
    )
    def test_not_tagged(self, lang: str, text: str, actor: str) -> None:
        assert actor not in _actors(text, lang)
