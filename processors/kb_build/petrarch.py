"""Build ``processors/data/actors_petrarch.json`` from the PETRARCH2/Phoenix actor dictionaries.

Source: ``../shared/data/actors/`` (PETRARCH2/Phoenix dictionaries of the Open Event Data
Alliance, MIT licence, ``LICENSE-petrarch2.txt``; dated roles up to about 2014). Read:

- ``Phoenix.Countries.actors.txt``: people with dated CAMEO roles (``[RUSGOV 000507-080507]``:
  government of Russia from 2000-05-07 to 2008-05-07) and states' institutions (``[AFGMIL]``);
  entries coded with a bare country (``[RUS]``: the country itself, places) are left out;
- ``Phoenix.International.actors.txt``: international organisations, NGOs, companies;
- ``Phoenix.MilNonState.actors.txt``: armed groups.

An actor per record (head phrase, ``+`` synonyms, date restrictions), with a stable id from its
head phrase (``petrarch:vladimir-putin``). Alias policy, because every alias is a chance of a
false match: names are title-cased (``VLADIMIR_V._PUTIN`` -> Vladimir V. Putin); people keep
only names of two words or more (a lone surname is too often something else); no alias of
three letters or fewer, none that is a common word, a place name or a demonym. A record that
shares a name with a curated actor (``actors.json``, which keeps its QIDs and corrections) is
left out: the curated one wins.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pycountry

from processors.kb_build.sources import write_json
from processors.text import normalize_key

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SOURCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "actors"
OUT = DATA_DIR / "actors_petrarch.json"
FILES = {
    "Phoenix.Countries.actors.txt": "countries",
    "Phoenix.International.actors.txt": "international",
    "Phoenix.MilNonState.actors.txt": "nonstate",
}
# CAMEO sector codes (the three letters after the country): what an actor of that code is.
SECTORS = {
    "GOV": "government",
    "MIL": "armed forces",
    "COP": "police",
    "SPY": "intelligence service",
    "LEG": "legislature",
    "JUD": "judiciary",
    "OPP": "opposition",
    "REB": "armed group",
    "INS": "armed group",
    "PTY": "political party",
    "BUS": "company",
    "MED": "media",
    "ELI": "elite",
    "EDU": "education",
    "HLH": "health",
    "LAB": "labour",
    "REF": "refugees",
    "CVL": "civilians",
}
ROLE_NAMES = {
    "GOV": "Government",
    "MIL": "Military",
    "ELI": "Elite",
    "LEG": "Legislature",
    "OPP": "Opposition",
    "JUD": "Judiciary",
    "COP": "Police",
    "SPY": "Intelligence",
    "PTY": "Party",
    "BUS": "Business",
}
_SMALL = {
    *("of", "the", "and", "for", "de", "del", "la", "le", "des", "du", "in", "on", "at", "to", "y", "et"),
    *("von", "van", "der", "den", "da", "do", "dos", "di", "bin", "ibn"),
}
_ACRONYMS = {"us", "un", "eu", "uk", "usa", "uae", "nato", "imf", "wto", "osce", "opec", "cia", "fbi", "nsa"}
# Name particles (lower case in a person's name, or "Al-" joined): no word of their own.
_PARTICLES = frozenset(
    {
        "al",
        "el",
        "bin",
        "ibn",
        "abu",
        "abd",
        "bint",
        "ben",
        "y",
        "de",
        "del",
        "da",
        "van",
        "von",
        "der",
        "la",
        "le",
    }
)
_PERSON_WORDS = (2, 6)  # a person's name among an organisation's aliases: this many words
ORG_RECORDS = 3  # a word in this many organisation records (more than people's) is an organisation's
_SAME_NAME = 0.8  # difflib ratio: an alias this close to the actor's name spells that name
_CODE = re.compile(r"\[([A-Z0-9]+)(?:\s+([<>]?\d{6,8}(?:-\d{6,8})?))?\]")
_MIN_LETTERS = 4
_ACRONYM_MAX = 5  # a one-word name this short is an acronym (IAEA, ASEAN, UNHCR)
# Names that are mostly common words, given names or places in news text.
_DENY = frozenset(
    {
        *("Avengers", "Boogeymen", "Cornerstone", "Falcon", "Foundation", "Guardian", "Inevitables"),
        *("Lightning", "Mavericks", "Organization", "Senate", "Tigers", "Youth", "Zero", "Yahweh"),
        *("Extraditables", "Amit", "Eyal", "Fateh", "Shahin", "Hamzah", "Muhannad", "Subroto", "Snowden"),
        *("Hammarskjold", "Fortis", "Aleph", "Isar", "Camo", "Amal", "Reichstag", "West Wing", "Potus"),
        "Scotus",
    }
)


def _title(phrase: str) -> str:
    words = []
    for i, raw in enumerate(phrase.split()):
        low = raw.lower()
        if i and low in _SMALL:
            words.append(low)
        elif low in _ACRONYMS or (len(phrase.split()) == 1 and len(raw) <= _ACRONYM_MAX and raw.isalpha()):
            words.append(raw.upper())  # US, IAEA, NASA
        elif "." in raw and len(raw) <= 5:
            words.append(raw.upper())  # U.N., V.
        else:
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in raw.split("-")))
    return " ".join(words)


def _phrase(raw: str) -> str:
    text = raw.split("#", 1)[0]
    text = _CODE.sub(" ", text).replace("_", " ").strip()
    return " ".join(text.split())


def _date(raw: str) -> str:
    if len(raw) == 6:
        yy = int(raw[:2])
        raw = ("20" if yy < 30 else "19") + raw  # two-digit years end in 2014
    return f"{raw[:4]}-{raw[4:6]}-{raw[6:8]}"


def _roles(codes: list[tuple[str, str]]) -> list[dict[str, Any]]:
    roles = []
    for code, dates in codes:
        if not dates:
            continue
        start = end = None
        if dates.startswith(">"):
            start = _date(dates[1:])
        elif dates.startswith("<"):
            end = _date(dates[1:])
        else:
            first, _, last = dates.partition("-")
            start, end = _date(first), _date(last) if last else None
        if code.startswith(("IGO", "NGO")):
            role = f"Official of an international organisation (CAMEO {code})"
            roles.append({"role": role, "org": code, "start": start, "end": end})
            continue
        country = _country(code)
        sector = ROLE_NAMES.get(code[3:6], code[3:6] or "member")
        found = pycountry.countries.get(alpha_2=country) if country else None
        name = getattr(found, "common_name", found.name) if found is not None else code[:3]
        role = f"{sector} of {name} (CAMEO {code})"
        roles.append({"role": role, "org": country or code[:3], "start": start, "end": end})
    return roles


def _country(code: str) -> str | None:
    country = pycountry.countries.get(alpha_3=code[:3]) if len(code) >= 3 else None
    return country.alpha_2 if country is not None else None


def parse(path: Path) -> list[dict[str, Any]]:
    """The records of one dictionary: head, synonyms, (code, dates) pairs."""
    records: list[dict[str, Any]] = []
    for line in path.read_text(encoding="latin-1").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] in " \t":
            if records:
                records[-1]["codes"] += [(c, d or "") for c, d in _CODE.findall(stripped)]
            continue
        if line.startswith("+"):
            if records:
                records[-1]["synonyms"].append(_phrase(line[1:]))
            continue
        head_codes = [(c, d or "") for c, d in _CODE.findall(line.split("#", 1)[0])]
        records.append(
            {"head": _phrase(line), "synonyms": [], "codes": head_codes, "info": "CountryInfo" in line}
        )
    return records


def _type(record: dict[str, Any], source: str) -> str | None:
    codes = [c for c, _ in record["codes"]]
    if source == "nonstate":
        return "armed group"
    dated = record["info"] or any(d for _, d in record["codes"])
    if dated:
        return "person"  # a person with dated roles (in the international file: an official)
    if source == "international":
        first = codes[0] if codes else ""
        return "company" if first.startswith(("MNC", "BUS")) or first[3:6] == "BUS" else "organization"
    sectors = {c[3:6] for c in codes if len(c) >= 6}
    for sector in ("MIL", "GOV", "SPY", "COP", "LEG", "JUD", "PTY", "REB", "INS", "OPP", "BUS", "MED"):
        if sector in sectors:
            return SECTORS[sector]
    return None  # a bare country code: the country itself, or a place


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _blocked_keys(stopwords: set[str]) -> tuple[set[str], set[str]]:
    """Keys of places and demonyms (never actor aliases), and of curated actors (they win)."""
    places: set[str] = set(stopwords)
    with (DATA_DIR / "places.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"):
            places.update(normalize_key(a).strip() for a in row["aliases"].split("|") if a)
    demonyms = json.loads((DATA_DIR / "demonyms.json").read_text(encoding="utf-8"))
    places.update(normalize_key(w).strip() for words in demonyms["words"].values() for w in words)
    actors = json.loads((DATA_DIR / "actors.json").read_text(encoding="utf-8"))
    curated = {
        normalize_key(a).strip() for item in actors["actors"] for a in (item["name"], *item["aliases"])
    }
    for names in actors["metonyms"].values():
        curated.update(normalize_key(n).strip() for n in names)
    return places, curated


def _aliases(record: dict[str, Any], kind: str, places: set[str]) -> list[str]:
    out: list[str] = []
    for phrase in (record["head"], *record["synonyms"]):
        name = _title(phrase)
        name = name.removeprefix("The ")
        words = name.split()
        if not words or sum(c.isalpha() for c in name) < _MIN_LETTERS:
            continue
        if kind == "person" and len(words) < 2:
            continue
        key = normalize_key(name).strip()
        if key in places or name in out:
            continue
        out.append(name)
    return out


def _denied(name: str, key: str, curated: set[str]) -> bool:
    """A common word, a news source, or a phrase around a curated actor's name."""
    if name in _DENY:
        return True
    padded = f" {key} "
    return any(f" {c} " in padded for c in curated if c)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.replace("-", " ").split() if w.lower() not in _SMALL).upper()


def _expansion(
    name: str, codes: list[str], by_code: dict[str, list[dict[str, Any]]]
) -> dict[str, Any] | None:
    """The organisation of the same single code that this acronym abbreviates, or this name expands.

    "IAEA" and "International Atomic Energy Agency", both coded IGOUNOIAE, are one actor.
    """
    if len(codes) != 1:
        return None
    for other in by_code.get(codes[0], ()):
        short, long = (name, other["name"]) if " " not in name else (other["name"], name)
        if " " not in short and " " in long and short.upper() == _initials(long):
            return other
    return None


def _actor_for(same: dict[str, Any] | None, name: str, kind: str, tail: str) -> dict[str, Any]:
    """The actor a record adds to: the one of its first name and kind, or a new one."""
    if same is not None and same["type"] == kind:
        return same  # one more record of the same name: merge
    aid = "petrarch:" + _slug(name)
    if same is not None and same["id"] == aid:
        aid += "-" + _slug(tail)
    return {
        "id": aid,
        "name": name,
        "type": kind,
        "country": None,
        "aliases": [],
        "cameo": [],
        "_countries": set(),
    }


class _Merge:
    """The actors built so far, by alias key and by an organisation's one code."""

    def __init__(self, places: set[str], curated: set[str]) -> None:
        self.places, self.curated = places, curated
        self.actors: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self.by_code: dict[str, list[dict[str, Any]]] = {}

    def add(self, record: dict[str, Any], kind: str, source: str) -> None:
        """Add a record as a new actor, or merge it into the actor of the same name."""
        codes = [c for c, _ in record["codes"]]
        aliases = _aliases(record, kind, self.places)
        keys = [normalize_key(a).strip() for a in aliases]
        if not aliases or any(k in self.curated for k in keys):
            return  # the curated actor wins
        kept = [(a, k) for a, k in zip(aliases, keys, strict=True) if not _denied(a, k, self.curated)]
        if not kept:
            return
        same = self.by_key.get(kept[0][1]) or _expansion(kept[0][0], codes, self.by_code)
        actor = _actor_for(same, kept[0][0], kind, codes[0] if codes else source)
        if actor is not same:
            self.actors.append(actor)
            if kind != "person" and len(codes) == 1:
                self.by_code.setdefault(codes[0], []).append(actor)
        for alias, key in kept:
            if key not in self.by_key:
                self.by_key[key] = actor
                if alias != actor["name"]:
                    actor["aliases"].append(alias)
        actor["cameo"] = sorted(set(actor["cameo"]) | set(codes))
        actor["_countries"] |= {_country(c) for c in codes} - {None}
        roles = _roles(record["codes"]) if kind == "person" else []
        if roles:
            actor.setdefault("roles", []).extend(roles)


class PersonNames:
    """Tells a person's name among an organisation's synonyms ("Khaled Meshaal" of Hamas).

    The dictionaries list a group's leaders and spokesmen as its synonyms, so a story naming
    the man would tag the group. An organisation's alias is a person's name when it is the name
    of a person of the knowledge base (curated, or a PETRARCH person record: the QID tables are
    built after this step and from it), or is shaped
    like one: a known given name first (``given_names.json``), then capitalised words or name
    particles, none of them a demonym or a word of organisations' names ("Army", "Corps": one
    in ``ORG_RECORDS`` organisation records or more, and more of them than people's records).
    A spelling of the actor's own name (a word in common, "Rigas Ferreos" of Rigas Fereos, or
    close: "Usama bin Ladin" of "Osama Bin Laden") is no other person's name and stays, and so do
    the aliases of an actor named like a person (a person the dictionaries file as a group).
    """

    def __init__(self, records: list[tuple[dict[str, Any], str]], given: set[str], people: set[str]) -> None:
        self.given = given
        self.people = set(people)
        org_records: Counter[str] = Counter()
        person_records: Counter[str] = Counter()
        for record, kind in records:
            names = [_title(phrase) for phrase in (record["head"], *record["synonyms"])]
            if kind == "person":
                self.people.update(
                    normalize_key(n).strip() for n in names if len(n.split()) >= _PERSON_WORDS[0]
                )
            (person_records if kind == "person" else org_records).update(
                {w for n in names for w in _words(n)}
            )
        self.org_words = {w for w, n in org_records.items() if n >= ORG_RECORDS and n > person_records[w]}
        demonyms = json.loads((DATA_DIR / "demonyms.json").read_text(encoding="utf-8"))["words"]
        self.demonyms = {normalize_key(w).strip() for words in demonyms.values() for w in words}

    def _plain(self, words: list[str]) -> bool:
        """Capitalised words or particles, none of an organisation's name nor a demonym."""
        for word in words:
            if word.casefold() in _PARTICLES:
                continue
            letters = word.replace("-", "").replace("'", "")
            if not (word[:1].isupper() and letters.isalpha()) or normalize_key(word).strip() in self.demonyms:
                return False
            if any(part in self.org_words for part in _words(word)):
                return False
        return True

    def is_person(self, alias: str, surnames: set[str]) -> bool:
        """Whether an organisation's alias names a person (``surnames``: of its aliases found so)."""
        words = alias.split()
        if not _PERSON_WORDS[0] <= len(words) <= _PERSON_WORDS[1] or not self._plain(words):
            return False
        if normalize_key(alias).strip() in self.people or words[0].casefold() in self.given:
            return True
        return words[-1].casefold() in surnames  # "Sheik Nasrallah" beside "Hassan Nasrallah"

    def drop(self, actor: dict[str, Any]) -> int:
        """Drop the people's names from an organisation's aliases; how many."""
        if self.is_person(actor["name"], set()):
            return 0  # a person filed as a group ("Osama Bin Laden"): the names are its own
        own = set(_words(actor["name"]))

        def other_person(alias: str, surnames: set[str]) -> bool:
            if set(_words(alias)) & own or _similar(alias, actor["name"]):
                return False  # a spelling of the actor's own name
            return self.is_person(alias, surnames)

        # Full names first: their surnames then tell "Sheik Nasrallah" beside "Hassan Nasrallah".
        first = {a for a in actor["aliases"] if other_person(a, set())}
        surnames = {a.split()[-1].casefold() for a in first}
        kept = [a for a in actor["aliases"] if a not in first and not other_person(a, surnames)]
        dropped = len(actor["aliases"]) - len(kept)
        actor["aliases"] = kept
        return dropped


def _words(name: str) -> list[str]:
    """The casefolded words of a name, hyphenated parts apart, without particles and small words."""
    parts = (p.casefold() for w in name.split() for p in w.split("-"))
    return [p for p in parts if p and p not in _PARTICLES and p not in _SMALL]


def _similar(alias: str, name: str) -> bool:
    return SequenceMatcher(None, alias.casefold(), name.casefold()).ratio() >= _SAME_NAME


@dataclass
class Built:
    """The actors, and how many of organisations' aliases were people's names."""

    actors: list[dict[str, Any]]
    person_aliases: int


def build(stopwords: set[str]) -> Built:
    """The actors of the three dictionaries, in our shape (records of one name merged)."""
    places, curated = _blocked_keys(stopwords)
    merge = _Merge(places, curated)
    records: list[tuple[dict[str, Any], str]] = []
    for filename, source in FILES.items():
        for record in parse(SOURCE / filename):
            kind = _type(record, source)
            codes = [c for c, _ in record["codes"]]
            if kind is None or any(c[3:6] == "MED" or c.endswith("MED") for c in codes):
                continue  # places, and news media (sources far more often than actors)
            records.append((record, kind))
            merge.add(record, kind, source)
    people = PersonNames(records, _given_names(), _curated_people())
    seen: set[str] = set()
    out = []
    dropped = 0
    for actor in merge.actors:
        countries = actor.pop("_countries")
        actor["country"] = next(iter(countries)) if len(countries) == 1 else None
        if actor["id"] in seen:
            continue
        seen.add(actor["id"])
        if actor["type"] != "person":
            dropped += people.drop(actor)
        out.append(actor)
    return Built(out, dropped)


def build_actors(stopwords: set[str]) -> list[dict[str, Any]]:
    """The actors of the three dictionaries, in our shape (records of one name merged)."""
    return build(stopwords).actors


def _curated_people() -> set[str]:
    """Keys of the curated people's names (``actors.json``)."""
    actors = json.loads((DATA_DIR / "actors.json").read_text(encoding="utf-8"))["actors"]
    return {
        normalize_key(n).strip() for a in actors if a["type"] == "person" for n in (a["name"], *a["aliases"])
    }


def _given_names() -> set[str]:
    """Given names of real people (``given.py``: from the kb-sources, built before this step)."""
    path = DATA_DIR / "given_names.json"
    return set(json.loads(path.read_text(encoding="utf-8"))["names"]) if path.exists() else set()


def organisation_names() -> set[str]:
    """The casefolded names of the dictionaries' organisations and groups, one-word ones too.

    The gazetteer build reads them before this build runs: a city's alternate name that is
    one ("Hamas", an alternate of Hamm) is dropped, and the actor keeps its name here.
    """
    names: set[str] = set()
    for filename, source in FILES.items():
        for record in parse(SOURCE / filename):
            if _type(record, source) in {None, "person"}:
                continue
            names.update(
                _title(phrase).removeprefix("The ").casefold()
                for phrase in (record["head"], *record["synonyms"])
            )
    names.discard("")
    return names


def main() -> None:
    """Write ``actors_petrarch.json``."""
    from processors.kb_build.forms import stopwords  # noqa: PLC0415 - one list for both builds

    built = build(stopwords())
    doc = {
        "_doc": "Generated by `make kb` (processors/kb_build/petrarch.py) from the PETRARCH2/Phoenix actor "
        "dictionaries (Open Event Data Alliance, MIT licence; roles up to about 2014). Curated actors "
        f"(actors.json) win over these. {built.person_aliases} aliases of organisations that are people's "
        "names (a group's leaders and spokesmen: 'Khaled Meshaal' of Hamas) are left out.",
        "actors": built.actors,
    }
    write_json(doc, OUT, indent=None)
    dropped = built.person_aliases
    print(f"wrote {len(built.actors)} PETRARCH actors to {OUT}; {dropped} person aliases dropped")  # noqa: T201


if __name__ == "__main__":
    main()
