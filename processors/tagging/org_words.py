"""Words and rules that find organisations the knowledge base lacks (step 6 of tagging, issue 12).

Kept apart from ``words.py`` and ``names.py`` (both at the size limit), and not compiled: these
rules run once per candidate name or run of capitalised words, not once per word (the word
lists a word's cue is read from stay in ``words.py``). Each rule was measured on the tune split
of the actor evaluation set (``benchmarks/eval_actors.py``, 2026-12-07), one after the other,
P / R: before 0.834 / 0.656; German compound endings ("-verein", "-polizei", "-kammer",
"-präsidium", "-zentrum", "-zentrale", "-amt" in ``words.ORG_ENDINGS``) 0.834 / 0.660; federal
compounds 0.834 / 0.665; legal forms 0.837 / 0.669; "&" without spaces inside a name
("Rat&Tat") 0.838 / 0.670; organisation words of Romance languages and "jail", "prison",
"Rundfunk" (``words.ORG_CUES``) with "General de" 0.837 / 0.679; a unit's organisation 0.844 /
0.682; "et d'" 0.847 / 0.683; an institution's word 0.845 / 0.691; Polish organisation words
in oblique cases (``words.ORG_CUES``) and the noun before one 0.847 / 0.693. Tried and dropped:
an acronym spelled out before it without an organisation's word as no organisation ("Bus Rapid
Transit (BRT)"): 0.850 / 0.686, as many organisations are named without one ("Homeland
Security Investigations (HSI)").

- A German closed compound alone is a noun ("die Datenschutzbehörde"), but one that opens with
  "Bundes" names the one federal institution of its kind ("die Bundespolizei", "das
  Bundesverteidigungsministerium", "die Bundespsychotherapeutenkammer").
- A German legal form in lower case after a name makes it an association's or a company's
  ("Wirtschaftsweiber e.V.", "BAfF e. V.", "IWF Wissen und Medien gGmbH"): the capitalised
  legal forms ("GmbH", "AG") are organisation cues already.
- A unit, a desk or a board "of" an organisation is named by the organisation: in "Board of
  the Natural Resources Fund", "Sala Penal de la Corte Suprema de Justicia", "Atlântico da
  Polícia Militar" the actor is what follows "of" when that has a cue and the words before
  have none (but a board's, a chamber's or a division's).
- Outside German (which capitalises every noun), an organisation's word alone, capitalised
  after an article, names the institution of the country ("el Congreso", "la Fiscalía", "la
  Policía", "the Senate"), not any of its kind.
- In Polish, a capitalised noun before an organisation's word in an oblique case is no part of
  its name ("Prezes Grupy Eurocash", "Zadania Instytutu Pamięci Narodowej"); an adjective in
  the same case is ("Polskiego Stowarzyszenia Public Relations").
- "General" after an organisation's word and before "de" is its adjective ("Dirección General
  de Registro", "Fiscalía General de la Nación"), not a general's title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from processors.tagging.words import ORG_CUES, ORG_ENDINGS, Token, word_before, word_set

if TYPE_CHECKING:
    from processors.tagging.names import Name


# The federal prefix, and the institutions named by it and their kind alone ("Bundespolizei",
# "Bundesbank"): "Bundesverband", "Bundesamt", "Bundesministerium" alone say not which one.
_FEDERAL: Final = "bundes"
_FEDERAL_BARE: Final = frozenset({"bundespolizei", "bundesbank", "bundeswehr"})
# The shortest middle word between "Bundes" and the kind ("Bundes-kartell-amt").
_MIDDLE_MIN: Final = 4


def federal(fold: str) -> bool:
    """Whether a German compound (casefolded) names a federal body ("bundespolizei")."""
    if not fold.startswith(_FEDERAL):
        return False
    if fold in _FEDERAL_BARE:
        return True
    kinds = [e for e in ORG_ENDINGS if fold.endswith(e)]
    return bool(kinds) and len(fold) - len(_FEDERAL) - min(map(len, kinds)) >= _MIDDLE_MIN


# A lower-case legal form right after a name: a registered association ("e.V."), a charitable
# company ("gGmbH"), a cooperative ("eG"), a limited company ("mbH").
_LOWER_LEGAL: Final = re.compile(r" (e\. ?V\.|gGmbH\b|eG\b|mbH\b)")


def with_legal(text: str, run: list[Token]) -> list[Token]:
    """The run with the lower-case legal form after it, if any ("Wirtschaftsweiber" e.V.)."""
    m = _LOWER_LEGAL.match(text, run[-1].end)
    if m is None:
        return run
    form = Token(m.start(1), m.end(1), m.group(1))
    form.cue = True
    return [*run, form]


# The words joining a unit to the organisation it belongs to ("of the", "de la", "da").
_OF: Final = frozenset(
    {
        "of",
        "of the",
        "de",
        "de la",
        "de los",
        "de las",
        "del",
        "da",
        "do",
        "das",
        "dos",
        "des",
        "du",
        "de l'",
        "de l’",
    }
)
# Cue words that name a part of an organisation, not one of its own.
_UNITS: Final = frozenset(
    {"board", "sala", "division", "división", "divisão", "branch", "section", "sección"}
)
# The fewest words of the organisation after "of": one word is as often a chamber's name
# ("House of Commons", "House of Representatives").
_OUTER_MIN: Final = 2


def outer_start(tokens: list[Token], text: str) -> int:
    """Where the organisation a unit belongs to begins in an organisation's name (0: no unit).

    "Board of the Natural Resources Fund" -> 1 (the Fund); "University of Miami" -> 0; in Polish,
    "Prezes Grupy Eurocash" -> 1.
    """
    if polish_head(tokens):
        return 1
    for k in range(1, len(tokens) - _OUTER_MIN + 1):
        head = tokens[k - 1]
        if head.cue and head.fold not in _UNITS:
            return 0
        gap = text[head.end : tokens[k].start]
        if gap.strip().casefold() in _OF and any(t.cue for t in tokens[k:]):
            return k
    return 0


# The evidence of an institution named by its word alone.
INSTITUTION: Final = "unknown name: institution"
# Articles (and articles joined to a preposition) before an institution's word.
_ARTICLES: Final = frozenset(
    {
        *("the", "el", "la", "los", "las", "al", "del", "le", "les", "l'", "l’", "du", "au"),
        *("o", "a", "os", "as", "do", "da", "dos", "das", "ao", "à", "no", "na", "pelo", "pela"),
    }
)


# The languages whose articles these are ("na" is Polish too, and German capitalises nouns).
_ARTICLE_LANGUAGES: Final = frozenset({"en", "es", "fr", "pt", "it"})
# The endings of the Romance adjectives that go on an institution's name in lower case ("la
# Coordination nationale", "l'Office fédéral", "la Cámara baja"): the word alone is not its name.
_ADJECTIVE_ENDINGS: Final = (
    *("al", "ale", "ales", "aux", "el", "elle", "ique", "ien", "ienne", "ais", "aise", "ano", "ana"),
    *("ero", "era", "ivo", "iva", "ar", "ario", "aria", "ior", "baja", "bajo", "alta", "alto", "emo", "ema"),
)


def institution(text: str, tok: Token, language: str) -> bool:
    """Whether one capitalised organisation word after an article names an institution ("la Fiscalía")."""
    if language not in _ARTICLE_LANGUAGES or tok.upper or tok.fold not in ORG_CUES:
        return False
    if word_before(text, tok.start) not in _ARTICLES:
        return False
    after = text[tok.end : tok.end + 16].split(None, 1)
    nxt = after[0].rstrip(".,;:!?»”\"'’)") if after and text[tok.end : tok.end + 1] == " " else ""
    return not (nxt.isalpha() and nxt.islower() and nxt.endswith(_ADJECTIVE_ENDINGS))


def plain_form(forms: dict[str, None], tokens: list[Token], text: str) -> None:
    """Add to a name's ``forms`` the name without its lower-case legal form ("BAfF" of "BAfF e.V.")."""
    if len(tokens) > 1 and tokens[-1].text[0].islower():
        forms[text[tokens[0].start : tokens[-2].end]] = None


def headed(names: Iterable[Name], word: str) -> Name | None:
    """The organisation of the story whose name begins with ``word`` ("Tribunal de Apelación"), if any."""
    heads = (n for n in names if n.kind == "organization" and n.base.startswith(word + " "))
    return next(heads, None)


def romance_general(tok: Token, text: str) -> bool:
    """Whether "General" is an adjective of the name before it ("Dirección General de ...")."""
    return tok.fold == "general" and text.startswith((" de ", " del ", " da ", " do "), tok.end)


# Polish organisation words in an oblique case (genitive, dative, instrumental, locative).
_PL_OBLIQUE: Final = word_set(
    """
    ministerstwa ministerstwie urzędu urzędzie agencji komisji rady radzie instytutu instytucie
    uniwersytetu uniwersytecie fundacji stowarzyszenia stowarzyszeniu związku partii sejmu senatu
    sądu sądzie trybunału trybunałem trybunale policji wojska armii banku grupy grupie spółki spółce
    urzędem instytutem uniwersytetem ministerstwem stowarzyszeniem związkiem sądem senatem sejmem
    bankiem fundacją agencją komisją partią radą grupą spółką policją armią fundację agencję komisję
    partię radę grupę spółkę policję armię
    """
)
# The endings of Polish adjectives in those cases ("Polskiego", "Narodowej", "Polskich").
_PL_ADJECTIVE: Final = ("ego", "emu", "ej", "ym", "ych", "ich", "im", "ą")


def polish_head(tokens: list[Token]) -> bool:
    """Whether the first word is a noun governing the organisation after it ("Prezes Grupy X")."""
    first = tokens[0]
    return (
        len(tokens) > 2
        and tokens[1].fold in _PL_OBLIQUE
        and not first.cue  # "Urząd Komisji Nadzoru Finansowego" is one office
        and not first.fold.endswith(_PL_ADJECTIVE)
    )
