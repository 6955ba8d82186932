"""The subscription index: find the subscriptions a story matches without checking them all.

This is the presearcher idea of Lucene's Monitor. Each compiled query names a set of index
keys one of which any matching story must carry (:attr:`CompiledQuery.required_terms`); the
index keeps a posting set per key. For a story, the index looks up each of the story's keys
(:attr:`PreparedStory.keys`: its tag forms, country codes, source, language and text
tokens), keeps the queries for which the story also carries a key of a second AND clause
(:attr:`CompiledQuery.also_required`, a cheap filter in the spirit of Monitor's multipass
presearcher), adds the few that cannot be reduced to keys
(:attr:`SubscriptionIndex.always_checked`), and verifies each candidate exactly with a bare
boolean (:attr:`CompiledQuery.holds`). The work per story depends on the story's size and on
how many subscriptions share its terms, not on how many subscriptions there are.

Identical query strings share one compiled query, verified once per story (per
``min_confidence`` in use) for all their subscriptions. A match's explanation is built lazily
(:class:`LazyExplanation`), once per matching query, when first read.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

from alerts.errors import QueryError
from alerts.query import CompiledQuery, PreparedStory, compile_query, prepare

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator

    from schemas.models import EnrichedStory, MatchedClause, Subscription


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


class _Group:
    """The subscriptions sharing one query string: the query is compiled and checked once.

    ``members`` is the subscription itself while it is the only one (most groups: a dict
    per group would be a third of the index's memory), else a dict mapping each
    ``min_confidence`` in use to its subscriptions by id.
    """

    __slots__ = ("compiled", "members")

    def __init__(self, compiled: CompiledQuery, sub: Subscription) -> None:
        self.compiled = compiled
        self.members: Subscription | dict[float, dict[str, Subscription]] = sub

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
    """Subscriptions indexed by the terms their queries require."""

    def __init__(self) -> None:
        self._subs: dict[str, Subscription] = {}
        self._groups: dict[str, _Group] = {}
        # field -> normalized value (or wildcard prefix) -> second key -> groups. A group is
        # filed under each of its required keys, then under each key of ``also_required``
        # (or under "" if it has none): a story must carry both to make it a candidate.
        self._postings: dict[str, dict[str, dict[str, tuple[_Group, ...]]]] = {}
        self._prefix_postings: dict[str, dict[str, dict[str, tuple[_Group, ...]]]] = {}
        self._always: set[_Group] = set()
        # field -> value -> how many posted groups use ``field:value`` as a second key: a
        # story spells out only those of its values as keys (not its hundreds of tokens).
        self._second_values: dict[str, dict[str, int]] = {}

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

    def _post(self, group: _Group, *, add: bool) -> None:
        """Add ``group`` to (or drop it from) the postings of every key its query requires."""
        keys = group.compiled.required_terms
        if keys is None:
            (self._always.add if add else self._always.discard)(group)
            return
        seconds = group.compiled.also_required or ("",)
        for second in group.compiled.also_required or ():
            field, _, value = second.partition(":")
            counts = self._second_values.setdefault(field, {})
            count = counts.get(value, 0) + (1 if add else -1)
            if count:
                counts[value] = count
            else:
                del counts[value]
                if not counts:
                    del self._second_values[field]
        for key in keys:
            field, _, value = key.partition(":")
            table = self._postings
            if field.endswith("*"):
                field, table = field[:-1], self._prefix_postings
            by_value = table.setdefault(field, {})
            by_second = by_value.setdefault(value, {})
            for second in seconds:
                # Tuples: most (key, second key) pairs hold one or two queries.
                groups = by_second.get(second, ())
                if add:
                    by_second[second] = (*groups, group)
                    continue
                rest = tuple(g for g in groups if g is not group)
                if rest:
                    by_second[second] = rest
                else:
                    del by_second[second]
            if not by_second:
                del by_value[value]
                if not by_value:
                    del table[field]

    def _candidates(self, prepared: PreparedStory) -> set[_Group]:
        found = set(self._always)
        story_keys: set[str] | None = None
        for table, values in ((self._postings, prepared.values), (self._prefix_postings, prepared.prefixes)):
            for field, by_value in table.items():
                for value in _common(by_value, values(field)):
                    by_second = by_value[value]
                    unfiltered = by_second.get("")
                    if unfiltered is not None:
                        found.update(unfiltered)
                        if len(by_second) == 1:
                            continue
                    if story_keys is None:
                        story_keys = self._second_keys(prepared)
                    for second in _common(by_second, story_keys):
                        found.update(by_second[second])
        return found

    def _second_keys(self, prepared: PreparedStory) -> set[str]:
        """The story's exact keys that some posting uses as a second key."""
        keys: set[str] = set()
        for field, used in self._second_values.items():
            head = f"{field}:"
            keys.update([head + value for value in _common(used, prepared.values(field))])
        return keys

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
