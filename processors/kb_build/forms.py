"""The alias policy and the case forms of Cyrillic place names (pure: no data, no I/O)."""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from pathlib import Path


def _script_ok(name: str) -> bool:
    """Keep Latin and Cyrillic names only."""
    for ch in name:
        if ch.isalpha():
            uname = unicodedata.name(ch, "")
            if not (uname.startswith(("LATIN", "CYRILLIC"))):
                return False
    return True


def is_cyrillic(name: str) -> bool:
    """Whether any letter of ``name`` is Cyrillic."""
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in name if ch.isalpha())


def alias_ok(name: str) -> bool:
    """Whether ``name`` may be an alias: Latin or Cyrillic, capitalised, 3 letters or more."""
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
_RU_INDECLINABLE = set("оеиуыэю")
_UK_INDECLINABLE = set("оиуієї")
# Soft stems: their last letter gives way to these endings.
_RU_SOFT = {"я": ("и", "е", "ю", "ей"), "ь": ("я", "ю", "ем", "е"), "й": ("я", "ю", "ем", "е")}
_UK_SOFT = {"я": ("і", "ю", "ею"), "ь": ("я", "ю", "ем", "і")}


def ru_noun_forms(word: str) -> set[str]:
    """Common case forms of a Russian place noun (gen, dat, acc, instr, prep)."""
    w = word
    if w.endswith(("ая", "ое", "ые", "ий")) or w[-1:] in _RU_INDECLINABLE:
        # Adjectival names are inflected with their noun (see ru_oblast_forms); names ending
        # in these vowels are indeclinable (Осло, Токио).
        return set()
    if w.endswith("ия"):
        s = w[:-2]
        return {s + "ии", s + "ию", s + "ией"}
    if w.endswith("а"):
        s = w[:-1]
        gen = s + ("и" if s[-1:] in _RU_HARD else "ы")
        instr = s + ("ей" if s[-1:] in set("жшщчц") else "ой")
        return {gen, s + "е", s + "у", instr}
    soft = _RU_SOFT.get(w[-1:])
    if soft is not None:
        return {w[:-1] + ending for ending in soft}
    return {w + "а", w + "у", w + "ом", w + "е"}


def uk_noun_forms(word: str) -> set[str]:
    """Common case forms of a Ukrainian place noun."""
    w = word
    if w.endswith(("ська", "цька", "ий", "е")) or w[-1:] in _UK_INDECLINABLE:
        return set()
    if w.endswith("ія"):
        s = w[:-2]
        return {s + "ії", s + "ію", s + "ією"}
    if w.endswith("а"):
        s = w[:-1]
        loc = s[:-1] + _UK_PALATAL[s[-1]] + "і" if s[-1:] in _UK_PALATAL else s + "і"
        return {s + "и", loc, s + "у", s + "ою"}
    soft = _UK_SOFT.get(w[-1:])
    if soft is not None:
        return {w[:-1] + ending for ending in soft}
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
        if is_cyrillic(a):
            extra |= cyrillic_forms(a)
    return aliases | extra


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


def stopwords() -> set[str]:
    """Common words of our languages (justext's stoplists): never small-city names."""
    # Read justext's files, not get_stoplist(): it lower-cases, and the lists hold proper
    # names ("Paris") that must not block a city.
    spec = importlib.util.find_spec("justext")
    if spec is None or spec.origin is None:
        raise SystemExit("kb_build needs justext (a trafilatura dependency) for its stoplists")
    folder = Path(spec.origin).resolve().parent / "stoplists"
    words: set[str] = set()
    languages = (
        "English",
        "Spanish",
        "French",
        "German",
        "Italian",
        "Portuguese",
        "Polish",
        "Russian",
        "Ukrainian",
    )
    for lang in languages:
        for line in (folder / f"{lang}.txt").read_text(encoding="utf-8").split():
            if line[:1].islower():
                words.add(line.casefold())
    return words
