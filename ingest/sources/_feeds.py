"""Poll RSS/Atom feeds: conditional GET, backoff with jitter on failure, full articles for summaries.

Backoff is a small capped exponential with jitter rather than ``stamina``: stamina retries one call
until it succeeds or gives up, while a poller never gives up and already has a schedule. After a
failure the next poll simply comes after ``Backoff.delay(failures)`` instead of the feed's interval,
and the first success resets it. Ten lines, and deterministic in tests (the random source and the
sleep are injected).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import structlog

from ingest import IngestError, InputTooLargeError, merge_fetched, needs_fetch
from ingest.errors import FetchError
from ingest.sources._http import HttpLimits, bounded_get

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    import httpx

    from ingest.config import FeedSource
    from ingest.ingestor import Ingestor
    from schemas import Story

__all__ = ["Backoff", "FeedPoller", "FeedState"]

log = structlog.get_logger("wirewatch.ingest.feeds")

PollStatus = Literal["fetched", "not_modified", "failed"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with "equal jitter": between half and all of ``base * 2**(n-1)``.

    Jitter spreads the retries of many pollers hit by one outage; keeping half the delay fixed
    guarantees that a failing feed is really backed off.
    """

    base_s: float = 5.0
    cap_s: float = 900.0

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after ``failures`` consecutive failures (``failures >= 1``)."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** max(0, failures - 1))
        return ceiling / 2 + rand() * ceiling / 2


@dataclass(slots=True)
class FeedState:
    """What the poller knows about one feed (validators, failures, counters)."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    total_failures: int = 0
    polls: int = 0
    not_modified: int = 0
    last_error: str | None = None
    delays: list[float] = field(default_factory=list)


class FeedPoller:
    """Polls each feed on its own interval and ingests new entries; run it with ``await run()``.

    ``run`` holds one task per feed in a TaskGroup and returns only when cancelled (or raises when
    the sink fails: infrastructure errors stop the service). A feed that cannot be fetched is backed
    off, logged and retried; it never stops the other feeds.
    """

    def __init__(
        self,
        *,
        feeds: Sequence[FeedSource],
        client: httpx.AsyncClient,
        ingestor: Ingestor,
        limits: HttpLimits | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.feeds = tuple(feeds)
        self._client = client
        self._ingestor = ingestor
        self.limits = limits or HttpLimits(max_bytes=ingestor.max_bytes)
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._rand = rand
        self._states: dict[str, FeedState] = {feed.url: FeedState() for feed in self.feeds}

    def state(self, feed: FeedSource | str) -> FeedState:
        """The state of a feed (by source or URL)."""
        url = feed if isinstance(feed, str) else feed.url
        return self._states.setdefault(url, FeedState())

    async def run(self) -> None:
        """Poll every feed until cancelled."""
        async with asyncio.TaskGroup() as group:
            for feed in self.feeds:
                group.create_task(self._loop(feed), name=f"feed:{feed.label}")

    async def _loop(self, feed: FeedSource) -> None:
        state = self.state(feed)
        while True:
            await self.poll_once(feed)
            delay = feed.interval_s if state.failures == 0 else self.backoff.delay(state.failures, self._rand)
            state.delays.append(delay)
            del state.delays[:-100]  # bounded: the recent history is enough to see the backoff
            await self._sleep(delay)

    async def poll_once(self, feed: FeedSource) -> PollStatus:
        """One conditional GET of ``feed``; ingest its new entries."""
        state = self.state(feed)
        state.polls += 1
        headers: dict[str, str] = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            response = await bounded_get(
                self._client, feed.url, limits=self.limits, headers=headers, allow_not_modified=True
            )
        except InputTooLargeError as exc:
            # The server works but the feed is unusable as it is: tell the DLQ, and back off.
            await self._ingestor.reject(exc, raw=b"", origin=feed.url)
            return self._failed(feed, state, exc)
        except FetchError as exc:
            return self._failed(feed, state, exc)
        if state.failures:
            log.info("feed_recovered", feed=feed.label, after_failures=state.failures)
        state.failures = 0
        state.last_error = None
        if response.status == 304:
            state.not_modified += 1
            return "not_modified"
        state.etag = response.headers.get("etag")
        state.last_modified = response.headers.get("last-modified")
        entries = await self._ingestor.parse(
            response.body,
            origin=feed.url,
            media_type=response.media_type,
            url=response.url,
            source=feed.name,  # None: the parser takes the feed's own title
        )
        if isinstance(entries, list):
            await self._submit(entries)
        return "fetched"

    def _failed(self, feed: FeedSource, state: FeedState, exc: IngestError) -> PollStatus:
        state.failures += 1
        state.total_failures += 1
        state.last_error = str(exc)
        log.warning("feed_failed", feed=feed.label, failures=state.failures, error=str(exc))
        return "failed"

    async def _submit(self, entries: list[Story]) -> None:
        emitted = duplicates = 0
        for entry in entries:
            # Check before fetching the article, so that a re-polled feed costs no page fetches.
            if self._ingestor.dedup.check(entry):
                duplicates += 1
                continue
            story = await self._complete(entry) if needs_fetch(entry) else entry
            await self._ingestor.submit(story)
            emitted += 1
        log.info("feed_entries", new=emitted, duplicates=duplicates)

    async def _complete(self, entry: Story) -> Story:
        """The entry with its linked article's text (``merge_fetched``); the entry itself if that fails.

        The page goes through the ingestor's parser as ``text/html`` (that is ``extract_html``),
        so a page that cannot be extracted is dead-lettered with its reason.
        """
        assert entry.url is not None  # needs_fetch checked it
        try:
            response = await bounded_get(self._client, entry.url, limits=self.limits)
        except IngestError as exc:
            await self._ingestor.reject(exc, raw=b"", origin=entry.url)
            return entry
        declared = response.media_type or ""
        articles = await self._ingestor.parse(
            response.body,
            origin=entry.url,
            media_type=declared if declared.lower().startswith("text/html") else "text/html",
            url=response.url,
            source=entry.source,
        )
        if not isinstance(articles, list) or not articles or len(articles[0].body) <= len(entry.body):
            return entry
        return merge_fetched(entry, articles[0])
