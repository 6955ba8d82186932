"""The console's state and I/O: the tails it follows, the probes, redrive, backtest jobs.

:class:`Console` follows two topics from their beginning with no consumer group (nothing is
committed, nothing is taken from the stages): the DLQ, whose latest letters it keeps in a
:class:`~alerts.console.letters.LetterBook`, and ``stories.enriched``, whose latest stories it
keeps for the Stories page, the alerts' story text and the query hints. Of a long topic only the
tail is parsed: records older than the last ``limit`` of each partition are skipped unread.
It runs beside the API (``follow()`` in the API's task group) on the embedded log and on Kafka
alike: only the :class:`~wirewatch.bus.base.Bus` interface is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import structlog
from prometheus_client import REGISTRY

from alerts.backtest import story_time
from alerts.console.hints import Vocabulary, vocabulary
from alerts.console.letters import Kept, LetterBook
from alerts.console.opsview import Rates, read_registry, stage_rows
from schemas.models import DeadLetter, EnrichedStory
from wirewatch.bus.base import HEADER_TRACE_ID
from wirewatch.errors import BusError
from wirewatch.state import read_to_end

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from prometheus_client.registry import CollectorRegistry

    from alerts.deliver.channels.sse import SseHub
    from alerts.query import CompiledQuery
    from alerts.store import SubscriptionStore
    from schemas.topics import Topics
    from wirewatch.bus.base import Bus, Record

log = structlog.get_logger("alerts.console")

#: The header a redriven message carries: which dead letter it was (``<dlq topic>/<letter id>``).
HEADER_REDRIVE_OF = "wirewatch-redrive-of"


@dataclass
class Feed:
    """How following one topic goes (shown on the Operations page as the bus's state)."""

    topic: str
    state: str = "starting"
    error: str | None = None
    records: int = 0
    caught_up: bool = False
    last_ok: float | None = None


@dataclass
class BacktestJob:
    """A backtest running in the background; the page polls it for progress."""

    id: str
    who: str
    query: str
    since: datetime
    until: datetime
    limit: int
    state: Literal["running", "done", "failed"] = "running"
    read: int = 0
    total: int = 0
    matched: int = 0
    error: str | None = None
    hits: list[EnrichedStory] = field(default_factory=list)
    explanations: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)


class Console:
    """What the console's routes read and do; ``follow()`` keeps it up to date."""

    def __init__(
        self,
        *,
        bus: Bus,
        topics: Topics,
        store: SubscriptionStore,
        hub: SseHub | None,
        bus_label: str,
        mqtt: tuple[str, int] | None = None,
        mqtt_embedded: bool = False,
        story_limit: int = 500,
        letter_limit: int = 5000,
        registry: CollectorRegistry = REGISTRY,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.bus, self.topics, self.store, self.hub = bus, topics, store, hub
        self.bus_label = bus_label
        self.mqtt, self.mqtt_embedded = mqtt, mqtt_embedded
        self.registry, self.clock = registry, clock
        self.letters = LetterBook(limit=letter_limit)
        self.story_limit = story_limit
        self.stories: OrderedDict[tuple[str, int], EnrichedStory] = OrderedDict()
        self.feeds = {topics.dlq: Feed(topics.dlq), topics.enriched: Feed(topics.enriched)}
        self.rates = Rates()
        self.jobs: OrderedDict[str, BacktestJob] = OrderedDict()
        self._redrive_lock = asyncio.Lock()
        self._probe: tuple[float, dict[str, Any]] | None = None
        self._vocab: tuple[int, Vocabulary] | None = None
        self._backtests = asyncio.Semaphore(2)
        self._tasks: set[asyncio.Task[None]] = set()

    # --- following the topics -----------------------------------------------------------------

    async def follow(self) -> None:
        """Follow the DLQ and the enriched topic until cancelled (a broken bus is retried)."""
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._follow(self.topics.dlq, self.letter_limit_per_partition, self._take_letter))
            tg.create_task(self._follow(self.topics.enriched, self.story_limit, self._take_story))

    @property
    def letter_limit_per_partition(self) -> int:
        """How many of each DLQ partition's last records are read at start."""
        return self.letters.limit

    async def _follow(self, topic: str, tail: int, take: Callable[[Record], None]) -> None:
        feed = self.feeds[topic]
        while True:
            try:
                await self._read(topic, tail, take, feed)
            except BusError as exc:
                feed.state, feed.error = "error", str(exc)
                log.warning("console cannot read a topic; retrying", topic=topic, error=str(exc))
                await asyncio.sleep(2.0)

    async def _read(self, topic: str, tail: int, take: Callable[[Record], None], feed: Feed) -> None:
        async with self.bus.consumer([topic], group=None, from_beginning=True) as consumer:
            ends = await consumer.assignment_end_offsets()
            skip_below = {tp: max(0, end - tail) for tp, end in ends.items()}
            async for batch in read_to_end(consumer):
                self._take_batch(batch, skip_below, take, feed)
            feed.state, feed.error, feed.caught_up, feed.last_ok = "ok", None, True, time.monotonic()
            while True:
                batch = await consumer.getmany(timeout_s=1.0, max_records=500)
                self._take_batch(batch, skip_below, take, feed)
                feed.state, feed.error, feed.last_ok = "ok", None, time.monotonic()

    @staticmethod
    def _take_batch(
        batch: list[Record],
        skip_below: dict[tuple[str, int], int],
        take: Callable[[Record], None],
        feed: Feed,
    ) -> None:
        for record in batch:
            feed.records += 1
            if record.value is None or record.offset < skip_below.get((record.topic, record.partition), 0):
                continue
            try:
                take(record)
            except ValueError as exc:  # pydantic's ValidationError: not ours to fix here
                log.debug("console skipped an unreadable record", topic=record.topic, error=str(exc))

    def _take_letter(self, record: Record) -> None:
        letter = DeadLetter.from_bytes(record.value or b"")
        trace = record.header(HEADER_TRACE_ID)
        self.letters.add(record.partition, record.offset, letter, trace_id=trace.decode() if trace else None)

    def _take_story(self, record: Record) -> None:
        story = EnrichedStory.from_bytes(record.value or b"")
        key = (story.id, story.version)
        self.stories.pop(key, None)
        self.stories[key] = story
        while len(self.stories) > self.story_limit:
            self.stories.popitem(last=False)

    # --- reading ------------------------------------------------------------------------------

    def recent_stories(self) -> list[EnrichedStory]:
        """The stories kept, newest first."""
        return list(reversed(self.stories.values()))

    def story(self, story_id: str) -> EnrichedStory | None:
        """The latest kept version of a story."""
        found = [s for (sid, _), s in self.stories.items() if sid == story_id]
        return max(found, key=lambda s: s.version) if found else None

    def vocabulary(self) -> Vocabulary:
        """The tag vocabulary of the kept stories (rebuilt when stories came in)."""
        seen = self.feeds[self.topics.enriched].records
        if self._vocab is None or self._vocab[0] != seen:
            self._vocab = (seen, vocabulary(self.stories.values()))
        return self._vocab[1]

    def ops(self) -> dict[str, Any]:
        """The Operations page's figures, now."""
        reading = read_registry(self.registry.collect())
        rates = self.rates.update(reading, time.monotonic())
        subs = self.store.all()
        per_subscriber: dict[str, int] = {}
        for sub in subs:
            per_subscriber[sub.subscriber] = per_subscriber.get(sub.subscriber, 0) + 1
        return {
            "stages": stage_rows(reading, rates),
            "lag": reading.lag,
            "other": reading.other,
            "subscriptions": {
                "total": len(subs),
                "paused": sum(1 for s in subs if s.options.paused),
                "subscribers": len(per_subscriber),
                "by_subscriber": dict(sorted(per_subscriber.items(), key=lambda kv: (-kv[1], kv[0]))[:20]),
            },
            "sse_clients": self.hub.clients if self.hub is not None else None,
            "dlq": {
                "kept": len(self.letters),
                "forgotten": self.letters.forgotten,
                "reasons": self.letters.reasons(),
            },
            "stories_kept": len(self.stories),
        }

    async def connections(self) -> list[dict[str, Any]]:
        """The bus (as the console's own readers find it) and the MQTT broker (a TCP probe, cached 5 s)."""
        now = time.monotonic()
        rows = [self._bus_row(now)]
        if self.mqtt is not None:
            if self._probe is None or now - self._probe[0] > 5.0:
                self._probe = (now, await _probe_tcp(*self.mqtt))
            mqtt = self._probe[1]
            kind = "embedded broker" if self.mqtt_embedded else "external broker"
            rows.append({"name": "mqtt", "kind": kind, "target": f"{self.mqtt[0]}:{self.mqtt[1]}", **mqtt})
        return rows

    def _bus_row(self, now: float) -> dict[str, Any]:
        feeds = list(self.feeds.values())
        errors = [f.error for f in feeds if f.error]
        if errors:
            state = "error"
        elif all(f.state == "ok" and f.last_ok is not None and now - f.last_ok < 15 for f in feeds):
            state = "connected"
        else:
            state = "connecting"
        return {
            "name": "bus",
            "kind": self.bus_label.split(" ")[0],
            "target": self.bus_label,
            "state": state,
            "detail": "; ".join(errors) or None,
        }

    # --- redrive ------------------------------------------------------------------------------

    async def redrive(self, chosen: Iterable[Kept], *, by: str) -> dict[str, Any]:
        """Send the chosen letters' raw bytes back to their topics; each letter at most once."""
        async with self._redrive_lock:  # two operators (or a double click) never send one letter twice
            topics = set(self.topics.all())
            send, skipped = self.letters.plan(chosen, topics)
            done: list[str] = []
            for kept in send:
                letter = kept.letter
                assert letter.topic is not None  # checked by plan()
                headers = [(HEADER_REDRIVE_OF, f"{self.topics.dlq}/{kept.id}".encode())]
                if kept.trace_id:
                    headers.append((HEADER_TRACE_ID, kept.trace_id.encode()))
                await self.bus.publish(
                    letter.topic,
                    letter.raw,
                    key=letter.key.encode() if letter.key is not None else None,
                    headers=tuple(headers),
                )
                self.letters.mark_redriven(kept.id, at=self.clock(), by=by)
                done.append(kept.id)
                log.info(
                    "dead letter redriven", letter=kept.id, topic=letter.topic, by=by, reason=letter.reason
                )
        return {"redriven": done, "skipped": skipped}

    # --- backtests ----------------------------------------------------------------------------

    def start_backtest(
        self, compiled: CompiledQuery, *, who: str, since: datetime, until: datetime, limit: int
    ) -> BacktestJob:
        """Start a backtest in the background (two at a time) and return its job."""
        job = BacktestJob(uuid.uuid4().hex, who, compiled.query, since, until, limit)
        self.jobs[job.id] = job
        while len(self.jobs) > 50:
            self.jobs.popitem(last=False)
        task = asyncio.create_task(self._run_backtest(job, compiled), name=f"console-backtest:{job.id[:8]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run_backtest(self, job: BacktestJob, compiled: CompiledQuery) -> None:
        try:
            async with self._backtests:
                await self._backtest(job, compiled)
            job.state = "done"
        except BusError as exc:
            job.state, job.error = "failed", str(exc)

    async def _backtest(self, job: BacktestJob, compiled: CompiledQuery) -> None:
        seen: set[tuple[str, int]] = set()
        order = itertools.count()
        kept: list[tuple[datetime, int, EnrichedStory]] = []
        async with self.bus.consumer([self.topics.enriched], group=None, from_beginning=True) as consumer:
            job.total = sum((await consumer.assignment_end_offsets()).values())
            async for batch in read_to_end(consumer):
                for record in batch:
                    job.read += 1
                    story = _story_or_none(record)
                    if story is None or story.retracted or (story.id, story.version) in seen:
                        continue
                    if not job.since <= story_time(story) <= job.until:
                        continue
                    seen.add((story.id, story.version))
                    found = compiled.match(story)
                    if found is None:
                        continue
                    job.matched += 1
                    job.explanations[(story.id, story.version)] = [
                        c.model_dump(mode="json") for c in found.explanation
                    ]
                    kept.append((story_time(story), next(order), story))
                    if len(kept) > job.limit * 2:
                        kept = sorted(kept)[-job.limit :]
                job.hits = [s for _, _, s in sorted(kept)[-job.limit :]]
                await asyncio.sleep(0)  # the page's polls and the stages get their turn
        job.read = max(job.read, job.total)

    async def close(self) -> None:
        """Cancel running backtests."""
        for task in list(self._tasks):
            task.cancel()


def _story_or_none(record: Record) -> EnrichedStory | None:
    if record.value is None:
        return None
    try:
        return EnrichedStory.from_bytes(record.value)
    except ValueError:
        return None


async def _probe_tcp(host: str, port: int) -> dict[str, Any]:
    try:
        async with asyncio.timeout(1.0):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        return {"state": "unreachable", "detail": str(exc) or type(exc).__name__}
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return {"state": "reachable", "detail": None}
