"""Backtest a query: which stories of the past would it have matched, and why.

:func:`backtest` is pure (stories in, hits out); :func:`backtest_topic` replays the
enriched topic from its beginning (no consumer group, nothing committed) for
``wirewatch backtest QUERY --since 7d`` and for the API's ``POST /backtest``.
"""

from __future__ import annotations

import heapq
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

import structlog

from alerts.errors import InvalidSinceError
from alerts.query import CompiledQuery, compile_query
from schemas.models import EnrichedStory, MatchedClause
from schemas.topics import Topics
from wirewatch.state import read_to_end

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from wirewatch.bus.base import Bus

log = structlog.get_logger(__name__)

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class BacktestHit(NamedTuple):
    """A story the query would have matched, and the clauses that held."""

    story: EnrichedStory
    explanation: tuple[MatchedClause, ...]


def parse_since(text: str, now: datetime) -> datetime:
    """``30m``, ``12h``, ``7d``, ``2w`` before ``now``, or an ISO 8601 date (UTC if naive)."""
    if m := _DURATION.match(text):
        return now - timedelta(**{_UNITS[m[2]]: int(m[1])})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidSinceError("since must be a duration (30m, 12h, 7d, 2w) or an ISO 8601 date") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def story_time(story: EnrichedStory) -> datetime:
    """When the story happened for a backtest: its publication time, else when we ingested it."""
    return story.published_at or story.ingested_at


class _Matcher:
    """Checks stories one by one: in the window, not retracted, not seen before, matching."""

    def __init__(
        self, query: str | CompiledQuery, since: datetime, now: datetime, min_confidence: float
    ) -> None:
        self.compiled = compile_query(query) if isinstance(query, str) else query
        self.since, self.now, self.min_confidence = since, now, min_confidence
        self.seen: set[tuple[str, int]] = set()

    def check(self, story: EnrichedStory) -> BacktestHit | None:
        if story.retracted or not self.since <= story_time(story) <= self.now:
            return None
        # At-least-once delivery may have written a story version twice.
        if (story.id, story.version) in self.seen:
            return None
        self.seen.add((story.id, story.version))
        found = self.compiled.match(story, min_confidence=self.min_confidence)
        return None if found is None else BacktestHit(story, found.explanation)


class _Latest:
    """Keeps the ``limit`` latest hits by story time (all of them without a limit), in bounded memory."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.heap: list[tuple[datetime, int, BacktestHit]] = []
        self.order = itertools.count()  # ties keep arrival order and never compare hits

    def add(self, hit: BacktestHit) -> None:
        item = (story_time(hit.story), next(self.order), hit)
        if self.limit is None or len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        elif item > self.heap[0]:
            heapq.heapreplace(self.heap, item)

    def oldest_first(self) -> list[BacktestHit]:
        return [hit for _, _, hit in sorted(self.heap)]


def backtest(
    query: str | CompiledQuery,
    stories: Iterable[EnrichedStory],
    since: datetime,
    now: datetime,
    *,
    min_confidence: float = 0.0,
    limit: int | None = None,
) -> list[BacktestHit]:
    """The stories between ``since`` and ``now`` that ``query`` matches, oldest first.

    Raises QueryError for an invalid query. Retracted stories and repeated versions are
    left out; with ``limit``, only the latest ``limit`` hits are kept.
    """
    matcher = _Matcher(query, since, now, min_confidence)
    hits = _Latest(limit)
    for story in stories:
        if (hit := matcher.check(story)) is not None:
            hits.add(hit)
    return hits.oldest_first()


async def backtest_topic(
    bus: Bus,
    query: str | CompiledQuery,
    since: datetime,
    now: datetime,
    *,
    topics: Topics | None = None,
    min_confidence: float = 0.0,
    limit: int | None = None,
) -> list[BacktestHit]:
    """:func:`backtest` over the enriched topic, read from its beginning to its current end."""
    matcher = _Matcher(query, since, now, min_confidence)  # an invalid query fails before any reading
    topic = (topics or Topics()).enriched
    hits = _Latest(limit)
    unreadable = 0
    async with bus.consumer([topic], group=None, from_beginning=True) as consumer:
        async for batch in read_to_end(consumer):
            for record in batch:
                if record.value is None:
                    continue
                try:
                    story = EnrichedStory.from_bytes(record.value)
                except ValueError:  # pydantic's ValidationError: the process stage's DLQ has it
                    unreadable += 1
                    continue
                if (hit := matcher.check(story)) is not None:
                    hits.add(hit)
    if unreadable:
        log.warning("unreadable stories skipped in backtest", topic=topic, count=unreadable)
    return hits.oldest_first()


def topic_backtester(
    bus: Bus, *, topics: Topics | None = None, limit: int | None = 10_000
) -> Callable[[str, datetime, datetime], Awaitable[list[BacktestHit]]]:
    """``(query, since, now) -> hits`` over ``bus``'s enriched topic: the API's ``backtest`` argument."""

    async def run(query: str, since: datetime, now: datetime) -> list[BacktestHit]:
        return await backtest_topic(bus, query, since, now, topics=topics, limit=limit)

    return run
