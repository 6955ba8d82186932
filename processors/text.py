"""Text normalization with an offset map back to the original text.

Matching runs on a normalized copy (NFKC, casefold, one kind of dash and of
apostrophe, ё→е) so that "Russia’s" and "RUSSIA'S" meet the same key; every
mention must still index the *original* field, so we keep, for each normalized
character, the index of the original character it came from.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_APOSTROPHES = "\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032"
# One translate() call does all the 1:1 substitutions; it never changes the length.
_TABLE = str.maketrans(
    {**dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_APOSTROPHES, "'"), "ё": "е", "\u00a0": " "}
)


def normalize_key(text: str) -> str:
    """Normalize a dictionary key the same way as text (no offsets needed)."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_TABLE)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalized copy of ``original`` and the map from its indices back.

    ``offsets`` is None when normalization kept every character in place (the
    common case, and the fast one); else ``offsets[i]`` is the original index of
    normalized character ``i``, with one extra entry for the end.
    """

    original: str
    text: str
    offsets: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized half-open span back to the original text."""
        if self.offsets is None:
            return start, end
        o_start = self.offsets[start]
        # The end maps to just after the original character of the last normalized one.
        o_end = self.offsets[end - 1] + 1 if end > start else o_start
        return o_start, o_end


def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` for matching and keep the way back to it."""
    fast = unicodedata.normalize("NFKC", text).casefold()
    if len(fast) == len(text):
        # Length-preserving: in practice every character mapped to exactly one.
        return NormalizedText(text, fast.translate(_TABLE), None)
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).casefold()
        if not n and offsets:
            continue  # a character that vanished (e.g. a joiner) maps to nothing
        parts.append(n)
        offsets.extend([i] * len(n))
    offsets.append(len(text))
    return NormalizedText(text, "".join(parts).translate(_TABLE), tuple(offsets))


def is_word_char(ch: str) -> bool:
    """True for letters and digits of any script (the inside of a word)."""
    return ch.isalnum()
