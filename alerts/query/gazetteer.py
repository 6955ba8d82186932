"""Place names to points for geo clauses (``near:Kharkiv~100``): a small lookup over the gazetteer.

The alert stage must not load the tagger's knowledge base (seconds, hundreds of MB) to resolve a
few names. :class:`Gazetteer` keeps the packaged ``places.tsv`` as two strings (as read, and
lower-cased) and a dict of the places' ids and names (normalized with
:func:`alerts.text.norm_value`, the normalization of every tag value); a name that is no place's
own is looked for among the aliases with ``str.find`` in the lower-cased text (a few ms), then
confirmed on the line's own fields. Loading takes ~1 s and ~40 MB, once per process, when the
first name is asked for; answers are memoized per name.

A name is a place's id (GeoNames id, ISO code), its name or one of its aliases, optionally
qualified by a country or subdivision code after a comma (``"Springfield, US-IL"``). Of the
places it names, the best is: a name over an alias, a city over a subdivision over a country,
then the most populous. Places without a point are left out.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import re
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple

from rapidfuzz import fuzz, process

from alerts.text import norm_value

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# Columns of places.tsv.
_ID, _TYPE, _NAME, _COUNTRY, _POPULATION, _LAT, _LON, _PARENT, _ALIASES = 0, 1, 2, 3, 5, 7, 8, 10, 11
_TYPE_RANK: Final = {"city": 0, "subdivision": 1, "country": 2}
_QUALIFIED: Final = re.compile(r"^(.*\S)\s*,\s*([A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?)\s*$")
# Characters norm_value makes a space: the lower-cased text keeps them, so a name's words are
# found one at a time and the gaps between them checked with this.
_GAP: Final = re.compile(r"[\s_\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]+")


class Place(NamedTuple):
    """A place of the gazetteer with a point."""

    id: str
    name: str
    type: str
    country: str
    lat: float
    lon: float
    population: int


def _places_file() -> Path:
    """The packaged gazetteer (found without importing :mod:`processors`, which loads the tagger)."""
    spec = importlib.util.find_spec("processors")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a broken install
        msg = "the processors package (and its gazetteer, data/places.tsv) is not installed"
        raise FileNotFoundError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "places.tsv"


class Gazetteer:
    """Finds places by id, name or alias in ``places.tsv``'s text."""

    def __init__(self, text: str) -> None:
        self._raw = text
        self._raw_starts = _line_starts(text)
        # The lower-cased text and its line starts (lower-casing may change a few characters'
        # lengths): made when an alias is first looked for.
        self._lowered: tuple[str, array[int]] | None = None
        self._names: list[str] | None = None
        # Normalized id or name -> its lines: most names an analyst writes are a place's own name,
        # found here; only aliases need the search of the text.
        self._named: dict[str, int | tuple[int, ...]] | None = None

    def _by_name(self, norm: str) -> tuple[int, ...]:
        """The lines whose place has ``norm`` as its normalized id or name."""
        named = self._named
        if named is None:
            named = self._named = {}
            raw, starts = self._raw, self._raw_starts
            for number in range(1, len(starts)):
                start = starts[number]
                end = raw.find("\t", raw.find("\t", raw.find("\t", start) + 1) + 1)
                fields = raw[start:end].split("\t")
                if len(fields) == _NAME + 1:
                    for form in {norm_value(fields[_ID]), norm_value(fields[_NAME])}:
                        # One line (an int) for most names: a list each would double the memory.
                        found = named.get(form)
                        named[form] = number if found is None else (*_lines(found), number)
        found = named.get(norm)
        return () if found is None else _lines(found)

    def _line(self, number: int) -> list[str]:
        start = self._raw_starts[number]
        end = self._raw_starts[number + 1] - 1 if number + 1 < len(self._raw_starts) else len(self._raw)
        return self._raw[start:end].split("\t")

    def _hit_lines(self, norm: str) -> Iterator[int]:
        """Numbers of the lines where ``norm``'s words appear as one whole field or alias."""
        words = norm.split(" ")
        if self._lowered is None:
            low = self._raw.lower()
            self._lowered = (low, _line_starts(low))
        low, low_starts = self._lowered
        first = words[0]
        rest = re.compile("".join(f"{_GAP.pattern}{re.escape(w)}" for w in words[1:])) if words[1:] else None
        at = low.find(first)
        while at >= 0:
            end = at + len(first)
            if rest is not None:
                more = rest.match(low, end)
                end = more.end() if more else -1
            if end >= 0 and (at == 0 or low[at - 1] in "\t|\n") and (end == len(low) or low[end] in "\t|\n"):
                yield bisect.bisect_right(low_starts, at) - 1
            at = low.find(first, at + 1)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one gazetteer per process, names repeat
    def find(self, name: str) -> tuple[Place, ...]:
        """The places ``name`` names, best first (see the module's doc); empty if none."""
        qualifier = ""
        found = _QUALIFIED.match(name)
        if found:
            name, qualifier = found.group(1), found.group(2).upper()
        norm = norm_value(name)
        if not norm:
            return ()
        found_places = self._ranked(norm, self._by_name(norm), qualifier)
        if not found_places:  # no place has that name or id: look for it among the aliases
            found_places = self._ranked(norm, dict.fromkeys(self._hit_lines(norm)), qualifier)
        return found_places

    def _ranked(self, norm: str, numbers: Iterable[int], qualifier: str) -> tuple[Place, ...]:
        """The places on lines ``numbers`` that ``norm`` names, best first."""
        ranked: dict[int, tuple[tuple[int, int, int], Place]] = {}
        for number in numbers:
            if number == 0:
                continue  # the header
            fields = self._line(number)
            if len(fields) <= _ALIASES or not fields[_LAT] or not fields[_LON]:
                continue
            if qualifier and qualifier not in {fields[_COUNTRY].upper(), fields[_PARENT].upper()}:
                continue
            if norm in {norm_value(fields[_ID]), norm_value(fields[_NAME])}:
                named = 0
            elif any(norm_value(a) == norm for a in fields[_ALIASES].split("|")):
                named = 1
            else:
                continue
            population = int(fields[_POPULATION] or 0)
            place = Place(
                fields[_ID],
                fields[_NAME],
                fields[_TYPE],
                fields[_COUNTRY],
                float(fields[_LAT]),
                float(fields[_LON]),
                population,
            )
            ranked[number] = ((named, _TYPE_RANK.get(place.type, 3), -population), place)
        return tuple(place for _, place in sorted(ranked.values()))

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Names close to ``name`` (did-you-mean for a name that names nothing)."""
        if self._names is None:
            names: dict[str, None] = {}
            for number in range(1, len(self._raw_starts)):
                fields = self._line(number)
                if len(fields) > _LON and fields[_LAT]:
                    names[fields[_NAME]] = None
            self._names = list(names)
        hits = process.extract(
            norm_value(name),
            self._names,
            scorer=fuzz.ratio,
            processor=norm_value,
            limit=limit,
            score_cutoff=75,
        )
        return [hit[0] for hit in hits]


@functools.cache
def packaged() -> Gazetteer:
    """The gazetteer of the packaged knowledge base (loaded once, on first use)."""
    return Gazetteer(_places_file().read_text(encoding="utf-8"))


def _lines(found: int | tuple[int, ...]) -> tuple[int, ...]:
    return (found,) if isinstance(found, int) else found


def _line_starts(text: str) -> array[int]:
    starts = array("q", [0])
    find, at = text.find, text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return starts
