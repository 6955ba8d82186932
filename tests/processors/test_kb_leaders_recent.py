"""Office holders after January 2023 (``kb_build/leaders_recent.py``): Peppercat's monthly pages."""

from __future__ import annotations

import functools
from typing import Any

from processors import KnowledgeBase
from processors.kb_build import leaders_recent
from processors.kb_build.leaders import _same_person
from processors.kb_build.leaders_recent import Holding, merge, parse_page, spans
from processors.kb_build.positions import classify
from processors.tagging.build import Offices

_ENTRY = """
<dt>{positions}</dt>
<dd>
  <span class="toggle">{name}</span>
  <div class="bio"><ul>
    <li>in office since {since}</li>
    <li><a href="https://en.wikipedia.org/wiki/{wiki}"><img alt="Wikipedia" /></a>
    {wikidata}</li>
  </ul></div>
</dd>"""


def _page(catalog: str, *entries: tuple[str, str, str, str]) -> str:
    """A page like Peppercat's: (positions, name, since, QID or "") each."""
    body = "".join(
        _ENTRY.format(
            positions=positions,
            name=name,
            since=since,
            wiki=name.replace(" ", "_"),
            wikidata=f'<a href="https://www.wikidata.org/wiki/{qid}"><img alt="Wikidata"></a>' if qid else "",
        )
        for positions, name, since, qid in entries
    )
    return f'<div id="officeholders"><h1>{catalog}</h1><dl>{body}</dl></div>'


def _holding(position: str, qid: str, start: str, catalog: str = "Ruritania") -> Holding:
    return Holding(catalog, position, f"Person {qid}", qid, f"Person {qid}", start)


class TestParsePage:
    def test_each_position_of_each_person_with_a_qid(self) -> None:
        page = _page(
            "Ruritania",
            ("Prime Minister<br />First Lord of the Treasury", "Anna Smith", "2024-07-05", "Q1"),
            ("Minister of Foreign Affairs", "Jos&eacute; P&eacute;rez", "2023-11", "Q2"),
            ("Minister of Culture", "Nobody Known", "2020-01-01", ""),
        )
        assert parse_page(page) == [
            Holding("Ruritania", "Prime Minister", "Anna Smith", "Q1", "Anna Smith", "2024-07-05"),
            Holding(
                "Ruritania", "First Lord of the Treasury", "Anna Smith", "Q1", "Anna Smith", "2024-07-05"
            ),
            Holding("Ruritania", "Minister of Foreign Affairs", "José Pérez", "Q2", "José Pérez", "2023-11"),
        ]

    def test_a_page_without_a_heading_has_no_holdings(self) -> None:
        assert parse_page("<html><body>nothing</body></html>") == []


class TestSpans:
    def test_ends_by_successor_or_by_the_next_snapshot(self) -> None:
        pm_a, pm_b = (
            _holding("Prime Minister", "Q1", "2019-01-01"),
            _holding("Prime Minister", "Q2", "2024-02-10"),
        )
        culture = _holding("Minister of Culture", "Q3", "2021-05-01")
        finance = _holding("Minister of Finance", "Q4", "2022-01-01")
        snaps = [
            ("2024-01-31", [pm_a, culture, finance]),
            ("2024-02-29", [pm_b, finance]),
            ("2024-03-31", [pm_b, finance]),
        ]
        ends = {(r["personID"], r["position"]): r["end"] for r in spans(snaps)}
        assert ends == {
            ("Q1", "Prime Minister"): "2024-02-10",  # the successor's start
            ("Q2", "Prime Minister"): "",  # still in post on the last snapshot
            ("Q3", "Minister of Culture"): "2024-02-29",  # gone, no successor: the next snapshot
            ("Q4", "Minister of Finance"): "",
        }

    def test_a_successor_before_the_holders_start_is_no_end(self) -> None:
        old = _holding("Minister", "Q1", "2024-01-15")
        other = _holding("Minister", "Q2", "2020-01-01")
        rows = spans([("2024-01-31", [old]), ("2024-02-29", [other])])
        assert next(r["end"] for r in rows if r["personID"] == "Q1") == "2024-02-29"


def _row(catalog: str, position: str, qid: str, start: str, end: str) -> dict[str, str]:
    return {
        "catalog": catalog,
        "position": position,
        "person": qid,
        "personID": qid,
        "start": start,
        "end": end,
        "enwiki": "",
    }


class TestMerge:
    def test_open_csv_roles_take_the_pages_ends_and_new_holders_are_added(self) -> None:
        historic = [
            _row("Ruritania", "Prime Minister", "Q1", "2019-01-01", ""),  # ended on the pages
            _row("Ruritania", "Minister of Culture", "Q3", "2018-01-01", ""),  # never on the pages
            _row("Ruritania", "Prime Minister", "Q9", "2001-01-01", "2019-01-01"),  # closed: as it is
            _row("Elbonia", "President", "Q5", "2010-01-01", ""),  # no pages for Elbonia: open
        ]
        recent = [
            _row("Ruritania", "Prime Minister", "Q1", "2019-01-01", "2024-02-10"),
            _row("Ruritania", "Prime Minister", "Q2", "2024-02-10", ""),
        ]
        out = merge(historic, recent, "2023-01-31")
        assert [(r["personID"], r["start"], r["end"]) for r in out] == [
            ("Q1", "2019-01-01", "2024-02-10"),
            ("Q3", "2018-01-01", "2023-01-31"),
            ("Q9", "2001-01-01", "2019-01-01"),
            ("Q5", "2010-01-01", ""),
            ("Q2", "2024-02-10", ""),
        ]

    def test_a_less_precise_csv_start_is_the_same_role(self) -> None:
        historic = [_row("Ruritania", "President", "Q1", "2022", "")]
        recent = [_row("Ruritania", "President", "Q1", "2022-05-01", "")]
        assert merge(historic, recent, "2023-01-31") == [_row("Ruritania", "President", "Q1", "2022", "")]


class TestBuild:
    def test_two_items_of_one_person_share_their_roles(self) -> None:
        role = {"role": "Minister of Finance of Armenia", "org": "AM", "start": "2024-01-01", "end": None}
        other = {
            "role": "Minister of Health of Armenia",
            "org": "AM",
            "start": "2020-01-01",
            "end": "2021-01-01",
        }
        kept: dict[str, Any] = {"roles": [role]}
        _same_person(kept, {"roles": [dict(role), other]})
        assert kept["roles"] == [role, other]
        namesake: dict[str, Any] = {"roles": [role]}
        _same_person(namesake, {"roles": [other]})  # no office in common: another person
        assert namesake["roles"] == [role]

    def test_the_home_department_is_the_interior(self) -> None:
        assert classify("Secretary of State for the Home Department", country="GB") == "interior"

    def test_no_snapshots_no_rows(self, tmp_path: Any) -> None:
        assert leaders_recent.read(tmp_path) == ([], "", "")
        assert leaders_recent.read_dates(tmp_path) == (0, "", "")


@functools.cache
def _kb() -> KnowledgeBase:
    return KnowledgeBase.load()


class TestShippedTable:
    def test_holders_since_2023_with_dated_roles(self) -> None:
        kb = _kb()
        assert [s.entity for s in kb.lookup("Keir Starmer")] == ["Q6383803"]
        starmer = kb.get("Q6383803")
        assert any(
            r.role == "Prime Minister of the United Kingdom" and r.start == "2024-07-05" and r.end is None
            for r in starmer.roles
        )
        assert [s.entity for s in kb.lookup("Javier Milei")] == ["Q52395487"]

    def test_the_british_prime_minister_by_date(self) -> None:
        offices = Offices(_kb())
        office = "office:prime-minister-of-the-united-kingdom"
        assert offices.holder(office, "2025-06-15") == "Q6383803"  # Starmer
        assert offices.holder(office, "2023-06-15") == "Q20055561"  # Sunak
        assert offices.holder("office:prime-minister-of-poland", "2024-06-15") == "Q946"  # Tusk
