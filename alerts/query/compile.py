"""Compiling a query: :func:`compile_query` and :class:`CompiledQuery`.

A compiled query holds the node tree (see :mod:`alerts.query.evaluate`), checks stories
with it and explains its matches (:class:`Match`); it also holds what the subscription index
needs to file it: :attr:`CompiledQuery.required_terms`, :attr:`CompiledQuery.key_options`
and :attr:`CompiledQuery.also_required`, from the tree's presearch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alerts.errors import QueryError
from alerts.query.evaluate import UNBOUNDED, AndNode, Keys, Node, Presearch
from alerts.query.fastparse import fast_filing, fast_tree
from alerts.query.fields import is_prefix_key
from alerts.query.parse import TreeBuilder, first_negation, parse_query
from alerts.query.story import PreparedStory, prepare

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemas.models import EnrichedStory, MatchedClause


#: Where the index files a query: ``(required_terms, also_required, key_options)`` of
#: :class:`CompiledQuery` (the first ``None`` when it must see every story).
QueryFiling = tuple[Keys | None, Keys | None, tuple[Keys, ...]]


@dataclass(frozen=True, slots=True)
class Match:
    """Why a query matched a story: the clauses that held, in query order."""

    explanation: tuple[MatchedClause, ...]


class CompiledQuery:
    """A parsed, validated query: checks stories and lists the terms the index needs."""

    __slots__ = ("_filing", "_root", "clauses", "holds", "query")

    def __init__(self, query: str, root: Node, clauses: int, filing: QueryFiling | None = None) -> None:
        self.query = query
        self._root = root
        self.clauses = clauses
        # (required_terms, also_required, key_options), from the tree's presearch when first asked
        # (a query the index compiles again only to check stories never needs them).
        self._filing: QueryFiling | None = filing
        #: ``holds(prepared, min_confidence) -> bool``: the bare verify step for a
        #: :class:`PreparedStory` (no argument handling, no explanation); the index's hot path.
        self.holds: Callable[[PreparedStory, float], bool] = root.test

    def _keys(self) -> QueryFiling:
        found = self._filing
        if found is None:
            found = self._filing = _filing(self._root, self._root.presearch())
        return found

    @property
    def required_terms(self) -> Keys | None:
        """Keys one of which every matching story carries (see :attr:`PreparedStory.keys`).

        ``None`` when the query cannot be reduced to keys and must see every story.
        """
        return self._keys()[0]

    @property
    def also_required(self) -> Keys | None:
        """For a top-level AND: the key set of another of its children (exact keys only).

        A matching story also carries one of them; the index uses it as a second filter.
        """
        return self._keys()[1]

    @property
    def key_options(self) -> tuple[Keys, ...]:
        """Every key set of which a matching story carries a key.

        For a top-level AND: one per indexable child, cheapest first by the static costs; else
        ``required_terms`` alone. An index that knows how often stories carry each key (see
        :class:`alerts.index.TermStatistics`) files the query under the rarest of them.
        """
        return self._keys()[2]

    @property
    def filing(self) -> QueryFiling:
        """``(required_terms, also_required, key_options)`` at once."""
        return self._keys()

    @property
    def always_check(self) -> bool:
        """True when the index must check this query against every story."""
        return self.required_terms is None

    def test(self, story: EnrichedStory | PreparedStory, *, min_confidence: float = 0.0) -> bool:
        """Whether the query holds, without building an explanation."""
        return self._root.test(prepare(story), min_confidence)

    def match(self, story: EnrichedStory | PreparedStory, *, min_confidence: float = 0.0) -> Match | None:
        """Check the story exactly; ``None`` if the query does not hold, else why it holds."""
        prepared = prepare(story)
        if not self._root.test(prepared, min_confidence):
            return None
        out: list[MatchedClause] = []
        self._root.explain(prepared, min_confidence, out)
        return Match(tuple(out))

    def explain(self, story: PreparedStory, min_confidence: float = 0.0) -> tuple[MatchedClause, ...]:
        """Why the query holds on ``story`` (call only when :attr:`holds` says it does)."""
        out: list[MatchedClause] = []
        self._root.explain(story, min_confidence, out)
        return tuple(out)

    def __repr__(self) -> str:
        return f"CompiledQuery({self.query!r})"


def compile_query(query: str, *, checked: bool = False) -> CompiledQuery:
    """Parse and compile a subscription query; raise :class:`QueryError` if it is invalid.

    ``checked``: the query compiled before (the index compiles a query again when its cache
    dropped it): the fast path's tree is taken without its presearch (computed if asked).
    """
    fast = fast_tree(query)  # the common syntax without luqum (~5x faster); None: luqum's turn
    if fast is not None:
        root, clauses = fast
        if checked:
            return CompiledQuery(query, root, clauses)
        result = root.presearch()
        if result != UNBOUNDED:
            return CompiledQuery(query, root, clauses, _filing(root, result))
    tree = parse_query(query)
    builder = TreeBuilder(query)
    root = builder.node(tree, None)
    result = root.presearch()
    if result == UNBOUNDED:
        raise QueryError(
            "query can match a story that has none of its terms (e.g. only NOT clauses); "
            "add a positive term with AND",
            query=query,
            position=first_negation(tree),
        )
    return CompiledQuery(query, root, builder.clauses, _filing(root, result))


def query_filing(query: str) -> QueryFiling:
    """``(required_terms, also_required, key_options)`` of ``query``, as its compiled query has them.

    Read from the syntax alone when the fast path can (:func:`~alerts.query.fastparse.fast_filing`:
    no tree, no leaves; a few µs), else compiled; raises :class:`QueryError` if it is invalid.
    Building an index of a million subscriptions needs only this: the trees are compiled
    when stories need them.
    """
    found = fast_filing(query)
    if found is not None:
        return found
    return compile_query(query).filing


def _filing(root: Node, result: Presearch) -> QueryFiling:
    """``(required, also, options)`` of a bounded tree (``result``: its presearch, not UNBOUNDED)."""
    required = result if isinstance(result, frozenset) else None
    also = None
    options: tuple[Keys, ...] = ()
    if required is not None and isinstance(root, AndNode):
        options = tuple(root.ranked_key_sets())
        others = [ks for ks in options[1:] if not any(is_prefix_key(k) for k in ks)]
        also = others[0] if others else None
    return required, also, options or ((required,) if required is not None else ())
