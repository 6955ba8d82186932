"""Football clubs from openfootball/clubs (public domain): ``actors_clubs.json``.

Sports pages are a large share of a news day, and their clubs' names are where a tagger without
them goes wrong: "Werder" and "Arminia" were GeoNames alternates of Warder (Ethiopia) and Armenia
(Colombia), so a Bundesliga report was tagged with both countries, and "Legia", "Benfica" or
"Werder Bremen" were no actor at all. openfootball lists ~3,000 clubs of 100 countries with their
city and the names they go by, in a plain-text format read here (no package reads it).

Two products:

- the clubs as actors (type ``club``), through the companies' alias policy: a one-word name only
  when rare in our languages, no place, given name, common word or other actor's name; a phrase of
  places and words ("Real Madrid", "Bayern München") because it is a club's name;
- :func:`short_names`: each club's one-word names (an alias, or its name less its city: "Werder"),
  by country, which the gazetteer reads so that a city abroad does not keep a club's name as a
  GeoNames alternate.

    python -m processors.kb_build.clubs [--source DIR]
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from processors.kb_build.companies import CompanyPolicy
from processors.kb_build.organisations import DATA_DIR, Built, Org, build
from processors.kb_build.sources import commit, slug, source_arg, write_json
from processors.text import normalize_key

OUT = DATA_DIR / "actors_clubs.json"
FOLDER = "clubs"  # under the kb-sources
KIND = "club"
ASCII = "ascii"  # the language of a name's spelling without accents (added here, not the source's)

# openfootball's file prefixes that are not ISO 3166 alpha-2 codes.
_COUNTRY = {"eng": "GB", "sco": "GB", "wal": "GB", "nir": "GB", "kos": "XK"}
_FILE = re.compile(r"^([a-z]{2,3})\.clubs\.txt$")
_RESERVE = re.compile(r"^[ivx]+\)")  # "ii) Werder Bremen II": a reserve team, left out
_LANGUAGE = re.compile(r"\s*\[([a-z]{2})\]\s*$")  # "Legia Warsaw [en]"
# An abbreviated word ("W. Bremen", "Atl. Madrid", "Bayern Mün."): how tables write, not the news.
_ABBREVIATED = re.compile(r"[^\W\d]\.(?!\w)")
_PAREN = re.compile(r"\s*\([^)]*\)")  # "Simurq PFK (2005-2015)": a note, not the name
_TEAM_SUFFIX = re.compile(r"\s(?:II|III|B|U\d\d|Am\.?)$")


def _country(path: Path) -> str | None:
    found = _FILE.match(path.name)
    if found is None:
        return None
    prefix = found.group(1)
    return _COUNTRY.get(prefix, prefix.upper() if len(prefix) == 2 else None)


def _name(text: str) -> tuple[str, str] | None:
    """A listed name and its language ("native" unless marked), or None if it is no news name."""
    text = _PAREN.sub("", text).strip()
    lang = "native"
    if found := _LANGUAGE.search(text):
        lang, text = found.group(1), text[: found.start()].strip()
    if not text or _ABBREVIATED.search(text) or _TEAM_SUFFIX.search(text):
        return None
    return " ".join(text.split()), lang


def _city(fields: list[str]) -> str:
    """The club's city: the last field that is no year and no stadium ("London (Fulham)" → London)."""
    for field in reversed(fields):
        value = field.split("›")[0].strip()
        if value and not value.isdigit() and not value.startswith("@"):
            return re.sub(r"\s*\(.*$", "", value)
    return ""


def parse(text: str) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """The clubs of one ``*.clubs.txt`` file: (name, city, [(name, language), ...]).

    A club is a line at the margin, ``Name, [founded,] [@ stadium,] City``; the lines under it that
    begin with ``|`` list other names. Headings (``=``), comments (``#``), addresses (indented) and
    reserve teams (``ii)``) are skipped.
    """
    current: tuple[str, str, list[tuple[str, str]]] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() or line.startswith("="):
            continue
        if line[0].isspace():
            if current is not None and line.strip().startswith("|"):
                current[2].extend(n for part in line.split("|") if (n := _name(part)))
            continue
        if current is not None:
            yield current
        current = None
        if _RESERVE.match(line):
            continue
        fields = [f.strip() for f in line.split(",")]
        head = _name(fields[0])
        if head is not None:
            current = (head[0], _city(fields[1:]), [head])
    if current is not None:
        yield current


def read_clubs(folder: Path) -> list[Org]:
    """Every club of the ``*.clubs.txt`` files under ``folder`` (sorted by path: stable ids)."""
    orgs: list[Org] = []
    seen: set[str] = set()
    for path in sorted(folder.rglob("*.clubs.txt")):
        country = _country(path)
        if country is None:
            continue
        for name, city, listed in parse(path.read_text(encoding="utf-8")):
            oid = f"club:{slug(name)}"
            if oid in seen:  # the same name in two countries ("Dinamo" clubs): the second by country
                oid = f"{oid}-{country.lower()}"
            if oid in seen:
                continue
            seen.add(oid)
            short = _short(name, city)
            names = listed + ([(short, "native")] if short else [])
            # English pages drop the accents: "Atletico Madrid", "Malmo FF", "Besiktas".
            names += [(folded, ASCII) for n, _ in names if (folded := _ascii(n)) != n]
            names = list(dict.fromkeys(names))
            orgs.append(Org(oid, name, KIND, country, names=names, languages=1))
    return orgs


def _ascii(name: str) -> str:
    """``name`` without its diacritics, where it is in the Latin script ("Atlético" → "Atletico")."""
    folded = unicodedata.normalize("NFKD", name)
    if any(unicodedata.combining(c) == 0 and ord(c) > 0x24F for c in folded):
        return name  # another script: its own names are matched as they are
    return "".join(c for c in folded if not unicodedata.combining(c))


def _short(name: str, city: str) -> str | None:
    """A club's name less its city, when one word is left: "Werder Bremen" → "Werder"."""
    if not city or not name.endswith(" " + city):
        return None
    rest = name[: -len(city)].split()
    return rest[0] if len(rest) == 1 and rest[0][:1].isupper() and len(rest[0]) > 3 else None


def short_names(folder: Path) -> dict[str, set[str]]:
    """Each club's one-word names, casefolded, to the countries of the clubs that go by them."""
    out: dict[str, set[str]] = defaultdict(set)
    for org in read_clubs(folder):
        for name, lang in org.names:
            # Not the spellings without accents: "Vitoria" is Vitória's (Brazil), and Vitoria's.
            if " " not in name and org.country and lang != ASCII:
                out[name.casefold()].add(org.country)
    return dict(out)


class ClubPolicy(CompanyPolicy):
    """The companies' alias policy, with the companies' and media's names taken too.

    Every club's name of several words is a phrase that may be made of places and words ("Real
    Madrid"): ``build_clubs`` sets them.
    """

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        super().__init__(data_dir)
        companies = data_dir / "actors_companies.json"
        if companies.exists():
            doc = json.loads(companies.read_text(encoding="utf-8"))
            self.curated.update(
                normalize_key(n).strip() for a in doc["actors"] for n in (a["name"], *a["aliases"])
            )


def build_clubs(orgs: list[Org], policy: ClubPolicy) -> Built:
    """The alias policy over the clubs."""
    policy.phrases = {normalize_key(n).strip() for org in orgs for n, _ in org.names if " " in n}
    return build(orgs, policy)


def _matchable(actor: dict[str, Any]) -> bool:
    """Whether a name of the club may match: an alias, or its own name (not one made "X (Country)")."""
    return bool(actor["aliases"]) or "(" not in actor["name"]


def write(built: Built, source: Path, out: Path = OUT) -> None:
    """Write ``actors_clubs.json`` (sorted by id: the same source gives the same bytes)."""
    doc = {
        "_doc": "Generated by `python -m processors.kb_build.clubs` (make kb) from openfootball/clubs @ "
        f"{commit(source, FOLDER)} (football clubs by country, *.clubs.txt; public domain, CC0). "
        "Aliases: the companies' policy (unique in the knowledge base, no place, demonym, common word, "
        "given name or other actor's name), phrases of places and words allowed; ids: club: slugs.",
        "replaces": built.replaces,
        "actors": sorted((a for a in built.actors if _matchable(a)), key=lambda a: a["id"]),
    }
    write_json(doc, out)


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.clubs [--source DIR]``."""
    source = source_arg(argv, __doc__)
    built = build_clubs(read_clubs(source / FOLDER), ClubPolicy())
    write(built, source)
    named = [a for a in built.actors if _matchable(a)]
    countries = Counter(a["country"] for a in named)
    print(  # noqa: T201
        f"wrote {len(named)} clubs of {len(countries)} countries to {OUT}; "
        f"{sum(len(a['aliases']) for a in named)} aliases; {built.skipped_curated} curated"
    )


if __name__ == "__main__":
    main()
