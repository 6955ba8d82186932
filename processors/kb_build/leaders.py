"""Build ``processors/data/actors_wikidata.json``: office holders with Wikidata QIDs and dated roles.

Sources (read in place, never copied; ``--source``, default ``../shared/kb-sources``):

- ``peppercat/docs/leaders/<country>/leaders-historic.csv``: Peppercat's Wikidata extract of
  the world's office holders (QID, English label and enwiki title, position, start, end; to
  January 2023; Wikidata's data, CC0, but Peppercat's site states CC BY-NC 4.0 for its
  selection and arrangement, for these CSVs as for the pages below). A person is kept for a
  role open or ended in 2008 or later whose position ``positions.classify`` keeps: heads of
  state and government and their deputies, ministers, military and intelligence chiefs, central
  bank governors, speakers, leaders of international organisations, heads of a state's parts
  (governors, premiers, minister-presidents; not ambassadors, judges, spouses, junior or other
  regional posts).
- ``peppercat-recent/<date>/docs/leaders/<country>/index.html``: Peppercat's pages of the holders
  in post, one snapshot a month from January 2023 to January 2025 (``leaders_recent.py``): they
  end the CSVs' open roles and add the later holders (Starmer, Milei, Tusk's 2023 government…).
- ``everypolitician/data/*/*/ep-popolo-v1.0.json``: EveryPolitician's 2015 legislators, whose
  Wikidata labels in our nine languages (``other_names``) become aliases of the same QID.

Alias policy, as for PETRARCH: full names only (two words or more: a bare surname is too often
someone else's; only curated people have theirs), none that is a place, a demonym, a common word,
a curated actor's name or another person's. A person already curated (``actors.json``: same QID,
or same name and country) is left out; a PETRARCH person of the same name (diacritics and
hyphens aside) and a compatible country is replaced, and so is one spelled otherwise ("Anatoliy
Serdyukov") with the same surname, given name's first four letters, country and a role at the
same time: the entry takes its aliases, roles and old id (an alias, so a subscription by that id
still matches), and ``replaces`` maps the old id to the QID for the loader.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from processors.kb_build import leaders_recent
from processors.kb_build.positions import classify, role_name
from processors.kb_build.sources import SOURCE, commit, source_arg
from processors.tagging.words import fold_diacritics
from processors.text import normalize_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
OUT = DATA_DIR / "actors_wikidata.json"
SINCE = "2008"
LANGS = frozenset({"en", "es", "fr", "de", "it", "pt", "pl", "ru", "uk"})
# Peppercat's lists that are no ISO country of the knowledge base: the state they belong to
# (roles there are regional: their classes get a "regional_" prefix), or an organisation.
_PARTS = {
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Transnistria": "MD",
    "Abkhazia": "GE",
    "South Ossetia": "GE",
    "Artsakh": "AZ",
    "Donetsk": "UA",
    "Luhansk": "UA",
}
_OWN = {"Kosovo": "XK", "Congo-Kinshasa": "CD", "Åland": "AX", "São Tomé and Príncipe": "ST"}
_INTERNATIONAL = {"World": "", "European Union": "Q458"}
# International offices under the names the curated offices use (offices.json).
_IO_NAMES = {
    "Secretary-General of the United Nations": ("UN Secretary-General", "Q1065"),
    "High Representative of the Union for Foreign Affairs and Security Policy": (
        "EU High Representative for Foreign Affairs",
        "Q458",
    ),
}
# Which class names a person first when one name is shared (the others are left out).
_RANK = (
    "head_of_state",
    "head_of_government",
    "io_leader",
    "deputy_head_of_government",
    "vice_president",
    "foreign",
    "defence",
    "interior",
    "finance",
    "justice",
    "military_chief",
    "intelligence_chief",
    "central_bank",
    "speaker",
    "security_advisor",
    "minister",
    "regional_head",
)
# Words that follow a given name in running text ("Chris said", "Joseph made"): a two-word name
# ending in one would match them (a name's case rule only asks for its first capital).
_RUNNING = frozenset(
    {
        *("said", "says", "made", "makes", "told", "than", "asked", "added", "wrote", "did", "does"),
        *("was", "is", "has", "had", "will", "would", "can", "could", "and", "or", "but", "then"),
        *("also", "not", "dare", "let", "got", "went", "came", "saw", "knew", "took", "gave", "an"),
    }
)
_QID = re.compile(r"^Q\d+$")
_DISAMBIGUATOR = re.compile(r"\s*\([^)]*\)$")
_MIN_LETTERS = 5


def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """(folded country name or alias → ISO code, ISO code → the knowledge base's name)."""
    by_name: dict[str, str] = {}
    names: dict[str, str] = {}
    with (DATA_DIR / "places.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"):
            if row["type"] != "country":
                continue
            names[row["id"]] = row["name"]
            by_name[row["name"].casefold()] = row["id"]
            for alias in row["aliases"].split("|"):
                by_name.setdefault(alias.casefold(), row["id"])
    return by_name, names


def _person_name(row: dict[str, str]) -> str:
    name = _DISAMBIGUATOR.sub("", (row.get("enwiki") or "").strip()) or row["person"].strip()
    return " ".join(name.split())


def _role(
    row: dict[str, str], catalog: str, where: tuple[dict[str, str], dict[str, str]]
) -> dict[str, Any] | None:
    """The role of one row, or None when its position or country is left out."""
    by_name, names = where
    position = " ".join(row["position"].replace("_", "-").strip().strip('"').split())
    if catalog in _INTERNATIONAL:
        if classify(position, international=True) is None:
            return None
        role, org = _IO_NAMES.get(position, (position, _INTERNATIONAL[catalog]))
        if "United Nations" in role and not org:
            org = "Q1065"
        return {"role": role, "org": org, "class": "io_leader"}
    code = _PARTS.get(catalog) or _OWN.get(catalog) or by_name.get(catalog.casefold())
    if code is None:
        return None
    cls = classify(position, country=code)
    if cls is None:
        return None
    if catalog in _PARTS:
        return {"role": role_name(position, catalog, cls="regional"), "org": code, "class": f"regional_{cls}"}
    return {
        "role": role_name(position, names.get(code, catalog), code=code, cls=cls),
        "org": code,
        "class": cls,
    }


def _rows(source: Path) -> list[dict[str, str]]:
    """The CSVs' rows, their open roles ended and later holders added by the monthly pages."""
    historic: list[dict[str, str]] = []
    for path in sorted((source / "peppercat" / "docs" / "leaders").glob("*/leaders-historic.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            historic.extend(csv.DictReader(fh))
    recent, first, _ = leaders_recent.read(source)
    return leaders_recent.merge(historic, recent, first) if recent else historic


def read_peppercat(source: Path) -> dict[str, dict[str, Any]]:
    """The people kept, by QID: name, roles (with ``class``) and their countries."""
    where = _countries()
    people: dict[str, dict[str, Any]] = {}
    for row in _rows(source):
        end = (row.get("end") or "").strip()
        qid = (row.get("personID") or "").strip()
        if (end and end[:4] < SINCE) or not _QID.match(qid):
            continue
        role = _role(row, row["catalog"].strip(), where)
        if role is None:
            continue
        role["start"] = (row.get("start") or "").strip() or None
        role["end"] = end or None
        person = people.setdefault(
            qid, {"name": _person_name(row), "roles": [], "countries": Counter(), "labels": []}
        )
        label = " ".join(row["person"].split())
        if label != person["name"] and label not in person["labels"]:
            person["labels"].append(label)  # Wikidata's label, where the enwiki title differs
        if role not in person["roles"]:
            person["roles"].append(role)
        if role["org"][:1] != "Q" and role["org"]:
            person["countries"][role["org"]] += 1
    return people


def read_everypolitician(source: Path, qids: set[str]) -> dict[str, list[str]]:
    """Names in our nine languages of the people of ``qids``, by QID (EveryPolitician's labels)."""
    out: dict[str, list[str]] = {}
    for path in sorted((source / "everypolitician" / "data").glob("*/*/ep-popolo-v1.0.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for person in data.get("persons", ()):
            qid = next(
                (i["identifier"] for i in person.get("identifiers", ()) if i.get("scheme") == "wikidata"),
                None,
            )
            if qid not in qids:
                continue
            names = out.setdefault(qid, [])
            for other in person.get("other_names", ()):
                name = " ".join(str(other.get("name", "")).split())
                if other.get("lang") in LANGS and name and name not in names:
                    names.append(name)
    return out


def _blocked() -> set[str]:
    """Keys no person's alias may have: places, demonyms, common words."""
    from processors.kb_build.forms import stopwords  # noqa: PLC0415 - the one list, heavy to import

    keys: set[str] = {_key(w) for w in stopwords()}
    with (DATA_DIR / "places.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"):
            keys.update(_key(a) for a in row["aliases"].split("|") if a)
    demonyms = json.loads((DATA_DIR / "demonyms.json").read_text(encoding="utf-8"))
    keys.update(_key(w) for words in demonyms["words"].values() for w in words)
    return keys


def _key(name: str) -> str:
    """The folded key of a name: the tagger matches "Orban" for "Orbán" (names are compared so)."""
    return fold_diacritics(normalize_key(name).strip())


def _usable(name: str, blocked: set[str]) -> bool:
    """A full name (two words or more, enough letters) that is no place, demonym or common word."""
    words = name.split()
    return (
        len(words) >= 2
        and sum(c.isalpha() for c in name) >= _MIN_LETTERS
        and "," not in name
        and not _QID.match(name)
        and not (len(words) == 2 and words[1].casefold() in _RUNNING)
        and _key(name) not in blocked
    )


def _rank(person: dict[str, Any]) -> tuple[int, str]:
    classes = {r["class"] for r in person["roles"]}
    best = min((_RANK.index(c) for c in classes if c in _RANK), default=len(_RANK))
    latest = max((r["start"] or "" for r in person["roles"]), default="")
    return best, "~" if any(r["end"] is None for r in person["roles"]) else latest


class _Curated:
    """What the curated actors hold: QIDs, every name key, and people's (name key, country)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.ids = {a["id"] for a in data["actors"]}
        self.keys = {_key(n) for a in data["actors"] for n in (a["name"], *a["aliases"])}
        self.keys.update(_key(n) for names in data["metonyms"].values() for n in names)
        self.people = {
            (_key(n), a.get("country"))
            for a in data["actors"]
            if a["type"] == "person"
            for n in (a["name"], *a["aliases"])
        }

    def has(self, qid: str, name: str, country: str | None) -> bool:
        return qid in self.ids or (_key(name), country) in self.people or _key(name) in self.keys


def _petrarch_actors() -> dict[str, list[dict[str, Any]]]:
    """PETRARCH actors (people, organisations…) by the key of each of their names."""
    data = json.loads((DATA_DIR / "actors_petrarch.json").read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, Any]]] = {}
    for actor in data["actors"]:
        for name in {actor["name"], *actor["aliases"]}:
            out.setdefault(_key(name), []).append(actor)
            spaced = _key(name).replace("-", " ")  # "Ban Ki Moon" for "Ban Ki-moon"
            if spaced != _key(name):
                out.setdefault(spaced, []).append(actor)
    return out


def _replaced(
    name: str, country: str | None, petrarch: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The PETRARCH records of this full name (hyphens or not) and a compatible country."""
    found = [
        a
        for a in petrarch.get(_key(name), ())
        if a["type"] == "person" and (country is None or a.get("country") in {None, country})
    ]
    found += [
        a
        for a in petrarch.get(_key(name).replace("-", " "), ())
        if a["type"] == "person"
        and (country is None or a.get("country") in {None, country})
        and a not in found
    ]
    return list({a["id"]: a for a in found}.values())


def _overlap(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> bool:
    """Whether two role lists share a time (dates compared as ISO text; open ends are open)."""
    return any(
        (a["start"] or "") <= (b.get("end") or "9999") and (b.get("start") or "") <= (a["end"] or "9999")
        for a in ours
        for b in theirs
    )


def _spelled_otherwise(
    people: dict[str, dict[str, Any]], by_name: dict[str, str], names: _Aliases
) -> dict[str, str]:
    """PETRARCH people named otherwise ("Anatoliy Serdyukov" for "Anatoly Serdyukov"): their QIDs.

    The same surname, the same first four letters of the given name, the same country, roles at
    the same time, and one candidate either way (else the names are left as two actors).
    """
    ours: dict[tuple[str, str, str], list[str]] = {}
    for qid in by_name.values():
        if "old" not in people[qid] and people[qid]["country"]:
            words = _key(people[qid]["name"]).split()
            ours.setdefault((words[-1], words[0][:4], people[qid]["country"]), []).append(qid)
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    for actors in names.petrarch.values():
        for actor in actors:
            if actor["type"] != "person" or actor["id"] in names.replaced or actor["id"] in seen:
                continue
            seen.add(actor["id"])
            words = _key(actor["name"]).split()
            qids = ours.get((words[-1], words[0][:4], actor.get("country") or ""), [])
            if len(qids) == 1 and _overlap(people[qids[0]]["roles"], actor.get("roles", [])):
                found.setdefault(qids[0], []).append(actor["id"])
                people[qids[0]]["old_name"] = actor["name"]
    return {olds[0]: qid for qid, olds in found.items() if len(olds) == 1}


class _Aliases:
    """Which names may be whose alias: full names of one entity only."""

    def __init__(
        self, blocked: set[str], curated: _Curated, petrarch: dict[str, list[dict[str, Any]]]
    ) -> None:
        self.blocked, self.curated, self.petrarch = blocked, curated, petrarch
        self.owners: dict[str, set[str]] = {}  # name key -> the people of this file it names
        self.replaced: dict[str, str] = {}  # PETRARCH id -> QID

    def own(self, qid: str, names: list[str]) -> None:
        """Record the names a person of this file has or may have."""
        for name in names:
            self.owners.setdefault(_key(name), set()).add(qid)

    def ok(self, name: str, qid: str) -> bool:
        """Whether ``name`` may be an alias of ``qid``: usable, and nobody else's name."""
        key = _key(name)
        if not _usable(name, self.blocked) or key in self.curated.keys:
            return False
        if self.owners.get(key, {qid}) != {qid}:
            return False
        return all(self.replaced.get(a["id"]) == qid for a in self.petrarch.get(key, ()))


def build(source: Path = SOURCE) -> dict[str, Any]:
    """The document of ``actors_wikidata.json``."""
    people = read_peppercat(source)
    labels = read_everypolitician(source, set(people))
    blocked = _blocked()
    curated = _Curated(json.loads((DATA_DIR / "actors.json").read_text(encoding="utf-8")))
    names = _Aliases(blocked, curated, _petrarch_actors())
    skipped: Counter[str] = Counter()
    by_name: dict[str, str] = {}
    # The most senior holder of a shared name keeps it; the others are left out.
    order = sorted(people, key=lambda q: (_rank(people[q])[1], q), reverse=True)  # the latest first...
    for qid in sorted(order, key=lambda q: _rank(people[q])[0]):  # ...of the most senior
        person = people[qid]
        country = person["countries"].most_common(1)[0][0] if person["countries"] else None
        person["country"] = country
        if not _usable(person["name"], blocked):
            skipped["name"] += 1
        elif curated.has(qid, person["name"], country):
            skipped["curated"] += 1
        elif _key(person["name"]) in by_name:
            skipped["shared name"] += 1
            _same_person(people[by_name[_key(person["name"])]], person)
        else:
            by_name[_key(person["name"])] = qid
            person["labels"] = [*person["labels"], *labels.get(qid, ())]
            names.own(qid, [person["name"], *person["labels"]])
    for qid in by_name.values():
        olds = [
            a
            for a in _replaced(people[qid]["name"], people[qid]["country"], names.petrarch)
            if a["id"] not in names.replaced
        ]
        if olds:
            names.replaced.update((a["id"], qid) for a in olds)
            people[qid]["old"] = olds
    for old_id, qid in _spelled_otherwise(people, by_name, names).items():
        names.replaced[old_id] = qid
        people[qid]["old"] = [a for a in names.petrarch[_key(people[qid]["old_name"])] if a["id"] == old_id][
            :1
        ]
    actors = [
        _actor(qid, people[qid], names) for qid in sorted(by_name.values(), key=lambda q: (int(q[1:]), q))
    ]
    return {
        "_doc": "Generated by `python -m processors.kb_build.leaders` (processors/kb_build/leaders.py): "
        "office holders since 2008 with their Wikidata QIDs and dated roles, from Peppercat's Wikidata "
        "extract of world leaders (peppercatorg/site-build @ "
        f"{commit(source, 'peppercat')}, "
        "docs/leaders/, roles to January 2023) and its monthly pages of holders in post since "
        f"({_recent(source)}), Wikidata's data (CC0) as Peppercat selected it (its site states CC BY-NC "
        "4.0 for the selection and arrangement), with names in en es fr de it pt pl ru uk from "
        "EveryPolitician (tijmenb/everypolitician-data @ "
        f"{commit(source, 'everypolitician')}, "
        "Wikidata labels, CC0; the snapshot states no licence of its own). Role classes by positions.py. "
        "Curated actors (actors.json) win; 'replaces' maps the PETRARCH people this file replaces to their "
        "QIDs (the old id is kept as an alias, with their names and roles). Do not edit: corrections go in "
        "actors.json.",
        "skipped": dict(sorted(skipped.items())),
        "replaces": dict(sorted(names.replaced.items())),
        "actors": actors,
    }


def _same_person(kept: dict[str, Any], other: dict[str, Any]) -> None:
    """Give ``kept`` the roles of ``other`` when they share one: two Wikidata items of one person.

    (Items later merged: Peppercat's pages name one holder by either QID over the months.)
    """
    offices = {(r["role"], r["org"]) for r in kept["roles"]}
    if any((r["role"], r["org"]) in offices for r in other["roles"]):
        kept["roles"].extend(r for r in other["roles"] if r not in kept["roles"])


def _terms(roles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One role a term: of the same office from the same start, the one that ends last (open: last).

    (A position renamed, or a later source's end for a role an earlier one left open, gives two.)
    """
    latest: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for role in roles:
        key = (role["role"], role["org"], role["start"] or "", role["class"])
        if key not in latest or (latest[key]["end"] or "~") < (role["end"] or "~"):
            latest[key] = role
    return list(latest.values())


def _recent(source: Path) -> str:
    """The monthly pages read: their dates and the last one's commit."""
    _, first, last = leaders_recent.read_dates(source)
    if not last:
        return "none"
    at = commit(source, f"{leaders_recent.FOLDER}/{last}")
    return f"{first} to {last}, the last at {at}, docs/leaders/*/index.html"


def _actor(qid: str, person: dict[str, Any], names: _Aliases) -> dict[str, Any]:
    """One person's entry; a replaced PETRARCH person's id (first: a tag carries it), names and roles."""
    olds: list[dict[str, Any]] = person.get("old", [])
    aliases: list[str] = [old["id"] for old in olds]
    seen = {person["name"].casefold()}
    more = [name for old in olds for name in (old["name"], *old["aliases"])]
    for name in [*person["labels"], *more]:
        if name.casefold() not in seen and names.ok(name, qid):
            seen.add(name.casefold())
            aliases.append(name)
    roles = sorted(_terms(person["roles"]), key=lambda r: (r["start"] or "", r["role"], r["end"] or ""))
    return {
        "id": qid,
        "name": person["name"],
        "type": "person",
        "country": person["country"],
        "aliases": aliases,
        "roles": [
            *({k: r[k] for k in ("role", "org", "start", "end", "class")} for r in roles),
            *(role for old in olds for role in old.get("roles", ())),
        ],
    }


def write(doc: dict[str, Any], out: Path = OUT) -> None:
    """Write the document: one actor a line (compact, readable, diffable)."""
    head = {k: v for k, v in doc.items() if k != "actors"}
    lines = [json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "actors": [']
    body = ",\n".join("  " + json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in doc["actors"])
    out.write_text("\n".join(lines) + "\n" + body + "\n ]\n}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.leaders [--source DIR]``."""
    doc = build(source_arg(argv, __doc__))
    write(doc)
    aliases = sum(len(a["aliases"]) for a in doc["actors"])
    print(  # noqa: T201
        f"wrote {len(doc['actors'])} people ({aliases} aliases, {len(doc['replaces'])} PETRARCH replaced; "
        f"skipped {doc['skipped']}) to {OUT}"
    )


if __name__ == "__main__":
    main()
