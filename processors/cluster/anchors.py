"""Language-independent signals of one story: tag ids, the dateline place, numbers, dates.

A rewrite by another agency shares about half of the first story's content words; a translation
shares almost none. Both keep the event's anchors: the places and actors the tagger resolved (ids,
not words), the dateline, the figures ("6.1", "12", "140") and the dates ("3 March" = "3 de
marzo" = "3. März"). :func:`anchors` turns them into a small set of 32-bit keys whose low four
bits say the kind, and :func:`weight_of` gives each kind's weight: a city or a named person says
much more about which event this is than a topic or a country. Pure: no clock, no I/O.

Keys are ``crc32`` of the anchor text (stable across processes, unlike ``hash()``), so that every
processor copy computes the same keys for the same story and can compare its own stories with the
ones replicated from other copies.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from processors.cluster.minhash import _DATELINE, _TRAILER

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.models import Story, Tag

__all__ = [
    "INDEXED",
    "Kind",
    "SharedUnits",
    "TagSource",
    "anchor_key",
    "anchors",
    "dice",
    "numbers",
    "packed",
    "specific",
    "total_units",
    "total_weight",
    "weight_of",
]


class TagSource(Protocol):
    """What the clusterer reads of the tagger's output (:class:`processors.tagger.Tags` has it)."""

    @property
    def countries(self) -> tuple[str, ...]:
        """The ISO codes of the countries."""
        ...

    @property
    def places(self) -> tuple[Tag, ...]:
        """The place tags."""
        ...

    @property
    def regions(self) -> tuple[Tag, ...]:
        """The region tags."""
        ...

    @property
    def actors(self) -> tuple[Tag, ...]:
        """The actor tags."""
        ...

    @property
    def topics(self) -> tuple[Tag, ...]:
        """The topic tags."""
        ...


class Kind:
    """The kinds of anchor (the low four bits of a key)."""

    PLACE = 0  # a city, subdivision or any place below a country
    COUNTRY = 1
    ACTOR = 2
    DATELINE = 3
    NUMBER = 4  # a figure of two or more digits, or with decimals
    SMALL_NUMBER = 5  # one digit, or a year: common to many stories
    DATE = 6
    TOPIC = 7
    REGION = 8


# Tuned on the tune part of benchmarks/data/cluster_events.jsonl (see eval_cluster.py).
_WEIGHTS: Final = (1.0, 0.3, 1.0, 1.0, 1.0, 0.3, 0.4, 0.05, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
# The same weights in twentieths: sums of them are exact integers, whatever order a set iterates in,
# and a sum over the kinds is two C-level ``map`` passes rather than a Python generator per anchor.
_SCALE: Final = 20
_UNITS: Final = tuple(round(w * _SCALE) for w in _WEIGHTS)
_KIND: Final = 0xF
_UNIT_ARRAY: Final = np.array(_UNITS, dtype=np.int64)
_KEY: Final = np.dtype("<u4")
#: Kinds specific enough to find candidates by (a shared topic or country finds too many).
INDEXED: Final = frozenset({Kind.PLACE, Kind.ACTOR, Kind.DATELINE, Kind.NUMBER, Kind.DATE})
#: Kinds that say where: two stories with such anchors and none in common happened apart.
_WHERE: Final = frozenset({Kind.PLACE, Kind.DATELINE})
_MAX_FIGURES: Final = 24  # a long story keeps its first figures: enough to decide

_MONTHS: Final = {
    name: month
    for month, names in enumerate(
        (
            "january enero janvier januar jänner gennaio janeiro ocak styczen jan ene janv",
            "february febrero fevrier februar febbraio fevereiro subat luty feb febr fevr",
            "march marzo mars marz maerz marco mart marzec mar",
            "april abril avril aprile nisan kwiecien apr abr avr",
            "may mayo mai maggio maio mayis maj",
            "june junio juin juni giugno junho haziran czerwiec jun",
            "july julio juillet juli luglio julho temmuz lipiec jul juil",
            "august agosto aout agustos sierpien aug ago",
            "september septiembre septembre settembre setembro eylul wrzesien sep sept set",
            "october octubre octobre oktober ottobre outubro ekim pazdziernik oct okt ott out",
            "november noviembre novembre novembro kasim listopad nov",
            "december diciembre decembre dezember dicembre dezembro aralik grudzien dec dic dez",
        ),
        start=1,
    )
    for name in names.split()
}
# After a day number: "3 March", "3 de marzo", "3. März", "3rd of March"; before it: "March 3".
_MONTH_AFTER: Final = re.compile(r"(?:st|nd|rd|th|er|\.)?\s+(?:de\s+|of\s+)?(\w+)")
_MONTH_BEFORE: Final = re.compile(r"(\w+)\.?\s+$")
# 1,200 / 1.200 / 1 200 (grouped thousands) or 6.1 / 6,1 (decimals) or plain digits, not after a
# word character, a dot or a comma. The pattern starts with its first digit (the look-behind comes
# after it) so that the regex engine skips to digits: 2.4 times faster on 4 KB stories than
# ``(?<![\w.,])(\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])``, same matches.
_NUMBER: Final = re.compile(r"(\d(?<![\w.,]\d)(?:\d{0,2}(?:[,.\u00a0\u202f ]\d{3})+|\d*(?:[.,]\d+)?))(?!\d)")


def anchor_key(kind: int, text: str) -> int:
    """The 32-bit key of one anchor: ``crc32`` of its text, the kind in the low four bits."""
    return (zlib.crc32(text.encode()) & ~0xF) | kind


def weight_of(key: int) -> float:
    """How much sharing this anchor says about two stories being one event."""
    return _WEIGHTS[key & 0xF]


def specific(keys: Iterable[int]) -> frozenset[int]:
    """The anchors that say where (places below a country, the dateline)."""
    return frozenset(k for k in keys if k & 0xF in _WHERE)


def total_weight(keys: Iterable[int]) -> float:
    """The summed weight of a set of anchors."""
    return total_units(keys) / _SCALE


def total_units(keys: Iterable[int]) -> int:
    """The summed weight of a set of anchors in twentieths (exact): what :func:`dice` takes."""
    return sum(map(_UNITS.__getitem__, map(_KIND.__and__, keys)))


def packed(keys: Iterable[int]) -> bytes:
    """A set of anchors as sorted little-endian 32-bit keys: what :class:`SharedUnits` reads."""
    return np.array(sorted(keys), dtype=_KEY).tobytes()


class SharedUnits:
    """For many candidates at once, the weight each shares with a story: :func:`dice`'s numerator.

    One Python set intersection per candidate cost ~2 µs, and templated or running stories bring
    hundreds of candidates of ~80 anchors. This looks every candidate key up in a hash table of
    the story's own keys (bits 4-19 of the key, which ``crc32`` spreads evenly) in a few numpy
    passes; the table is kept between calls (one per clusterer), and only the story's slots are
    written and reset. When two of the story's keys share a slot (~5% of stories) it falls back
    to a binary search. Not thread-safe: one per clusterer.
    """

    _SLOTS: Final = 1 << 16

    def __init__(self) -> None:
        # An empty slot holds a value whose slot bits differ from the slot's: it matches no key.
        self._empty = (np.arange(self._SLOTS, dtype=_KEY) ^ 1) << 4
        self._table = self._empty.copy()

    def __call__(self, ours: frozenset[int], theirs: list[bytes]) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The shared weight in twentieths for each of ``theirs`` (:func:`packed` sets)."""
        sizes = np.fromiter(map(len, theirs), dtype=np.intp, count=len(theirs)) // _KEY.itemsize
        return self.joined(ours, b"".join(theirs), sizes)

    def joined(
        self, ours: frozenset[int], theirs: bytes, sizes: np.ndarray[Any, np.dtype[np.intp]]
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """:meth:`__call__` of sets given end to end.

        ``theirs`` is the :func:`packed` sets joined, ``sizes`` how many keys each has.
        """
        if not ours or not len(sizes):
            return np.zeros(len(sizes), dtype=np.int64)
        mine = np.fromiter(ours, dtype=_KEY, count=len(ours))
        keys = np.frombuffer(theirs, dtype=_KEY)
        slots = (mine >> 4) & (self._SLOTS - 1)
        if len(np.unique(slots)) == len(mine):
            table = self._table
            table[slots] = mine
            try:
                # np.take: a third of the time of indexing with the uint32 slots.
                found = np.flatnonzero(np.take(table, (keys >> 4) & (self._SLOTS - 1)) == keys)
            finally:
                table[slots] = self._empty[slots]
        else:
            mine.sort()
            found = np.flatnonzero(mine[np.minimum(np.searchsorted(mine, keys), len(mine) - 1)] == keys)
        owner = np.repeat(np.arange(len(sizes)), sizes)[found]
        # Each set holds a key once, so the hits per owner are the intersection; float sums of
        # small integers are exact.
        units = np.take(_UNIT_ARRAY, np.take(keys, found) & _KIND)
        shared = np.bincount(owner, weights=units, minlength=len(sizes))
        return shared.astype(np.int64)


def dice(ours: frozenset[int], theirs: frozenset[int], total: int | None = None) -> float:
    """Weighted Dice coefficient of two anchor sets (0 when either is empty).

    ``total`` is both sets' :func:`total_units` when the caller has it already. The sums are
    integers, so the result is the correctly rounded quotient, the same on every worker.
    """
    if total is None:
        total = total_units(ours) + total_units(theirs)
    if not total:
        return 0.0
    return 2 * sum(map(_UNITS.__getitem__, map(_KIND.__and__, ours & theirs))) / total


def _fold(text: str) -> str:
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    marks = {ord(c): None for c in set(decomposed) if unicodedata.combining(c)}
    return decomposed.translate(marks).replace("ı", "i").replace("ł", "l")


def _normalize(raw: str) -> str:
    if len(raw) > 4 and raw[-4] in ",.\u00a0\u202f " and raw[-3:].isdigit():  # grouped thousands
        return re.sub(r"\D", "", raw)
    value = raw.replace(",", ".")
    return value if "." in value else value.lstrip("0") or "0"


def numbers(text: str) -> list[str]:
    """The figures in ``text``, normalized: ``1,200`` → ``1200``, ``6,1`` → ``6.1``."""
    return [_normalize(raw) for raw in _NUMBER.findall(text)]


def _month(found: re.Match[str] | None) -> int | None:
    return None if found is None else _MONTHS.get(_fold(found.group(1)))


def _number_kind(value: str) -> int:
    if "." in value:
        return Kind.NUMBER
    if len(value) < 2 or (len(value) == 4 and value[:2] in ("19", "20")):
        return Kind.SMALL_NUMBER
    return Kind.NUMBER


def _trailer_start(body: str) -> int:
    found = _TRAILER.search(body)
    return found.start() if found else len(body)


def _in_story(tag: Tag, story_span: tuple[int, int]) -> bool:
    """Named in the story, not only in the dateline ("(Reuters)") or the desk trailer."""
    start, end = story_span
    return not tag.mentions or any(m.field != "body" or start <= m.start < end for m in tag.mentions)


def _dateline(story: Story) -> str | None:
    if story.dateline:
        return story.dateline
    found = _DATELINE.match(story.body)
    if found is None:
        return None
    place = re.split(r"[,(]", found.group(0), maxsplit=1)[0].strip()
    return place if 0 < len(place) <= 40 else None


def anchors(story: Story, tags: TagSource) -> frozenset[int]:
    """The story's anchors: tag ids, dateline, figures and dates, as keys (see :func:`anchor_key`)."""
    keys: dict[int, None] = {}
    trailer = _trailer_start(story.body)
    head = _DATELINE.match(story.body)
    span = (head.end() if head else 0, trailer)
    for tag in tags.places:
        kind = Kind.COUNTRY if tag.type == "country" else Kind.PLACE
        keys[anchor_key(kind, tag.id)] = None
    for code in tags.countries:
        keys[anchor_key(Kind.COUNTRY, code)] = None
    for tag in tags.actors:
        if _in_story(tag, span):
            keys[anchor_key(Kind.ACTOR, tag.id)] = None
    for tag in tags.topics:
        keys[anchor_key(Kind.TOPIC, tag.id)] = None
    for tag in tags.regions:
        keys[anchor_key(Kind.REGION, tag.id)] = None
    place = _dateline(story)
    if place:
        keys[anchor_key(Kind.DATELINE, _fold(place))] = None
    text = " ".join(p for p in (story.title, story.standfirst, story.body[:trailer]) if p)
    figures = 0
    for found in _NUMBER.finditer(text):
        raw = found.group(1)
        if raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= 31:  # a day? (look at its neighbours)
            month = _month(_MONTH_AFTER.match(text, found.end()))
            if month is None:
                month = _month(_MONTH_BEFORE.search(text, max(0, found.start() - 14), found.start()))
            if month is not None:
                keys[anchor_key(Kind.DATE, f"{month}-{int(raw)}")] = None
                continue
        if figures < _MAX_FIGURES:
            value = _normalize(raw)
            keys[anchor_key(_number_kind(value), value)] = None
            figures += 1
    return frozenset(keys)
