"""Place names that are also something else: common words, given names, actors' names.

Two uses in the gazetteer build (``gazetteer``):

- a GeoNames *alternate* name of a city is dropped when it is an actor's name ("Hamas", an
  alternate of Hamm), a common word of one of our languages (justext's stoplists: "Perto" for
  Perth, "Siano" for Xi'an), or the own name of a notable place in another country ("Victoria",
  an old name of Hong Kong, is Victoria, British Columbia);
- the names of small towns that are frequent strings of our languages ("Justice", "College",
  "Alliance", "Graham": wordfreq's Zipf frequency, which counts words and given names alike) are
  written to ``place_words.json``: the tagger takes such a town only with support from its own
  state or county (``processors/tagging/places.py``).
"""

from __future__ import annotations

import json
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from processors.kb_build.sources import write_json
from processors.text import normalize_key

LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pl", "ru", "uk")
# Zipf 4.0 is ten uses per million words: "Alliance" (4.4), "Graham" (4.3), "Crystal" (4.4);
# a town's name that is only a name stays below ("Springfield" 3.8, "Raynham" 1.8).
WORD_ZIPF = 4.0
# "Odessa" is Odesa's spelling, not Odessa, Texas' name: kept (difflib's ratio, 0.91 there).
SPELLING_RATIO = 0.8


def actor_names(data_dir: Path) -> set[str]:
    """The casefolded names and aliases of the actors (curated and PETRARCH's).

    With the organisations of the PETRARCH dictionaries as they are: the generated
    ``actors_petrarch.json`` leaves out names that were place names when it was built.
    """
    from processors.kb_build.petrarch import organisation_names  # noqa: PLC0415 - reads ../shared

    names = organisation_names()
    for file in ("actors.json", "actors_petrarch.json"):
        data: dict[str, Any] = json.loads((data_dir / file).read_text(encoding="utf-8"))
        for actor in data["actors"]:
            names.add(actor["name"].casefold())
            names.update(a.casefold() for a in actor.get("aliases", ()))
    return names


def notable_names(cities: dict[str, Any], threshold: int) -> dict[str, set[str]]:
    """Per casefolded own name of a city of ``threshold`` people or more: its countries."""
    out: dict[str, set[str]] = {}
    for city in cities.values():
        if int(city["population"]) >= threshold:
            out.setdefault(city["name"].casefold(), set()).add(city["countrycode"])
    return out


def _plain(name: str) -> str:
    """Casefolded, without accents, "St." as "Saint": for comparing spellings of one name."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join("saint" if w in {"st.", "st"} else w for w in folded.replace("-", " ").split())


def spelling_of(alias: str, name: str) -> bool:
    """Whether ``alias`` is a spelling or a short form of ``name`` ("Odessa"/"Odesa", "Newcastle")."""
    a, n = _plain(alias), _plain(name)
    return set(a.split()) <= set(n.split()) or SequenceMatcher(None, a, n).ratio() >= SPELLING_RATIO


def alternate_ok(
    alias: str,
    name: str,
    country: str,
    *,
    actors: set[str],
    stopwords: set[str],
    notable: dict[str, set[str]],
) -> bool:
    """Whether a GeoNames alternate name of the city ``name`` (in ``country``) may be an alias."""
    folded = alias.casefold()
    if folded in actors or folded in stopwords:
        return False
    # Another country's notable place goes by this name itself ("Victoria" for Hong Kong):
    # the alternate would take its mentions, unless it only spells this city's own name.
    return not (notable.get(folded, set()) - {country}) or spelling_of(alias, name)


def zipf(word: str) -> float:
    """The highest Zipf frequency of ``word`` in our languages (0.0 for unknown words)."""
    from wordfreq import zipf_frequency  # noqa: PLC0415 - the build's extra, imported when used

    folded = word.casefold()
    return max(zipf_frequency(folded, lang) for lang in LANGUAGES)


def is_wordlike(alias: str, actors: set[str]) -> bool:
    """A one-word name that is frequent in our languages, or an actor's name."""
    if alias.casefold() in actors:
        return True
    # wordfreq's figure for several words is a guess from each word's: one-word names only.
    if any(not ch.isalpha() for ch in alias):
        return False
    return zipf(alias) >= WORD_ZIPF


def place_words(rows: list[tuple[str, ...]], small_below: int, actors: set[str]) -> list[str]:
    """The scan keys of small towns' aliases that are words or actors' names, sorted."""
    keys: set[str] = set()
    for row in rows:
        # Columns: see gazetteer.TSV_HEADER (type 1, population 5, capital 6, aliases last).
        if row[1] != "city" or row[6] == "1" or int(row[5]) >= small_below:
            continue
        for alias in row[-1].split("|"):
            if alias and is_wordlike(alias, actors):
                keys.add(normalize_key(alias).strip())
    keys.discard("")
    return sorted(keys)


def write_place_words(path: Path, words: list[str]) -> None:
    """Write ``place_words.json``."""
    doc = (
        "Generated by `make kb` (processors/kb_build/wordlike.py): scan keys of small towns' names "
        "that are frequent words or given names of our languages (wordfreq Zipf >= "
        f"{WORD_ZIPF}) or actors' names. Such a town needs its state, county or dateline."
    )
    write_json({"_doc": doc, "words": words}, path, compact=False)
