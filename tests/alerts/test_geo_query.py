"""Geo clauses (alerts.query.geo): syntax, errors, checks, explanations, and the index.

``near:`` (a place or a point and a radius in km) and ``bbox:`` (a box) parse with luqum and with
the fast parser into the same leaves; the index finds exactly what checking every query finds
(a property test with random points, radii and boxes, against the spherical law of cosines).
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.errors import QueryError
from alerts.index import SubscriptionIndex, match_all_plain
from alerts.query import compile_query
from alerts.query.fastparse import fast_filing, fast_tree, tree_shape
from alerts.query.geo import NearLeaf, without_units
from alerts.query.geocells import EARTH_RADIUS_KM
from alerts.query.parse import TreeBuilder, parse_query
from schemas.models import EnrichedStory, Geo, Tag
from tests.factories import make_enriched, make_mention, make_subscription, make_tag

KHARKIV = (49.9818, 36.2548)


def place(
    name: str, lat: float, lon: float, *, kind: str = "city", confidence: float = 1.0, **more: object
) -> Tag:
    """A place tag with a point (as the tagger writes it)."""
    feature = "P" if kind == "city" else "A"
    return make_tag(
        name,
        type=kind,
        id=more.pop("id", name),
        confidence=confidence,
        geo=Geo(lat=lat, lon=lon, feature=feature),
        mentions=(make_mention(name, field="body", start=0),),
        **more,
    )


def story_with(*places: Tag, actors: tuple[Tag, ...] = (), story_id: str = "s1") -> EnrichedStory:
    body = " ".join(p.name for p in places) + " ."
    return make_enriched(id=story_id, title="News", body=body, places=places, actors=actors)


def plain_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The spherical law of cosines (not the module's haversine)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


VOVCHANSK = place("Vovchansk", 50.2909, 36.9411, id="689526")  # ~60 km from Kharkiv
MARIUPOL = place("Mariupol", 47.0971, 37.5434, id="701822")  # ~335 km
NATO = make_tag("NATO", id="Q7184")


# -- syntax ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "near:Kharkiv~100",
        "near:Kharkiv~100km",
        "near:Kharkov~100",
        "near:Харків~100",
        'near:"Kharkiv"~100',
        'near:"Kharkiv, UA"~100',
        "near:706483~100",
        'near:"49.9818,36.2548"~100',
        "near:49.9818,36.2548~100",
        "near:(Kharkiv~100 OR Lviv~10)",
        "bbox:[49.0,35.0 TO 51.0,38.0]",
        'bbox:["49.0,35.0" TO "51.0,38.0"]',
    ],
)
def test_near_kharkiv_forms_all_hold_on_a_town_60km_away_and_not_300km(query: str) -> None:
    compiled = compile_query(query)
    assert compiled.test(story_with(VOVCHANSK))
    assert not compiled.test(story_with(MARIUPOL))
    assert compiled.required_terms
    assert all(k.startswith("geo:") for k in compiled.required_terms)


def test_a_multiword_name_and_a_southern_point() -> None:
    nizhny = place("Nizhny Novgorod", 56.3287, 44.002)
    assert compile_query('near:"Nizhny Novgorod"~20').test(story_with(nizhny))
    sydney = place("Sydney", -33.8688, 151.2093)
    assert compile_query('near:"-33.87,151.21"~10').test(story_with(sydney))
    assert compile_query("near:Sydney~10km").test(story_with(sydney))


def test_a_box_across_the_180th_meridian() -> None:
    suva = place("Suva", -18.1416, 178.4419)
    apia = place("Apia", -13.8333, -171.7667)
    honolulu = place("Honolulu", 21.3069, -157.8583)
    fiji_samoa = compile_query("bbox:[-20,175 TO -10,-170]")  # west > east: across 180°
    assert fiji_samoa.test(story_with(suva))
    assert fiji_samoa.test(story_with(apia))
    assert not fiji_samoa.test(story_with(honolulu))


def test_the_unit_is_read_outside_phrases_only() -> None:
    assert without_units("near:Kharkiv~100km AND x") == "near:Kharkiv~100   AND x"
    assert without_units('text:"a b~5km" near:A~5km') == 'text:"a b~5km" near:A~5  '
    assert without_units("near:A~5kms") == "near:A~5kms"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near:Kharkiv", "needs a place or a point and a radius"),
        ("near:Kharkiv~", "needs a place or a point and a radius"),
        ('near:"Kharkiv"', "needs a place or a point and a radius"),
        ("near:Kharkiv~0", "radius must be more than 0"),
        ("near:Kharkiv~30000", "radius must be more than 0"),
        ("near:Kharkiw~50", "did you mean 'Kharkiv'"),
        ("near:Qwxzyvtk~50", "no place named 'Qwxzyvtk'"),
        ('near:"95.0,10"~50', "latitude is within ±90"),
        ("bbox:[52.5,22.0 TO 44.0,40.2]", "is north of the north edge"),
        ("bbox:{44,22 TO 52,40}", "inclusive bounds"),
        ("bbox:[a,b TO c,d]", "is not a point"),
        ("bbox:Kharkiv", "needs a box"),
        ('near:"Kharkiv"~2.5', "takes a whole number"),
    ],
)
def test_bad_geo_clauses_are_clear_query_errors(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(query)
    assert message in caught.value.reason


def test_an_unknown_place_points_at_its_clause() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("actor:NATO AND near:Kharkiw~50")
    assert caught.value.position == len("actor:NATO AND near:")


GEO_QUERIES = [
    "near:Kharkiv~100",
    "actor:NATO AND near:Kharkiv~100km",
    'near:"Nizhny Novgorod"~50 OR bbox:[44.0,22.0 TO 52.5,40.2]',
    'near:"-33.87,151.21"~10',
    "bbox:[-10,170 TO 10,-170] AND topic:protest",
    "near:Kharkiv~2.5 -actor:NATO",
    "(near:Lviv~20 OR near:Kyiv~30) AND actor:NATO",
]


@pytest.mark.parametrize("query", GEO_QUERIES)
def test_fast_parser_builds_the_same_geo_leaves_as_luqum(query: str) -> None:
    fast = fast_tree(query)
    assert fast is not None  # the common geo forms do not need luqum
    reference = TreeBuilder(query).node(parse_query(query), None)
    assert tree_shape(fast[0]) == tree_shape(reference)
    compiled = compile_query(query)
    assert fast_filing(query) == (compiled.required_terms, compiled.also_required, compiled.key_options)


def test_a_place_name_resolves_to_its_best_point() -> None:
    leaf = compile_query("near:Kharkiv~50")._root
    assert isinstance(leaf, NearLeaf)
    assert (round(leaf.lat, 2), round(leaf.lon, 2)) == (49.98, 36.25)
    assert leaf.place.startswith("Kharkiv (UA")
    washington = compile_query("near:Washington~10")._root
    assert isinstance(washington, NearLeaf)
    assert round(washington.lat) == 39  # the capital, the most populous Washington
    oblast = compile_query('near:"Kharkiv Oblast"~10')._root
    assert isinstance(oblast, NearLeaf)
    assert oblast.place.endswith("UA-63)")


# -- checks and explanations ---------------------------------------------------------------


def test_explanation_names_each_place_within_reach_nearest_first_with_its_distance() -> None:
    kharkiv = place("Kharkiv", *KHARKIV, id="706483")
    story = story_with(VOVCHANSK, MARIUPOL, kharkiv)
    found = compile_query("near:Kharkiv~100").match(story)
    assert found is not None
    assert [(c.tag_name, c.distance_km) for c in found.explanation] == [("Kharkiv", 0.0), ("Vovchansk", 59.8)]
    first = found.explanation[1]
    assert first.clause == "near:Kharkiv~100"
    assert first.tag_id == "689526"
    assert first.mentions == VOVCHANSK.mentions
    boxed = compile_query("bbox:[49.0,35.0 TO 51.0,38.0]").match(story)
    assert boxed is not None
    assert [c.tag_name for c in boxed.explanation] == ["Vovchansk", "Kharkiv"]
    assert all(c.distance_km is None for c in boxed.explanation)


def test_countries_do_not_count_and_min_confidence_applies() -> None:
    ukraine = place("Ukraine", 49.0, 31.0, kind="country", id="UA")
    assert not compile_query('near:"49.0,31.0"~50').test(story_with(ukraine))
    oblast = place("Kharkiv Oblast", 49.764, 36.3739, kind="subdivision", id="UA-63")
    assert compile_query("near:Kharkiv~50").test(story_with(oblast))
    shaky = place("Vovchansk", 50.2909, 36.9411, confidence=0.4)
    query = compile_query("near:Kharkiv~100")
    assert query.test(story_with(shaky))
    assert not query.test(story_with(shaky), min_confidence=0.5)
    found = query.match(story_with(shaky, VOVCHANSK), min_confidence=0.5)
    assert found is not None
    assert len(found.explanation) == 1


def test_the_index_finds_geo_subscriptions_through_cells() -> None:
    subs = [
        make_subscription("near", query="actor:NATO AND near:Kharkiv~100km"),
        make_subscription("box", query="bbox:[49.0,35.0 TO 51.0,38.0]"),
        make_subscription("far", query="near:Lviv~50"),
    ]
    index = SubscriptionIndex()
    for sub in subs:
        index.add(sub)
    near = story_with(VOVCHANSK, actors=(NATO,))
    assert [m.subscription.id for m in index.match(near)] == ["box", "near"]
    assert index.match(story_with(MARIUPOL, actors=(NATO,))) == []
    assert index.candidates(story_with(MARIUPOL, actors=(NATO,))) <= 1  # near Kharkiv: filed under NATO


# -- the index equals a plain check (property) ----------------------------------------------

# Points of places: the distances between them span villages to continents.
POINTS = [
    ("Kharkiv", 49.9818, 36.2548),
    ("Vovchansk", 50.2909, 36.9411),
    ("Belgorod", 50.6034, 36.5809),
    ("Mariupol", 47.0971, 37.5434),
    ("Lviv", 49.8383, 24.0232),
    ("Suva", -18.1416, 178.4419),
    ("Apia", -13.8333, -171.7667),
    ("Longyearbyen", 78.2232, 15.6267),
    ("Quito", -0.2299, -78.5249),
]

coordinate = st.tuples(
    st.floats(min_value=-89.0, max_value=89.0, allow_nan=False),
    st.floats(min_value=-180.0, max_value=180.0, allow_nan=False),
)
near_point = st.one_of(
    st.sampled_from([(lat, lon) for _, lat, lon in POINTS]),
    coordinate,
)


@st.composite
def geo_query(draw: st.DrawFn) -> tuple[str, tuple[str, float, float, float, tuple[float, ...] | None]]:
    """A geo clause and what it means: ("near", lat, lon, radius, None) or ("bbox", ..., box)."""
    if draw(st.booleans()):
        lat, lon = draw(near_point)
        radius = draw(st.sampled_from([1, 5, 30, 60, 100, 250, 400, 1500, 5000]))
        return f'near:"{lat:.4f},{lon:.4f}"~{radius}', ("near", round(lat, 4), round(lon, 4), radius, None)
    a, b = draw(coordinate), draw(coordinate)
    south, north = sorted((round(a[0], 3), round(b[0], 3)))
    west, east = round(a[1], 3), round(b[1], 3)
    return f'bbox:["{south},{west}" TO "{north},{east}"]', ("bbox", 0, 0, 0, (south, west, north, east))


def brute(meaning: tuple[str, float, float, float, tuple[float, ...] | None], lat: float, lon: float) -> bool:
    kind, clat, clon, radius, box = meaning
    if kind == "near":
        return plain_km(clat, clon, lat, lon) <= radius
    assert box is not None
    south, west, north, east = box
    return south <= lat <= north and (west <= lon <= east if west <= east else (lon >= west or lon <= east))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    queries=st.lists(geo_query(), min_size=1, max_size=12),
    stories=st.lists(
        st.lists(st.one_of(st.sampled_from(POINTS), coordinate), max_size=4), min_size=1, max_size=6
    ),
)
def test_index_equals_plain_check_and_plain_distance(
    queries: list[tuple[str, tuple[str, float, float, float, tuple[float, ...] | None]]],
    stories: list[list[tuple[str, float, float] | tuple[float, float]]],
) -> None:
    index = SubscriptionIndex()
    compiled = []
    for i, (query, _) in enumerate(queries):
        sub = make_subscription(f"q{i:02d}", query=query)
        index.add(sub)
        compiled.append((sub, compile_query(query)))
    for n, points in enumerate(stories):
        coords = [(float(p[1]), float(p[2])) if len(p) == 3 else (float(p[0]), float(p[1])) for p in points]
        tags = [place(f"P{k}", lat, lon, id=f"p{k}") for k, (lat, lon) in enumerate(coords)]
        story = story_with(*tags, story_id=f"s{n}")
        found = index.match(story)
        assert found == match_all_plain(compiled, story)
        for sub, (_, meaning) in zip((s for s, _ in compiled), queries, strict=True):
            expect = any(brute(meaning, lat, lon) for lat, lon in coords)
            got = any(m.subscription.id == sub.id for m in found)
            if expect != got:  # only on a boundary, where two formulas may round apart
                assert meaning[0] == "near"
                assert any(
                    abs(plain_km(meaning[1], meaning[2], lat, lon) - meaning[3]) < 1e-3 for lat, lon in coords
                )


def test_random_geo_workload_index_equals_plain() -> None:
    """Many subscriptions at once (cells shared between queries), seeded."""
    rng = random.Random(14)
    index = SubscriptionIndex()
    compiled = []
    for i in range(300):
        lat, lon = rng.uniform(44, 56), rng.uniform(22, 42)
        if i % 3:
            query = f'near:"{lat:.3f},{lon:.3f}"~{rng.choice([10, 50, 100, 300])}'
        else:
            query = (
                f"bbox:[{lat:.2f},{lon:.2f} TO {lat + rng.uniform(0, 3):.2f},{lon + rng.uniform(0, 5):.2f}]"
            )
        if i % 4 == 0:
            query = f"actor:NATO AND {query}"
        sub = make_subscription(f"q{i:03d}", query=query)
        index.add(sub)
        compiled.append((sub, compile_query(query)))
    for n in range(60):
        tags = tuple(place(f"P{k}", rng.uniform(44, 56), rng.uniform(22, 42), id=f"p{k}") for k in range(3))
        story = story_with(*tags, actors=(NATO,) if n % 2 else (), story_id=f"s{n}")
        assert index.match(story) == match_all_plain(compiled, story)
