"""German genitive forms of place names: Russlands, Frankreichs, Moskaus, der Vereinigten Staaten.

German marks the genitive of a name without article with ``-s`` ("Russlands Präsident", "die
Regierung Israels", "Berlins Bürgermeister"), and declines the adjectives of a name with one ("der
Vereinigten Staaten", "der Russischen Föderation", "des Vereinigten Königreichs"). Without these
forms the scan sees no place in some of the commonest phrases of German news. Rules of our own: no
German morphology package ships with the registries we use, and place names need only these two.

A one-word form is kept only when German uses it (wordfreq knows it as a German word: from the
aliases in other languages come "Bélgicas" or "Polands", which no text holds) and it is German more
than it is a word of another of our languages: "Turkeys", "Jerseys" and Spanish "chinas" are
words; "Israels" is not.
"""

from __future__ import annotations

import re
from typing import Final

from wordfreq import zipf_frequency

__all__ = ["de_genitives", "german_city_name", "german_form", "german_word"]

# The other languages whose words a generated form must not be.
_OTHER_LANGUAGES: Final = ("en", "fr", "es", "it", "pt", "pl")
# wordfreq's German list goes down to about this: a rarer form is not German usage. A city's
# form must be commoner: its aliases hold many romanizations that wordfreq has as rare tokens.
_GERMAN_ZIPF: Final = 1.0
_GERMAN_CITY_ZIPF: Final = 1.5
_GERMAN_CITY_NAME_ZIPF: Final = 3.0
_EXONYM_MARGIN: Final = 0.5
# A foreign city's genitive is rarer than this (Moskaus 3.08); "Kantons" (3.56) is a word's.
_GENITIVE_CEILING: Final = 3.2
# German writes each part of a hyphenated name with a capital ("Saudi-Arabien", "Ost-Jerusalem");
# "Nan-jang" or "Yokohama-shi" is a romanization, "Tel'-Aviv" a transliteration.
_GERMAN_NAME: Final = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*$")
# A form this frequent in another language, and not clearly more frequent in German, is that
# language's word (en "jerseys" 3.65, es "chinas" 3.78 vs de 3.87); "israels" is en 2.09.
_FOREIGN_ZIPF: Final = 2.5
_GERMAN_MARGIN: Final = 1.0
# The genitive -s goes on a name ending in a letter that takes it: not after s, ß, x, z
# ("die Regierung von Paris"), nor on a letter German does not end a word with.
_TAKES_S: Final = re.compile(r"[a-rt-wyäöü]$")
# Adjectives of official names ("Vereinigte", "Russische", "Demokratische"): -e/-es -> -en.
_ADJECTIVE: Final = re.compile(r"^(\w+(?:isch|igt))es?$")
# Neuter heads take -s after a declined adjective ("des Vereinigten Königreichs").
_NEUTER_HEAD: Final = re.compile(r"(?:reich|tum|land)$")


def de_genitives(name: str) -> set[str]:
    """The German genitive forms of a place name (none when it does not decline)."""
    words = name.split(" ")
    if len(words) == 1:
        return {name + "s"} if _TAKES_S.search(name) else set()
    out: list[str] = []
    declined = False
    for i, word in enumerate(words):
        adjective = _ADJECTIVE.match(word)
        if adjective and not _after_head(out, i):
            out.append(adjective.group(1) + "en")
            declined = True
            continue
        if declined and i == len(words) - 1 and _NEUTER_HEAD.search(word):
            word += "s"  # noqa: PLW2901 - the head's own genitive
        out.append(word)
    return {" ".join(out)} if declined else set()


def _after_head(done: list[str], index: int) -> bool:
    """Whether an adjective at ``index`` follows the name's head (then it is not the name's)."""
    return index > 0 and not done[index - 1].endswith("en")


def german_word(name: str) -> bool:
    """Whether German writes ``name`` at least as often as any other of our languages (wordfreq)."""
    german = zipf_frequency(name, "de")
    return german > 0 and all(zipf_frequency(name, lang) <= german for lang in _OTHER_LANGUAGES)


def german_city_name(name: str, people: set[str], *, own: bool) -> bool:
    """Whether a city's alias is a name German uses for it, so that its genitive is one.

    GeoNames' alternates hold former names, other languages' and romanizations: the alias must be
    written as German writes a name and be no person's name (``people``: "Charlottes" or "Sofias"
    is a woman's, "Hamiltons" a man's). Unless it is the city's ``own`` name it must be a German
    exonym: common in German and clearly more German than English (Moskau, Kiew, Mailand, Peking;
    not "Stalin" for Donetsk or "Bethlehem" for Belém), and its genitive not so common that it is
    a word's ("Kantons", of the Swiss canton, not of Guangzhou's old name).
    """
    if _GERMAN_NAME.match(name) is None or name.casefold() in people:
        return False
    if own:
        return True
    german, english = zipf_frequency(name, "de"), zipf_frequency(name, "en")
    return (
        german >= _GERMAN_CITY_NAME_ZIPF
        and german - english >= _EXONYM_MARGIN
        and zipf_frequency(name + "s", "de") <= _GENITIVE_CEILING
    )


def german_form(form: str, *, common: bool = True) -> bool:
    """Whether a generated form is German usage and not a word of another of our languages.

    ``common=False`` asks for a commoner form (a city's: see ``_GERMAN_CITY_ZIPF``).
    """
    if " " in form:
        return True  # only German adjectives decline (``_ADJECTIVE``); wordfreq guesses phrases
    german = zipf_frequency(form, "de")
    return german >= (_GERMAN_ZIPF if common else _GERMAN_CITY_ZIPF) and not any(
        zipf_frequency(form, lang) >= _FOREIGN_ZIPF and german - zipf_frequency(form, lang) < _GERMAN_MARGIN
        for lang in _OTHER_LANGUAGES
    )
