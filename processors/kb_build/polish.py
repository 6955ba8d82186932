"""Polish case forms of names, generated with Morfeusz 2 and its SGJP dictionary (BSD-2).

``Rosja`` -> Rosji, Rosję, Rosją; ``Stany Zjednoczone`` -> Stanów Zjednoczonych, Stanom
Zjednoczonym, Stanami Zjednoczonymi, Stanach Zjednoczonych; ``Unia Europejska`` -> Unii
Europejskiej, Unię Europejską… Only the oblique cases a news text uses (genitive, dative,
accusative, instrumental, locative; no vocative), no archaic or rare forms. A one-word name
must be a geographical name in the dictionary (``nazwa_geograficzna``) unless the caller
says it is Polish; words that are not in the nominative ("Kości Słoniowej") stay as they are.

A build-time tool (the ``kb`` extra brings ``morfeusz2``); the runtime never imports it.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

CASES = ("gen", "dat", "acc", "inst", "loc")
_BAD_LABELS = ("arch", "daw", "rzad", "char", "przest", "pogard", "posp", "reg")
_MAX_PER_CASE = 3


@functools.cache
def _morfeusz() -> Any:  # morfeusz2 has no type information
    import morfeusz2  # noqa: PLC0415 - build-time only (the kb extra)

    return morfeusz2.Morfeusz(expand_tags=False)


@functools.cache
def _generate(lemma: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(form, tag, labels) of a lemma; forms with archaic or rare labels left out."""
    out = []
    for form, _lemma, tag, _quals, labels in _morfeusz().generate(lemma):
        if any(bad in label for label in labels for bad in _BAD_LABELS):
            continue
        out.append((form, tag, tuple(labels)))
    return tuple(out)


def _readings(word: str) -> list[tuple[str, list[str], list[str]]]:
    """(lemma, tag parts, qualifiers) of each analysis of ``word`` as one token."""
    out = []
    for start, end, (_orth, lemma, tag, quals, _labels) in _morfeusz().analyse(word):
        if start == 0 and end == 1:
            out.append((lemma, tag.split(":"), list(quals)))
    return out


def _nominative(
    word: str, pos: tuple[str, ...], *, geo: bool, number: str | None = None
) -> tuple[str, list[str]] | None:
    """The first reading of ``word`` as a nominative of one of ``pos`` (lemma, tag parts), singular first."""
    readings = sorted(_readings(word), key=lambda r: r[1][1:2] != ["sg"])
    for lemma, parts, quals in readings:
        if parts[0] not in pos or len(parts) < 4 or "nom" not in parts[2].split("."):
            continue
        if geo and "nazwa_geograficzna" not in quals:
            continue
        if number is not None and parts[1] != number:
            continue
        return lemma, parts
    return None


def _case_forms(lemma: str, parts: list[str], genders: set[str]) -> dict[str, list[str]]:
    """The forms of ``lemma`` in each case, in the number (and gender) of ``parts``."""
    kind, number = parts[0], parts[1]
    found: dict[str, list[str]] = {}
    for form, tag, _labels in _generate(lemma):
        gp = tag.split(":")
        if gp[0] != kind or len(gp) < 4 or gp[1] != number:
            continue
        if kind == "subst" and gp[3] != parts[3]:
            continue
        if kind in {"adj", "ppas"}:
            if not genders & set(gp[3].split(".")):
                continue
            if kind == "adj" and gp[4:5] != ["pos"]:
                continue
            if kind == "ppas" and gp[-1] != "aff":
                continue
        for case in gp[2].split("."):
            bucket = found.setdefault(case, [])
            if form not in bucket:
                bucket.append(form)
    return found


def _like(form: str, word: str) -> str:
    return form[:1].upper() + form[1:] if word[:1].isupper() else form


def pl_forms(name: str, *, known_polish: bool = False) -> set[str]:
    """The oblique case forms of a Polish name (empty when it is not one we can inflect)."""
    words = name.split()
    if not words or any(not w.isalpha() for w in words):
        return set()
    head = _head(words, known_polish=known_polish)
    if head is None:
        return set()
    _, _, head_parts = head
    number, genders = head_parts[1], set(head_parts[3].split("."))
    per_word: list[dict[str, list[str]] | None] = []
    for i, word in enumerate(words):
        if i == head[0]:
            per_word.append(_case_forms(head[1], head_parts, genders))
            continue
        fixed = _nominative(word, ("subst",), geo=False) is None and not _is_modifier(word, number)
        if i > head[0] and fixed:
            per_word.append(None)  # a genitive or other fixed word ("Kości Słoniowej")
            continue
        reading = _nominative(word, ("adj", "ppas"), geo=False, number=number)
        per_word.append(None if reading is None else _case_forms(reading[0], reading[1], genders))
    if len(words) > 1 and not known_polish and all(f is None for j, f in enumerate(per_word) if j != head[0]):
        return set()  # a foreign phrase around a Polish-looking word
    out: set[str] = set()
    for case in CASES:
        options = []
        for word, forms in zip(words, per_word, strict=True):
            if forms is None:
                options.append([word])
            elif forms.get(case):
                options.append([_like(f, word) for f in forms[case][:_MAX_PER_CASE]])
            else:
                options = []
                break
        out.update(" ".join(combo) for combo in itertools.islice(itertools.product(*options), _MAX_PER_CASE))
    out.discard(name)
    return out


def _head(words: list[str], *, known_polish: bool) -> tuple[int, str, list[str]] | None:
    """The head: the first noun in the nominative (a geographical name if it stands alone)."""
    for i, word in enumerate(words):
        reading = _nominative(word, ("subst",), geo=len(words) == 1 and not known_polish)
        if reading is None:
            continue
        # "Światowa Organizacja Handlu": a word that is also an adjective agreeing with the
        # next noun modifies it ("Rada Bezpieczeństwa": rada, glad, agrees with no plural).
        if i + 1 < len(words) and _agrees(word, words[i + 1]):
            continue
        return i, *reading
    return None


def _agrees(word: str, noun: str) -> bool:
    """Whether ``word`` reads as an adjective in the nominative agreeing with the noun ``noun``."""
    head = _nominative(noun, ("subst",), geo=False)
    if head is None:
        return False
    adj = _nominative(word, ("adj", "ppas"), geo=False, number=head[1][1])
    return adj is not None and head[1][3] in adj[1][3].split(".")


def _is_modifier(word: str, number: str) -> bool:
    return _nominative(word, ("adj", "ppas"), geo=False, number=number) is not None


def pl_forms_all(names: Iterable[str], *, known_polish: bool = False) -> set[str]:
    """The forms of every name."""
    out: set[str] = set()
    for name in names:
        out |= pl_forms(name, known_polish=known_polish)
    return out
