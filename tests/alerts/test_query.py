"""Query semantics, errors and explanations (the alerts.query package)."""

from __future__ import annotations

import functools

import pytest

from alerts.errors import AlertError, QueryError
from alerts.index import SubscriptionIndex
from alerts.query import MAX_CLAUSES, MAX_QUERY_LENGTH, PreparedStory, compile_query
from alerts.text import norm_value, tokens
from tests.factories import make_enriched, make_mention, make_subscription, make_tag
from wirewatch.errors import WirewatchError

TITLE = "NATO warns of build-up on Russia–Ukraine border"
STANDFIRST = "Alliance ministers meet in Brussels"
BODY = "Troops gathered near Kharkiv, officials said.\n\nGazprom declined to comment on gas flows."


NATO = make_tag(
    "NATO",
    id="Q7184",
    aliases=("North Atlantic Treaty Organization", "OTAN"),
    confidence=0.9,
    mentions=(make_mention("NATO", field="title", within=TITLE),),
)
GAZPROM = make_tag(
    "Gazprom", id="Q102673", confidence=0.4, mentions=(make_mention("Gazprom", field="body", within=BODY),)
)
BORDER = make_tag(
    "Russia–Ukraine border",
    id="russia-ukraine-border",
    type="region",
    confidence=0.7,
    mentions=(make_mention("Russia–Ukraine border", field="title", within=TITLE),),
)
UKRAINE = make_tag("Ukraine", id="UA", type="country", country="UA", aliases=("Ukraina",), confidence=0.8)
KHARKIV = make_tag(
    "Kharkiv",
    id="706483",
    type="city",
    country="UA",
    aliases=("Kharkov",),
    confidence=0.95,
    mentions=(make_mention("Kharkiv", field="body", within=BODY),),
)
BRUSSELS = make_tag(
    "Brussels",
    id="2800866",
    type="city",
    country="BE",
    confidence=0.3,
    mentions=(make_mention("Brussels", field="standfirst", within=STANDFIRST),),
)
ENERGY = make_tag("Energy", id="energy", type="topic", aliases=("oil_and_gas",), confidence=0.6)


enriched = functools.partial(
    make_enriched,
    id="s1",
    title=TITLE,
    standfirst=STANDFIRST,
    body=BODY,
    source="Reuters World",
    language="en",
    cluster_id="c1",
    countries=("BE", "RU", "UA"),
    actors=(NATO, GAZPROM),
    regions=(BORDER,),
    places=(UKRAINE, KHARKIV, BRUSSELS),
    topics=(ENERGY,),
)
STORY = enriched()


# (query, matches at min_confidence 0)
SEMANTICS = [
    # the example from the issue, and its case/dash/space variants
    ('actor:NATO AND region:"Russia–Ukraine border"', True),
    ('actor:nato AND region:"russia-ukraine border"', True),
    ("region:RUSSIA_UKRAINE_BORDER", True),
    ('region:"Russia — Ukraine   border"', True),
    ("region:russia-ukraine-border", True),
    ('region:"Russia border"', False),
    # id, name, alias
    ("actor:Q7184", True),
    ('actor:"north atlantic treaty organization"', True),
    ("actor:otan", True),
    ("actor:EU", False),
    ("place:kharkov", True),
    ("topic:oil-and-gas", True),
    ("topic:energy", True),
    ("topic:Kharkiv", False),  # fields do not leak into each other
    # boolean operators and grouping
    ("actor:NATO OR actor:EU", True),
    ("actor:EU OR actor:UN", False),
    ("actor:NATO AND actor:EU", False),
    ("actor:NATO AND NOT actor:Gazprom", False),
    ("actor:NATO -place:Moscow", True),
    ("actor:NATO -place:Kharkiv", False),
    ("+actor:NATO +topic:energy", True),
    ("actor:NATO NOT topic:energy", False),
    ("actor:NATO place:Moscow", False),  # implicit operator is AND
    ("actor:NATO (place:Moscow OR place:Kharkiv)", True),
    ("(actor:EU OR actor:NATO) AND (region:x OR topic:energy)", True),
    ("actor:(EU OR NATO)", True),
    ("actor:(EU OR UN)", False),
    ("actor:(NATO AND Gazprom)", True),
    ("actor:(NATO -Gazprom)", False),
    ("actor:NATO^2", True),  # boosts are ignored
    # country codes, country tags
    ("country:UA", True),
    ("country:ua", True),
    ("country:RU", True),  # in story.countries without a tag
    ("country:FR", False),
    ("country:Ukraine", True),
    ("country:ukraina", True),
    ("country:Kharkiv", False),  # a city is not a country
    # source, lang
    ("source:reuters-world", True),
    ('source:"REUTERS WORLD"', True),
    ("source:reuters", False),
    ("source:reut*", True),
    ("lang:EN", True),
    ("lang:de", False),
    # text and title words and phrases
    ("kharkiv", True),
    ("KHARKIV", True),
    ("text:kharkiv", True),
    ("title:kharkiv", False),
    ("title:nato", True),
    ("brussels", True),  # standfirst is text
    ('"build up"', True),
    ("build-up", True),
    ('"gas flows"', True),
    ('"flows gas"', False),
    ('"border alliance"', False),  # no phrase across title and standfirst
    ('title:"russia ukraine"', True),
    ('"officials said"', True),
    ('"said gazprom"', True),  # the paragraph break is not a field boundary
    ("moscow", False),
    # wildcards
    ("gaz*", True),
    ("text:gaz?rom", True),
    ("title:gaz*", False),
    ("kh*v", True),
    ("*prom", True),
    ("text:zz*", False),
    ("actor:nat*", True),
    ("actor:*prom", True),
    ("region:russia*border", True),
    ("place:k?arkiv", True),
    ("country:u?", True),
    ("country:ukr*", True),
    ("country:fr*", False),
    ("build-u*", True),
]


@pytest.mark.parametrize(("query", "expected"), SEMANTICS)
def test_semantics(query: str, expected: bool) -> None:
    compiled = compile_query(query)
    assert (compiled.match(STORY) is not None) is expected
    assert compiled.test(STORY) is expected


# (query, min_confidence, matches) — tags below min_confidence do not count
CONFIDENCE = [
    ("actor:NATO", 0.9, True),
    ("actor:NATO", 0.91, False),
    ("actor:gazprom", 0.4, True),
    ("actor:gazprom", 0.5, False),
    ("actor:gaz*", 0.5, False),
    ("actor:NATO OR actor:Gazprom", 0.5, True),
    ("actor:NATO -actor:Gazprom", 0.5, True),  # a tag too weak to count is absent
    ("country:UA", 0.9, True),  # Kharkiv (0.95) supports UA
    ("country:UA", 0.96, False),
    ("country:RU", 0.1, False),  # no place tag supports RU
    ("country:RU", 0.0, True),
    ("country:ukraine", 0.85, False),
    ("gazprom", 1.0, True),  # text has no confidence
]


@pytest.mark.parametrize(("query", "min_confidence", "expected"), CONFIDENCE)
def test_min_confidence(query: str, min_confidence: float, expected: bool) -> None:
    assert (compile_query(query).match(STORY, min_confidence=min_confidence) is not None) is expected


def test_story_without_standfirst_or_language() -> None:
    story = enriched(standfirst=None, language=None, title="")
    assert compile_query("brussels").match(story) is None
    assert compile_query("kharkiv").match(story) is not None
    assert compile_query("title:kharkiv").match(story) is None
    assert compile_query("lang:en").match(story) is None


def test_prepared_story_is_reused() -> None:
    prepared = PreparedStory(STORY)
    assert compile_query("actor:NATO").match(prepared) is not None
    assert compile_query("actor:EU").match(prepared) is None


# (query, [(clause, field, value, tag_id, [mention texts])])
Expected = list[tuple[str, str, str, str | None, list[str]]]
EXPLANATIONS: list[tuple[str, Expected]] = [
    (
        'actor:NATO AND region:"Russia–Ukraine border"',
        [
            ("actor:NATO", "actor", "NATO", "Q7184", ["NATO"]),
            (
                'region:"Russia–Ukraine border"',
                "region",
                "Russia–Ukraine border",
                "russia-ukraine-border",
                ["Russia–Ukraine border"],
            ),
        ],
    ),
    # every alternative of an OR that holds is reported; NOT clauses are not
    (
        "actor:(NATO OR Gazprom OR EU) -place:Moscow",
        [
            ("actor:NATO", "actor", "NATO", "Q7184", ["NATO"]),
            ("actor:Gazprom", "actor", "Gazprom", "Q102673", ["Gazprom"]),
        ],
    ),
    ('"gas flows"', [('"gas flows"', "text", "gas flows", None, ["gas flows"])]),
    ("build-up", [("build-up", "text", "build-up", None, ["build-up"])]),
    ("gaz*", [("gaz*", "text", "gaz*", None, ["Gazprom"])]),
    ("title:russia", [("title:russia", "title", "russia", None, ["Russia"])]),
    ("place:kharkov", [("place:kharkov", "place", "kharkov", "706483", ["Kharkiv"])]),
    ("country:UA", [("country:UA", "country", "UA", "UA", [])]),
    # a code supported only by a city: the city's mentions are the evidence
    ("country:BE", [("country:BE", "country", "BE", None, ["Brussels"])]),
    ("country:RU", [("country:RU", "country", "RU", None, [])]),
    (
        "lang:en AND source:reuters*",
        [("lang:en", "lang", "en", None, []), ("source:reuters*", "source", "reuters*", None, [])],
    ),
]


@pytest.mark.parametrize(("query", "expected"), EXPLANATIONS)
def test_explanations(query: str, expected: Expected) -> None:
    found = compile_query(query).match(STORY)
    assert found is not None
    got = [(c.clause, c.field, c.value, c.tag_id, [m.text for m in c.mentions]) for c in found.explanation]
    assert got == expected
    # Mentions point into the story: getattr(story, field)[start:end] is the mention's text.
    mentions = [m for c in found.explanation for m in c.mentions]
    assert [getattr(STORY, m.field)[m.start : m.end] for m in mentions] == [
        text for *_, texts in expected for text in texts
    ]


def test_explanation_names_tag() -> None:
    found = compile_query("actor:otan").match(STORY)
    assert found is not None
    (clause,) = found.explanation
    assert (clause.tag_id, clause.tag_name) == ("Q7184", "NATO")


# (query, position of the caret, words in the message)
ERRORS = [
    ("", 0, "empty query"),
    ("   ", 0, "empty query"),
    ("foo:bar", 0, "unknown field 'foo'"),
    ("actor:NATO AND foo:bar", 15, "unknown field 'foo'"),
    ("actor:NATO AND", 14, "unexpected end"),
    ("actor:(NATO OR EU", 17, "unexpected end"),
    ("actor:NATO)", 10, "unexpected ')'"),
    ('actor:"NATO', 6, "unterminated phrase"),
    ("NOT actor:NATO", 0, "none of its terms"),
    ("-actor:NATO", 0, "none of its terms"),
    ("actor:NATO OR NOT actor:EU", 14, "none of its terms"),
    ("actor:NATO OR -actor:EU", 14, "none of its terms"),
    ("actor:[a TO b]", 6, "ranges"),
    ("actor:NATO AND text:/gaz.*/", 20, "regular expressions"),
    ("text:gazprom~1", 5, "fuzzy"),
    ('"gas flows"~2', 0, "proximity"),
    ("actor:(NATO OR place:Kyiv)", 15, "field 'place' inside the 'actor' field group"),
    ("actor:place:Kyiv", 6, "field 'place' inside"),
    ("text:*", 5, "wildcard needs at least one letter"),
    ("actor:??", 6, "wildcard needs at least one letter"),
    ('actor:"–"', 6, "empty value"),
    ('text:"--"', 5, "no words"),
    ("text:'--'", 5, "illegal character"),
    ("nato\\", 4, "illegal character"),
]


@pytest.mark.parametrize(("query", "position", "message"), ERRORS)
def test_errors(query: str, position: int, message: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(query)
    err = info.value
    assert message in str(err)
    assert (err.query, err.position, err.column) == (query, position, position + 1)
    # the caret line points at the position
    line, caret = str(err).splitlines()[-2:]
    assert caret.index("^") - 2 == position
    assert line[2:] == query


def test_error_hierarchy() -> None:
    with pytest.raises(AlertError):
        compile_query("bogus:x")
    assert issubclass(QueryError, WirewatchError)


def test_limits() -> None:
    with pytest.raises(QueryError, match="longer than") as info:
        compile_query("a" * (MAX_QUERY_LENGTH + 1))
    assert info.value.position == MAX_QUERY_LENGTH
    compile_query(" OR ".join(["kharkiv"] * MAX_CLAUSES))
    too_many = " OR ".join(["kharkiv"] * (MAX_CLAUSES + 1))
    with pytest.raises(QueryError, match="more than 200 clauses") as info:
        compile_query(too_many)
    assert info.value.position == too_many.rindex("kharkiv")


# (query, required_terms; None means "checked against every story")
REQUIRED = [
    ("actor:NATO", {"actor:nato"}),
    ('actor:NATO AND region:"Russia–Ukraine border"', {"actor:nato"}),
    ("lang:en AND topic:energy", {"topic:energy"}),  # the rarer side of an AND
    ("actor:(NATO OR EU)", {"actor:nato", "actor:eu"}),
    ("actor:NATO -place:Moscow", {"actor:nato"}),
    ('"gas flows" AND actor:NATO', {"actor:nato"}),
    ('"gas flows" title:x', {"text:flows"}),  # the longer word is likely rarer
    ('"gas flows"', {"text:flows"}),
    ("title:Gazprom", {"text:gazprom"}),
    ("gaz*", {"text*:gaz"}),
    ("actor:nato*", {"actor*:nat"}),
    ("ga*", None),
    ("*prom", None),
    ("*prom AND country:UA", {"country:ua"}),
    ("*prom OR country:UA", None),
]


@pytest.mark.parametrize(("query", "expected"), REQUIRED)
def test_required_terms(query: str, expected: set[str] | None) -> None:
    compiled = compile_query(query)
    assert compiled.required_terms == (None if expected is None else frozenset(expected))
    assert compiled.always_check is (expected is None)


# The SEMANTICS queries the index cannot file under a key (a wildcard with fewer than
# PREFIX_LEN literal leading characters): it checks them against every story instead.
UNINDEXED = ["kh*v", "*prom", "actor:*prom", "place:k?arkiv", "country:u?", "text:zz*", "country:fr*"]
MATCHING_INDEXED = [q for q, expected in SEMANTICS if expected and q not in UNINDEXED]


def test_unindexed_cases_are_semantics_cases() -> None:
    # Keeps the split above in step with SEMANTICS (a query listed as unindexed that is not
    # would fail the test of unindexed queries; the reverse fails the required terms test).
    assert set(UNINDEXED) <= {q for q, _ in SEMANTICS}


@pytest.mark.parametrize("query", MATCHING_INDEXED)
def test_required_terms_are_in_matching_story(query: str) -> None:
    # The index's promise: a matching story carries one of the required terms, and one key
    # of every key set the query may be filed under instead (by learned term statistics).
    compiled = compile_query(query)
    prepared = PreparedStory(STORY)
    assert compiled.test(prepared)
    assert compiled.required_terms is not None
    assert compiled.required_terms & prepared.keys
    assert compiled.key_options
    assert [options for options in compiled.key_options if not options & prepared.keys] == []


@pytest.mark.parametrize("query", UNINDEXED)
def test_unindexed_queries_are_checked_against_every_story(query: str) -> None:
    compiled = compile_query(query)
    assert (compiled.required_terms, compiled.key_options, compiled.always_check) == (None, (), True)
    index = SubscriptionIndex()
    index.add(make_subscription("q", query=query))
    assert (index.always_checked, index.keys, index.candidates(STORY)) == (1, 0, 1)


@pytest.mark.parametrize(("query", "expected"), SEMANTICS)
def test_index_matches_exactly_what_the_query_matches(query: str, expected: bool) -> None:
    # Both ways: the presearch loses no matching story, and verification lets no other through.
    index = SubscriptionIndex()
    index.add(make_subscription("q", query=query))
    assert [m.subscription.id for m in index.match(STORY)] == (["q"] if expected else [])


# (query, also_required: a second AND clause's keys, used by the index as a filter)
ALSO_REQUIRED = [
    ("actor:NATO", None),
    ("actor:NATO AND region:x", {"region:x"}),
    ("actor:NATO AND region:x AND lang:en", {"region:x"}),
    ("actor:NATO AND (place:a OR place:b)", {"place:a", "place:b"}),
    ("actor:NATO AND gaz*", None),  # prefix keys are not used as the second filter
    ("actor:NATO -place:x", None),
    ("(actor:a AND place:b) OR topic:c", None),
]


@pytest.mark.parametrize(("query", "expected"), ALSO_REQUIRED)
def test_also_required(query: str, expected: set[str] | None) -> None:
    also = compile_query(query).also_required
    assert also == (None if expected is None else frozenset(expected))


# (raw, normalized) — the normalization both sides of a comparison use
NORMALIZED = [
    ("Russia–Ukraine border", "russia ukraine border"),
    ("russia-ukraine_border", "russia ukraine border"),
    ("  RUSSIA — UKRAINE\tBORDER ", "russia ukraine border"),
    ("Straße", "strasse"),
    ("ＮＡＴＯ", "nato"),  # fullwidth letters (NFKC)
    ("Côte d'Ivoire", "côte d'ivoire"),
    ("a−b", "a b"),  # minus sign
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZED)
def test_norm_value(raw: str, expected: str) -> None:
    assert norm_value(raw) == expected


TOKENS = [
    ("NATO warns of build-up", ["nato", "warns", "of", "build", "up"]),
    ("Kyiv’s mayor, Vitali Klitschko", ["kyiv", "s", "mayor", "vitali", "klitschko"]),
    ("ＮＡＴＯ Straße", ["nato", "strasse"]),
    ("Путин сказал", ["путин", "сказал"]),
]


@pytest.mark.parametrize(("text", "expected"), TOKENS)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected
