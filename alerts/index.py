"""The subscription index: find the subscriptions a story matches without checking them all.

This is the presearcher idea of Lucene's Monitor. Each compiled query names sets of index
keys of which any matching story must carry one (:attr:`CompiledQuery.key_options`: for an
AND, one per clause); the index files the query under one of them and keeps a posting set
per key. For a story, the index looks up each of the story's values per field (its tag
forms, country codes, source, language and text tokens), keeps the queries for which the
story also carries a value of a second AND clause (a cheap filter in the spirit of
Monitor's multipass presearcher, checked per field against the story's values), adds the
few that cannot be reduced to keys (:attr:`SubscriptionIndex.always_checked`), and verifies
each candidate exactly with a bare boolean (:attr:`CompiledQuery.holds`).

Which clause an AND is filed under decides the work: every story carrying that key looks at
it. :class:`TermStatistics` (how many of a sample of stories carried each key, as Monitor's
``TermWeightor`` takes document frequencies) files it under its rarest clause and filters by
the next rarest; without statistics, static per-field guesses decide. The work per story
then depends on the story and on how many subscriptions share its rare terms, not on how
many subscriptions there are.

Identical query strings share one compiled query, verified once per story (per
``min_confidence`` in use) for all their subscriptions. A match's explanation is built lazily
(:class:`LazyExplanation`), once per matching query, when first read.
"""

from __future__ import annotations

import sys
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

from alerts.errors import QueryError
from alerts.query import CompiledQuery, PreparedStory, compile_query, is_prefix_key, key_cost, prepare

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator

    from schemas.models import EnrichedStory, MatchedClause, Subscription


# second field ("" for none) -> second value ("" for none) -> the groups filed there
_BySecond = dict[str, dict[str, tuple["_Group", ...]]]


class LazyExplanation:
    """Why one query holds on one story, built on first use and then kept.

    The index verifies candidates with a bare boolean (:attr:`CompiledQuery.holds`) and
    hands every subscription of a matching query the same handle, so an explanation is
    built at most once per distinct query (and ``min_confidence``) per story, and only if
    someone reads it.
    """

    __slots__ = ("_compiled", "_min_confidence", "_story", "_value")

    def __init__(self, compiled: CompiledQuery, story: PreparedStory, min_confidence: float) -> None:
        self._compiled = compiled
        self._story = story
        self._min_confidence = min_confidence
        self._value: tuple[MatchedClause, ...] | None = None

    def get(self) -> tuple[MatchedClause, ...]:
        """The explanation (built on the first call)."""
        value = self._value
        if value is None:
            value = self._value = self._compiled.explain(self._story, self._min_confidence)
        return value


class SubscriptionMatch:
    """A subscription that matched a story, and why.

    ``explanation`` may be given as a tuple or as a :class:`LazyExplanation` shared with the
    other subscriptions of the same query; it reads as a tuple either way. Matches compare
    (and hash) by subscription and explanation.
    """

    __slots__ = ("_explanation", "subscription")
    __match_args__ = ("subscription", "explanation")

    def __init__(
        self, subscription: Subscription, explanation: tuple[MatchedClause, ...] | LazyExplanation
    ) -> None:
        self.subscription = subscription
        self._explanation = explanation

    @property
    def explanation(self) -> tuple[MatchedClause, ...]:
        """The clauses that held, in query order."""
        found = self._explanation
        if isinstance(found, LazyExplanation):
            found = self._explanation = found.get()
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SubscriptionMatch):
            return NotImplemented
        return self.subscription == other.subscription and self.explanation == other.explanation

    def __hash__(self) -> int:
        return hash((self.subscription, self.explanation))

    def __repr__(self) -> str:
        return f"SubscriptionMatch(subscription={self.subscription!r}, explanation={self.explanation!r})"


class TermStatistics:
    """How many of a sample of stories carried each index key: the index's document frequencies.

    The presearch is cheapest when each AND query is filed under its rarest clause: a key
    that many stories carry makes every one of them look at the queries filed under it.
    Static costs per field (:func:`alerts.query.key_cost`) are the prior; once stories have
    been observed, the share of them that carried a key decides (smoothed toward the prior,
    so that a key seen in none of them is not taken for one that never occurs). Lucene
    Monitor's ``TermWeightor`` takes such frequencies the same way. Pure data: feed it
    prepared stories (the alert service feeds it the stories it matches).
    """

    __slots__ = ("_counts", "stories")

    #: The static prior counts as this many stories.
    PRIOR_WEIGHT: Final = 20
    #: ``key_cost`` of a key carried by every story (``lang``): the prior is cost / this.
    PRIOR_SCALE: Final = 1000

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self.stories = 0

    def __len__(self) -> int:
        return len(self._counts)

    def observe(self, story: EnrichedStory | PreparedStory) -> None:
        """Count the index keys ``story`` carries."""
        counts = self._counts
        get = counts.get
        for key in prepare(story).keys:
            counts[key] = get(key, 0) + 1
        self.stories += 1

    def frequency(self, key: str) -> float:
        """The estimated share of stories that carry ``key``."""
        prior = min(1.0, key_cost(key) / self.PRIOR_SCALE)
        return (self._counts.get(key, 0) + self.PRIOR_WEIGHT * prior) / (self.stories + self.PRIOR_WEIGHT)

    def cost(self, keys: Iterable[str]) -> float:
        """The estimated share of stories carrying any of ``keys`` (an upper bound: the sum)."""
        return sum(map(self.frequency, keys))


# Where a group is filed: its first keys (None: checked against every story) and the second
# keys, as (field, value) pairs, of which a story must carry one too (("", "") for none).
_Filing = tuple[frozenset[str] | None, tuple[tuple[str, str], ...]]


class _Group:
    """The subscriptions sharing one query string: the query is compiled and checked once.

    ``members`` is the subscription itself while it is the only one (most groups: a dict
    per group would be a third of the index's memory), else a dict mapping each
    ``min_confidence`` in use to its subscriptions by id.
    """

    __slots__ = ("compiled", "filed", "members")

    def __init__(self, compiled: CompiledQuery, sub: Subscription) -> None:
        self.compiled = compiled
        self.members: Subscription | dict[float, dict[str, Subscription]] = sub
        self.filed: _Filing = (None, ())

    @property
    def size(self) -> int:
        members = self.members
        return sum(map(len, members.values())) if isinstance(members, dict) else 1

    def add(self, sub: Subscription) -> None:
        members = self.members
        if not isinstance(members, dict):
            members = self.members = {members.options.min_confidence: {members.id: members}}
        members.setdefault(sub.options.min_confidence, {})[sub.id] = sub

    def discard(self, sub: Subscription) -> bool:
        """Drop ``sub``; return whether the group is now empty."""
        members = self.members
        if not isinstance(members, dict):
            return True
        subs = members[sub.options.min_confidence]
        del subs[sub.id]
        if not subs:
            del members[sub.options.min_confidence]
        if self.size == 1:
            (subs,) = members.values()
            (self.members,) = subs.values()
        return False


class SubscriptionIndex:
    """Subscriptions indexed by the terms their queries require.

    With :class:`TermStatistics`, each AND query is filed under its rarest clause and
    filtered by its next rarest; without, by the static costs of their fields. Either way
    the matches are the same: only the work to find them differs.
    """

    def __init__(self, statistics: TermStatistics | None = None) -> None:
        self._statistics = statistics
        # Groups still filed by older statistics (see :meth:`use_statistics`), refiled a few at a time.
        self._refile: list[_Group] = []
        self._subs: dict[str, Subscription] = {}
        self._groups: dict[str, _Group] = {}
        # field -> normalized value (or wildcard prefix) -> second field -> second value ->
        # groups. A group is filed under each of its required keys, then under each key of
        # ``also_required`` split into field and value (or under "" -> "" if it has none): a
        # story must carry both to make it a candidate. Keyed by field at the second level so
        # that a story's values are intersected per field where a posting needs them, rather
        # than spelled out as keys for every story (that cost grew with the index).
        self._postings: dict[str, dict[str, _BySecond]] = {}
        self._prefix_postings: dict[str, dict[str, _BySecond]] = {}
        self._always: set[_Group] = set()

    def __len__(self) -> int:
        return len(self._subs)

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._subs

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._subs.values())

    def get(self, sub_id: str) -> Subscription | None:
        """The indexed subscription with this id, if any."""
        return self._subs.get(sub_id)

    @property
    def always_checked(self) -> int:
        """How many subscriptions are checked against every story (unindexable wildcards)."""
        return sum(g.size for g in self._always)

    @property
    def distinct_queries(self) -> int:
        """How many distinct query strings are compiled (shared between subscriptions)."""
        return len(self._groups)

    @property
    def keys(self) -> int:
        """How many distinct index keys have postings."""
        return sum(len(p) for table in (self._postings, self._prefix_postings) for p in table.values())

    def add(self, sub: Subscription, compiled: CompiledQuery | None = None) -> None:
        """Index ``sub``, replacing any subscription with the same id.

        ``compiled`` may pass ``sub.query`` already compiled (e.g. validated by the API).
        Raises :class:`QueryError` (with the subscription id) if the query is invalid; the
        subscription it would have replaced then stays indexed.
        """
        group = self._groups.get(sub.query)
        if group is not None:
            compiled = group.compiled
        elif compiled is None or compiled.query != sub.query:
            try:
                compiled = compile_query(sub.query)
            except QueryError as exc:
                raise QueryError(
                    exc.reason, query=exc.query, position=exc.position, subscription_id=sub.id
                ) from exc
        self.remove(sub.id)
        group = self._groups.get(sub.query)
        if group is None:
            group = self._groups[sub.query] = _Group(compiled, sub)
            group.filed = self._filing(compiled)
            self._post(group, add=True)
        else:
            group.add(sub)
        self._subs[sub.id] = sub

    def remove(self, sub_id: str) -> bool:
        """Drop the subscription ``sub_id``; return whether it was indexed."""
        sub = self._subs.pop(sub_id, None)
        if sub is None:
            return False
        group = self._groups[sub.query]
        if group.discard(sub):
            del self._groups[sub.query]
            self._post(group, add=False)
        return True

    @property
    def statistics(self) -> TermStatistics | None:
        """The term statistics that choose where queries are filed, if any."""
        return self._statistics

    @property
    def queued_for_refiling(self) -> int:
        """How many queries wait to be refiled by newer statistics (see :meth:`refile`)."""
        return len(self._refile)

    def use_statistics(self, statistics: TermStatistics) -> int:
        """File new queries by ``statistics``; queue the indexed ones for :meth:`refile`.

        Returns how many are queued. Refiling changes no result, only the work per story.
        """
        self._statistics = statistics
        self._refile = list(self._groups.values())
        return len(self._refile)

    def refile(self, limit: int | None = None) -> int:
        """Refile up to ``limit`` queued queries (all if None); return how many are still queued.

        A service calls this between stories, so that refiling a million queries never
        holds up matching for long.
        """
        queue = self._refile
        for _ in range(len(queue) if limit is None else min(limit, len(queue))):
            group = queue.pop()
            if self._groups.get(group.compiled.query) is not group:
                continue  # removed (or replaced) since it was queued
            filing = self._filing(group.compiled)
            if filing != group.filed:
                self._post(group, add=False)
                group.filed = filing
                self._post(group, add=True)
        return len(queue)

    def _filing(self, compiled: CompiledQuery) -> _Filing:
        """Where to file ``compiled``: its rarest key set, then its rarest exact one after that."""
        stats = self._statistics
        options = compiled.key_options
        if stats is None or len(options) < 2:
            first, second = compiled.required_terms, compiled.also_required
        else:
            ranked = sorted(options, key=lambda keys: (stats.cost(keys), sorted(keys)))
            first = ranked[0]
            second = next((ks for ks in ranked[1:] if not any(map(is_prefix_key, ks))), None)
        seconds = tuple(sorted(_split(key) for key in second)) if second else (("", ""),)
        return first, seconds

    def _post(self, group: _Group, *, add: bool) -> None:
        """Add ``group`` to (or drop it from) the postings of its filing (``group.filed``)."""
        keys, seconds = group.filed
        if keys is None:
            (self._always.add if add else self._always.discard)(group)
            return
        for key in keys:
            field, _, value = key.partition(":")
            table = self._postings
            if field.endswith("*"):
                field, table = field[:-1], self._prefix_postings
            by_value = table.setdefault(field, {})
            by_second = by_value.setdefault(value, {})
            for second_field, second_value in seconds:
                by_second_value = by_second.setdefault(second_field, {})
                # Tuples: most (key, second key) pairs hold one or two queries.
                groups = by_second_value.get(second_value, ())
                if add:
                    by_second_value[second_value] = (*groups, group)
                    continue
                rest = tuple(g for g in groups if g is not group)
                if rest:
                    by_second_value[second_value] = rest
                else:
                    del by_second_value[second_value]
                    if not by_second_value:
                        del by_second[second_field]
            if not by_second:
                del by_value[value]
                if not by_value:
                    del table[field]

    def _candidates(self, prepared: PreparedStory) -> set[_Group]:
        found = set(self._always)
        values = prepared.values
        for table, first_values in ((self._postings, values), (self._prefix_postings, prepared.prefixes)):
            for field, by_value in table.items():
                for value in _common(by_value, first_values(field)):
                    for second_field, by_second_value in by_value[value].items():
                        if not second_field:  # no second clause to check
                            found.update(by_second_value[""])
                            continue
                        for second in _common(by_second_value, values(second_field)):
                            found.update(by_second_value[second])
        return found

    def candidates(self, story: EnrichedStory | PreparedStory) -> int:
        """How many distinct queries the presearch would verify for ``story`` (diagnostics)."""
        return len(self._candidates(prepare(story)))

    def match(self, story: EnrichedStory | PreparedStory) -> list[SubscriptionMatch]:
        """The subscriptions whose query holds on ``story``, sorted by subscription id.

        Each candidate query is verified once per ``min_confidence`` in use with a bare
        boolean; the explanation is built lazily, once per matching query, and shared by
        its subscriptions.
        """
        prepared = prepare(story)
        matches: list[SubscriptionMatch] = []
        extend = matches.extend
        append = matches.append
        for group in self._candidates(prepared):
            compiled = group.compiled
            members = group.members
            if not isinstance(members, dict):  # one subscription
                min_confidence = members.options.min_confidence
                if compiled.holds(prepared, min_confidence):
                    append(SubscriptionMatch(members, LazyExplanation(compiled, prepared, min_confidence)))
                continue
            for min_confidence, subs in members.items():
                if compiled.holds(prepared, min_confidence):
                    lazy = LazyExplanation(compiled, prepared, min_confidence)
                    extend([SubscriptionMatch(sub, lazy) for sub in subs.values()])
        matches.sort(key=_BY_ID)
        return matches


def _split(key: str) -> tuple[str, str]:
    """An exact index key as (field, value), the strings shared with every other posting."""
    field, _, value = key.partition(":")
    return sys.intern(field), sys.intern(value)


def _common(table: dict[str, Any], values: Collection[str]) -> Iterable[str]:
    """The keys of ``table`` among ``values``, iterating the smaller side in C."""
    if isinstance(values, frozenset | set) and len(table) < len(values):
        return values.intersection(table)  # iterates the dict's keys
    return table.keys() & values  # iterates ``values`` (or the smaller view)


_BY_ID: Final = attrgetter("subscription.id")


def match_all_plain(
    subs: Iterable[tuple[Subscription, CompiledQuery]], story: EnrichedStory | PreparedStory
) -> list[SubscriptionMatch]:
    """Reference matcher: check every query against ``story``; same result as the index."""
    prepared = prepare(story)
    matches: list[SubscriptionMatch] = []
    for sub, compiled in subs:
        found = compiled.match(prepared, min_confidence=sub.options.min_confidence)
        if found is not None:
            matches.append(SubscriptionMatch(sub, found.explanation))
    matches.sort(key=_BY_ID)
    return matches
