"""Places with coordinates (issue 14): every place tag's Geo, and the build's geometry."""

from __future__ import annotations

import functools
import itertools
import math
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from processors import KnowledgeBase, Tagger
from processors.kb import Kind
from processors.kb_build import geo
from schemas.models import EnrichedStory, Geo, Story, Tag

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


@functools.cache
def _kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@functools.cache
def _tagger() -> Tagger:
    return Tagger(_kb())


def _places(text: str) -> dict[str, Tag]:
    story = Story(id="t", title="", body=text, source="test", content_hash="h", ingested_at=NOW)
    return {t.id: t for t in _tagger().tag(story).places}


def _plain_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The spherical law of cosines: a different formula from geo.haversine_km's."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return geo.EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


def test_a_city_tag_carries_its_point_population_path_and_geonames_id() -> None:
    kharkiv = _places("Shelling hit Kharkiv overnight.")["706483"]
    assert kharkiv.geo is not None
    assert kharkiv.geo.lat is not None
    assert kharkiv.geo.lon is not None
    assert abs(kharkiv.geo.lat - 49.98) < 0.05
    assert abs(kharkiv.geo.lon - 36.25) < 0.05
    assert kharkiv.geo.feature == "P"
    assert kharkiv.geo.population > 1_000_000
    assert kharkiv.geo.path == ("UA", "UA-63")
    assert kharkiv.geo.geonames_id == 706483


def test_countries_and_oblasts_carry_points_too() -> None:
    places = _places("Ukraine said the Kharkiv Oblast was shelled.")
    ukraine, oblast = places["UA"].geo, places["UA-63"].geo
    assert ukraine is not None
    assert oblast is not None
    assert ukraine.feature == oblast.feature == "A"
    assert ukraine.path == ()
    assert oblast.path == ("UA",)
    assert ukraine.geonames_id == 690791  # GeoNames' Ukraine
    for point in (ukraine, oblast):
        assert point.lat is not None
        assert point.lon is not None
    # Inside the country: Natural Earth's label point, and the mean of the oblast's cities.
    assert 44 < (ukraine.lat or 0) < 53
    assert 22 < (ukraine.lon or 0) < 41
    assert _plain_km(oblast.lat or 0, oblast.lon or 0, 49.98, 36.25) < 120


def test_every_city_and_country_has_coordinates_in_the_gazetteer() -> None:
    places = [e for e in _kb().entities.values() if e.kind is Kind.PLACE]
    for e in places:
        if e.type == "city":
            assert e.lat is not None, e.id
            assert e.geonames_id == int(e.id), e.id
        if e.lat is not None:
            assert -90 <= e.lat <= 90, e.id
            assert e.lon is not None, e.id
            assert -180 <= e.lon <= 180, e.id
    countries = [e for e in places if e.type == "country"]
    assert sum(e.lat is not None for e in countries) >= len(countries) - 5


def test_non_place_tags_carry_no_geo_and_the_message_round_trips() -> None:
    story = Story(
        id="t",
        title="NATO",
        body="NATO met in Brussels about the Red Sea.",
        source="test",
        content_hash="h",
        ingested_at=NOW,
    )
    tags = _tagger().tag(story)
    assert all(t.geo is None for t in (*tags.actors, *tags.regions, *tags.topics))
    assert all(t.geo is not None for t in tags.places)
    enriched = EnrichedStory(
        **story.model_dump(), places=tags.places, regions=tags.regions, actors=tags.actors, cluster_id="c"
    )
    again = EnrichedStory.from_bytes(enriched.to_bytes())
    assert again == enriched
    assert isinstance(again.places[0].geo, Geo)


# --- the build's geometry ------------------------------------------------------------------

_LAT = st.floats(min_value=-89.0, max_value=89.0)
_LON = st.floats(min_value=-180.0, max_value=180.0)


@settings(max_examples=300, deadline=None)
@given(_LAT, _LON, _LAT, _LON)
def test_haversine_agrees_with_the_law_of_cosines(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    d = geo.haversine_km(lat1, lon1, lat2, lon2)
    assert 0 <= d <= math.pi * geo.EARTH_RADIUS_KM + 1e-6
    assert abs(d - geo.haversine_km(lat2, lon2, lat1, lon1)) < 1e-6
    assert abs(d - _plain_km(lat1, lon1, lat2, lon2)) < 0.5  # acos loses precision below ~1 km


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_LAT, _LON), min_size=1, max_size=20), _LAT, _LON)
def test_nearest_km_is_the_smallest_plain_distance(
    points: list[tuple[float, float]], lat: float, lon: float
) -> None:
    import numpy as np  # noqa: PLC0415 - the build's dependency (datasketch brings it)

    arr = np.radians(np.array(points, dtype=float))
    expected = min(geo.haversine_km(lat, lon, p, q) for p, q in points)
    assert abs(geo.nearest_km(arr, lat, lon) - expected) < 1e-6


def test_spherical_mean_crosses_the_antimeridian() -> None:
    mean = geo.spherical_mean([(60.0, 179.0), (60.0, -179.0)])
    assert mean is not None
    assert abs(abs(mean[1]) - 180.0) < 1e-6
    assert geo.spherical_mean([]) is None


# Coordinates (GeoNames) of the cities the issue names, and two far from the border.
_CITIES = {
    "578072": ("Belgorod", "RU", 50.61, 36.58, "09"),
    "706483": ("Kharkiv", "UA", 49.98, 36.25, "07"),
    "692194": ("Sumy", "UA", 50.92, 34.80, "21"),
    "571476": ("Bryansk", "RU", 53.25, 34.37, "10"),
    "702550": ("Lviv", "UA", 49.84, 24.02, "15"),
    "524901": ("Moscow", "RU", 55.75, 37.62, "48"),
    "625144": ("Minsk", "BY", 53.90, 27.57, "04"),
}


def test_the_russia_ukraine_belt_from_natural_earth_boundaries() -> None:
    outlines = geo.countries(only=("RU", "UA", "BY"))
    cities = {
        gid: {"name": n, "countrycode": c, "latitude": lat, "longitude": lon, "admin1code": a1}
        for gid, (n, c, lat, lon, a1) in _CITIES.items()
    }
    links = {("RU", "09"): "RU-BEL", ("UA", "07"): "UA-63", ("RU", "48"): "RU-MOW", ("UA", "15"): "UA-46"}
    members = geo.belt_members("RU", "UA", 120, outlines=outlines, cities=cities, links=links)
    assert set(members) == {"RU-BEL", "UA-63", "578072", "706483", "692194", "571476"}
    # The shared boundary is real: Belgorod is ~35 km from it, Lviv ~600 km; Minsk is no member.
    points = geo.boundary_points(geo.shared_boundary(outlines["RU"][0], outlines["UA"][0]))
    assert 20 < geo.nearest_km(points, 50.61, 36.58) < 50
    assert 550 < geo.nearest_km(points, 49.84, 24.02) < 650


@functools.cache
def _ru_ua_line() -> tuple[Any, Any, float]:
    """Natural Earth's RU–UA boundary, its densified points, and its longest segment in km."""
    import shapely  # noqa: PLC0415 - the build's dependency (in the dev extra for these tests)

    outlines = geo.countries(only=("RU", "UA"))
    line = geo.shared_boundary(outlines["RU"][0], outlines["UA"][0])
    longest = 0.0
    for part in shapely.get_parts(line):
        xy = shapely.get_coordinates(part)
        for (x1, y1), (x2, y2) in itertools.pairwise(xy):
            longest = max(longest, _plain_km(float(y1), float(x1), float(y2), float(x2)))
    return line, geo.boundary_points(line), longest


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=44.0, max_value=56.0), st.floats(min_value=22.0, max_value=42.0))
def test_distance_to_the_boundary_matches_plain_distances_to_its_vertices(lat: float, lon: float) -> None:
    """Against plain distances to every vertex of Natural Earth's line: never more, at most half a segment less."""
    import shapely  # noqa: PLC0415 - the build's dependency (in the dev extra for these tests)

    line, points, longest = _ru_ua_line()
    plain = min(_plain_km(lat, lon, float(y), float(x)) for x, y in shapely.get_coordinates(line))
    got = geo.nearest_km(points, lat, lon)
    assert got <= plain + 0.5  # the vertices are among the points (the law of cosines: ~0.5 km)
    assert got >= plain - longest / 2 - 0.5
