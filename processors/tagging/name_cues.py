"""Step 6 of tagging: what the words around a name say of it, beyond ``names.py`` (issue 12).

Plain functions over a field's text and its tokens (``names.py`` and ``names_reader.py`` call
them; ``names.py`` is full):

- *Headlines and German names*: a Title Case headline is read for mentions only; two German
  capitalised words are a given name and a surname only when shaped so.
- *People listed with people*: a name joined by a comma or "and" ("y", "und", "et", "i", "e")
  to a person named with support is a person too ("Elizabeth Ramirez, Kristie Mayhugh and
  Anna Vasquez"): a list names things of one kind.
- *Nicknames*: a given name, a quoted nickname and a surname ('Eduardo "Wado" de Pedro',
  'Fernando "El Chino" Navarro') are one person, named without the nickname.
- *Cited*: the words that attribute a photo or a quote to who follows them ("Foto:",
  "selon", "según", "laut", '", so'): a person's name after them is a person's.
- *Around a name*: "Al" before a surname is a given name in English ("Al Horford"); after
  "former", a capitalised word before a name is what the person was ("former Sixer Jrue
  Holiday"); an upper-case rank before a given name is no part of the name ("OBR Klaus
  Tschabuschnig"); a German genitive before a noun ends the name ("Frank Wisbars
  Antikriegsfilme" after "Frank Wisbar"); a compound given name opens a person's name
  ("Dania María Vergara", even where "Dania" is a place's word).

- *A given name alone* (a known one): after a kinship noun and a comma ("her daughter, Delicie",
  "his wife, Patty"), before one ("Bobby, our oldest son"), or after a speech verb put before
  its subject ("», glisse Zineb"); a mention of the one person named in full with that given
  name when there is one ("Valarie" after "Valarie Taylor"). Tune split: P 0.862 / 0.863,
  R 0.719 / 0.725 (en persons 0.867 / 0.900, fr 0.818 / 0.879), no new wrong tag.

- *Lists of surnames* ("llegaron gracias a Caicedo, Cucurella, GroB y Trossard", a line-up
  "Brighton: Sánchez, Veltman, Dunk, ... y Welbeck"): four or more capitalised items with a
  person of the story among them (a surname of one named in full, known or not) and no known
  organisation, place or other claimed name are all people. Tune split: P 0.865 / 0.868,
  R 0.725 / 0.745, F1 0.789 / 0.802 — all of it one Spanish sports story's line-ups (17 people).

Tune split of the actor evaluation (2026-12-08), before / after the rules above the last two: P 0.859 / 0.862,
R 0.710 / 0.719, F1 0.777 / 0.784 (persons' R 0.829 / 0.852; es 0.722 / 0.768); no new wrong tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from processors.tagging.name_words import NAME_PREFIXES
from processors.tagging.words import (
    GERMAN_INFLECTED,
    GIVEN_MAX,
    NOT_ACRONYMS,
    Piece,
    Token,
    plain_name,
    tokens_of,
    word_set,
)

if TYPE_CHECKING:
    from processors.tagging.names_reader import Reader


def german_given_shaped(reader: Reader, tokens: list[Token]) -> bool:
    """Whether two German capitalised words read as a given name and a surname.

    A German adjective or plural noun before a noun ends in -e, -er, -es, -en or -em
    ("Weltweite Strahlkraft", "Grüner Wasserstoff", "Welche Tipps", "Geschöpfe Gottes");
    most given names do not ("Leonhard Dobusch", "Cornelia Möhring"). A noun after a
    German article in the story is no given name.
    """
    first = tokens[0].fold
    if not (3 <= len(first) <= GIVEN_MAX) or first.endswith(GERMAN_INFLECTED):
        return False
    if not all(plain_name(t.text) for t in tokens):
        return False  # "IDENTjet M4-Serie", "Fahrstuhl-Firma Schindler", "PSi Laser"
    if first.endswith("s") and reader.written(tokens[0].text[:-1]):
        return False  # a genitive: "Johnsons Vorgängerin" after "Johnson"
    nouns = reader.noun_words()
    return tokens[0].text not in nouns and tokens[1].text not in nouns


def acronym(reader: Reader, tok: Token) -> bool:
    """An upper-case word of 3-6 letters that the story never writes in lower case.

    Two letters are as often a state, a unit or a compass point ("GA", "NC", "CC", "SW") as an
    organisation: they count only as the initials of an organisation named in full (``_link``).
    """
    word = tok.text
    return (
        tok.upper
        and 3 <= len(word) <= 6
        and word.isalpha()
        and tok.fold not in NOT_ACRONYMS
        and not reader.common(tok)
    )


def camel(word: str) -> bool:
    """A brand's inner capital ("WordPress", "BirdLife"), not a name's ("McDonald", "DiCaprio")."""
    if len(word) < 5 or word[1:].islower() or not word.isalpha() or word[:2] in NAME_PREFIXES:
        return False
    if word[:3] == "Mac":
        return False
    return any(a.islower() and b.isupper() for a, b in pairwise(word[1:]))


def title_case(text: str) -> bool:
    """A Title Case or upper-case headline: most of its longer words start upper-case."""
    words = [w for w in text.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(1 for w in words if w[0].isupper()) >= 0.7 * len(words)


# --- people listed with people ---------------------------------------------------------

# The gap between two items of a list: a comma, or a coordinator ("and", "y", "und", "et", "i").
_LIST_GAP: Final = re.compile(r",\s*|,?\s+(?:and|y|e|et|und|i|oraz)\s+")


def listed_gap(gap: str) -> bool:
    """Whether ``gap`` (the text between two names) joins two items of a list."""
    return _LIST_GAP.fullmatch(gap) is not None


def listed_people(texts: Callable[[int], str], placed: list[tuple[Piece, bool]]) -> set[int]:
    """The indexes of the unsure names of ``placed`` that a list puts among people.

    ``placed``: the person-shaped pieces of a story in story order, each with whether it is a
    person named with support; ``texts``: a field's text by its rank. A sure neighbour in a
    list makes an unsure name sure, and so on along the list ("A Ab, B Bc, C Cd and D De").
    """
    sure = [s for _, s in placed]
    joined = [
        a.rank == b.rank and a.end < b.start and listed_gap(texts(a.rank)[a.end : b.start])
        for (a, _), (b, _) in pairwise(placed)
    ]
    found: set[int] = set()
    changed = True
    while changed:
        changed = False
        for i in range(len(placed)):
            if not sure[i] and (
                (i > 0 and joined[i - 1] and sure[i - 1]) or (i < len(joined) and joined[i] and sure[i + 1])
            ):
                sure[i] = changed = True
                found.add(i)
    return found


# --- nicknames --------------------------------------------------------------------------

# From the opening quote (the search stops only at quotes): the nickname, then the surname.
_QUOTED: Final = re.compile(
    r"[\"“„«]\s?([^\"“”„«»\n]{2,24}?)\s?[\"”“»]\s+"
    r"((?:(?:de|del|da|do|dos|van|von|di|la|le)\s+)?[^\W\d_][\w'’-]+(?:\s+[^\W\d_][\w'’-]+)?)"
)
_GIVEN_BEFORE: Final = re.compile(r"([^\W\d_][^\W\d_'’-]+)\s+$")


def nicknamed(text: str, is_given: Callable[[str], bool]) -> Iterator[tuple[list[Token], str, str]]:
    """The persons named with a quoted nickname inside: (their tokens, "Given Surname", nickname).

    'Eduardo "Wado" de Pedro' gives the tokens of "Eduardo" and "Pedro", "Eduardo de Pedro" and
    "Wado". The given name must be a known one and every word capitalised but particles.
    """
    if '"' not in text and "“" not in text and "«" not in text and "„" not in text:
        return  # most fields: no quote, no search
    for m in _QUOTED.finditer(text):
        nick = m.group(1).strip()
        if not nick[:1].isupper():
            continue
        before = _GIVEN_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if before is None:
            continue
        given = before.group(1)
        if not given[0].isupper() or not is_given(given.casefold()):
            continue
        words = m.group(2).split()
        if not words[0][0].isupper():
            words = [words[0], *_capitalised(words[1:])]  # "de Pedro"
            if len(words) < 2:
                continue
        else:
            words = _capitalised(words)
        end = m.start(2) + len(" ".join(words))
        shift = before.start(1)
        kept = [
            Token(t.start + shift, t.end + shift, t.text)
            for t in tokens_of(text[shift:end])
            if t is not None and (t.start + shift < before.end(1) or t.start + shift >= m.start(2))
        ]
        if len(kept) >= 2 and not kept[-1].upper:
            yield kept, f"{given} {' '.join(words)}", nick


def _capitalised(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        if not w[0].isupper():
            break
        out.append(w)
    return out


# --- cited ------------------------------------------------------------------------------

# Words after which a name is who took a photo or said something: "Foto: Natacha Pisarenko",
# "selon Kriss Graffiti", "según Ana Pérez", "laut Peter Müller", "segundo João Silva".
_CITES: Final = word_set("selon según segun laut segundo wedle according")
_CREDITS: Final = word_set(
    "foto foto: fotos fotos: photo photo: photos photos: bild bild: zdjęcie zdjęcie: fotografía fotografía:"
)
_QUOTE_SO: Final = re.compile(r"[\"”“»«],?\s+so\s+$")


def cited(text: str, start: int) -> bool:
    """Whether the name at ``start`` follows a photo credit or a quote's attribution."""
    before = text[max(0, start - 24) : start]
    words = before.split()
    if not words:
        return False
    last = words[-1].casefold().lstrip("([")
    if last in _CITES or (last == "to" and len(words) >= 2 and words[-2].casefold() == "according"):
        return True
    if last in _CREDITS or (
        last == ":" and len(words) >= 2 and words[-2].casefold().lstrip("([") in _CREDITS
    ):
        return True
    return _QUOTE_SO.search(before) is not None  # German: „…“, so Alexandra Sackmann


# --- around a name ----------------------------------------------------------------------

# Words before a capitalised word that make it what someone was, not their name ("former
# Sixer Jrue Holiday", "ex-Minister"): never a given name's modifiers.
_FORMER: Final = word_set(
    "former fellow onetime ex ex- ancien ancienne ehemalige ehemaliger ehemaligen antiguo antigua były była"
)
# Second given names of Spanish and Portuguese compound given names ("Dania María Vergara",
# "Ana María", "José Luis"): the first word is a given name, even where a place bears it.
SECOND_GIVEN: Final = word_set(
    "maría maria josé jose luis jesús jesus ángel angel antonio manuel isabel fernanda eugenia"
)


def compound_given(tokens: list[Token]) -> bool:
    """A compound given name opens the name: "Dania María Vergara", "Luz María Pérez"."""
    return (
        len(tokens) >= 3
        and tokens[1].fold in SECOND_GIVEN
        and not tokens[0].upper
        and tokens[0].fold not in SECOND_GIVEN
    )


def given_al(tok: Token, language: str) -> bool:
    """English "Al" ("Al Gore", "Al Horford"): a given name; elsewhere "al" is a word or an article."""
    return language == "en" and tok.text == "Al"


def after_former(text: str, tokens: list[Token], is_given: Callable[[str], bool]) -> bool:
    """Whether ``tokens`` open with what a person was, after "former" ("former Sixer Jrue Holiday")."""
    if (
        len(tokens) < 3
        or tokens[0].upper
        or is_given(tokens[0].fold)
        or text[tokens[0].end : tokens[1].start] != " "
    ):
        return False
    i = tokens[0].start
    while i > 0 and text[i - 1] == " ":
        i -= 1
    j = i
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "-"):
        j -= 1
    return text[j:i].casefold() in _FORMER


def rank_before(tokens: list[Token], is_given: Callable[[str], bool]) -> bool:
    """An upper-case rank or affiliation before a given name and a surname ("OBR Klaus Tschabuschnig")."""
    return (
        len(tokens) >= 3
        and tokens[0].upper
        and tokens[0].text.isalpha()
        and not tokens[1].upper
        and not tokens[2].upper
        and is_given(tokens[1].fold)
    )


def genitive_end(reader: Reader, tokens: list[Token]) -> bool:
    """A German name in the genitive before the noun it owns ("Frank Wisbars Antikriegsfilme").

    Only when the story writes the name without the -s too: then the last word is no surname.
    """
    if not reader.german or len(tokens) != 3:
        return False
    owner = tokens[1].text
    return (
        owner.endswith("s")
        and len(owner) > 4
        and not tokens[2].upper
        and not reader.is_given(tokens[2].fold)
        and reader.written(f"{tokens[0].text} {owner[:-1]}")
    )


# --- a given name alone -----------------------------------------------------------------

GIVEN_ALONE: Final = "unknown name: given name alone"
# Kinship nouns before a comma and a given name ("her daughter, Delicie"), or after one ("Bobby,
# our oldest son"): news names relatives, children and witnesses by their given names only.
_KIN: Final = word_set(
    """
    wife husband son daughter brother sister mother father mom dad grandson granddaughter
    grandmother grandfather partner girlfriend boyfriend fiancée fiancé niece nephew cousin
    esposa esposo hijo hija hermano hermana madre padre nieto nieta novia novio
    femme mari fils fille frère sœur mère père compagne compagnon
    esposa marido filho filha irmão irmã mãe pai
    """
)
# Speech verbs put before their subject after a quote ("», glisse Zineb", "raconte Antoine").
_SAYS_BEFORE: Final = word_set(
    """
    said says added explained recalled
    dijo explicó añadió contó relató señaló aseguró cuenta explica añade
    raconte glisse explique ajoute confie souligne précise poursuit témoigne assure lance sourit
    disse contou explicou acrescentou
    sagt sagte erzählt erzählte erklärt erklärte
    """
)
_KIN_BEFORE: Final = re.compile(r"([^\W\d_]+),\s+$")
_KIN_AFTER: Final = re.compile(
    r",\s+(?:our|his|her|their|my|su|sus|son|sa|ses|seu|sua)\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?"
)


def given_alone(text: str, tok: Token) -> bool:
    """Whether a lone given name is someone named so ("her daughter, Delicie", "glisse Zineb").

    The caller checks that it is a known given name first (a set lookup; this is a search).
    """
    before = text[max(0, tok.start - 30) : tok.start]
    kin = _KIN_BEFORE.search(before)
    if kin is not None and kin.group(1).casefold() in _KIN:
        return True
    words = before.split()
    if words and before.endswith(" ") and words[-1].casefold() in _SAYS_BEFORE:
        return True
    after = _KIN_AFTER.match(text, tok.end, tok.end + 40)
    # "Bobby, our oldest son", "Bobby, su hermano mayor": the kin word first or second.
    return after is not None and any((w or "").casefold() in _KIN for w in after.groups())


class _Named(Protocol):
    kind: str
    base: str


_N = TypeVar("_N", bound=_Named)


def by_first(names: Iterable[_N], fold: str) -> _N | None:
    """The one person of ``names`` whose given name ``fold`` is ("Valarie" after "Valarie Taylor")."""
    found = [
        n for n in names if n.kind == "person" and " " in n.base and n.base.split()[0].casefold() == fold
    ]
    return found[0] if len(found) == 1 else None


# --- lists of surnames ------------------------------------------------------------------

# A list of capitalised words or pairs ("De Gea, Dalot, Lindelof ... y Ronaldo"), up to a line's or
# a sentence's end: the items, then the end.
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_ITEM = rf"{_CAP}(?: {_CAP})?"
_SURNAME_LIST: Final = re.compile(
    rf"(?<!\w)((?:{_ITEM}, ){{2,}}{_ITEM},? (?:y|and|e|et|und|i) {_ITEM})(?=[.;\n]|$)"
)
_ITEM_GAP: Final = re.compile(r",? (?:y|and|e|et|und|i) |, ")


def surname_lists(text: str) -> Iterator[list[list[Token]]]:
    """The lists of four or more capitalised items (one or two words each), as their tokens.

    "llegaron gracias a Caicedo, Cucurella, GroB y Trossard." gives [[Caicedo], [Cucurella],
    [GroB], [Trossard]]. Every word of every item must be capitalised (a name's shape).
    """
    for lo, hi in _list_windows(text):
        yield from _lists_in(text, lo, hi)


# A comma before a capital: a list's items are found only where two of them come close together
# (a search for the literal ", " is fast; the list's pattern over a whole story is not).
_COMMA_CAP: Final = re.compile(r", [A-ZÀ-ÖØ-Þ]")
_LIST_ENDS: Final = (".", ";", "\n")


def _list_windows(text: str) -> Iterator[tuple[int, int]]:
    """Where a list of capitalised items may be: from before a comma-capital to the sentence's end."""
    if ", " not in text:
        return
    hits = [m.start() for m in _COMMA_CAP.finditer(text)]
    i = 0
    while i + 1 < len(hits):
        j = i
        while j + 1 < len(hits) and hits[j + 1] - hits[j] <= 40:
            j += 1
        if j > i:
            ends = [k for k in (text.find(e, hits[j]) for e in _LIST_ENDS) if k >= 0]
            yield max(0, hits[i] - 40), min(ends, default=len(text)) + 1
        i = j + 1


def _lists_in(text: str, lo: int, hi: int) -> Iterator[list[list[Token]]]:
    """The lists of ``surname_lists`` between ``lo`` and ``hi`` (``hi`` past the list's end)."""
    for m in _SURNAME_LIST.finditer(text, lo, hi):
        start = m.start(1)
        items: list[list[Token]] = []
        for part in _ITEM_GAP.split(m.group(1)):
            at = text.index(part, start)
            start = at + len(part)
            toks = [t for t in tokens_of(part) if t is not None]
            if len(toks) != len(part.split()) or any(t.upper or not t.text.isalpha() for t in toks):
                break  # "TUDN App", "Paramount+": no surname
            items.append([Token(t.start + at, t.end + at, t.text) for t in toks])
        else:
            if len(items) >= 4:
                yield items
