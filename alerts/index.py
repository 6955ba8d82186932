"""The subscription index: find the subscriptions a story matches without checking them all.

This is the presearcher idea of Lucene's Monitor. Each compiled query names a set of index
keys one of which any matching story must carry (:attr:`CompiledQuery.required_terms`); the
index keeps a posting set per key. For a story, the index looks up each of the story's keys
(:attr:`PreparedStory.keys`: its tag forms, country codes, source, language and text
tokens), gathers the subscriptions found, adds the few that cannot be reduced to keys
(:attr:`SubscriptionIndex.always_checked`), and verifies each candidate exactly with
:meth:`CompiledQuery.match`. The work per story depends on the story's size and on how many
subscriptions share its terms, not on how many subscriptions there are.

Identical query strings share one compiled query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alerts.errors import QueryError
from alerts.query import CompiledQuery, PreparedStory, compile_query, prepare

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from schemas.models import EnrichedStory, MatchedClause, Subscription


@dataclass(frozen=True, slots=True)
class SubscriptionMatch:
    """A subscription that matched a story, and why."""

    subscription: Subscription
    explanation: tuple[MatchedClause, ...]


class _Entry:
    """One indexed subscription (hashed by identity in the posting sets)."""

    __slots__ = ("compiled", "keys", "min_confidence", "subscription")

    def __init__(self, subscription: Subscription, compiled: CompiledQuery) -> None:
        self.subscription = subscription
        self.compiled = compiled
        self.keys = compiled.required_terms
        self.min_confidence = subscription.options.min_confidence


class SubscriptionIndex:
    """Subscriptions indexed by the terms their queries require."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._postings: dict[str, set[_Entry]] = {}
        self._always: dict[str, _Entry] = {}
        # query string -> (compiled query, number of subscriptions using it)
        self._compiled: dict[str, tuple[CompiledQuery, int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._entries

    def __iter__(self) -> Iterator[Subscription]:
        return (e.subscription for e in self._entries.values())

    def get(self, sub_id: str) -> Subscription | None:
        """The indexed subscription with this id, if any."""
        entry = self._entries.get(sub_id)
        return entry.subscription if entry else None

    @property
    def always_checked(self) -> int:
        """How many subscriptions are checked against every story (unindexable wildcards)."""
        return len(self._always)

    @property
    def distinct_queries(self) -> int:
        """How many distinct query strings are compiled (shared between subscriptions)."""
        return len(self._compiled)

    @property
    def keys(self) -> int:
        """How many distinct index keys have postings."""
        return len(self._postings)

    def add(self, sub: Subscription) -> None:
        """Index ``sub``, replacing any subscription with the same id.

        Raises :class:`QueryError` (with the subscription id) if the query is invalid; the
        subscription it would have replaced then stays indexed.
        """
        shared = self._compiled.get(sub.query)
        if shared is None:
            try:
                compiled = compile_query(sub.query)
            except QueryError as exc:
                raise QueryError(
                    exc.reason, query=exc.query, position=exc.position, subscription_id=sub.id
                ) from exc
        else:
            compiled = shared[0]
        self.remove(sub.id)
        refs = self._compiled.get(sub.query, (compiled, 0))[1]
        self._compiled[sub.query] = (compiled, refs + 1)
        entry = _Entry(sub, compiled)
        self._entries[sub.id] = entry
        if entry.keys is None:
            self._always[sub.id] = entry
        else:
            for key in entry.keys:
                posting = self._postings.get(key)
                if posting is None:
                    self._postings[key] = {entry}
                else:
                    posting.add(entry)

    def remove(self, sub_id: str) -> bool:
        """Drop the subscription ``sub_id``; return whether it was indexed."""
        entry = self._entries.pop(sub_id, None)
        if entry is None:
            return False
        if entry.keys is None:
            del self._always[sub_id]
        else:
            for key in entry.keys:
                posting = self._postings[key]
                posting.discard(entry)
                if not posting:
                    del self._postings[key]
        query = entry.subscription.query
        compiled, refs = self._compiled[query]
        if refs <= 1:
            del self._compiled[query]
        else:
            self._compiled[query] = (compiled, refs - 1)
        return True

    def _candidates(self, prepared: PreparedStory) -> set[_Entry]:
        found: set[_Entry] = set(self._always.values())
        postings = self._postings
        for key in prepared.keys:
            posting = postings.get(key)
            if posting is not None:
                found.update(posting)
        return found

    def candidates(self, story: EnrichedStory | PreparedStory) -> int:
        """How many subscriptions the presearch would verify for ``story`` (for diagnostics)."""
        return len(self._candidates(prepare(story)))

    def match(self, story: EnrichedStory | PreparedStory) -> list[SubscriptionMatch]:
        """The subscriptions whose query holds on ``story``, sorted by subscription id."""
        prepared = prepare(story)
        matches: list[SubscriptionMatch] = []
        for entry in self._candidates(prepared):
            found = entry.compiled.match(prepared, min_confidence=entry.min_confidence)
            if found is not None:
                matches.append(SubscriptionMatch(entry.subscription, found.explanation))
        matches.sort(key=lambda m: m.subscription.id)
        return matches


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
    matches.sort(key=lambda m: m.subscription.id)
    return matches
