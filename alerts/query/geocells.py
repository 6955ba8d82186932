"""Geohash cells: the index keys of geo clauses, and the exact distance and box checks.

A geo clause (``near:``, ``bbox:``) is indexed like any other clause: it names index keys of which
every story it holds on carries one. Those keys are geohash cells (``geo:u8v``): a clause covers its
circle or box with the cells of one level (:func:`circle_cells`, :func:`box_cells`), chosen as the
finest level at which at most :data:`MAX_CELLS` cells do it; a story's places carry their cell at
every level from 1 to :data:`MAX_LEVEL` (:func:`point_cells`: the prefixes of one geohash). The
index then verifies each candidate exactly (:func:`haversine_km`, :func:`in_box`).

Why geohash, and why the cell arithmetic is ours: a geohash cell is a latitude/longitude rectangle,
so a covering of a circle or a box is exact arithmetic on cell numbers and provably never misses a
point (the property tests check it against a plain distance computation); the geohash libraries on
PyPI encode and decode points but do not cover shapes, and H3's hexagons would need a circumscribed
polygon to be safe. Pure functions: no I/O, no clocks.
"""

from __future__ import annotations

import functools
import math
from typing import Final

#: Mean Earth radius (IUGG), km: the one radius of every distance here.
EARTH_RADIUS_KM: Final = 6371.0088
#: Finest level (geohash length) a story's places are keyed at: ~1.2 km x 0.6 km cells.
MAX_LEVEL: Final = 6
#: A clause is covered at the finest level that needs at most this many cells.
MAX_CELLS: Final = 32
#: Half the Earth's circumference: a radius this long covers the globe.
MAX_RADIUS_KM: Final = math.pi * EARTH_RADIUS_KM

_BASE32: Final = "0123456789bcdefghjkmnpqrstuvwxyz"
# Slack (degrees, about 1 cm) added around a shape before covering it: rounding never loses a cell.
_SLACK_DEG: Final = 1e-7
_SLACK_RAD: Final = math.radians(_SLACK_DEG)


def _bits(level: int) -> tuple[int, int]:
    """(latitude bits, longitude bits) of a geohash of ``level`` characters (longitude first)."""
    return _BITS[level]


_BITS: Final = tuple((5 * n // 2, 5 * n - 5 * n // 2) for n in range(MAX_LEVEL + 1))
# Two base-32 characters per 10 bits: a geohash of up to 6 characters is three table lookups.
_PAIRS: Final = tuple(_BASE32[v >> 5] + _BASE32[v & 31] for v in range(1024))


def _index(value: float, low: float, span: float, bits: int) -> int:
    """The cell number of ``value`` along one axis of ``2**bits`` cells from ``low`` over ``span``."""
    count = 1 << bits
    return min(count - 1, max(0, int((value - low) / span * count)))


def _spread(value: int) -> int:
    """``value``'s bits moved to the even positions (bit k to bit 2k)."""
    return _SPREAD[value & 255] | _SPREAD[(value >> 8) & 255] << 16


_SPREAD: Final = tuple(sum(((v >> k) & 1) << (2 * k) for k in range(8)) for v in range(256))


def _encode(lat_i: int, lon_i: int, level: int) -> str:
    """The geohash of cell (``lat_i``, ``lon_i``) at ``level``: the two numbers' bits interleaved.

    Longitude's most significant bit comes first, then they alternate.
    """
    lat_bits, lon_bits = _bits(level)
    if lat_bits == lon_bits:
        code = _spread(lon_i) << 1 | _spread(lat_i)
    else:  # one more longitude bit: longitude holds the last (lowest) bit as well
        code = _spread(lon_i) | _spread(lat_i) << 1
    code <<= 5 * (MAX_LEVEL - level)  # as 30 bits: three pairs of characters, then cut
    return (_PAIRS[code >> 20] + _PAIRS[(code >> 10) & 1023] + _PAIRS[code & 1023])[:level]


@functools.lru_cache(maxsize=65_536)
def geohash(lat: float, lon: float, level: int = MAX_LEVEL) -> str:
    """The standard geohash of a point (``level`` characters)."""
    lat_bits, lon_bits = _bits(level)
    return _encode(_index(lat, -90.0, 180.0, lat_bits), _index(lon, -180.0, 360.0, lon_bits), level)


def point_cells(lat: float, lon: float) -> tuple[str, ...]:
    """A point's cells at every level 1..:data:`MAX_LEVEL` (the prefixes of its geohash)."""
    code = geohash(lat, lon, MAX_LEVEL)
    return tuple(code[:n] for n in range(1, MAX_LEVEL + 1))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    """Whether a point is inside ``(south, west, north, east)`` (``west > east``: across 180°)."""
    south, west, north, east = box
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


# -- coverings ---------------------------------------------------------------------------------

_Ranges = list[tuple[float, float]]


def _lon_ranges(west: float, east: float) -> _Ranges:
    """``west``..``east`` (may run past ±180 or be the whole circle) as ranges within [-180, 180]."""
    if east - west >= 360.0:
        return [(-180.0, 180.0)]
    if west < -180.0:
        return [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return [(west, 180.0), (-180.0, east - 360.0)]
    return [(west, east)]


def _span_cells(low: float, high: float, origin: float, span: float, bits: int) -> range:
    """The cell numbers along one axis that meet ``low``..``high``."""
    return range(_index(low, origin, span, bits), _index(high, origin, span, bits) + 1)


def _box_grid(lat_range: tuple[float, float], lon_ranges: _Ranges, level: int) -> list[tuple[int, int]]:
    """Every (lat, lon) cell number at ``level`` meeting the latitude range and a longitude range."""
    lat_bits, lon_bits = _bits(level)
    lats = _span_cells(max(-90.0, lat_range[0]), min(90.0, lat_range[1]), -90.0, 180.0, lat_bits)
    lons = dict.fromkeys(
        i for west, east in lon_ranges for i in _span_cells(west, east, -180.0, 360.0, lon_bits)
    )
    return [(a, b) for a in lats for b in lons]


def _grid_size(lat_range: tuple[float, float], lon_ranges: _Ranges, level: int) -> int:
    lat_bits, lon_bits = _bits(level)
    lats = len(_span_cells(max(-90.0, lat_range[0]), min(90.0, lat_range[1]), -90.0, 180.0, lat_bits))
    lons = sum(len(_span_cells(w, e, -180.0, 360.0, lon_bits)) for w, e in lon_ranges)
    return lats * min(lons, 1 << lon_bits)


def _circle_bounds(lat: float, lon: float, radius_km: float) -> tuple[tuple[float, float], _Ranges]:
    """The latitude range and longitude ranges of the smallest lat/lon box around a circle.

    The spherical bounding box (J. Matuschek, "Finding points within a distance of a
    latitude/longitude"): latitudes ``lat ± r``; longitudes ``lon ± asin(sin r / cos lat)``, or
    all of them when the circle holds a pole.
    """
    r = radius_km / EARTH_RADIUS_KM
    r_deg = math.degrees(r) + _SLACK_DEG
    south, north = lat - r_deg, lat + r_deg
    if south <= -90.0 or north >= 90.0 or r >= math.pi / 2:
        return (max(-90.0, south), min(90.0, north)), [(-180.0, 180.0)]
    ratio = math.sin(r) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return (south, north), [(-180.0, 180.0)]
    d_lon = math.degrees(math.asin(ratio)) + _SLACK_DEG
    return (south, north), _lon_ranges(lon - d_lon, lon + d_lon)


def _lon_gaps(lon: float, west: float, east: float) -> tuple[float, float] | None:
    """The least and the greatest longitude difference (degrees) from ``lon`` to a cell's range.

    ``(0, ...)`` when the range holds ``lon``; ``None`` when it holds the opposite meridian (a
    difference of 180°, where the meridian bound of :func:`_meridian_gap` is 0).
    """
    if west <= lon <= east:
        return 0.0, 0.0
    near = min(abs((edge - lon + 180.0) % 360.0 - 180.0) for edge in (west, east))
    far = near + (east - west)
    return None if far >= 180.0 else (near, far)


def _lat_gap(lat: float, south: float, north: float) -> float:
    """The angular distance (radians) from ``lat`` to the latitude band ``south``..``north``.

    A lower bound of the distance to any point of the band: a meridian arc is the shortest
    way to another latitude.
    """
    return math.radians(max(0.0, south - lat, lat - north))


def _meridian_gap(lat: float, lon: float, west: float, east: float) -> float:
    """A lower bound (radians) of the distance from a point to any point of longitude ``west``..``east``.

    The distance to the great circle of a meridian ``dlon`` away is ``asin(cos lat * |sin dlon|)``,
    which rises with ``dlon`` to 90° then falls: over the range it is least at an end (0 when the
    range holds the point's meridian or the opposite one).
    """
    gaps = _lon_gaps(lon, west, east)
    if gaps is None or gaps[0] == 0.0:
        return 0.0
    cos_lat = math.cos(math.radians(lat))
    return min(math.asin(min(1.0, cos_lat * abs(math.sin(math.radians(g))))) for g in gaps)


def _circle_grid(
    lat: float, lon: float, reach: float, grid: list[tuple[int, int]], level: int
) -> list[tuple[int, int]]:
    """The cells of ``grid`` that may hold a point within ``reach`` (radians) of a point.

    A cell is left out when a lower bound of its distance exceeds the reach: the larger of
    :func:`_lat_gap` (shared by a row) and :func:`_meridian_gap` (shared by a column).
    """
    lat_bits, lon_bits = _bits(level)
    d_lat, d_lon = 180.0 / (1 << lat_bits), 360.0 / (1 << lon_bits)
    rows: dict[int, float] = {}
    cols: dict[int, float] = {}
    out: list[tuple[int, int]] = []
    for a, b in grid:
        row = rows.get(a)
        if row is None:
            south = -90.0 + a * d_lat
            row = rows[a] = _lat_gap(lat, south, south + d_lat)
        if row > reach:
            continue
        col = cols.get(b)
        if col is None:
            west = -180.0 + b * d_lon
            col = cols[b] = _meridian_gap(lat, lon, west, west + d_lon)
        if col <= reach:
            out.append((a, b))
    return out


def circle_cells(lat: float, lon: float, radius_km: float) -> tuple[str, ...]:
    """Geohash cells of one level that together hold every point within ``radius_km`` of a point.

    The finest level (at most :data:`MAX_LEVEL`) at which :data:`MAX_CELLS` cells suffice; the
    cells of the circle's bounding box that cannot hold a point of the circle are left out.
    """
    lat_range, lon_ranges = _circle_bounds(lat, lon, radius_km)
    reach = radius_km / EARTH_RADIUS_KM + _SLACK_RAD
    for level in range(MAX_LEVEL, 0, -1):
        if level > 1 and _grid_size(lat_range, lon_ranges, level) > 2 * MAX_CELLS:
            continue
        cells = _circle_grid(lat, lon, reach, _box_grid(lat_range, lon_ranges, level), level)
        if len(cells) <= MAX_CELLS or level == 1:
            return tuple(sorted(_encode(a, b, level) for a, b in cells))
    raise AssertionError("unreachable: level 1 always returns")  # pragma: no cover


def box_cells(box: tuple[float, float, float, float]) -> tuple[str, ...]:
    """Geohash cells of one level that together hold a ``(south, west, north, east)`` box."""
    south, west, north, east = box
    lat_range = (south - _SLACK_DEG, north + _SLACK_DEG)
    lon_ranges = _lon_ranges(west - _SLACK_DEG, (east if west <= east else east + 360.0) + _SLACK_DEG)
    for level in range(MAX_LEVEL, 0, -1):
        if level == 1 or _grid_size(lat_range, lon_ranges, level) <= MAX_CELLS:
            return tuple(sorted(_encode(a, b, level) for a, b in _box_grid(lat_range, lon_ranges, level)))
    raise AssertionError("unreachable: level 1 always returns")  # pragma: no cover
