"""Geo clauses: within a distance of a place or a point (``near:``), inside a box (``bbox:``).

Syntax (what luqum parses into one clean node; the fast parser reads the same):

=====================================  ============================================================
``near:Kharkiv~100``                   a place tag within 100 km of Kharkiv (luqum: a fuzzy term,
                                       its degree the radius in km; ``~100km`` is the same clause)
``near:"Nizhny Novgorod"~50``          a name of several words (luqum: a proximity phrase)
``near:"Springfield, US-IL"~30``       a name qualified by a country or subdivision code
``near:706483~20``                     a place by its tag id (GeoNames id, ISO code)
``near:"50.0,36.25"~25``               a point, ``lat,lon`` in degrees (quote it when it starts
                                       with ``-``: luqum reads a leading ``-`` as NOT)
``bbox:[44.0,22.0 TO 52.5,40.2]``      inside a box, ``[south,west TO north,east]`` as Solr's
                                       spatial ranges; ``west > east`` crosses the 180th meridian
=====================================  ============================================================

A name resolves to one point when the query is compiled (:mod:`alerts.query.gazetteer`: a name
over an alias, a city over a subdivision over a country, then the most populous); a name that
names nothing is a :class:`~alerts.errors.QueryError` with close names. A clause holds on a story
with a place tag (not a country: a country's point says nothing about where in it) whose point is
within the radius (great-circle distance) or inside the box, at the subscription's
``min_confidence``. "Inside a named region" is the ``region:`` tag clause: the tagger tags a region
when the story names a member, and border belts' members are computed from boundary data.

Indexed: a clause's keys are the geohash cells that cover its circle or box
(:mod:`alerts.query.geocells`), a story's are its places' cells; the explanation names each place
that holds and its distance (:attr:`~schemas.models.MatchedClause.distance_km`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from typing_extensions import override

from alerts.errors import QueryError
from alerts.query.evaluate import Leaf, Presearch
from alerts.query.fields import GEO_KEY_FIELD, term_key
from alerts.query.gazetteer import packaged
from alerts.query.geocells import MAX_RADIUS_KM, box_cells, circle_cells, haversine_km, in_box
from schemas.models import MatchedClause

if TYPE_CHECKING:
    from collections.abc import Callable

    from alerts.query.story import PreparedStory
    from schemas.models import Tag

    _Fail = Callable[[str], QueryError]

# One degree of latitude is at least this many km: a cheap rejection before the distance.
_KM_PER_DEG_LAT: Final = 110.5

_NUMBER: Final = r"[-+]?\d+(?:\.\d+)?"
_POINT: Final = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*$")
_NEAR: Final = re.compile(r"^(?P<value>\"[^\"]*\"|[^\"~]+)~(?P<radius>\d+(?:\.\d+)?)?$", re.DOTALL)
_CORNER: Final = r"\"[^\"]*\"|[^\s\"\]\[{}]+"
_BOX: Final = re.compile(
    rf"^(?P<open>[\[{{])\s*(?P<low>{_CORNER})\s+TO\s+(?P<high>{_CORNER})\s*(?P<close>[\]}}])$"
)
# A radius written with its unit, "~100km": luqum would read "km" as a separate term. Outside
# quotes, the unit becomes two spaces (positions stay: errors point at the same characters).
_UNIT: Final = re.compile(r"(~\d+(?:\.\d+)?)km(?=$|[\s)])")


def without_units(query: str) -> str:
    """``query`` with each ``~<radius>km`` written ``~<radius>`` plus two spaces (same length)."""
    if "km" not in query or "~" not in query:
        return query

    def strip(found: re.Match[str]) -> str:
        before = query[: found.start()]
        if (before.count('"') - before.count('\\"')) % 2:
            return found.group()  # inside a phrase: text, not a radius
        return found.group(1) + "  "

    return _UNIT.sub(strip, query)


def geo_leaf(field: str, written: str, clause: str, query: str, position: int) -> Leaf:
    """The leaf of a ``near:``/``bbox:`` clause written ``written``; QueryError if it is invalid."""

    def fail(message: str) -> QueryError:
        return QueryError(message, query=query, position=position)

    if field == "near":
        found = _NEAR.match(written)
        if found is None or found.group("radius") is None:
            raise fail(f"{field}: needs a place or a point and a radius in km, e.g. near:Kharkiv~100")
        radius = float(found.group("radius"))
        if not 0 < radius <= MAX_RADIUS_KM:
            raise fail(f"radius must be more than 0 and at most {MAX_RADIUS_KM:.0f} km")
        lat, lon, place = _point(_unquoted(found.group("value")), fail)
        return NearLeaf(clause, written, lat, lon, radius, place)
    found = _BOX.match(written)
    if found is None:
        raise fail("bbox: needs a box [south,west TO north,east], e.g. bbox:[44.0,22.0 TO 52.5,40.2]")
    if found.group("open") != "[" or found.group("close") != "]":
        raise fail("bbox: takes inclusive bounds: write [south,west TO north,east]")
    south, west = _coordinates(_unquoted(found.group("low")), fail)
    north, east = _coordinates(_unquoted(found.group("high")), fail)
    if south > north:
        raise fail(
            f"bbox: the south edge ({south:g}) is north of the north edge ({north:g}): "
            "write [south,west TO north,east]"
        )
    return BoxLeaf(clause, written, (south, west, north, east))


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return re.sub(r"\\(.)", r"\1", value) if "\\" in value else value


def _coordinates(text: str, fail: _Fail) -> tuple[float, float]:
    found = _POINT.match(text)
    if found is None:
        raise fail(f"{text!r} is not a point: write lat,lon in degrees, e.g. 50.0,36.25")
    lat, lon = float(found.group(1)), float(found.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise fail(f"{text!r} is not a point: latitude is within ±90, longitude within ±180")
    return lat, lon


def _point(value: str, fail: _Fail) -> tuple[float, float, str]:
    """The point of a ``near:`` value (a point or a place name) and how to show it."""
    if _POINT.match(value):
        lat, lon = _coordinates(value, fail)
        return lat, lon, ""
    if not value.strip():
        raise fail("near: needs a place or a point")
    gazetteer = packaged()
    places = gazetteer.find(value)
    if not places:
        close = gazetteer.suggest(value)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise fail(f"no place named {value!r} in the gazetteer{hint}")
    best = places[0]
    return best.lat, best.lon, f"{best.name} ({best.country}, {best.id})"


def _points(story: PreparedStory, min_conf: float) -> list[tuple[Tag, float, float]]:
    return [p for p in story.geo_points if p[0].confidence >= min_conf]


class GeoLeaf(Leaf):
    """A geo clause: its keys are the cells covering its shape (see :mod:`alerts.query.geocells`)."""

    __slots__ = ()

    def cells(self) -> tuple[str, ...]:
        """The geohash cells that cover the clause's shape (computed when the index asks)."""
        raise NotImplementedError

    @override
    def _leaf_presearch(self) -> Presearch:
        # Only filing needs the covering (~0.2 ms): a query compiled again to verify a story does not.
        return frozenset(term_key(GEO_KEY_FIELD, cell) for cell in self.cells())

    def _geo_clause(self, tag: Tag, distance: float | None) -> MatchedClause:
        return MatchedClause(
            clause=self.clause,
            field=self.field,
            value=self.shown,
            tag_id=tag.id,
            tag_name=tag.name,
            mentions=tag.mentions,
            distance_km=distance,
        )


class NearLeaf(GeoLeaf):
    """``near:``: a place tag within ``radius_km`` of a point."""

    __slots__ = ("lat", "lon", "place", "radius_km")

    def __init__(  # noqa: PLR0917 - built in one place, by geo_leaf
        self, clause: str, written: str, lat: float, lon: float, radius_km: float, place: str
    ) -> None:
        value = f"{lat:.6f},{lon:.6f}~{radius_km:g}"
        super().__init__("near", value, None, clause, written)
        self.lat = lat
        self.lon = lon
        self.radius_km = radius_km
        #: The place the name resolved to ("Kharkiv (UA, 706483)"), "" for a point.
        self.place = place

    @override
    def cells(self) -> tuple[str, ...]:
        return circle_cells(self.lat, self.lon, self.radius_km)

    def _distance(self, lat: float, lon: float) -> float | None:
        """The distance to a point if it is within the radius, else None."""
        if abs(lat - self.lat) * _KM_PER_DEG_LAT > self.radius_km:
            return None
        distance = haversine_km(self.lat, self.lon, lat, lon)
        return distance if distance <= self.radius_km else None

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        for tag, lat, lon in story.geo_points:
            if tag.confidence >= min_conf and self._distance(lat, lon) is not None:
                return True
        return False

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        found = [
            (d, tag)
            for tag, lat, lon in _points(story, min_conf)
            if (d := self._distance(lat, lon)) is not None
        ]
        found.sort(key=lambda hit: hit[0])
        return [self._geo_clause(tag, round(distance, 1)) for distance, tag in found]


class BoxLeaf(GeoLeaf):
    """``bbox:``: a place tag inside ``(south, west, north, east)``."""

    __slots__ = ("box",)

    def __init__(self, clause: str, written: str, box: tuple[float, float, float, float]) -> None:
        value = ",".join(f"{x:.6f}" for x in box)
        super().__init__("bbox", value, None, clause, written)
        self.box = box

    @override
    def cells(self) -> tuple[str, ...]:
        return box_cells(self.box)

    @override
    def test(self, story: PreparedStory, min_conf: float) -> bool:
        box = self.box
        for tag, lat, lon in story.geo_points:  # noqa: SIM110 - hot path: a loop, not a generator
            if tag.confidence >= min_conf and in_box(lat, lon, box):
                return True
        return False

    @override
    def _explain(self, story: PreparedStory, min_conf: float) -> list[MatchedClause]:
        return [
            self._geo_clause(tag, None)
            for tag, lat, lon in _points(story, min_conf)
            if in_box(lat, lon, self.box)
        ]
