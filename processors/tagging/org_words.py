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

Round two (2026-12-07, tune split, one after the other, P / R, organisations' R): before 0.855
/ 0.702 / 0.617; German case forms of known organisations' names (``kb_build/forms.py``: "der
Europäischen Union", "des Norddeutschen Rundfunks") 0.855 / 0.703 / 0.619; a German name over
a preposition and lower-case adjectives, or a comma and a list, to its subject 0.857 / 0.704 /
0.621; a German state as a body 0.857 / 0.706 / 0.624 (with the genitive, "des Kantons Genf":
0.856 / 0.706, dropped); an acronym defined after a known organisation 0.857 / 0.706 / 0.624
(no tune story changes but one correct tag merged into its known actor); an English ordinal
0.858 / 0.707 / 0.626; a long German adjective before an organisation's word 0.858 / 0.709 /
0.628; the region after "del" 0.860 / 0.710 / 0.629.

Round three (2026-12-08, tune split, P / R / organisations' R; the rest of the round is in
``org_spans.py``): before 0.875 / 0.724 / 0.654; an institution's word before a national
adjective ("la Société suisse") or a lower-case name after "de"/"des" ("au Conseil des
ministres") is not the institution named alone 0.877 / 0.724 / 0.654.

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
  Policía", "the Senate"), not any of its kind; not before an adjective ("la Société suisse")
  nor a name going on in lower case ("le Conseil des ministres").
- In Polish, a capitalised noun before an organisation's word in an oblique case is no part of
  its name ("Prezes Grupy Eurocash", "Zadania Instytutu Pamięci Narodowej"); an adjective in
  the same case is ("Polskiego Stowarzyszenia Public Relations").
- "General" after an organisation's word and before "de" is its adjective ("Dirección General
  de Registro", "Fiscalía General de la Nación"), not a general's title.
- An organisation's name goes on to its subject over a German preposition and lower-case
  adjectives ("Bundeszentrale für politische Bildung") or over a comma to a list of subjects
  ("Bundesministerium für Bildung, Wissenschaft und Forschung", "Ministerio de Ciencia,
  Tecnología e Innovación"), never over a known name, a place or a given name.
- "Land", "Freistaat", "Kanton" before a place, after an article that is no place's ("das Land
  Niedersachsen", not "im Land Brandenburg" nor "des Kantons Genf"), name a state as a body.
- An upper-case name in brackets right after a known organisation is its acronym ("Europäische
  Zentralbank (EZB)"): its mentions are the known actor's.
- An English ordinal before an organisation's name is part of it ("4th District Court of
  Appeal"), not before a title ("4th Police Chief").
- A capitalised small word after "del"/"de" ends an organisation's name as its region
  ("Federación de Camioneros del Sur"), and a long German adjective before an organisation's
  word is no noun naming its kind ("des Schweizerischen Forstvereins") (``names_reader.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import TYPE_CHECKING, Final

from processors.tagging.build import mentions_of
from processors.tagging.scan import FIELDS
from processors.tagging.words import (
    COORDINATORS,
    ORG_CUES,
    ORG_ENDINGS,
    Token,
    is_title,
    word_before,
    word_set,
)

if TYPE_CHECKING:
    from processors.tagging.names import Name
    from schemas.models import Tag, TextField


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


# A national adjective after the word ("la Société suisse", "la Policía española").
_NATIONAL_ENDINGS: Final = ("isse", "ande", "ois", "oise", "ol", "ola", "és", "esa", "ês", "ese")
# A name that goes on in lower case after "de" or "des" ("le Conseil des ministres", "la Cour de
# cassation", "la Cámara de comercio"): the word alone is not its name. Not over an article ("al
# Congreso de la mano del gobierno"), nor "del"/"du" (as often "of the country" after it).
_LOWER_OF: Final = re.compile(r" (?:de|des) ([a-zà-ÿ]\w*)")


def institution(text: str, tok: Token, language: str) -> bool:
    """Whether one capitalised organisation word after an article names an institution ("la Fiscalía")."""
    if language not in _ARTICLE_LANGUAGES or tok.upper or tok.fold not in ORG_CUES:
        return False
    if word_before(text, tok.start) not in _ARTICLES:
        return False
    after = text[tok.end : tok.end + 16].split(None, 1)
    nxt = after[0].rstrip(".,;:!?»”\"'’)") if after and text[tok.end : tok.end + 1] == " " else ""
    if nxt.isalpha() and nxt.islower() and nxt.endswith(_ADJECTIVE_ENDINGS + _NATIONAL_ENDINGS):
        return False
    m = _LOWER_OF.match(text, tok.end)
    return m is None or m.group(1) in _ARTICLES


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


# A German organisation's name goes on over a preposition and lower-case adjectives to its
# subject ("Bundeszentrale für politische Bildung", "Verband der chemischen Industrie"): the
# adjectives' stems are those only adjectives have (not a verb's "meldete", an article's "die").
_DE_ADJECTIVES: Final = re.compile(
    r"^ (?:für|der|des|zur|zum|gegen)((?: [a-zäöüß]+(?:e|en|er|es|em)){1,2}) $"
)
_ADJECTIVE_STEMS: Final = ("isch", "lich", "ig", "al", "ell", "iv", "är", "ar", "bar", "sam", "haft")
# The prepositions before an organisation's subject, where a list of subjects begins ("für
# Bildung, Wissenschaft und Forschung", "of Health, Education and Welfare").
_SUBJECT_OF: Final = word_set("für of for de del des du di do da para pour")
# The longest list's rest after its comma ("Wissenschaft und Forschung").
_LIST_MAX: Final = 3


# After "der"/"des" only a body of members goes on ("Verband der chemischen Industrie"): "Zentrum
# des isländischen Tourismus", "Gruppe der sarsähnlichen Viren" are a noun's genitive.
_MEMBER_BODIES: Final = ("verband", "verein", "bund", "vereinigung", "gesellschaft", "kammer", "gewerkschaft")


def _de_adjectives(gap: str, head: Token) -> bool:
    """Whether a gap is a preposition and lower-case adjectives (" für politische ")."""
    m = _DE_ADJECTIVES.match(gap)
    if m is None:
        return False
    if gap.startswith((" der ", " des ")) and not head.fold.endswith(_MEMBER_BODIES):
        return False
    return all(w.rstrip("nrsm").rstrip("e").endswith(_ADJECTIVE_STEMS) for w in m.group(1).split())


def _subject_list(text: str, run: list[Token], nxt: list[Token], gap: str) -> bool:
    """Whether ``nxt`` ends the list ``run`` begins ("für Bildung" + "Wissenschaft und Forschung")."""
    if gap != ", " or len(run) < 2 or not 2 <= len(nxt) <= _LIST_MAX:
        return False
    before = text[run[-2].end : run[-1].start].split()
    if not before or before[-1].casefold() not in _SUBJECT_OF:
        return False
    last = text[nxt[-2].end : nxt[-1].start].split()
    return len(last) == 1 and last[0].casefold() in COORDINATORS and not any(t.cue or t.upper for t in nxt)


def joins(text: str, run: list[Token], nxt: list[Token], language: str) -> bool:
    """Whether an organisation's name ``run`` goes on to its subject ``nxt`` over the gap between them.

    "Bundeszentrale für politische Bildung" (German adjectives), "Bundesministerium für Bildung,
    Wissenschaft und Forschung", "Department of Health, Education and Welfare" (a list). The
    caller checks that ``run`` has an organisation's word and that no known name, place or given
    name is in ``nxt`` (``names_reader.Reader._joined``).
    """
    gap = text[run[-1].end : nxt[0].start]
    return (language == "de" and _de_adjectives(gap, run[-1])) or _subject_list(text, run, nxt, gap)


# A German state or canton named as a body that acts, after an article ("das Land
# Niedersachsen", "dem Freistaat Bayern"): not where something is ("im Land Brandenburg"), nor
# in the genitive, as often a place's ("in den Wäldern des Kantons Genf").
_STATE_HEADS: Final = word_set("land freistaat kanton")
_STATE_ARTICLES: Final = word_set("das dem vom beim")
_MASCULINE_STATES: Final = word_set("freistaat kanton")  # "der Freistaat Bayern"


def state_heads(text: str, run: list[Token], place: Callable[[Token], bool]) -> None:
    """Mark as an organisation's word a German state's head before its place ("das Land Hessen")."""
    for tok, nxt in pairwise(run):
        if (
            tok.fold in _STATE_HEADS
            and text[tok.end : nxt.start] == " "
            and (
                (before := word_before(text, tok.start)) in _STATE_ARTICLES
                or (before in {"der", "den"} and tok.fold in _MASCULINE_STATES)
            )
            and place(nxt)
        ):
            tok.cue = True


# What opens an acronym's definition after a name: "Norddeutscher Rundfunk (NDR)".
_DEFINED: Final = (" (", "(")


def defined_acronyms(
    actors: tuple[Tag, ...], found: list[Name], texts: dict[TextField, str]
) -> tuple[tuple[Tag, ...], list[Name]]:
    """The known organisations with the acronyms the story defines for them, and the other names.

    An upper-case name right after a known organisation's (or state's) mention, in brackets ("Norddeutscher
    Rundfunk (NDR)", "Europäische Zentralbank (EZB)"), is that organisation's: its mentions go to
    the known actor's tag instead of an unknown organisation's.
    """
    acronyms = [n for n in found if n.kind == "organization" and n.base.isupper() and " " not in n.base]
    if not acronyms:
        return actors, found
    order = {f: i for i, f in enumerate(FIELDS)}
    ends = {
        (order[m.field], m.end): i for i, t in enumerate(actors) if t.type != "person" for m in t.mentions
    }
    moved: dict[int, list[Name]] = {}
    for name in acronyms:
        for rank, start, end in name.spans:
            text = texts[FIELDS[rank]]
            if not text.startswith(")", end):
                continue
            opened = [o for o in _DEFINED if text.endswith(o, 0, start)]
            at = ends.get((rank, start - len(opened[0]))) if opened else None
            if at is not None:
                moved.setdefault(at, []).append(name)
                break
    if not moved:
        return actors, found
    out = list(actors)
    for i, names in moved.items():
        spans = dict.fromkeys((order[m.field], m.start, m.end) for m in out[i].mentions)
        for name in names:
            spans.update(name.spans)
        aliases = (*out[i].aliases, *(n.base for n in names if n.base not in out[i].aliases))
        out[i] = out[i].model_copy(update={"mentions": mentions_of(spans, texts), "aliases": aliases})
    gone = {id(n) for names in moved.values() for n in names}
    return tuple(out), [n for n in found if id(n) not in gone]


# An English ordinal before an organisation's name is its own ("4th District Court of Appeal",
# "82nd Airborne Division"): the courts and units of one kind are told apart by their number.
_ORDINAL: Final = re.compile(r"(?:^|(?<=[\s(“\"']))(\d{1,3}(?:st|nd|rd|th)) $")
_ORDINAL_WINDOW: Final = 6


def with_ordinal(text: str, run: list[Token]) -> list[Token]:
    """The run with the ordinal before it, if any ("4th" District Court of Appeal)."""
    start = run[0].start
    if start < 4 or text[start - 1] != " " or text[start - 2] not in "hdt":  # "4th ", "2nd ", "1st "
        return run
    if len(run) < 2 or any(is_title(t) for t in run):  # "the 4th Police Chief": a holder's rank
        return run
    m = _ORDINAL.search(text, max(0, start - _ORDINAL_WINDOW), start)
    if m is None:
        return run
    return [Token(m.start(1), m.end(1), m.group(1)), *run]
