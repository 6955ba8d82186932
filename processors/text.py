"""Text normalization with an offset map back to the original text.

Matching runs on a normalized copy (NFKC, casefold, one kind of dash and of
apostrophe, ё→е) so that "Russia’s" and "RUSSIA'S" meet the same key; every
mention must still index the *original* field, so we keep, for each normalized
character, the index of the original character it came from.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Module constants are Final: compiled, they are C statics, not a module-dict lookup per use.
_DASHES: Final = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_APOSTROPHES: Final = "\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032"
_SUBST: Final = {**dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_APOSTROPHES, "'"), "ё": "е", "\u00a0": " "}
# 1:1 substitutions, never changing the length. A regex finds the few characters to
# replace much faster than str.translate() walks a whole story through a dict.
_SUBST_RE: Final = re.compile("[" + "".join(_SUBST) + "]")
_SUBST_CHARS: Final = tuple(_SUBST)
# A non-ASCII character and what follows it up to the next ASCII letter or digit, in the text
# encoded as ASCII with each non-ASCII character replaced by "?" (and each "?" by a NUL first).
_MARKED_RUN: Final = re.compile(rb"\?[^a-zA-Z0-9]*")


def _subst(text: str) -> str:
    # Whether there is anything to replace: a search per character (C-level, and immediate for
    # a character above the text's widest) is several times quicker than the regex's search.
    if any(ch in text for ch in _SUBST_CHARS):
        return _SUBST_RE.sub(lambda m: _SUBST[m.group()], text)
    return text


def _fold(text: str) -> str:
    # ASCII needs neither NFKC nor full case folding: lower() is the same and far cheaper;
    # most other text is already NFKC, which is quicker to check than to redo.
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "\x00" in text:
        return text.casefold()
    # Case folding works character by character, and on ASCII it is lower(): fold only the runs
    # that hold non-ASCII characters (found as in scan_form), and lower the rest as bytes.
    marked = text.replace("?", "\x00").encode("ascii", "replace")
    base = marked.lower().decode("ascii").replace("\x00", "?")
    parts = []
    pos = 0
    for run in _MARKED_RUN.finditer(marked):
        start, end = run.span()
        if start > pos:
            parts.append(base[pos:start])
        parts.append(text[start:end].casefold())
        pos = end
    if pos < len(text):
        parts.append(base[pos:])
    return "".join(parts)


def normalize_key(text: str) -> str:
    """Normalize a dictionary key the same way as text (no offsets needed)."""
    return _subst(_fold(text))


class NormalizedText:
    """A normalized copy of ``original`` and the map from its indices back.

    ``offsets`` is None when normalization kept every character in place (the
    common case, and the fast one); else ``offsets[i]`` is the original index of
    normalized character ``i``, with one extra entry for the end.
    """

    __slots__ = ("offsets", "original", "text")

    def __init__(self, original: str, text: str, offsets: tuple[int, ...] | None) -> None:
        # A plain class, not a dataclass: mypyc compiles its __init__ (a dataclass's stays
        # interpreted), and one is built per field of every story.
        self.original: Final = original
        self.text: Final = text
        self.offsets: Final = offsets

    def __repr__(self) -> str:
        return f"NormalizedText(original={self.original!r}, text={self.text!r}, offsets={self.offsets!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalizedText):
            return NotImplemented
        return (self.original, self.text, self.offsets) == (other.original, other.text, other.offsets)

    def __hash__(self) -> int:
        return hash((self.original, self.text, self.offsets))

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
    fast = _fold(text)
    if len(fast) == len(text):
        # Length-preserving: in practice every character mapped to exactly one.
        return NormalizedText(text, _subst(fast), None)
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).casefold()
        if not n and offsets:
            continue  # a character that vanished (e.g. a joiner) maps to nothing
        parts.append(n)
        offsets.extend([i] * len(n))
    offsets.append(len(text))
    return NormalizedText(text, _subst("".join(parts)), tuple(offsets))


_NON_WORD: Final = re.compile(r"[\W_]")
# ASCII letters and digits stay, every other byte becomes a space: on ASCII, ``\w`` is
# ``[A-Za-z0-9_]``, so this is ``_NON_WORD`` at C speed (a regex substitution pays per match,
# and a story has a non-word character every few letters).
_ASCII_SCAN: Final = bytes(c if chr(c).isalnum() else 0x20 for c in range(128)) + b" " * 128
# A non-ASCII character and what follows it up to the next ASCII letter or digit: the regex
# handles these runs, bytes.translate the ASCII text between them.
_NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f][^a-zA-Z0-9]*")


def scan_form(text: str) -> str:
    """A space, then ``text`` with every non-word character made a space (same length).

    Keys get the same form, so every automaton match starts at a word boundary by
    construction: the automaton never reports the thousands of hits inside words that
    a boundary check would throw away. Index ``i`` of the result is index ``i - 1`` of
    ``text``.
    """
    if text.isascii():
        return " " + text.encode("ascii").translate(_ASCII_SCAN).decode("ascii")
    if "\x00" not in text:
        # Every non-ASCII character becomes one "?" in the bytes (a "?" of the text a NUL first,
        # so "?" marks exactly the non-ASCII ones): the runs are found there, where the search
        # for a literal first character is a fast scan, and the ASCII text between them is
        # translated once.
        marked = text.replace("?", "\x00").encode("ascii", "replace")
        base = marked.translate(_ASCII_SCAN).decode("ascii")
        parts = [" "]
        pos = 0
        for marked_run in _MARKED_RUN.finditer(marked):
            start, end = marked_run.span()
            if start > pos:
                parts.append(base[pos:start])
            parts.append(_NON_WORD.sub(" ", text[start:end]))
            pos = end
        if pos < len(text):
            parts.append(base[pos:])
        return "".join(parts)
    parts = [" "]
    pos = 0
    for run in _NON_ASCII_RUN.finditer(text):
        start, end = run.span()
        if start > pos:
            parts.append(text[pos:start].encode("ascii").translate(_ASCII_SCAN).decode("ascii"))
        parts.append(_NON_WORD.sub(" ", run.group()))
        pos = end
    if pos < len(text):
        parts.append(text[pos:].encode("ascii").translate(_ASCII_SCAN).decode("ascii"))
    return "".join(parts)


def normalize_scan(text: str) -> tuple[NormalizedText, str]:
    """``normalize(text)`` and ``scan_form`` of its text, with one look at the text where it can.

    Folding and the scan form both split the text into its ASCII stretches and the runs that
    hold non-ASCII characters: found once here for both. Where folding changes a length (or
    the text holds a NUL), the two steps run one after the other.
    """
    if text.isascii():
        low = text.lower()  # _fold; ASCII has nothing for _subst to replace
        return NormalizedText(text, low, None), " " + low.encode("ascii").translate(_ASCII_SCAN).decode(
            "ascii"
        )
    nfkc = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    if "\x00" in nfkc or len(nfkc) != len(text):
        norm = normalize(text)
        return norm, scan_form(norm.text)
    # As in _fold: "?" marks the non-ASCII characters in the bytes, the runs are found there.
    lowered = nfkc.replace("?", "\x00").encode("ascii", "replace").lower()
    base = lowered.decode("ascii").replace("\x00", "?")
    parts: list[str] = []
    runs: list[tuple[int, int]] = []
    pos = 0
    for run in _MARKED_RUN.finditer(lowered):  # lower() leaves "?" and every other non-letter
        start, end = run.span()
        if start > pos:
            parts.append(base[pos:start])
        part = nfkc[start:end].casefold()
        if len(part) != end - start:
            norm = normalize(text)  # folding changed a length ("ß" -> "ss"): the offsets' way
            return norm, scan_form(norm.text)
        parts.append(part)
        runs.append((start, end))
        pos = end
    if pos < len(nfkc):
        parts.append(base[pos:])
    folded = _subst("".join(parts))
    # The scan form character by character: the ASCII stretches by the table, the runs (folded,
    # as the scan sees them) by the regex; the same as scan_form(folded) over its own runs.
    scan_base = lowered.translate(_ASCII_SCAN).decode("ascii")
    scan = [" "]
    pos = 0
    for start, end in runs:
        if start > pos:
            scan.append(scan_base[pos:start])
        scan.append(_NON_WORD.sub(" ", folded[start:end]))
        pos = end
    if pos < len(folded):
        scan.append(scan_base[pos:])
    return NormalizedText(text, folded, None), "".join(scan)
