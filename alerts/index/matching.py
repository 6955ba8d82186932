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

Memory (a million subscriptions in about half a gigabyte): each distinct query string has a
number; a posting is a flat tuple of (number, second field, second value) triples; the
subscriptions of a query are its one id (its ``min_confidence`` in an array) or a small dict.
A new query is filed from its syntax alone (:func:`alerts.query.compile.query_filing`: its
key sets without a tree, a few µs) and compiled only when a story needs it; compiled queries
live in a bounded LRU cache and are compiled again (the fast path of
:mod:`alerts.query.fastparse`, ~25 µs) when a story needs one that was dropped. A query is
taken out of the postings by looking under every key set it may be filed under, so the index
needs no record of where each one went. :meth:`SubscriptionIndex.export_state` and
:meth:`SubscriptionIndex.from_state` turn it into plain data and back for a snapshot
(:mod:`alerts.index.snapshot`), without compiling anything.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter, OrderedDict
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

from alerts.errors import AlertError, QueryError
from alerts.query import CompiledQuery, PreparedStory, compile_query, is_prefix_key, key_cost, prepare
from alerts.query.compile import QueryFiling, query_filing
from alerts.query.fields import GEO_KEY_FIELD, INDEX_FIELDS, PREFIX_LEN, prefix_key, term_key

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping

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

    __slots__ = ("_exact", "_prefixes", "stories")

    #: The static prior counts as this many stories.
    PRIOR_WEIGHT: Final = 20
    #: ``key_cost`` of a key carried by every story (``lang``): the prior is cost / this.
    PRIOR_SCALE: Final = 1000

    def __init__(self) -> None:
        # Counts per field, of exact values and of wildcard prefixes: a story's values are counted
        # by Counter.update (a loop in C) without building a "field:value" key for each of its
        # ~400 tokens (that made observing a story cost more than matching it). Empty values and
        # prefixes shorter than PREFIX_LEN are counted too but are no index key: never reported.
        self._exact: dict[str, Counter[str]] = {field: Counter() for field in INDEX_FIELDS}
        self._prefixes: dict[str, Counter[str]] = {
            field: Counter()
            for field in INDEX_FIELDS
            if field != GEO_KEY_FIELD  # cells are never wildcards
        }
        self.stories = 0

    def __len__(self) -> int:
        return sum(1 for _ in self._keys())

    def observe(self, story: EnrichedStory | PreparedStory) -> None:
        """Count the index keys ``story`` carries (each of its :attr:`PreparedStory.keys` once)."""
        prepared = prepare(story)
        for field, counts in self._exact.items():
            counts.update(prepared.values(field))
        for field, counts in self._prefixes.items():
            counts.update(prepared.prefixes(field))
        self.stories += 1

    def _keys(self) -> Iterator[tuple[str, int]]:
        """``(index key, count)`` of every key observed."""
        for field, counts in self._exact.items():
            head = term_key(field, "")
            yield from ((head + value, n) for value, n in counts.items() if value)
        for field, counts in self._prefixes.items():
            head = prefix_key(field, "")
            yield from ((head + value, n) for value, n in counts.items() if len(value) == PREFIX_LEN)

    def counts(self) -> dict[str, int]:
        """How many observed stories carried each key (a copy, for a snapshot)."""
        return dict(self._keys())

    @classmethod
    def from_counts(cls, counts: dict[str, int], stories: int) -> TermStatistics:
        """Statistics restored from :meth:`counts` and :attr:`stories` (a snapshot)."""
        stats = cls()
        for key, n in counts.items():
            table, field, value = stats._where(key)
            table.setdefault(field, Counter())[value] = n
        stats.stories = stories
        return stats

    def _where(self, key: str) -> tuple[dict[str, Counter[str]], str, str]:
        """(the counts by field that hold ``key``, its field, its value)."""
        field, _, value = key.partition(":")
        if field.endswith("*"):
            return self._prefixes, field[:-1], value
        return self._exact, field, value

    def _count(self, key: str) -> int:
        """How many observed stories carried ``key``."""
        table, field, value = self._where(key)
        counts = table.get(field)
        if counts is None or not value or (table is self._prefixes and len(value) != PREFIX_LEN):
            return 0  # not an index key a story carries (see __init__)
        return counts[value]

    def frequency(self, key: str) -> float:
        """The estimated share of stories that carry ``key``."""
        prior = min(1.0, key_cost(key) / self.PRIOR_SCALE)
        return (self._count(key) + self.PRIOR_WEIGHT * prior) / (self.stories + self.PRIOR_WEIGHT)

    def cost(self, keys: Iterable[str]) -> float:
        """The estimated share of stories carrying any of ``keys`` (an upper bound: the sum)."""
        return sum(map(self.frequency, keys))


# A posting: the queries filed under one first key, as a flat tuple of (query number, second
# field, second value) triples; the second field is "" when there is no second key to check.
# Flat tuples instead of nested dicts per key (a dict is ~200 bytes, most postings hold one
# query): the index is a third of its former size, and a story's check of the second key is
# one set lookup per query filed under a key it carries.
_Posting = tuple[int | str, ...]
_Table = dict[str, dict[str, _Posting]]
# Where a query is filed: its first keys (None: checked against every story) and the second
# keys, as (field, value) pairs, of which a story must carry one too (("", "") for none).
_Filing = tuple[frozenset[str] | None, tuple[tuple[str, str], ...]]
# The subscriptions of one query: the id of the only one (its min_confidence kept apart, in
# an array), or their ids by min_confidence.
_Members = str | dict[float, dict[str, None]]

#: Compiled queries kept at once (least recently used dropped): a compiled query is ~1-2 KB, the
#: index keeps only its query text and postings and compiles again (~25 µs) when it is needed.
DEFAULT_CACHE_SIZE: Final = 100_000


class SubscriptionIndex:
    """Subscriptions indexed by the terms their queries require.

    With :class:`TermStatistics`, each AND query is filed under its rarest clause and
    filtered by its next rarest; without, by the static costs of their fields. Either way
    the matches are the same: only the work to find them differs.

    Each distinct query string has a number; the postings hold numbers, and compiled queries
    are kept in a bounded cache (``cache_size``) and compiled again when dropped, so memory
    per subscription is a few hundred bytes. ``subscriptions``, if given, is where the index
    finds a matching subscription by id (the store's own map): the index then keeps no
    reference to the subscription objects.
    """

    def __init__(
        self,
        statistics: TermStatistics | None = None,
        *,
        subscriptions: Mapping[str, Subscription] | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._statistics = statistics
        # Queries still filed by older statistics (see :meth:`use_statistics`), refiled a few at a time.
        self._refile: list[int] = []
        self._own: dict[str, Subscription] | None = None
        self._lookup: Mapping[str, Subscription]
        if subscriptions is None:
            self._own = self._lookup = {}
        else:
            self._lookup = subscriptions
        self._sub_qid: dict[str, int] = {}
        self._qid_of: dict[str, int] = {}
        self._texts: list[str | None] = []
        self._members: list[_Members | None] = []
        self._conf = array("d")
        self._free: list[int] = []
        # field -> normalized value (or wildcard prefix) -> posting (see _Posting).
        self._postings: _Table = {}
        self._prefix_postings: _Table = {}
        self._always: dict[int, CompiledQuery] = {}
        self._cache: OrderedDict[str, CompiledQuery] = OrderedDict()
        self._cache_size = max(1, cache_size)
        #: Queries compiled because a story needed one the cache did not hold (dropped, or never
        #: compiled: a query is filed from its syntax) (diagnostics).
        self.recompiled = 0

    def __len__(self) -> int:
        return len(self._sub_qid)

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._sub_qid

    def __iter__(self) -> Iterator[Subscription]:
        lookup = self._lookup
        return (lookup[sub_id] for sub_id in self._sub_qid)

    def get(self, sub_id: str) -> Subscription | None:
        """The indexed subscription with this id, if any."""
        return self._lookup.get(sub_id) if sub_id in self._sub_qid else None

    @property
    def always_checked(self) -> int:
        """How many subscriptions are checked against every story (unindexable wildcards)."""
        return sum(self._size(qid) for qid in self._always)

    @property
    def distinct_queries(self) -> int:
        """How many distinct query strings are indexed (each compiled once, shared)."""
        return len(self._qid_of)

    @property
    def keys(self) -> int:
        """How many distinct index keys have postings."""
        return sum(len(p) for table in (self._postings, self._prefix_postings) for p in table.values())

    @property
    def cache_size(self) -> int:
        """How many compiled queries the cache may hold."""
        return self._cache_size

    def attach(self, subscriptions: Mapping[str, Subscription]) -> None:
        """Find matched subscriptions by id in ``subscriptions`` from now on (the index must be empty).

        A store that holds every subscription anyway lends the index its map: the index then
        keeps ids only, not a second map of the same objects.
        """
        if self._sub_qid:
            raise AlertError("only an empty index can be attached to a map of subscriptions", size=len(self))
        self._own = None
        self._lookup = subscriptions

    def query_of(self, sub_id: str) -> str:
        """The query string of an indexed subscription (the index's own object, shared)."""
        text = self._texts[self._sub_qid[sub_id]]
        assert text is not None  # a subscription's query number is live
        return text

    @property
    def cached_queries(self) -> int:
        """How many compiled queries the cache holds now."""
        return len(self._cache)

    def _size(self, qid: int) -> int:
        members = self._members[qid]
        return sum(map(len, members.values())) if isinstance(members, dict) else int(members is not None)

    def add(self, sub: Subscription, compiled: CompiledQuery | None = None) -> None:
        """Index ``sub``, replacing any subscription with the same id.

        ``compiled`` may pass ``sub.query`` already compiled (e.g. validated by the API).
        Raises :class:`QueryError` (with the subscription id) if the query is invalid; the
        subscription it would have replaced then stays indexed.
        """
        self.add_query(sub.id, sub.query, sub.options.min_confidence, compiled)
        if self._own is not None:
            self._own[sub.id] = sub

    def add_query(
        self, sub_id: str, query: str, min_confidence: float, compiled: CompiledQuery | None = None
    ) -> str:
        """Index subscription ``sub_id`` by its parts (what :meth:`add` does); return the query string kept.

        For a store that keeps its subscriptions itself (the index finds them in its map): no
        :class:`Subscription` object is needed. A new query string is filed from its syntax
        alone (:func:`~alerts.query.compile.query_filing`, a few µs) and compiled only when a
        story needs it. Raises :class:`QueryError` (with the subscription id) if the query is
        invalid; the subscription it would have replaced then stays indexed.
        """
        qid = self._qid_of.get(query)
        if qid is None:
            if compiled is not None and compiled.query == query:
                filing = compiled.filing
                self._remember(query, compiled)
            else:
                try:
                    filing = query_filing(query)
                except QueryError as exc:
                    raise QueryError(
                        exc.reason, query=exc.query, position=exc.position, subscription_id=sub_id
                    ) from exc
            if sub_id in self._sub_qid:  # a change (a replay adds, mostly)
                self.remove(sub_id)
            qid = self._new_query(query, filing)
        else:
            self.remove(sub_id)
            qid = self._qid_of.get(query)
            if qid is None:  # it was the only subscription of that query
                qid = self._new_query(query, compiled.filing if compiled else query_filing(query))
        self._join(qid, sub_id, min_confidence)
        text = self._texts[qid]
        assert text is not None  # live
        return text

    def _new_query(self, text: str, filing: QueryFiling) -> int:
        if self._free:
            qid = self._free.pop()
            self._texts[qid] = text
        else:
            qid = len(self._texts)
            self._texts.append(text)
            self._members.append(None)
            self._conf.append(0.0)
        self._qid_of[text] = qid
        self._post(qid, filing)
        return qid

    def _join(self, qid: int, sub_id: str, min_confidence: float) -> None:
        members = self._members[qid]
        if members is None:
            self._members[qid] = sub_id
            self._conf[qid] = min_confidence
        else:
            if not isinstance(members, dict):
                members = self._members[qid] = {self._conf[qid]: {members: None}}
            members.setdefault(min_confidence, {})[sub_id] = None
        self._sub_qid[sub_id] = qid

    def remove(self, sub_id: str) -> bool:
        """Drop the subscription ``sub_id``; return whether it was indexed."""
        qid = self._sub_qid.pop(sub_id, None)
        if qid is None:
            return False
        if self._own is not None:
            self._own.pop(sub_id, None)
        members = self._members[qid]
        if isinstance(members, dict):
            for conf, ids in list(members.items()):
                if ids.pop(sub_id, 0) is None and not ids:
                    del members[conf]
            if sum(map(len, members.values())) == 1:
                ((conf, ids),) = members.items()
                (self._members[qid],) = ids
                self._conf[qid] = conf
            return True
        # The last subscription of its query: forget the query.
        text = self._texts[qid]
        assert text is not None
        self._unpost([(qid, self._filing_of(qid))])
        del self._qid_of[text]
        self._texts[qid] = None
        self._members[qid] = None
        self._cache.pop(text, None)
        self._free.append(qid)
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
        self._refile = [qid for qid, text in enumerate(self._texts) if text is not None]
        self._refile.reverse()  # refiled in number order (popped from the end)
        return len(self._refile)

    def refile(self, limit: int | None = None) -> int:
        """Refile up to ``limit`` queued queries (all if None); return how many are still queued.

        A service calls this between stories, so that refiling a million queries never
        holds up matching for long. A query is found under any of its key sets, so it is
        taken out wherever it was filed and filed again by the current statistics.
        """
        queue = self._refile
        batch = [queue.pop() for _ in range(len(queue) if limit is None else min(limit, len(queue)))]
        # Taken out all at once, then filed again in queue order: a posting shared by many of them
        # (a common word's) is rebuilt once per batch, not once per query (quadratic at 100k).
        filings = [(qid, self._filing_of(qid)) for qid in batch if self._texts[qid] is not None]
        self._unpost(filings)
        for qid, filing in filings:
            self._post(qid, filing)
        return len(queue)

    def _filing_of(self, qid: int) -> QueryFiling:
        """Where query number ``qid`` may be filed: its compiled query's, or from its syntax."""
        text = self._texts[qid]
        assert text is not None
        compiled = self._cache.get(text) or self._always.get(qid)
        return compiled.filing if compiled is not None else query_filing(text)

    def _remember(self, text: str, compiled: CompiledQuery) -> None:
        cache = self._cache
        cache[text] = compiled
        if len(cache) > self._cache_size:
            cache.popitem(last=False)

    def _compiled(self, qid: int) -> CompiledQuery:
        """The compiled query number ``qid``: from the cache, or compiled (and cached)."""
        text = self._texts[qid]
        assert text is not None
        cache = self._cache
        found = cache.get(text)
        if found is not None:
            cache.move_to_end(text)
            return found
        found = self._always.get(qid)
        if found is None:
            found = compile_query(text, checked=True)  # valid: it was filed when it was added
            self.recompiled += 1
        self._remember(text, found)
        return found

    def _filing(self, filing: QueryFiling) -> _Filing:
        """Where to file a query: its rarest key set, then its rarest exact one after that."""
        stats = self._statistics
        required, also, options = filing
        if stats is None or len(options) < 2:
            first, second = required, also
        else:
            ranked = sorted(options, key=lambda keys: (stats.cost(keys), sorted(keys)))
            first = ranked[0]
            second = next((ks for ks in ranked[1:] if not any(map(is_prefix_key, ks))), None)
        if not second:
            return first, _NO_SECOND
        if len(second) == 1:  # most: no sorting
            (key,) = second
            return first, (_split(key),)
        return first, tuple(sorted(_split(key) for key in second))

    def _table(self, key: str) -> tuple[dict[str, _Posting] | None, str, _Table, str]:
        """Where ``key``'s posting lives: (its field's postings or None, value, table, field)."""
        field, _, value = key.partition(":")
        table = self._postings
        if field.endswith("*"):
            field, table = field[:-1], self._prefix_postings
        return table.get(field), value, table, field

    def _post(self, qid: int, filing: QueryFiling) -> None:
        """File query ``qid`` by the current statistics."""
        keys, seconds = self._filing(filing)
        if keys is None:
            text = self._texts[qid]
            assert text is not None
            self._always[qid] = self._cache.get(text) or compile_query(text)
            return
        if len(seconds) == 1:
            ((second_field, second_value),) = seconds
            triples: _Posting = (qid, second_field, second_value)
        else:
            triples = tuple(x for field, value in seconds for x in (qid, field, value))
        for key in keys:
            by_value, value, table, field = self._table(key)
            if by_value is None:
                by_value = table[sys.intern(field)] = {}
            by_value[value] = by_value.get(value, ()) + triples

    def _unpost(self, filings: Iterable[tuple[int, QueryFiling]]) -> None:
        """Take queries out of every posting they may be filed under (any of their key sets)."""
        gone: set[int] = set()
        keys: dict[str, None] = {}  # the postings to look at, each once
        for qid, filing in filings:
            if self._always.pop(qid, None) is not None:
                continue
            gone.add(qid)
            for key_set in filing[2]:
                keys.update(dict.fromkeys(key_set))
        for key in keys:
            by_value, value, table, field = self._table(key)
            posting = by_value.get(value) if by_value is not None else None
            # Every third item, from the first, is a query number.
            if posting is None or gone.isdisjoint(posting[::3]):
                continue
            it = iter(posting)
            rest = tuple(
                x for triple in zip(it, it, it, strict=True) if triple[0] not in gone for x in triple
            )
            if rest:
                by_value[value] = rest  # type: ignore[index]
                continue
            del by_value[value]  # type: ignore[union-attr]
            if not by_value:
                del table[field]

    def _candidates(self, prepared: PreparedStory) -> set[int]:
        found = set(self._always)
        add = found.add
        values = prepared.values
        # The story's values per second field, looked up once (a posting's queries mostly share one).
        seconds: dict[str, Collection[str]] = {}
        for table, first_values in ((self._postings, values), (self._prefix_postings, prepared.prefixes)):
            for field, by_value in table.items():
                for value in _common(by_value, first_values(field)):
                    posting = by_value[value]
                    it = iter(posting)
                    for qid, second_field, second_value in zip(it, it, it, strict=True):
                        if not second_field:
                            add(qid)  # type: ignore[arg-type]
                            continue
                        carried = seconds.get(second_field)  # type: ignore[arg-type]
                        if carried is None:
                            carried = seconds[second_field] = values(second_field)  # type: ignore[index,arg-type]
                        if second_value in carried:
                            add(qid)  # type: ignore[arg-type]
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
        append = matches.append
        lookup = self._lookup
        all_members, confs = self._members, self._conf
        for qid in self._candidates(prepared):
            compiled = self._compiled(qid)
            members = all_members[qid]
            if isinstance(members, str):  # one subscription
                min_confidence = confs[qid]
                if compiled.holds(prepared, min_confidence):
                    append(
                        SubscriptionMatch(
                            lookup[members], LazyExplanation(compiled, prepared, min_confidence)
                        )
                    )
                continue
            if members is None:
                continue
            for min_confidence, ids in members.items():
                if compiled.holds(prepared, min_confidence):
                    lazy = LazyExplanation(compiled, prepared, min_confidence)
                    matches.extend([SubscriptionMatch(lookup[sub_id], lazy) for sub_id in ids])
        matches.sort(key=_BY_ID)
        return matches

    # -- snapshots -------------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """The index as plain data (dicts, lists, tuples, str, int, float, bytes) for a snapshot.

        Everything but the compiled queries: :meth:`from_state` restores it without compiling
        (only the few queries checked against every story are compiled at once). The containers
        are the index's own, not copies: serialize them at once (the index changes them).
        """
        stats = self._statistics
        return {
            "texts": self._texts,
            "members": self._members,
            "conf": self._conf.tobytes(),
            "sub_qid": self._sub_qid,
            "postings": self._postings,
            "prefix_postings": self._prefix_postings,
            "always": list(self._always),
            "refile": self._refile,
            "statistics": None if stats is None else (stats.counts(), stats.stories),
        }

    @classmethod
    def from_state(
        cls,
        state: dict[str, Any],
        *,
        subscriptions: Mapping[str, Subscription],
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> SubscriptionIndex:
        """An index from :meth:`export_state`'s data (decoded: it takes the containers over).

        ``subscriptions`` is where matched subscriptions are found by id.
        """
        stats = state["statistics"]
        index = cls(
            None if stats is None else TermStatistics.from_counts(*stats),
            subscriptions=subscriptions,
            cache_size=cache_size,
        )
        # The snapshot's own containers are taken over, not copied (a million entries each).
        index._texts = state["texts"]
        index._members = state["members"]
        index._conf = array("d")
        index._conf.frombytes(state["conf"])
        if not len(index._texts) == len(index._members) == len(index._conf):
            raise AlertError("index snapshot is inconsistent", queries=len(index._texts))
        index._sub_qid = state["sub_qid"]
        index._postings = state["postings"]
        index._prefix_postings = state["prefix_postings"]
        index._refile = state["refile"]
        index._qid_of = {text: qid for qid, text in enumerate(index._texts) if text is not None}
        index._free = [qid for qid, text in enumerate(index._texts) if text is None]
        for qid in state["always"]:
            text = index._texts[qid]
            if text is None:
                raise AlertError("index snapshot is inconsistent", query_number=qid)
            index._always[qid] = compile_query(text)
        return index


_NO_SECOND: Final = (("", ""),)


def _split(key: str) -> tuple[str, str]:
    """An exact index key as (field, value), the strings shared with every other posting."""
    field, _, value = key.partition(":")
    # The value too: a geo clause's second keys are its ~10-30 covering cells, which many
    # queries share (100k geo queries at 1M: ~90 MB of copies of the same few strings).
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
