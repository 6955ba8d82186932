"""The fast compile path (:mod:`alerts.query.fastparse`) builds exactly luqum's tree, or steps aside.

The filing path (:func:`~alerts.query.fastparse.fast_filing`: index keys from the syntax alone,
no tree) gives exactly the compiled query's keys, or steps aside too.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alerts.errors import QueryError
from alerts.query import compile_query
from alerts.query.compile import query_filing
from alerts.query.fastparse import fast_filing, fast_tree, tree_shape
from alerts.query.parse import TreeBuilder, parse_query
from tests.alerts.test_index_property import leaves, queries

# Characters that make luqum's grammar interesting, to throw random strings at both paths.
TRICKY = st.lists(
    st.sampled_from([*"ab:\"()-+*? ^~\\/[]{}'<>T1", "AND", "OR", "NOT", "actor", "TO", "T12"]), max_size=6
).map("".join)


def _slow(query: str) -> tuple[object, int] | None:
    try:
        tree = parse_query(query)
        builder = TreeBuilder(query)
        root = builder.node(tree, None)
    except QueryError:
        return None
    return root, builder.clauses


def _check(query: str, *, in_hypothesis: bool = True) -> None:
    fast = fast_tree(query)
    if in_hypothesis:
        event(f"fast path: {fast is not None}")
    if fast is None:
        return
    slow = _slow(query)
    assert slow is not None, query
    fast_root, fast_clauses = fast
    slow_root, slow_clauses = slow
    # Leaves are shared per clause while alive: both trees hold the same leaf objects.
    assert tree_shape(fast_root) == tree_shape(slow_root), query  # type: ignore[arg-type]
    assert fast_clauses == slow_clauses
    _check_filing(query)


def _check_filing(query: str) -> None:
    """The keys read from the syntax are the compiled query's (and invalid queries still fail)."""
    filing = fast_filing(query)
    try:
        compiled = compile_query(query)
    except QueryError:
        assert filing is None, query
        with pytest.raises(QueryError):
            query_filing(query)
        return
    if filing is not None:
        assert filing == (compiled.required_terms, compiled.also_required, compiled.key_options), query
    assert query_filing(query) == compiled.filing
    # A query compiled again by the index (``checked``) has the same tree and keys.
    again = compile_query(query, checked=True)
    assert again.filing == compiled.filing


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries())
def test_fast_path_builds_luqums_tree(query: str) -> None:
    _check(query)


# Operands joined without parentheses: luqum's precedence decides (``a AND b -c`` is ``a AND (b -c)``).
JOINERS = st.sampled_from([" AND ", " OR ", " ", " -", " +", " NOT ", " AND NOT ", " OR -", " AND -"])


@st.composite
def flat_queries(draw: st.DrawFn) -> str:
    operands = draw(st.lists(leaves() | queries(), min_size=1, max_size=6))
    out = operands[0]
    for operand in operands[1:]:
        out += draw(JOINERS) + operand
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=flat_queries())
def test_fast_path_follows_luqums_precedence(query: str) -> None:
    _check(query)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(TRICKY, min_size=1, max_size=8))
def test_fast_path_on_odd_syntax_builds_luqums_tree_or_steps_aside(parts: list[str]) -> None:
    _check(" ".join(parts))
    _check_filing(" ".join(parts))


@pytest.mark.parametrize(
    "query",
    [
        "a OR NOT b",
        "NOT a",
        "-a -b",
        "actor:(A B) lang:en",
        "(a AND b) OR c",
        "text:*ab",
        "abc* def*",
        "a*c",
        '"a b" -c',
        'title:"x y" AND actor:foo*',
        "actor:(NATO OR EU) AND -topic:x",
        "actor:(NATO AND EU)",
        "country:fr AND (place:paris OR place:lyon) AND lang:en",
        "actor:** AND a",
        'text:"*"',
        "actor:-- AND a",
        'actor:""',
        "source:abc? AND lang:e*",
        " OR ".join(f"w{i}" for i in range(201)),
        "caf\u00e9 AND Ελλάδα",
    ],
)
def test_filing_from_the_syntax_equals_the_compiled_keys(query: str) -> None:
    _check_filing(query)


@pytest.mark.parametrize(
    ("query", "fast"),
    [
        ("a b OR c", True),
        ("a AND b c AND d OR e", True),
        ('actor:(NATO OR "European Union") -topic:sport', True),
        ("+a -(b OR c) NOT d", True),
        ("(a AND b) AND c", True),
        ("a AND b -c OR d", True),
        ("a AND b c", True),
        ("a^2", False),
        ("a~1", False),
        ("a\\:b", False),
        ("field : a", False),
        ("actor:place:x", False),
        ("[a TO b]", False),
        ("", False),
    ],
)
def test_which_queries_take_the_fast_path(query: str, *, fast: bool) -> None:
    assert (fast_tree(query) is not None) is fast
    if fast:
        _check(query, in_hypothesis=False)


def test_errors_come_from_luqum_with_their_positions() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("NATO AND")
    assert "unexpected end" in caught.value.reason
    with pytest.raises(QueryError, match="none of its terms"):
        compile_query("NOT a")
