"""The alias policy and the case forms of Cyrillic place names (pure: no data, no I/O)."""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from pathlib import Path
from typing import Final


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


# --- German case forms of organisations' names ------------------------------------------

# German names an organisation in the genitive and dative as often as in the nominative ("der
# Europäischen Union", "des Norddeutschen Rundfunks", "beim Bundesamt für Justiz"): after an
# article, the adjectives before the head noun end in -en, and a masculine or neuter head noun
# takes -s or -es in the genitive. The head's gender is the adjective's ending's (-er: masculine,
# -es: neuter), else its ending's (a compound is the gender of its last part).
_DE_ADJECTIVE: Final = re.compile(r"^[A-ZÄÖÜ][a-zäöüß-]*[a-zäöüß](e|er|es)$")
_DE_NOUN: Final = re.compile(r"^[A-ZÄÖÜ][a-zäöüß-]*[a-zäöüß]$")
# The ends of German adjectives' stems ("Deutsch-e", "Vereint-e", "Internation-al-e", "Frei-e"):
# no English word's ("Blue Origin") nor a place's adjective ("Hamburger Hafen").
_DE_STEMS: Final = ("sch", "ch", "ig", "al", "ell", "iv", "ar", "är", "t", "ei", "eu", "in", "ß", "rz", "ün")
# The stems only German adjectives end with (one of the name's adjectives must, or the name
# have a German letter): "Greater Kashmir", "Ulster Unionist Party", "Meine Stimme" are no
# declined adjectives. A strong -er ending never follows a place's ("Braunschweiger Netz").
_DE_SURE_STEMS: Final = ("isch", "tsch", "lich", "nal", "ral", "zial", "eint", "iell", "uell", "är")
_DE_SURE_ER: Final = ("isch", "tsch", "lich", "nal", "ral", "zial", "iell", "uell", "är")
_DE_LETTERS: Final = frozenset("äöüß")
# The words after a head noun alone that say a German name ("Bundesamt für Justiz").
_DE_JOINERS: Final = frozenset({"für", "der", "des", "zur", "zum", "von", "vom", "gegen"})
# Small words of the other languages: a name with one is no German name ("Forum des Nations unies
# sur les forêts").
_NOT_DE: Final = frozenset(
    {"of", "the", "and", "for", "sur", "les", "pour", "et", "du", "de", "la", "le", "y", "del", "los"}
)
# An uninflected adverb before the adjectives ("Christlich Demokratische Union").
_DE_ADVERB: Final = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]*(lich|isch)$")
# The endings of masculine and neuter nouns that name organisations ("Bundesamt",
# "Gerichtshof", "Rundfunk", "Ministerium"); any other head takes no genitive ending.
_DE_MASC_NEUTER: Final = (
    *("amt", "ministerium", "gericht", "hof", "rat", "institut", "werk", "verband", "verein"),
    *("bund", "dienst", "funk", "parlament", "komitee", "zentrum", "tag", "haus", "büro"),
    *("kommando", "netzwerk", "forum", "konzern", "museum", "theater", "orchester", "programm"),
    *("kollegium", "gremium", "konsortium", "sekretariat", "direktorium", "präsidium", "kabinett"),
    *("unternehmen", "fernsehen", "büro", "kontor", "ausschuss", "mechanismus", "system"),
)
# Heads whose genitive takes -es as well as -s ("des Bundesamtes", "des Gerichtshofes").
_DE_ES: Final = ("amt", "hof", "rat", "werk", "bund", "dienst", "tag", "haus", "gericht")


def _de_genitives(noun: str) -> list[str]:
    """The genitive forms of a masculine or neuter German head noun ("Ausschusses", "Amts")."""
    low = noun.casefold()
    if low.endswith("ss"):
        return [noun + "es"]
    if low.endswith(("us", "s", "ß", "x", "z")):
        return []  # "des Mechanismus"
    return [noun + "s", noun + "es"] if low.endswith(_DE_ES) else [noun + "s"]


def _german(words: list[str], i: int, endings: set[str]) -> bool:
    """Whether a name of ``i`` adjectives and a head noun is German (see ``_DE_SURE_STEMS``)."""
    if any(w in _NOT_DE for w in words):
        return False
    if not i:
        return len(words) > 1 and words[1] in _DE_JOINERS
    sure = _DE_SURE_ER if endings == {"er"} else _DE_SURE_STEMS
    stems = [w[: len(w) - (1 if endings == {"e"} else 2)] for w in words[:i]]
    return any(s.endswith(sure) for s in stems) or (
        endings != {"er"} and any(c in _DE_LETTERS for c in " ".join(words).casefold())
    )


def de_org_forms(name: str) -> set[str]:
    """The genitive and dative forms of a German organisation's name (pure).

    "Europäische Union" -> "Europäischen Union"; "Norddeutscher Rundfunk" -> "Norddeutsche
    Rundfunk" (after "der"), "Norddeutschen Rundfunk", "Norddeutschen Rundfunks"; "Bundesamt für
    Justiz" -> "Bundesamts für Justiz", "Bundesamtes für Justiz". The words after the head noun
    stay as they are.
    """
    words = name.split(" ")
    lead = 1 if len(words) > 2 and _DE_ADVERB.match(words[0]) else 0
    lead_words, words = words[:lead], words[lead:]
    i = 0
    while i + 1 < len(words) and (m := _DE_ADJECTIVE.match(words[i])):
        if not words[i][: m.start(1)].endswith(_DE_STEMS):
            break
        i += 1
    if not _DE_NOUN.match(words[i]) or (i == 0 and len(words) == 1):
        return set()  # one word is its own key ("Bundestag"), and the scan reads its genitive
    endings = {w[-2:] if w.endswith(("er", "es")) else "e" for w in words[:i]}
    if len(endings) > 1 or (lead and not i):
        return set()  # "Frankfurter Allgemeine Zeitung": no one declension
    if not _german(words, i, endings):
        return set()
    head = words[i]
    ending = next(iter(endings), "")
    masc_neuter = ending in {"er", "es"} or (not ending and head.casefold().endswith(_DE_MASC_NEUTER))
    if ending == "er" and head.casefold().endswith(("ung", "heit", "keit", "schaft", "ion", "bank")):
        return set()  # "Berliner Zeitung": a place's adjective, which never declines
    stems = [w[: len(w) - len(ending)] for w in words[:i]]
    rest = words[i + 1 :]
    heads = [head] if i else []
    if masc_neuter:
        heads += _de_genitives(head)
    out = {" ".join([*lead_words, *(s + "en" for s in stems), h, *rest]) for h in heads}
    if ending in {"er", "es"}:
        # After "der"/"das": "der Norddeutsche Rundfunk".
        out.add(" ".join([*lead_words, *(s + "e" for s in stems), head, *rest]))
    return {f for f in out if f != name}
