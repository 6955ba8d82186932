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
from typing import TYPE_CHECKING, Final, Protocol

from processors.cluster.minhash import _DATELINE, _TRAILER

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.models import Story, Tag

__all__ = [
    "INDEXED",
    "WHERE",
    "Kind",
    "TagSource",
    "anchor_key",
    "anchors",
    "dice",
    "indexed_where",
    "numbers",
    "post",
    "posted",
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

    PLACE: Final = 0  # a city, subdivision or any place below a country
    COUNTRY: Final = 1
    ACTOR: Final = 2
    DATELINE: Final = 3
    NUMBER: Final = 4  # a figure of two or more digits, or with decimals
    SMALL_NUMBER: Final = 5  # one digit, or a year: common to many stories
    DATE: Final = 6
    TOPIC: Final = 7
    REGION: Final = 8


# Tuned on the tune part of benchmarks/data/cluster_events.jsonl (see eval_cluster.py).
# (Typed as a tuple, not the literal's: mypyc then keeps the name at run time, which _UNITS reads.)
_WEIGHTS: Final[tuple[float, ...]] = (1.0, 0.3, 1.0, 1.0, 1.0, 0.3, 0.4, 0.05, 0.1, *(0.0,) * 7)
# The same weights in twentieths: sums of them are exact integers, whatever order a set iterates in,
# and a sum over the kinds is two C-level ``map`` passes rather than a Python generator per anchor.
_SCALE: Final = 20
_UNITS: Final = tuple(round(w * _SCALE) for w in _WEIGHTS)
_KIND: Final = 0xF
#: Kinds specific enough to find candidates by (a shared topic or country finds too many).
INDEXED: Final = frozenset({Kind.PLACE, Kind.ACTOR, Kind.DATELINE, Kind.NUMBER, Kind.DATE})
#: Kinds that say where: two stories with such anchors and none in common happened apart.
WHERE: Final = frozenset({Kind.PLACE, Kind.DATELINE})
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


def indexed_where(keys: frozenset[int]) -> tuple[list[int], frozenset[int]]:
    """The anchors of :data:`INDEXED` kinds (in the set's order), and :func:`specific` of them."""
    indexed = [k for k in keys if k & 0xF in INDEXED]
    return indexed, frozenset([k for k in indexed if k & 0xF in WHERE])


def posted(postings: dict[int, list[int]], keys: list[int]) -> list[int]:
    """The slots posted under each of ``keys``, end to end (a slot once per key it shares)."""
    out: list[int] = []
    for key in keys:
        slots = postings.get(key)
        if slots is not None:
            out.extend(slots)
    return out


def post(postings: dict[int, list[int]], keys: list[int], slot: int, cap: int) -> None:
    """Post ``slot`` under each of ``keys``, keeping each key's latest ``cap`` slots."""
    for key in keys:
        slots = postings.get(key)
        if slots is None:
            postings[key] = [slot]
        else:
            slots.append(slot)
            if len(slots) > cap:
                del slots[0]


def specific(keys: Iterable[int]) -> frozenset[int]:
    """The anchors that say where (places below a country, the dateline)."""
    return frozenset(k for k in keys if k & 0xF in WHERE)


def total_weight(keys: Iterable[int]) -> float:
    """The summed weight of a set of anchors."""
    return total_units(keys) / _SCALE


def total_units(keys: Iterable[int]) -> int:
    """The summed weight of a set of anchors in twentieths (exact): what :func:`dice` takes."""
    return sum(map(_UNITS.__getitem__, map(_KIND.__and__, keys)))


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
