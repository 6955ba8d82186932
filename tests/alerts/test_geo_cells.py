"""Geohash cells of geo clauses (alerts.query.geocells): coverings never miss a point.

The property tests compare against plain computations written differently from the module's:
the spherical law of cosines for distances, and a point's cell found by bisecting the
latitude/longitude intervals (the textbook geohash encoder).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.query.geocells import (
    EARTH_RADIUS_KM,
    MAX_CELLS,
    MAX_LEVEL,
    box_cells,
    circle_cells,
    geohash,
    haversine_km,
    in_box,
    point_cells,
)

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"

lats = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)
lons = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
# Radii from a village's to half the globe's, weighted toward what analysts write.
radii = st.one_of(
    st.floats(min_value=0.5, max_value=50.0),
    st.floats(min_value=50.0, max_value=1000.0),
    st.floats(min_value=1000.0, max_value=20000.0),
)


def plain_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the spherical law of cosines (not the module's haversine)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


def plain_geohash(lat: float, lon: float, level: int) -> str:
    """The textbook encoder: halve the longitude, then the latitude interval, bit by bit."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    bits: list[int] = []
    for i in range(5 * level):
        if i % 2 == 0:
            mid = (lon_lo + lon_hi) / 2
            bits.append(int(lon >= mid))
            lon_lo, lon_hi = (mid, lon_hi) if lon >= mid else (lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            bits.append(int(lat >= mid))
            lat_lo, lat_hi = (mid, lat_hi) if lat >= mid else (lat_lo, mid)
    return "".join(BASE32[int("".join(map(str, bits[k : k + 5])), 2)] for k in range(0, len(bits), 5))


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` away from a point along a bearing (spherical direct problem)."""
    d, b, p1, l1 = km / EARTH_RADIUS_KM, math.radians(bearing_deg), math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def test_known_geohashes() -> None:
    assert geohash(57.64911, 10.40744, 6) == "u4pruy"  # the Wikipedia example
    assert geohash(40.7128, -74.0060, 6) == "dr5reg"  # New York
    assert geohash(-33.8688, 151.2093, 5) == "r3gx2"  # Sydney
    kharkiv = plain_geohash(49.9818, 36.2548, MAX_LEVEL)
    assert point_cells(49.9818, 36.2548) == tuple(kharkiv[:n] for n in range(1, MAX_LEVEL + 1))


def test_kharkiv_100km_is_a_handful_of_cells_and_holds_belgorod_not_sumy_cells_only() -> None:
    cells = circle_cells(49.9818, 36.2548, 100)
    assert len(cells) <= MAX_CELLS
    belgorod = point_cells(50.6034, 36.5809)  # 73 km from Kharkiv
    assert set(cells) & set(belgorod)


def test_distance_of_kharkiv_to_belgorod() -> None:
    assert 72 < haversine_km(49.9818, 36.2548, 50.6034, 36.5809) < 74


@settings(max_examples=300, deadline=None)
@given(lat=lats, lon=lons, level=st.integers(min_value=1, max_value=MAX_LEVEL))
def test_geohash_equals_the_textbook_encoder(lat: float, lon: float, level: int) -> None:
    expected = plain_geohash(lat, lon, level)
    # A point exactly on a cell edge may round either way between the two formulas.
    if expected != geohash(lat, lon, level):
        assert any(
            plain_geohash(lat + dy, lon + dx, level) == geohash(lat, lon, level)
            for dy in (-1e-9, 0, 1e-9)
            for dx in (-1e-9, 0, 1e-9)
        )


@settings(max_examples=300, deadline=None)
@given(lat1=lats, lon1=lons, lat2=lats, lon2=lons)
def test_haversine_equals_the_law_of_cosines(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    assert math.isclose(haversine_km(lat1, lon1, lat2, lon2), plain_km(lat1, lon1, lat2, lon2), abs_tol=0.05)


@settings(max_examples=400, deadline=None)
@given(
    lat=lats,
    lon=lons,
    radius=radii,
    targets=st.lists(st.tuples(st.floats(0, 360), st.floats(0.0, 1.0)), min_size=1, max_size=8),
)
def test_every_point_within_the_radius_carries_a_covering_cell(
    lat: float, lon: float, radius: float, targets: list[tuple[float, float]]
) -> None:
    """Points at random bearings and distances up to (just under) the radius all meet the covering."""
    cells = set(circle_cells(lat, lon, radius))
    assert cells
    assert len({len(c) for c in cells}) == 1  # one level
    assert len(cells) <= MAX_CELLS
    for bearing, share in targets:
        plat, plon = destination(lat, lon, bearing, radius * share * 0.999)
        if plain_km(lat, lon, plat, plon) <= radius:
            assert cells & set(point_cells(plat, plon)), (plat, plon)


@settings(max_examples=300, deadline=None)
@given(lat=lats, lon=lons, radius=radii, plat=lats, plon=lons)
def test_indexed_circle_equals_brute_force(
    lat: float, lon: float, radius: float, plat: float, plon: float
) -> None:
    """Cells, then the exact check: the same answer as the plain distance for any point."""
    indexed = bool(set(circle_cells(lat, lon, radius)) & set(point_cells(plat, plon))) and (
        haversine_km(lat, lon, plat, plon) <= radius
    )
    brute = plain_km(lat, lon, plat, plon) <= radius
    if indexed != brute:  # only on the boundary, where two formulas may round apart
        assert abs(plain_km(lat, lon, plat, plon) - radius) < 1e-3


boxes = st.tuples(lats, lons, lats, lons).map(lambda b: (min(b[0], b[2]), b[1], max(b[0], b[2]), b[3]))


@settings(max_examples=300, deadline=None)
@given(box=boxes, points=st.lists(st.tuples(lats, lons), min_size=1, max_size=10))
def test_indexed_box_equals_brute_force(
    box: tuple[float, float, float, float], points: list[tuple[float, float]]
) -> None:
    south, west, north, east = box
    cells = set(box_cells(box))
    assert len(cells) <= MAX_CELLS
    for plat, plon in points:
        inside = south <= plat <= north and (west <= plon <= east if west <= east else not east < plon < west)
        assert in_box(plat, plon, box) == inside
        if inside:
            assert cells & set(point_cells(plat, plon))


@settings(max_examples=200, deadline=None)
@given(box=boxes, share=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_points_inside_a_box_carry_a_covering_cell(
    box: tuple[float, float, float, float], share: tuple[float, float]
) -> None:
    south, west, north, east = box
    plat = min(north, max(south, south + (north - south) * share[0]))
    if west <= east:
        plon = min(east, max(west, west + (east - west) * share[1]))
    else:  # across the 180th meridian: west..180, then -180..east
        plon = west + (east + 360.0 - west) * share[1]
        plon = min(180.0, plon) if plon <= 180.0 else max(-180.0, min(east, plon - 360.0))
    assert in_box(plat, plon, box)
    assert set(box_cells(box)) & set(point_cells(plat, plon))


def test_a_circle_over_a_pole_or_the_antimeridian_is_covered() -> None:
    polar = set(circle_cells(89.5, 10.0, 200))
    assert polar & set(point_cells(89.9, -170.0))
    fiji = set(circle_cells(-17.8, 179.9, 300))
    assert fiji & set(point_cells(-17.8, -179.5))
    assert fiji & set(point_cells(-17.8, 178.0))
    assert not fiji & set(point_cells(0.0, 0.0))
