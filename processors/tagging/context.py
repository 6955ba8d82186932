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


def _orig_char(norm: NormalizedText, npos: int) -> str:
    o, _ = norm.span(npos, npos + 1)
    return norm.original[o : o + 1]


def _sentence_start(norm: NormalizedText, npos: int) -> bool:
    """True when only spaces, quotes or sentence punctuation come before ``npos``."""
    i = npos
    while i > 0 and norm.text[i - 1] in " \t\"'«»“”":
        i -= 1
    return i == 0 or norm.text[i - 1] in ".!?\n:;—-("


def looks_like_person(norm: NormalizedText, m: Match, before: Word, after: Word) -> bool:
    """True when the place name at ``m`` is part of a person's name, or a person speaking."""
    word, pos = before
    if word in PERSON_TITLES or (word.endswith(".") and word.rstrip(".") in PERSON_TITLES):
        return True
    # "Michael Jordan": a capitalised word right before, not a function word, not sentence-initial.
    # (The same tests as ever, the cheap and decisive ones first.)
    if (
        word
        and word not in NEUTRAL_BEFORE
        and _orig_char(norm, pos).isupper()
        and (gap := norm.text[pos + len(word) : m.n_start]).strip() == ""
        and "\n" not in gap
        and not word.endswith(".")
        # Russian and Ukrainian put a place in the genitive after a noun ("Губернатор Курска"):
        # a capitalised word there is a sentence start far more often than a first name.
        and not CYRILLIC.search(word)
    ):
        return True
    # '"...," said Georgia.' / 'Georgia herself': people, not places.
    if after[0] in SELF_WORDS:
        return True
    if word in REPORTING and norm.text[m.n_end : m.n_end + 1] in {".", ",", ""}:
        return True
    if m.reading.has_country:
        return False
    # "Clinton said": a small city that speaks is a person.
    return after[0] in REPORTING and m.reading.small_cities


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
