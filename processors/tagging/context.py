"""Step 2 of tagging: the words around a match, and what they say about it.

Whether a place name is part of a person's name ("Michael Jordan", "Mr Paris", "said
Georgia."), whether a capital or country acts ("Moscow has not responded", "a letter to
Moscow", "dialogue with the United States"), and whether a demonym gives a person's
nationality ("the former Norwegian prime minister", "le président russe").
"""

from __future__ import annotations

from typing import Final

from processors.kb import Relation
from processors.tagging.scan import Match, Word
from processors.tagging.words import (
    ACTS_AFTER,
    ARTICLES,
    BORDER_NOUNS,
    CYRILLIC,
    EXCHANGE_NOUNS,
    EXCHANGE_PREPS,
    NEUTRAL_BEFORE,
    PARTY_PREPS,
    PERSON_ROLES,
    PERSON_TITLES,
    REPORTING,
    ROLE_MODIFIERS,
    SELF_WORDS,
)
from processors.text import NormalizedText

_WINDOW: Final = 48  # words are short: look this far back for one
# Prepositions of place, in our nine languages: a name after one is a place in that story.
LOCATIVE_BEFORE: Final = frozenset(
    """
    in near inside outside throughout im bei nahe dans près nel nella presso em w we в во біля около
    """.split()  # noqa: SIM905 - a word list kept by hand
)


# The context words are found by walking characters, not by regexes: compiled, a walk over a
# few characters costs less than one regex call (there are several per place name). A word
# character is what ``\w`` matches (``isalnum()`` or "_"); the tests check both against the
# regexes ``[\w'.-]*`` (before) and ``[ \t]*([\w'-]*)`` (after).
def word_before(norm: NormalizedText, pos: int) -> Word:
    """The word ending before ``pos`` (normalized, spaces and tabs skipped) and its start.

    A word here is a run of word characters, apostrophes, dots and hyphens ("u.s.", "o'neill")
    within the ``_WINDOW`` characters before ``pos``.
    """
    text = norm.text
    lo = pos - _WINDOW if pos > _WINDOW else 0
    end = pos
    while end > lo and text[end - 1] in " \t":
        end -= 1
    start = end
    while start > lo:
        ch = text[start - 1]
        if ch.isalnum() or ch in "_'.-":
            start -= 1
        else:
            break
    return text[start:end], start


def word_after(norm: NormalizedText, pos: int) -> tuple[str, int]:
    """The word starting after ``pos`` (normalized, spaces and tabs skipped) and its start.

    A word here is a run of word characters, apostrophes and hyphens (no dots: "Moscow." is
    followed by no word).
    """
    text = norm.text
    n = len(text)
    start = pos
    while start < n and text[start] in " \t":
        start += 1
    end = start
    while end < n:
        ch = text[end]
        if ch.isalnum() or ch in "_'-":
            end += 1
        else:
            break
    return text[start:end], start


def orig_char(norm: NormalizedText, npos: int) -> str:
    """The original character at normalized position ``npos``."""
    o, _ = norm.span(npos, npos + 1)
    return norm.original[o : o + 1]


def _sentence_start(norm: NormalizedText, npos: int) -> bool:
    """True when only spaces, quotes or sentence punctuation come before ``npos``."""
    i = npos
    while i > 0 and norm.text[i - 1] in " \t\"'«»“”":
        i -= 1
    return i == 0 or norm.text[i - 1] in ".!?\n:;—-("


def _names_no_person(norm: NormalizedText, word: str, pos: int) -> bool:
    """A capitalised word before a place name that is no first name.

    A possessive ("Pallister's Costa Rica", "Toronto's Ontario"), a German institution
    ("Kantonspolizei Bern") or an acronym ("CBC Toronto", "BBC Scotland"): an owner or an
    organisation, the place name after it still a place.
    """
    if word.endswith(("'s", "'", "’s", "’", "-")):
        return True  # a possessive, or the first part of a compound ("IBA-Thüringen")
    if word.endswith(INSTITUTION_ENDINGS):
        return True  # "Kantonspolizei Bern", "Stadtverwaltung Dessau"
    start, end = norm.span(pos, pos + len(word))
    original = norm.original[start:end]
    return len(original) >= 2 and original.isupper() and original.isalpha()


# Nouns of administrative units and institutions, capitalised in German: "Kanton Bern",
# "Landkreis Harburg", "Universität Hamburg" name the place after them, not a person.
PLACE_NOUNS_BEFORE: Final = frozenset(
    """
    kanton stadt gemeinde landkreis kreis bezirk region provinz bundesland freistaat hansestadt
    landeshauptstadt hauptstadt universität uni ortsteil stadtteil county province
    """.split()  # noqa: SIM905 - a word list kept by hand
)
# German compounds that name an institution of the place after them.
INSTITUTION_ENDINGS: Final = ("polizei", "verwaltung", "gericht", "regierung", "rat", "amt", "werke")
WEAK: Final = 1  # a capitalised word before the name: this mention is no place
STRONG: Final = 2  # a title, a given name we know, a person speaking: no mention of it is


def person_cue(
    norm: NormalizedText, m: Match, before: Word, after: Word, given: frozenset[str] | None = None
) -> int:
    """How surely the place name at ``m`` is part of a person's name, or a person speaking.

    0: not at all; ``WEAK``: a capitalised word right before it ("Real Madrid", "Cassandra
    Rivera"), so this mention is no place; ``STRONG``: a person's title, a given name of
    ``given`` (casefolded) or a person speaking ("said Georgia."), so the name is a person's
    in the whole story.
    """
    word, pos = before
    if word in PERSON_TITLES or (word.endswith(".") and word.rstrip(".") in PERSON_TITLES):
        return STRONG
    # "Michael Jordan": a capitalised word right before, not a function word, not sentence-initial.
    # (The same tests as ever, the cheap and decisive ones first.)
    if (
        word
        and word not in NEUTRAL_BEFORE
        and orig_char(norm, pos).isupper()
        and (gap := norm.text[pos + len(word) : m.n_start]).strip() == ""
        and "\n" not in gap
        and not word.endswith(".")
        # Russian and Ukrainian put a place in the genitive after a noun ("Губернатор Курска"):
        # a capitalised word there is a sentence start far more often than a first name.
        and not CYRILLIC.search(word)
        and word not in PLACE_NOUNS_BEFORE
        and not _names_no_person(norm, word, pos)
    ):
        return STRONG if given is not None and word in given else WEAK
    # '"...," said Georgia.' / 'Georgia herself': people, not places.
    if after[0] in SELF_WORDS:
        return STRONG
    if word in REPORTING and norm.text[m.n_end : m.n_end + 1] in {".", ",", ""}:
        return STRONG
    if m.reading.has_country:
        return 0
    # "Clinton said": a small city that speaks is a person.
    return STRONG if after[0] in REPORTING and m.reading.small_cities else 0


def looks_like_person(norm: NormalizedText, m: Match, before: Word, after: Word) -> bool:
    """True when the place name at ``m`` is part of a person's name, or a person speaking."""
    return person_cue(norm, m, before, after) > 0


def acts(norm: NormalizedText, m: Match) -> bool:
    """True when the name at ``m`` is the subject of a verb or a party to an exchange."""
    text = norm.text
    after, apos = m.after if m.after is not None else word_after(norm, m.n_end)
    if after.endswith(("'s", "'")) or text[m.n_end : m.n_end + 2] == "'s":
        return False  # "Moscow's Red Square": possessive, ambiguous; leave it a place
    if after in ACTS_AFTER and text[m.n_end : apos].strip() == "":
        return True
    prev, ppos = m.before if m.before is not None else word_before(norm, m.n_start)
    if prev in ARTICLES:
        prev, ppos = word_before(norm, ppos)
    if prev not in EXCHANGE_PREPS and prev not in PARTY_PREPS:
        return False  # the word before that does not matter then
    prev2, _ = word_before(norm, ppos)
    if prev in EXCHANGE_PREPS and prev2 in EXCHANGE_NOUNS:
        return True
    return (
        prev in PARTY_PREPS
        and prev2 not in BORDER_NOUNS
        and m.senses[0].relation is Relation.NAME
        and _is_country_sense(m)
    )


def _is_country_sense(m: Match) -> bool:
    return len(m.senses[0].entity) == 2  # ISO alpha-2 ids are countries


def in_compound_name(norm: NormalizedText, m: Match) -> bool:
    """True when a capitalised word right before the demonym at ``m`` makes one name of them.

    "Anglo American" (a company), "Pan American Health Organization", "Latin American": not
    the United States. Only a capitalised demonym (in Romance languages and German the
    adjective is lower-case and follows or precedes a capitalised noun: "Tropas russas");
    sentence starts, function words, possessives and acronyms do not count.
    """
    if not orig_char(norm, m.n_start).isupper():
        return False
    word, pos = word_before(norm, m.n_start)
    return bool(
        word
        and not _sentence_start(norm, pos)
        and word not in NEUTRAL_BEFORE
        and word not in PERSON_TITLES
        and orig_char(norm, pos).isupper()
        and (gap := norm.text[pos + len(word) : m.n_start]).strip() == ""
        and "\n" not in gap
        and not word.endswith(".")
        and not CYRILLIC.search(word)
        and not _names_no_person(norm, word, pos)
    )


def nationality(norm: NormalizedText, m: Match) -> bool:
    """True when the demonym at ``m`` gives a person's nationality."""
    pos = m.n_end
    for _ in range(3):
        word, start = word_after(norm, pos)
        if not word:
            break
        if word in PERSON_ROLES:
            return True
        if word not in ROLE_MODIFIERS:
            break
        pos = start + len(word)
    # Romance word order: "el primer ministro noruego", "le président russe".
    word, start = word_before(norm, m.n_start)
    if word in PERSON_ROLES:
        return True
    return bool(word) and word_before(norm, start)[0] in PERSON_ROLES
