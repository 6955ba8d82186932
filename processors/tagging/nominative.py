"""The nominative of an unknown person's name written in another case (pl, ru, uk).

"встретился с Сергеем Лавровым", "z Radosławem Sikorskim": when a story never writes the name
in the nominative, the unknown-name reader (``names.py``) would make its id from the form as
written; this gives it the nominative's ("name:сергей-лавров"), so that ``actor:"Сергей
Лавров"`` matches. No dictionary at run time: a table of how given names and surnames end in
each case (``data/name_endings.json``, derived by ``make kb`` from the knowledge base's people,
``kb_build/actor_forms.py``) and the knowledge base's given names. A two-word name changes only
when its first word, with a case ending given way, is a known given name and its surname reads
in the same case ("Сергеем" -> Сергей, instrumental; "Лавровым" -> Лавров, instrumental); a
name whose first word already is a given name is left as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

# An ending applies only when this many letters of the word stay before it.
_MIN_STEM: Final = 1
_WORDS: Final = 2
# The last letters of surnames that do not decline (Шойгу, Рютте, Лукашенко, Szojgu).
_INDECLINABLE: Final = frozenset("оуеиюoue")

# (oblique ending, nominative ending, case), longest ending first, by the word's last letter.
Rules = dict[str, list[tuple[str, str, str]]]


def _by_last(rules: list[list[str]]) -> Rules:
    out: Rules = {}
    for oblique, nominative, case in sorted(rules, key=lambda r: (-len(r[0]), r[0], r[1], r[2])):
        out.setdefault(oblique[-1:], []).append((oblique, nominative, case))
    return out


class Nominatives:
    """The endings of given names and surnames per language, and the known given names."""

    __slots__ = ("_given", "_rules")

    def __init__(
        self,
        endings: dict[str, dict[str, list[list[str]]]],
        given: frozenset[str],
        more_given: dict[str, list[str]] | None = None,
    ) -> None:
        # Given names per language: the knowledge base's, and the file's lists (ru, uk).
        more = more_given or {}
        self._given = {lang: given | frozenset(more.get(lang, ())) for lang in endings}
        self._rules: dict[str, tuple[Rules, Rules]] = {
            lang: (_by_last(parts.get("given", [])), _by_last(parts.get("surname", [])))
            for lang, parts in endings.items()
        }

    @classmethod
    def load(cls, path: Path, given: frozenset[str]) -> Nominatives:
        """From ``name_endings.json`` (no rules when the file is missing)."""
        if not path.exists():
            return cls({}, given)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["endings"], given, data.get("given"))

    def of(self, name: str, language: str | None) -> str:
        """The nominative of a person's ``name`` in ``language``, or ``name`` itself."""
        rules = self._rules.get(language or "")
        words = name.split()
        if rules is None or len(words) != _WORDS or not all(w.isalpha() for w in words):
            return name
        known = self._given[language or ""]
        first, last = words[0].casefold(), words[1].casefold()
        if first in known:
            return name
        givens = {case: word for word, case in _readings(first, rules[0]) if word in known}
        found = _surname(givens, _readings(last, rules[1]), last) if givens else None
        if found is None:
            return name
        given, surname = found
        return f"{_capital(given)} {words[1] if surname is None else _capital(surname)}"


def _surname(
    givens: dict[str, str], surnames: list[tuple[str, str]], last: str
) -> tuple[str, str | None] | None:
    """(given name, surname or None when it does not decline) in a case both read in, or None."""
    for case, given in givens.items():
        found = {word for word, c in surnames if c == case}
        if len(found) == 1:  # one reading only: "Навальным" may be Навальный or "Навальн" (Путиным)
            return given, found.pop()
        if found:
            return None
    if not surnames and last[-1:] in _INDECLINABLE:
        return next(iter(givens.values())), None  # a surname that does not decline ("Сергеем Шойгу")
    return None


def _readings(word: str, rules: Rules) -> list[tuple[str, str]]:
    """(nominative, case) of ``word`` by the longest ending of each case that fits it.

    The longest is the most specific: "Nowakiem" is Nowak by "-kiem", not "Nowakie" by "-em"
    (as "Mikem" is Mike).
    """
    out = []
    longest: dict[str, int] = {}
    for oblique, nominative, case in rules.get(word[-1:], ()):  # longest endings first
        fits = word.endswith(oblique) and len(word) - len(oblique) >= _MIN_STEM
        if fits and longest.setdefault(case, len(oblique)) == len(oblique):
            out.append((word[: len(word) - len(oblique)] + nominative, case))
    return out


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]
