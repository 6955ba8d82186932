"""Office holders after Peppercat's CSVs stop (January 2023), from its monthly pages of holders in post.

``peppercat-recent/<YYYY-MM-DD>/docs/leaders/<country>/index.html`` (``deploy/kb-sources.sh``:
Peppercat's site at the last commit of each month, February 2023 to January 2025) lists each
state's and organisation's holders in post: the positions (one or more a person), the person's
name, Wikidata QID, English Wikipedia title and "in office since" date. A holding is the same
person in the same position since the same date; seen in a run of snapshots, it is open when
the last snapshot still lists it, else it ended when its successor started (the one holder of
that position in the next snapshot, since a date between) or, without one, by the next
snapshot's date (the earliest it is known to have ended).

``merge`` joins these holdings to the rows of ``leaders-historic.csv`` (same columns): a CSV role
left open in January 2023 takes the end the snapshots give it (or the first snapshot's date when
the pages no longer list it), and the holdings the CSV lacks are added.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

FOLDER = "peppercat-recent"
_ENTRY = re.compile(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", re.DOTALL)
_CATALOG = re.compile(r"<h1>(.*?)</h1>", re.DOTALL)
_NAME = re.compile(r'<span class="toggle">(.*?)</span>', re.DOTALL)
_SINCE = re.compile(r"in office since (\d{4}(?:-\d\d){0,2})")
_QID = re.compile(r"wikidata\.org/wiki/(Q\d+)\"")
_ENWIKI = re.compile(r'href="https://en\.wikipedia\.org/wiki/([^"]+)"')
_BREAK = re.compile(r"<br\s*/?>")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")

#: The columns of a row, as ``leaders-historic.csv`` has them (the others are not read).
Row = dict[str, str]


@dataclass(frozen=True)
class Holding:
    """One person in one position on one snapshot's page."""

    catalog: str
    position: str
    person: str
    qid: str
    enwiki: str
    start: str


def parse_page(text: str) -> list[Holding]:
    """The holdings of one page: one per position of each listed person with a QID."""
    found = _CATALOG.search(text)
    if found is None:
        return []
    catalog = _text(found.group(1))
    out: list[Holding] = []
    for head, body in _ENTRY.findall(text):
        qid, name, since = _QID.search(body), _NAME.search(body), _SINCE.search(body)
        if qid is None or name is None:
            continue  # a person without a QID: nothing to link the name to
        wiki = _ENWIKI.search(body)
        enwiki = unquote(html.unescape(wiki.group(1))).replace("_", " ") if wiki else ""
        person, start = _text(name.group(1)), since.group(1) if since else ""
        positions = [_text(p) for p in _BREAK.split(head)]
        out.extend(Holding(catalog, p, person, qid.group(1), enwiki, start) for p in positions if p)
    return out


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def snapshots(source: Path) -> list[tuple[str, list[Holding]]]:
    """Each snapshot's date and holdings, oldest first (none when the folder is absent)."""
    out: list[tuple[str, list[Holding]]] = []
    root = source / FOLDER
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if _DATE.match(p.name)):
        holdings: list[Holding] = []
        for page in sorted((folder / "docs" / "leaders").glob("*/index.html")):
            holdings.extend(parse_page(page.read_text(encoding="utf-8")))
        out.append((folder.name, holdings))
    return out


def spans(snaps: list[tuple[str, list[Holding]]]) -> list[Row]:
    """The holdings as CSV rows with their ends (empty: still in post on the last snapshot)."""
    last_seen: dict[Holding, int] = {}
    for index, (_, holdings) in enumerate(snaps):
        for holding in holdings:
            last_seen[holding] = index
    rows: list[Row] = []
    for holding, index in last_seen.items():
        end = "" if index == len(snaps) - 1 else _end(holding, snaps[index + 1])
        rows.append(_row(holding, end))
    return sorted(rows, key=lambda r: (r["catalog"], r["position"], r["start"], r["personID"]))


def _end(holding: Holding, following: tuple[str, list[Holding]]) -> str:
    """When a holding missing from the ``following`` snapshot ended: its successor's start, or that date."""
    date, holdings = following
    others = [
        h
        for h in holdings
        if (h.catalog, h.position) == (holding.catalog, holding.position) and h.qid != holding.qid
    ]
    if len(others) == 1 and holding.start <= others[0].start <= date and len(others[0].start) == len(date):
        return others[0].start
    return date


def _row(holding: Holding, end: str) -> Row:
    return {
        "catalog": holding.catalog,
        "position": holding.position,
        "person": holding.person,
        "personID": holding.qid,
        "start": holding.start,
        "end": end,
        "enwiki": holding.enwiki,
    }


def merge(historic: list[Row], recent: list[Row], first: str) -> list[Row]:
    """The CSV's rows with the snapshots' ends for its open roles, then the holdings it lacks.

    ``first``: the first snapshot's date, by which a CSV role the pages never list had ended.
    A CSV role and a holding are one when their catalog, position and person are (the CSV's
    start may be less precise): the earliest such holding is taken, the later ones are added.
    """
    pending: dict[tuple[str, str, str], list[Row]] = {}
    for row in sorted(recent, key=lambda r: r["start"]):
        pending.setdefault(_key(row), []).append(row)
    catalogs = {row["catalog"] for row in recent}
    out: list[Row] = []
    for row in historic:
        if (row.get("end") or "").strip():
            out.append(row)
            continue
        later = pending.get(_key(row))
        if later:
            out.append({**row, "end": later.pop(0)["end"]})
        elif row["catalog"].strip() in catalogs:
            out.append({**row, "end": first})
        else:
            out.append(row)  # a list the pages do not have: nothing says it ended
    out.extend(r for rows in pending.values() for r in rows)
    return out


def _key(row: Row) -> tuple[str, str, str]:
    return row["catalog"].strip(), " ".join(row["position"].split()), row["personID"].strip()


def read(source: Path) -> tuple[list[Row], str, str]:
    """The snapshots' rows, the first and the last snapshot's dates ("" when there is none)."""
    snaps = snapshots(source)
    if not snaps:
        return [], "", ""
    return spans(snaps), snaps[0][0], snaps[-1][0]


def read_dates(source: Path) -> tuple[int, str, str]:
    """How many snapshots there are, the first's date and the last's ("" when there is none)."""
    root = source / FOLDER
    dates = sorted(p.name for p in root.iterdir() if _DATE.match(p.name)) if root.is_dir() else []
    return len(dates), (dates[0] if dates else ""), (dates[-1] if dates else "")
