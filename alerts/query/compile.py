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
from alerts.query.evaluate import UNBOUNDED, AndNode, Node, Presearch
from alerts.query.fastparse import fast_tree
from alerts.query.fields import is_prefix_key
from alerts.query.parse import TreeBuilder, first_negation, parse_query
from alerts.query.story import PreparedStory, prepare

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemas.models import EnrichedStory, MatchedClause


@dataclass(frozen=True, slots=True)
class Match:
    """Why a query matched a story: the clauses that held, in query order."""

    explanation: tuple[MatchedClause, ...]


class CompiledQuery:
    """A parsed, validated query: checks stories and lists the terms the index needs."""

    __slots__ = ("_root", "also_required", "clauses", "holds", "key_options", "query", "required_terms")

    def __init__(  # noqa: PLR0917 - built in one place, by compile_query
        self,
        query: str,
        root: Node,
        clauses: int,
        required_terms: frozenset[str] | None,
        also_required: frozenset[str] | None = None,
        key_options: tuple[frozenset[str], ...] = (),
    ) -> None:
        self.query = query
        self._root = root
        self.clauses = clauses
        #: Keys one of which every matching story carries (see :attr:`PreparedStory.keys`);
        #: ``None`` when the query cannot be reduced to keys and must see every story.
        self.required_terms = required_terms
        #: For a top-level AND: the key set of another of its children (exact keys only), of
        #: which a matching story also carries one; the index uses it as a second filter.
        self.also_required = also_required
        #: Every key set of which a matching story carries a key (for a top-level AND: one
        #: per indexable child, cheapest first by the static costs; else ``required_terms``
        #: alone). An index that knows how often stories carry each key (see
        #: :class:`alerts.index.TermStatistics`) files the query under the rarest of them.
        self.key_options = key_options or ((required_terms,) if required_terms is not None else ())
        #: ``holds(prepared, min_confidence) -> bool``: the bare verify step for a
        #: :class:`PreparedStory` (no argument handling, no explanation); the index's hot path.
        self.holds: Callable[[PreparedStory, float], bool] = root.test

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


def compile_query(query: str) -> CompiledQuery:
    """Parse and compile a subscription query; raise :class:`QueryError` if it is invalid."""
    fast = fast_tree(query)  # the common syntax without luqum (~5x faster); None: luqum's turn
    if fast is not None:
        root, clauses = fast
        result = root.presearch()
        if result != UNBOUNDED:
            return _compiled(query, root, clauses, result)
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
    return _compiled(query, root, builder.clauses, result)


def _compiled(query: str, root: Node, clauses: int, result: Presearch) -> CompiledQuery:
    """The compiled query of a bounded tree (``result``: its presearch, not UNBOUNDED)."""
    required = result if isinstance(result, frozenset) else None
    also = None
    options: tuple[frozenset[str], ...] = ()
    if required is not None and isinstance(root, AndNode):
        options = tuple(root.ranked_key_sets())
        others = [ks for ks in options[1:] if not any(is_prefix_key(k) for k in ks)]
        also = others[0] if others else None
    return CompiledQuery(query, root, clauses, required, also, options)
