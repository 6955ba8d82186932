r"""Normalization shared by queries and stories, so that both sides compare the same way.

Two normalizations:

* :func:`norm_value` for tag names, ids, aliases, sources and languages: NFKC, casefold,
  and every dash, space and underscore run becomes one space, so
  ``"Russia–Ukraine border"``, ``"russia-ukraine_border"`` and ``"RUSSIA UKRAINE BORDER"``
  are equal.
* :func:`tokens` for free text: the ``\w+`` runs of the raw text, each NFKC-normalized and
  casefolded. Queries tokenize their phrases with the same function, which keeps the two
  sides consistent even where NFKC changes a token's length.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

# Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar,
# minus sign, small and fullwidth hyphen-minus, plus spaces and underscores.
_SEPARATORS: Final = re.compile(r"[\s_\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]+")
_WORD: Final = re.compile(r"\w+")
_WORD_OR_WILDCARD: Final = re.compile(r"[\w*?]+")
WILDCARD_CHARS: Final = frozenset("*?")
# On ASCII, ``\w`` is ``[A-Za-z0-9_]``: every other byte made a space, ``str.split()`` then
# gives the ``\w+`` runs, about 5x faster than the regex on a story-sized text.
_ASCII_NON_WORD_TO_SPACE: Final = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_") else 0x20 for c in range(256)
)


def fold(text: str) -> str:
    """NFKC then casefold (then NFKC again: casefolding can denormalize a few letters)."""
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded if folded.isascii() else unicodedata.normalize("NFKC", folded)


def norm_value(text: str) -> str:
    """Normalize a tag id/name/alias, a source or a language for comparison."""
    return _SEPARATORS.sub(" ", fold(text)).strip()


def tokens(text: str) -> list[str]:
    """Normalized word tokens of ``text``."""
    if text.isascii():
        # Fast path, same result: ASCII lowercasing keeps \w boundaries and NFKC is a no-op.
        return text.lower().encode("ascii").translate(_ASCII_NON_WORD_TO_SPACE).decode("ascii").split()
    # The runs found in C, each folded once per process: words recur from story to story, and
    # map() over the cache's __getitem__ runs in C for every word seen before.
    return list(map(_FOLDED.__getitem__, _WORD.findall(text)))


class _FoldCache(dict[str, str]):
    """Word → :func:`fold` of it, filled on first use; cleared when full (bounded memory)."""

    def __missing__(self, word: str) -> str:
        if len(self) >= _FOLD_CACHE_SIZE:
            self.clear()
        folded = self[word] = fold(word)
        return folded


_FOLD_CACHE_SIZE: Final = 200_000
_FOLDED: Final = _FoldCache()


def pattern_tokens(text: str) -> list[str]:
    """Normalized tokens of a query word that may hold ``*``/``?`` wildcards."""
    return [fold(m.group()) for m in _WORD_OR_WILDCARD.finditer(text)]


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Normalized word tokens of ``text`` with their ``(start, end)`` in the raw text."""
    return [(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def word_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each token of :func:`tokens` in the raw text."""
    return [m.span() for m in _WORD.finditer(text)]


def iter_word_spans(text: str) -> Iterator[tuple[int, int]]:
    """:func:`word_spans`, found as they are asked for."""
    return (m.span() for m in _WORD.finditer(text))


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """Compile an already normalized ``*``/``?`` pattern into a regex for whole strings."""
    parts: list[str] = []
    for piece in re.split(r"([*?])", pattern):
        if piece == "*":
            parts.append(".*")
        elif piece == "?":
            parts.append(".")
        elif piece:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.DOTALL)


def literal_prefix(pattern: str) -> str:
    """The literal text before the first wildcard of ``pattern``."""
    cut = min((i for i, ch in enumerate(pattern) if ch in WILDCARD_CHARS), default=len(pattern))
    return pattern[:cut]
