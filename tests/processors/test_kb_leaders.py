"""Office holders with QIDs and dated roles (``kb_build/leaders.py``, ``positions.py``, ``actors_wikidata.json``)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from processors import KnowledgeBase
from processors.kb_build.positions import classify, role_name
from processors.tagging.build import Offices

DATA_DIR = Path(__file__).resolve().parents[2] / "processors" / "data"

# The 150 most frequent position labels of Peppercat's national lists (roles since 2008), as they
# are written there, and their class (None: left out).
TOP_POSITIONS = [
    ("Minister of Foreign Affairs", "foreign"),
    ("Prime Minister", "head_of_government"),
    ("Minister of Defence", "defence"),
    ("Minister of Finance", "finance"),
    ("Minister of Justice", "justice"),
    ("Minister of Health", "minister"),
    ("President", "head_of_state"),
    ("Deputy Prime Minister", "deputy_head_of_government"),
    ("Minister of Education", "minister"),
    ("State Secretary", None),
    ("Minister of Agriculture", "minister"),
    ("Minister of Culture", "minister"),
    ("Minister of the Interior", "interior"),
    ("Vice President", "vice_president"),
    ("Minister of Transport", "minister"),
    ("Director General", None),
    ("Attorney General", "prosecutor"),
    ("Minister of the Environment", "minister"),
    ("President of the Senate", "speaker"),
    ("Justice of the Supreme Court", None),
    ("Minister of Internal Affairs", "interior"),
    ("Minister of Labour", "minister"),
    ("Minister of Tourism", "minister"),
    ("ambassador to the United Kingdom", None),
    ("Minister of Interior", "interior"),
    ("Governor of the Central Bank", "central_bank"),
    ("ambassador to the United States of America", None),
    ("ambassador to France", None),
    ("ambassador to Hungary", None),
    ("Chief Justice", None),
    ("President of the National Assembly", "speaker"),
    ("Minister of Energy", "minister"),
    ("Permanent Representative to the United Nations", None),
    ("Minister of Youth and Sports", "minister"),
    ("Chief of the General Staff", "military_chief"),
    ("Minister of Economy", "minister"),
    ("ambassador to Germany", None),
    ("Minister for Foreign Affairs", "foreign"),
    ("Speaker of the National Assembly", "speaker"),
    ("First Lady", None),
    ("Minister of Higher Education", "minister"),
    ("President of the Chamber of Deputies", "speaker"),
    ("Minister of Economy and Finance", "finance"),
    ("Minister of National Defence", "defence"),
    ("Speaker of the House of Representatives", "speaker"),
    ("Minister of Industry", "minister"),
    ("ambassador to Japan", None),
    ("Minister of Education and Science", "minister"),
    ("Speaker of the Parliament", "speaker"),
    ("Captain Regent", "head_of_state"),
    ("ambassador to the United States", None),
    ("Attorney-General", "prosecutor"),
    ("ambassador to Spain", None),
    ("Minister of Communications", "minister"),
    ("ambassador to the Russian Federation", None),
    ("Minister of Commerce", "minister"),
    ("Minister of Home Affairs", "interior"),
    ("ambassador to Canada", None),
    ("ambassador to Belgium", None),
    ("ambassador to Sweden", None),
    ("Minister of Social Affairs", "minister"),
    ("ambassador to Italy", None),
    ("ambassador to Austria", None),
    ("Vice Premier", "deputy_head_of_government"),
    ("Governor", None),
    ("Secretary of State", None),
    ("Minister of State", "minister"),
    ("Minister for Health", "minister"),
    ("ambassador to Turkey", None),
    ("Minister of Environment", "minister"),
    ("Minister of Transport and Communications", "minister"),
    ("ambassador to Poland", None),
    ("judge of the Supreme Court", None),
    ("ambassador to Ukraine", None),
    ("ambassador to Switzerland", None),
    ("Minister of Information", "minister"),
    ("Advisor to the Presidency", None),
    ("Minister of Public Works", "minister"),
    ("Minister for Education", "minister"),
    ("Lord of the Treasury", None),
    ("ambassador to Afghanistan", None),
    ("ambassador to Portugal", None),
    ("Chief of General Staff", "military_chief"),
    ("Government Spokesperson", "spokesperson"),
    ("President of the Central Bank", "central_bank"),
    ("ambassador to China", None),
    ("ambassador to Indonesia", None),
    ("Minister of Higher Education and Scientific Research", "minister"),
    ("ambassador to Brazil", None),
    ("Governor-General", None),
    ("Minister of Social Development", "minister"),
    ("ambassador to Australia", None),
    ("ambassador to the Holy See", None),
    ("Supreme Court Justice", None),
    ("Premier", "head_of_government"),
    ("ambassador to Egypt", None),
    ("Minister of Infrastructure", "minister"),
    ("ambassador to Finland", None),
    ("First Deputy Prime Minister", "deputy_head_of_government"),
    ("Minister of Science and Technology", "minister"),
    ("Prosecutor General", "prosecutor"),
    ("Minister for the Environment", "minister"),
    ("Speaker of the Legislative Assembly", "speaker"),
    ("ambassador to Russia", None),
    ("ambassador to Thailand", None),
    ("ambassador to the People's Republic of China", None),
    ("Minister of Sports", "minister"),
    ("Minister for Defence", "defence"),
    ("ambassador to Azerbaijan", None),
    ("ambassador to Greece", None),
    ("Minister of Planning", "minister"),
    ("Minister of Trade", "minister"),
    ("Minister of Labour and Social Affairs", "minister"),
    ("Chief of Defence", "military_chief"),
    ("Minister of Industry and Trade", "minister"),
    ("ambassador to India", None),
    ("ambassador to Bulgaria", None),
    ("ambassador to Iran", None),
    ("ambassador to Israel", None),
    ("Deputy Minister of Finance", None),
    ("Minister of Public Security", "interior"),
    ("Minister without portfolio", "minister"),
    ("Minister of the Presidency", "minister"),
    ("Minister of Employment", "minister"),
    ("Minister of Energy and Mines", "minister"),
    ("monarch", "head_of_state"),
    ("ambassador to Slovakia", None),
    ("Minister of the Economy", "minister"),
    ("Governor of the National Bank", "central_bank"),
    ("ambassador to Denmark", None),
    ("Minister of Cabinet Affairs", "minister"),
    ("Secretary General", None),
    ("ambassador to Morocco", None),
    ("Minister of Trade and Industry", "minister"),
    ("ambassador to Norway", None),
    ("ambassador to Romania", None),
    ("ambassador to Mexico", None),
    ("Minister of Agriculture and Rural Development", "minister"),
    ("Minister of Youth and Sport", "minister"),
    ("Deputy Minister of Foreign Affairs", None),
    ("ambassador to Estonia", None),
    ("Minister for Finance", "finance"),
    ("Minister of Public Administration", "minister"),
    ("ambassador to South Africa", None),
    ("Minister of Education and Research", "minister"),
    ("ambassador to Belarus", None),
    ("ambassador to Kyrgyzstan", None),
    ("ambassador to Pakistan", None),
    ("ambassador to Kazakhstan", None),
    ("ambassador to Argentina", None),
]


@functools.cache
def _doc() -> dict[str, object]:
    data: dict[str, object] = json.loads((DATA_DIR / "actors_wikidata.json").read_text(encoding="utf-8"))
    return data


@functools.cache
def _kb() -> KnowledgeBase:
    return KnowledgeBase.load()


class TestClassify:
    @pytest.mark.parametrize(("position", "expected"), TOP_POSITIONS)
    def test_the_most_frequent_positions(self, position: str, expected: str | None) -> None:
        assert classify(position) == expected

    @pytest.mark.parametrize(
        ("position", "expected"),
        [
            ("Federal Chancellor", "head_of_government"),
            ("Minister for Foreign Affairs and Trade", "foreign"),
            ("Minister of Foreign Trade", "minister"),  # not the foreign minister
            ("Secretary of State for Foreign and Commonwealth Affairs", "foreign"),
            ("Chancellor of the Exchequer", "finance"),
            ("Chancellor of the Duchy of Lancaster", None),
            ("Minister of the Armed Forces", "defence"),
            ("Minister of Defence Industry", "minister"),
            ("Chief of the Defence Staff", "military_chief"),
            ("Head of the Security Service", "intelligence_chief"),
            ("Director of the CIA", "intelligence_chief"),
            ("Marshal of the Sejm", "speaker"),
            ("Chairman of the Verkhovna Rada", "speaker"),
            ("President of the Parliament of Catalonia", None),  # regional
            ("Prime Minister of Crimea", None),
            ("Governor of Kirov Oblast", "regional_head"),  # a head of a state's part
            ("Parliamentary Under-Secretary of State for Transport", None),
            ("Minister of State for Foreign Affairs", None),  # junior
            ("Secretary of State of Alabama", None),
            ("National Security Advisor", "security_advisor"),
        ],
    )
    def test_variants(self, position: str, expected: str | None) -> None:
        assert classify(position) == expected

    def test_a_bare_secretary_of_state_is_the_us_foreign_minister_only(self) -> None:
        assert classify("Secretary of State", country="US") == "foreign"
        assert classify("Secretary of State", country="DE") is None
        assert classify("Attorney General", country="US") == "justice"

    def test_international_organisations(self) -> None:
        assert classify("Secretary-General of the United Nations", international=True) == "io_leader"
        assert classify("European Commissioner for Trade", international=True) == "io_leader"
        assert classify("Judge of the International Court of Justice", international=True) is None
        assert classify("Vice President of the European Parliament", international=True) is None


class TestRoleName:
    @pytest.mark.parametrize(
        ("position", "country", "code", "expected"),
        [
            ("President", "Russia", "RU", "President of Russia"),
            ("President", "United States", "US", "President of the United States"),
            ("Chancellor", "Germany", "DE", "Chancellor of Germany"),
            ("Federal Chancellor", "Austria", "AT", "Chancellor of Austria"),
            ("Prime Minister", "Hungary", "HU", "Prime Minister of Hungary"),
            ("President of the Council of Ministers", "Italy", "IT", "Prime Minister of Italy"),
            ("King", "Spain", "ES", "King of Spain"),
            ("Secretary of State", "United States", "US", "United States Secretary of State"),
            ("Secretary of Defence", "United States", "US", "United States Secretary of Defense"),
            ("Minister for Foreign Affairs", "Russia", "RU", "Minister of Foreign Affairs of Russia"),
            ("Minister of Foreign Affairs", "Ukraine", "UA", "Minister of Foreign Affairs of Ukraine"),
            ("Minister of National Defence", "Russia", "RU", "Minister of Defence of Russia"),
            ("Minister of Internal Affairs", "Ukraine", "UA", "Minister of the Interior of Ukraine"),
            ("Minister of Home Affairs", "Spain", "ES", "Minister of the Interior of Spain"),
            ("Minister of Economy and Finance", "France", "FR", "Minister of Finance of France"),
            ("Minister of Health", "Netherlands", "NL", "Minister of Health of the Netherlands"),
            ("Chief of the General Staff", "Turkey", "TR", "Chief of the General Staff of Turkey"),
        ],
    )
    def test_names(self, position: str, country: str, code: str, expected: str) -> None:
        assert role_name(position, country, code=code) == expected

    def test_every_curated_state_office_is_a_generated_role_name(self) -> None:
        offices = json.loads((DATA_DIR / "offices.json").read_text(encoding="utf-8"))["offices"]
        countries = {row.split("\t")[0]: row.split("\t")[2] for row in _country_rows()}
        typical = {  # a position label of Peppercat's for each curated office
            "President of": "President",
            "Chancellor of": "Chancellor",
            "United States Secretary of State": "Secretary of State",
            "Minister of Foreign Affairs of": "Minister for Foreign Affairs",
            "Minister of Defence of": "Minister of National Defence",
        }
        national = [o for o in offices if len(o["org"]) == 2 and o["office"] != "Kremlin spokesman"]
        assert len(national) == 12
        for office in national:
            position = next(p for start, p in typical.items() if office["office"].startswith(start))
            code = office["org"]
            assert role_name(position, countries[code], code=code) == office["office"]
        roles = {r["role"] for a in _doc()["actors"] for r in a["roles"]}  # type: ignore[attr-defined]
        assert {"UN Secretary-General", "EU High Representative for Foreign Affairs"} <= roles


def _country_rows() -> list[str]:
    with (DATA_DIR / "places.tsv").open(encoding="utf-8") as fh:
        return [line for line in fh if "\tcountry\t" in line]


class TestActorsWikidata:
    def test_the_file(self) -> None:
        doc = _doc()
        assert "Peppercat" in str(doc["_doc"])
        assert "CC0" in str(doc["_doc"])
        actors: list[dict[str, object]] = doc["actors"]  # type: ignore[assignment]
        assert len(actors) >= 15_000
        ids = [str(a["id"]) for a in actors]
        assert ids == sorted(ids, key=lambda q: int(q[1:]))
        assert all(q.startswith("Q") for q in ids)
        replaces: dict[str, str] = doc["replaces"]  # type: ignore[assignment]
        assert set(replaces.values()) <= set(ids)
        curated = {
            a["id"] for a in json.loads((DATA_DIR / "actors.json").read_text(encoding="utf-8"))["actors"]
        }
        assert not curated & set(ids)
        for actor in actors:
            assert len(str(actor["name"]).split()) >= 2
            for alias in actor["aliases"]:  # type: ignore[attr-defined]
                assert alias.startswith("petrarch:") or len(alias.split()) >= 2, alias
            assert all("class" in r for r in actor["roles"] if "CAMEO" not in r["role"])  # type: ignore[attr-defined]

    def test_no_name_that_running_text_makes_of_a_given_name(self) -> None:
        names = {a["name"] for a in _doc()["actors"]}  # type: ignore[attr-defined]
        assert "Chris Said" not in names  # a Maltese minister, and every "Chris said"
        assert "Joseph Made" not in names
        assert "Theresa May" in names

    def test_no_bare_surname_and_no_shared_name(self) -> None:
        seen: dict[str, str] = {}
        for actor in _doc()["actors"]:  # type: ignore[attr-defined]
            for name in (actor["name"], *actor["aliases"]):
                key = name.casefold()
                assert seen.setdefault(key, actor["id"]) == actor["id"], name


class TestLoaded:
    def test_leaders_by_name_with_their_qids_and_roles(self) -> None:
        kb = _kb()
        duda = kb.lookup("Andrzej Duda")
        assert [s.entity for s in duda] == ["Q9151911"]
        roles = {r.role for r in kb.get("Q9151911").roles}
        assert "President of Poland" in roles
        assert [s.entity for s in kb.lookup("Lloyd Austin")] == ["Q941013"]

    def test_a_replaced_petrarch_person_is_the_wikidata_one(self) -> None:
        kb = _kb()
        assert "petrarch:viktor-orban" not in kb.entities
        orban = kb.get("Q57641")
        assert orban.aliases[0] == "petrarch:viktor-orban"  # a subscription by the old id still matches
        assert [s.entity for s in kb.lookup("Viktor Orban")] == ["Q57641"]
        assert not kb.lookup("petrarch:viktor-orban")  # the old id is no key of the text
        assert any(r.role == "Prime Minister of Hungary" and r.end is None for r in orban.roles)

    def test_curated_people_win(self) -> None:
        kb = _kb()
        assert [s.entity for s in kb.lookup("Sergei Shoigu")] == ["Q2460581"]
        assert kb.get("Q2460581").aliases[0] == "Sergei Shoigu"  # the curated entry, not a generated one

    def test_titles_resolve_through_the_roles(self) -> None:
        kb = _kb()
        offices = Offices(kb)
        foreign = "office:minister-of-foreign-affairs-of-russia"
        assert offices.holder(foreign, "2016-06-01") == "Q29540"  # Lavrov (curated)
        assert offices.holder(foreign, "2022-06-01") == "Q29540"
        president = "office:president-of-russia"
        medvedev = offices.holder(president, "2010-06-01")
        assert medvedev == "Q23530"  # offices.json's PETRARCH holder, replaced
        assert offices.holder("office:president-of-the-united-states", "2015-06-01") == "Q1058"

    def test_optional_orgs_file_and_replaced_references(self, tmp_path: Path) -> None:
        for path in DATA_DIR.iterdir():
            if path.is_file() and path.name != "actors_orgs.json":
                (tmp_path / path.name).symlink_to(path)
        orgs_file = DATA_DIR / "actors_orgs.json"  # another build's, when there: kept, one actor more
        orgs = json.loads(orgs_file.read_text(encoding="utf-8")) if orgs_file.exists() else {"actors": []}
        petrarch = json.loads((DATA_DIR / "actors_petrarch.json").read_text(encoding="utf-8"))["actors"]
        old = next(a for a in petrarch if a["type"] == "company" and a["id"] in _kb().entities)
        (tmp_path / "actors_orgs.json").write_text(
            json.dumps(
                {
                    "_doc": "test",
                    "replaces": {**orgs.get("replaces", {}), old["id"]: "Q999999999"},
                    "actors": [
                        *orgs["actors"],
                        {
                            "id": "Q999999999",
                            "name": "Ruritanian Union of Testers",
                            "type": "organization",
                            "country": None,
                            "aliases": [],
                        },
                    ],
                }
            ),
            encoding="utf-8",
        )
        kb = KnowledgeBase.load(tmp_path)
        assert [s.entity for s in kb.lookup("Ruritanian Union of Testers")] == ["Q999999999"]
        assert old["id"] not in kb.entities
