"""The alert stage as a service: stories.enriched → internal.matches → alerts.

Two halves, each a :class:`~wirewatch.runner.Stage` with its own consumer group, run together by
:class:`AlertService` (``wirewatch alert``):

- :class:`MatchService` reads ``stories.enriched`` (keyed by cluster id) as ``wirewatch-alert``,
  finds the subscriptions each story matches (the index) and decides ``new``/``update``/
  ``retraction`` with the subscription × cluster threads of its partition; it publishes each
  decision to ``internal.matches``, keyed by subscription id.
- :class:`MailboxService` reads ``internal.matches`` as ``wirewatch-mailbox`` and applies each
  subscription's throttle, digests and quiet hours with the mailboxes of its partition; it
  publishes the alerts to ``alerts``, keyed by subscription id.

Each half's state is a :class:`~wirewatch.state.PartitionedTable` co-partitioned with its input:
a key has one owner however many workers run, and a worker that takes over a partition restores
its state before it handles the partition's records. So N alert workers decide exactly as one:
one ``new`` per subscription × cluster, exact throttle limits, one digest.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from alerts.index import TermStatistics
from alerts.pipeline import match_story
from alerts.query import PreparedStory, prepare
from alerts.state import Candidate, Mailboxes, Threads
from schemas import EnrichedStory
from wirewatch.runner import Clock, Stage, publish_message, record_time, trace_id_of, utcnow
from wirewatch.state import PartitionedTable

if TYPE_CHECKING:
    from pathlib import Path

    from alerts.store import SubscriptionStore
    from schemas import Alert, Topics
    from wirewatch.bus.base import Bus, Record
    from wirewatch.state import GlobalTable

log = structlog.get_logger("wirewatch.alerts")

ALERT_GROUP = "wirewatch-alert"
MAILBOX_GROUP = "wirewatch-mailbox"
EXPIRE_EVERY = timedelta(hours=1)
# Save the subscription snapshot again after this long even without changes (see alerts.index.snapshot).
SNAPSHOT_REFRESH_S = 3600.0


@dataclass
class MatchService:
    """stories.enriched → match (indexed) → subscription × cluster threads → internal.matches."""

    bus: Bus
    topics: Topics
    store: SubscriptionStore  # with an index
    clock: Clock = utcnow
    #: Stories observed into the index's term statistics before it refiles its queries by
    #: them (0: keep the static guesses). Each worker learns from the stories it matches.
    term_sample: int = 2000
    refile_batch: int = 2000
    threads: PartitionedTable[Threads] = field(init=False)
    _terms: TermStatistics = field(default_factory=TermStatistics)
    _last_expiry: datetime | None = None

    def __post_init__(self) -> None:
        self.threads = PartitionedTable(self.bus, self.topics.alert_threads, Threads)

    async def handle(self, record: Record) -> None:
        """Match one enriched story; publish a candidate per subscription it concerns."""
        if record.value is None:
            return
        story = EnrichedStory.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(story_id=story.id, cluster_id=story.cluster_id)
        prepared = None if story.retracted else prepare(story)
        candidates = match_story(
            story,
            index=self.store.index,
            subscriptions=self.store.subscriptions,
            threads=self.threads.of(record.partition),
            # The record's own time, not the wall clock: a replay after a crash makes the same
            # throttle and quiet-hour decisions, and so the same alerts with the same keys.
            now=record_time(record, self.clock),
            prepared=prepared,
        )
        trace = trace_id_of(record)
        for candidate in candidates:
            await publish_message(
                self.bus, self.topics.matches, candidate, key=candidate.subscription_id, trace_id=trace
            )
        if prepared is not None:
            self._learn(prepared)
        log.debug("story matched", candidates=[(c.subscription_id, c.kind.value) for c in candidates])

    def use_terms(self, terms: TermStatistics) -> None:
        """Keep ``terms`` as the learned statistics (restored with the index): nothing to learn again."""
        self._terms = terms

    def _learn(self, prepared: PreparedStory) -> None:
        """Feed the term sample; once complete, refile the index by it, a batch per story."""
        index, terms = self.store.index, self._terms
        if terms.stories < self.term_sample:
            terms.observe(prepared)
            if terms.stories == self.term_sample:
                queued = index.use_statistics(terms)
                log.info("term statistics learned; refiling queries", stories=terms.stories, queued=queued)
        elif index.queued_for_refiling and index.refile(self.refile_batch) == 0:
            log.info("subscription index refiled by term statistics", keys=index.keys)

    async def tick(self) -> None:
        """Forget idle threads now and then."""
        now = self.clock()
        if self._last_expiry is None or now - self._last_expiry > EXPIRE_EVERY:
            for threads in self.threads.stores():
                threads.expire(now=now)
            self._last_expiry = now

    def stage(self) -> Stage:
        """The stage loop of this half."""
        return Stage(
            name="alert",
            bus=self.bus,
            source=self.topics.enriched,
            group=ALERT_GROUP,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
            state=(self.threads,),
            tick=self.tick,
            tick_interval_s=60.0,
        )


@dataclass
class MailboxService:
    """internal.matches → each subscription's throttle, digests, quiet hours → alerts."""

    bus: Bus
    topics: Topics
    store: SubscriptionStore
    clock: Clock = utcnow
    mailboxes: PartitionedTable[Mailboxes] = field(init=False)
    _last_expiry: datetime | None = None

    def __post_init__(self) -> None:
        self.mailboxes = PartitionedTable(self.bus, self.topics.mailboxes, Mailboxes)

    async def handle(self, record: Record) -> None:
        """Route one candidate through its subscription's mailbox; publish what goes out now."""
        if record.value is None:
            return
        candidate = Candidate.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(
            subscription_id=candidate.subscription_id, story_id=candidate.story_id
        )
        subscription = self.store.get(candidate.subscription_id)
        if subscription is None:
            return  # deleted since it matched
        alerts = self.mailboxes.of(record.partition).route(candidate, subscription)
        await self._publish(alerts, trace_id=trace_id_of(record))

    async def _publish(self, alerts: list[Alert], *, trace_id: str | None = None) -> None:
        for a in alerts:
            await publish_message(self.bus, self.topics.alerts, a, key=a.subscription_id, trace_id=trace_id)
            log.debug("alert", kind=a.kind.value, subscription_id=a.subscription_id, story_id=a.story_id)

    async def tick(self) -> None:
        """Publish digests and held alerts whose time has come; forget idle state now and then."""
        now = self.clock()
        expire = self._last_expiry is None or now - self._last_expiry > EXPIRE_EVERY
        for boxes in self.mailboxes.stores():
            if expire:
                boxes.expire(now=now)
            next_due = boxes.next_due()
            if next_due is not None and next_due <= now:
                await self._publish(boxes.due(now=now, subscriptions=self.store.subscriptions))
        if expire:
            self._last_expiry = now

    def stage(self) -> Stage:
        """The stage loop of this half."""
        return Stage(
            name="mailbox",
            bus=self.bus,
            source=self.topics.matches,
            group=MAILBOX_GROUP,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
            state=(self.mailboxes,),
            tick=self.tick,
            tick_interval_s=1.0,
        )


@dataclass
class AlertService:
    """The alert stage: follows the subscriptions once, runs the match and mailbox halves."""

    bus: Bus
    topics: Topics
    store: SubscriptionStore  # with an index
    clock: Clock = utcnow
    term_sample: int = 2000
    refile_batch: int = 2000
    #: Where the subscriptions and index are saved with the offsets they reflect (None: never):
    #: loaded at start, then only newer records are read (see :mod:`alerts.index.snapshot`).
    snapshot_path: Path | None = None
    snapshot_interval_s: float = 300.0
    match: MatchService = field(init=False)
    mailbox: MailboxService = field(init=False)

    def __post_init__(self) -> None:
        self.match = MatchService(
            bus=self.bus,
            topics=self.topics,
            store=self.store,
            clock=self.clock,
            term_sample=self.term_sample,
            refile_batch=self.refile_batch,
        )
        self.mailbox = MailboxService(bus=self.bus, topics=self.topics, store=self.store, clock=self.clock)

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Follow the subscriptions; once they are loaded, match and route until ``stop``."""
        loaded = None if self.snapshot_path is None else await self.store.load_snapshot(self.snapshot_path)
        if loaded is not None and self.store.index.statistics is not None:
            # The snapshot's index is filed by the statistics it had learned: keep them.
            self.match.use_terms(self.store.index.statistics)
        subs = self.store.table(start_offsets=loaded)
        halves = [asyncio.Event(), asyncio.Event()]
        async with asyncio.TaskGroup() as tg:
            follower = tg.create_task(subs.follow(), name="alert-subscriptions")
            await subs.ready.wait()
            # The index is long-lived: keep the collector from scanning it again and again (at 100k
            # subscriptions full collections made matching ~3x slower).
            gc.freeze()
            log.info("alert stage ready", subscriptions=len(self.store), from_snapshot=loaded is not None)
            tg.create_task(self.match.stage().run(stop, started=halves[0]), name="alert-match")
            tg.create_task(self.mailbox.stage().run(stop, started=halves[1]), name="alert-mailbox")
            await asyncio.gather(*(h.wait() for h in halves))
            if started is not None:
                started.set()
            saver = None
            if self.snapshot_path is not None:
                # Once both halves run: the first save (a few seconds at a million) delays no start.
                saver = tg.create_task(self._save_snapshots(subs, loaded or {}), name="alert-snapshots")
            await stop.wait()
            follower.cancel()
            if saver is not None:
                saver.cancel()

    async def _save_snapshots(self, subs: GlobalTable[SubscriptionStore], saved: dict[int, int]) -> None:
        """Save a snapshot once ready, then whenever the subscriptions changed, every interval.

        Also every hour without changes: a snapshot too old to trust is ignored at start.
        """
        assert self.snapshot_path is not None  # started only with a path
        last = self.store.snapshot_created_at  # of the snapshot loaded at start (0: none)
        while True:
            positions = dict(subs.positions)
            if positions != saved or time.time() - last > SNAPSHOT_REFRESH_S:
                try:
                    await self.store.save_snapshot(self.snapshot_path, positions)
                    saved, last = positions, time.time()
                except OSError as exc:
                    # A full disk must not stop alerting: the next start replays the topic instead.
                    log.warning(
                        "subscription snapshot not saved", path=str(self.snapshot_path), error=str(exc)
                    )
            await asyncio.sleep(self.snapshot_interval_s)
