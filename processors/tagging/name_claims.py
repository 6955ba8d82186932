"""Step 6 of tagging: where an unknown name takes words from a known actor's tag (issue 12).

The scanner tags every alias it knows, whatever comes around it. Cases where the words
around say the known actor is not what the text names:

- a known given name right before a company's one-word alias that is shaped like a surname:
  "Adrian Cummins" is a person, not the company Cummins; "Nancy Kellogg" not Kellogg;
- a known actor at the head of a longer organisation's name: "Airbus Helicopters Technik
  GmbH" is one company (``names_reader._one_company``), not also Airbus;
- a known person's name inside an airport's, a street's, a building's or a prize's name
  ("Montreal-Pierre Elliott Trudeau International Airport"): no mention of the person (tune
  split 2026-12-08: P 0.863 -> 0.864, one wrong person less, nothing else changed);
- a known person named only by a title and a surname the knowledge base does not give them
  ("Governor Bush": George W. Bush) in a story that names a namesake in full ("Jeb Bush"): the
  namesake's (``namesakes_named``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from processors.kb import Entity
from processors.tagging.build import mentions_of
from processors.tagging.scan import FIELD_ORDER, FIELDS, Span
from processors.tagging.words import NAME_TITLES
from schemas.models import Mention, Tag, TextField

# Known actors that are organisations (not offices, states or parties): a one-word alias of
# one can be a family name ("Cummins", "Kellogg"); what follows one is its name's rest.
ORG_TYPES = frozenset({"club", "company", "media", "organization"})


def actor_spans(actors: Iterable[Tag]) -> tuple[set[Span], set[Span]]:
    """The spans of the known actors' mentions, and those of the actors of ``ORG_TYPES``.

    One pass over the mentions: reading a tag's fields costs more than the sets.
    """
    spans: set[Span] = set()
    orgs: set[Span] = set()
    for tag in actors:
        found = [(FIELD_ORDER[m.field], m.start, m.end) for m in tag.mentions]
        spans.update(found)
        if tag.type in ORG_TYPES:
            orgs.update(found)
    return spans, orgs


# Articles a given name does not follow (a noun does: "eine Art Netflix").
_DETERMINERS = frozenset(
    {
        *("the", "a", "an", "ein", "eine", "einer", "einem", "einen", "eines"),
        *("der", "die", "das", "den", "dem", "des", "la", "le", "les", "l'", "el", "los", "las"),
        *("un", "une", "una", "uno", "il", "lo", "gli", "o", "os", "as"),
    }
)


def _surname_shaped(word: str) -> bool:
    """A capital, then lower-case letters only ("Cummins"; not "IBM", "eBay", "Coca-Cola")."""
    return len(word) >= 3 and word[0].isupper() and word[1:].isalpha() and word[1:].islower()


def _word_in(texts: Iterable[str], word: str) -> bool:
    """Whether some text has ``word`` as a whole word (case as given)."""
    for text in texts:
        i = text.find(word)
        while i >= 0:
            end = i + len(word)
            if (i == 0 or not text[i - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
                return True
            i = text.find(word, i + 1)
    return False


def _given_before(text: str, start: int, given: frozenset[str], texts: Iterable[str]) -> bool:
    """Whether a known given name, a space, comes right before ``start`` ("Adrian " Cummins).

    Not a word the story writes in lower case too ("Will", "Grant" as verbs, "Rose").
    """
    if start < 2 or text[start - 1] != " ":
        return False
    i = start - 1
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    word = text[i : start - 1]
    if not _surname_shaped(word) or word.casefold() not in given:
        return False
    if i > 0 and (text[i - 1].isalnum() or text[i - 1] in "-'’"):
        return False  # part of a longer word
    before = text[max(0, i - 12) : i].split()
    if before and before[-1].casefold().lstrip("\"'„“”«»‘’(") in _DETERMINERS:
        return False  # a noun after an article: "eine Art Netflix", "the Fed Kellogg"
    return not _word_in(texts, word.lower())


def persons_over_companies(
    actors: tuple[Tag, ...], texts: dict[TextField, str], given: frozenset[str]
) -> tuple[Tag, ...]:
    """The tags without the mentions of a company that are a person's surname.

    A company's one-word alias right after a known given name ("Adrian Cummins") is that
    person's surname: every mention of the company written that way is the person's (the reader
    then finds "Adrian Cummins" and links the lone "Cummins" to it); a tag left without
    mentions goes.
    """
    out: list[Tag] = []
    changed = False
    for tag in actors:
        if tag.type not in ORG_TYPES:
            out.append(tag)
            continue
        names = {
            m.text
            for m in tag.mentions
            if _surname_shaped(m.text) and _given_before(texts[m.field], m.start, given, texts.values())
        }
        if not names:
            out.append(tag)
            continue
        changed = True
        kept = tuple(m for m in tag.mentions if m.text not in names)
        if kept:
            out.append(tag.model_copy(update={"mentions": kept}))
    return tuple(out) if changed else actors


def without_inner(actors: tuple[Tag, ...], spans: Iterable[Span]) -> tuple[Tag, ...]:
    """The tags without the mentions inside ``spans`` (longer names); a tag left without any goes."""
    order = {f: i for i, f in enumerate(FIELDS)}
    by_rank: dict[int, list[tuple[int, int]]] = {}
    for rank, start, end in spans:
        by_rank.setdefault(rank, []).append((start, end))
    if not by_rank:
        return actors

    def inner(m: Mention) -> bool:
        found = by_rank.get(order[m.field], ())
        return any(s <= m.start and m.end <= e and e - s > m.end - m.start for s, e in found)

    out: list[Tag] = []
    for tag in actors:
        kept = tuple(m for m in tag.mentions if not inner(m))
        if len(kept) == len(tag.mentions):
            out.append(tag)
        elif kept:
            out.append(tag.model_copy(update={"mentions": kept}))
    return tuple(out)


# The last words of a place, a building or a prize named after a person ("Pierre Elliott Trudeau
# International Airport", "Martin Luther King Jr. Boulevard", "Ronald Reagan Building"): the
# person's name inside is no mention of the person (guidelines: names inside a street, building
# or prize name).
_NAMED_AFTER = frozenset(
    {
        *("airport", "airfield", "boulevard", "blvd", "avenue", "street", "road", "drive", "highway"),
        *("expressway", "parkway", "bridge", "tunnel", "stadium", "arena", "center", "centre"),
        *("building", "tower", "memorial", "monument", "square", "plaza", "library", "museum"),
        *("prize", "award", "trophy", "cup", "medal", "fellowship", "scholarship"),
    }
)
# Words between the name and that last word ("International Airport", "Jr. Boulevard"); not any
# capitalised word, or a Title Case headline ("Trump Visits Stadium") would lose its names.
_LEAD = re.compile(
    r"(?: (?:International|Intercontinental|Regional|National|Municipal|Memorial|Presidential|Jr\.|Sr\.))"
    r"{0,3}"
    r" ([A-Z][a-z]+)\b"
)


def _named_after(text: str, end: int) -> bool:
    """Whether capitalised words after ``end`` finish a place's or a prize's name ("... Airport")."""
    m = _LEAD.match(text, end)
    return m is not None and m.group(1).casefold() in _NAMED_AFTER


def persons_in_names(actors: tuple[Tag, ...], texts: dict[TextField, str]) -> tuple[Tag, ...]:
    """The known persons' tags without their mentions inside a place's or a prize's name.

    "Montreal-Pierre Elliott Trudeau International Airport" names an airport, not Pierre Elliott
    Trudeau; a tag left without mentions goes.
    """
    out: list[Tag] = []
    changed = False
    for tag in actors:
        if tag.type != "person":
            out.append(tag)
            continue
        kept = tuple(m for m in tag.mentions if not _named_after(texts[m.field], m.end))
        if len(kept) < len(tag.mentions):
            changed = True
            if not kept:
                continue
            tag = tag.model_copy(update={"mentions": kept})  # noqa: PLW2901
        out.append(tag)
    return tuple(out) if changed else actors


class _Person(Protocol):
    kind: str
    known: str
    base: str
    forms: dict[str, None]
    spans: dict[Span, None]


# Abbreviated titles, as the roles spell them ("Gov. Bush": a governor).
_TITLE_WORDS = {
    "gov": "governor",
    "sen": "senator",
    "rep": "representative",
    "gen": "general",
    "pres": "president",
}


def _title_of(text: str) -> str:
    """The title of a "<Title> <Surname>" mention ("governor" of "Governor Bush"), else ""."""
    words = text.split()
    if len(words) != 2:
        return ""
    title = words[0].casefold().rstrip(".")
    if title not in NAME_TITLES and f"{title}." not in NAME_TITLES:
        return ""
    return _TITLE_WORDS.get(title, title)


def namesakes_named(
    actors: tuple[Tag, ...], found: Iterable[_Person], entities: Mapping[str, Entity]
) -> tuple[Tag, ...]:
    """The known persons named only as "<Title> <Surname>" given to the namesake named in full.

    The knowledge base's "Governor Bush" is George W. Bush; in a story that names Jeb Bush and
    never George W., "Governor Bush" is Jeb Bush. Only when the known person held no role of
    that title (a president named "President Obama" stays his, whoever else is an Obama): the
    mentions join the one person of the story named in full with that surname, and the known
    person's tag goes.
    """
    fulls: dict[str, list[_Person]] = {}
    linked = set()
    for n in found:
        if n.known:
            linked.add(n.known)
        elif n.kind == "person" and " " in n.base:
            fulls.setdefault(n.base.split()[-1].casefold(), []).append(n)
    if not fulls:
        return actors
    out: list[Tag] = []
    for tag in actors:
        ent = entities.get(tag.id)
        titles = {_title_of(m.text) for m in tag.mentions}
        lasts = {m.text.split()[-1].casefold() for m in tag.mentions}
        own = fulls.get(next(iter(lasts)), []) if len(lasts) == 1 else []
        if tag.type != "person" or ent is None or tag.id in linked or "" in titles or len(own) != 1:
            out.append(tag)
            continue
        roles = " ".join(r.role for r in ent.roles).casefold()
        if any(t in roles for t in titles):
            out.append(tag)
            continue
        for m in tag.mentions:
            own[0].spans[FIELD_ORDER[m.field], m.start, m.end] = None
            own[0].forms[m.text] = None
    return tuple(out)


def with_surname(tag: Tag, surname: _Person | None, texts: dict[TextField, str]) -> Tag:
    """A known person's tag with the mentions of its lone surname added (story order)."""
    if surname is None:
        return tag
    spans = dict.fromkeys((FIELD_ORDER[m.field], m.start, m.end) for m in tag.mentions)
    spans.update(surname.spans)
    return tag.model_copy(update={"mentions": mentions_of(spans, texts)})
