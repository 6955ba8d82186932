"""The one generic stage loop: consume → handle → produce → commit, with the DLQ policy.

Every stage service (process, alert, deliver) is this loop with its own handler.
The policy, decided once here:

- A handler that raises :class:`~wirewatch.errors.BusError` (infrastructure) stops
  the stage without committing: the records are read again after a restart.
- Any other exception means *this message* is bad (invalid JSON, a failed
  validation, a bug on odd input): it goes to the dead-letter topic with its
  reason, and the loop carries on.
- Offsets are committed only after every record of the batch was handled,
  everything it produced (including dead letters) was acknowledged by the bus, and
  the state it changed was written (:mod:`wirewatch.state`): at-least-once. Handlers
  are idempotent, so a replay after a crash is harmless.
- Each message is logged in a context of its own (stage, topic, partition, offset,
  key, and whatever the handler binds), cleared after it: nothing leaks into the next.
- Metrics tell what happened, not what was tried: every dead letter is counted where it is
  published (:func:`publish_message`), whichever stage or path wrote it; a record counts as
  ``ok`` only once its batch's acknowledgements are in and no dead letter came of it (a
  delivery given up after the handler returned counts as ``dead_letter``). The consumer lag
  per partition is sampled every ``lag_interval_s``, not per message.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from schemas import SCHEMA_VERSION, DeadLetter, Message
from wirewatch.bus.base import (
    HEADER_MESSAGE_TYPE,
    HEADER_SCHEMA_VERSION,
    HEADER_TRACE_ID,
    Bus,
    Consumer,
    Headers,
    PendingAcks,
    Record,
    deferred_acks,
    owing_to,
)
from wirewatch.errors import BusError
from wirewatch.logging import message_context
from wirewatch.metrics import (
    BATCH_RECORDS,
    CONSUMER_LAG,
    DEAD_LETTERS,
    HANDLE_SECONDS,
    MESSAGES,
    READINESS,
    STAGE_HEARTBEAT,
    STAGE_SECONDS,
    STAGE_UP,
)

if TYPE_CHECKING:
    from wirewatch.state import StateTable

log = structlog.get_logger("wirewatch.runner")

Handler = Callable[[Record], Awaitable[None]]
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The wall clock, in UTC: the one place services read it (pure code gets ``now`` passed in)."""
    return datetime.now(UTC)


def record_time(record: Record, clock: Clock) -> datetime:
    """When a record was written (its timestamp), else the clock: decisions that replay the same."""
    if record.timestamp_ms > 0:
        return datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
    return clock()


_SCHEMA_VERSION_HEADER = (HEADER_SCHEMA_VERSION, str(SCHEMA_VERSION).encode())
#: The message-type header of each message class, built once per class rather than per message.
_TYPE_HEADERS: dict[type[Message], tuple[str, bytes]] = {}


def headers_for(message: Message, *, trace_id: str | None = None) -> Headers:
    """The headers every Wirewatch message carries: schema version, message type, trace id."""
    kind = type(message)
    type_header = _TYPE_HEADERS.get(kind)
    if type_header is None:
        type_header = _TYPE_HEADERS[kind] = (HEADER_MESSAGE_TYPE, kind.__name__.encode())
    return (
        _SCHEMA_VERSION_HEADER,
        type_header,
        (HEADER_TRACE_ID, (trace_id or uuid.uuid4().hex).encode()),
    )


def trace_id_of(record: Record) -> str | None:
    """The trace id a record carries, to pass on to what it produces."""
    raw = record.header(HEADER_TRACE_ID)
    return raw.decode(errors="replace") if raw else None


#: The dead letters published by the batch a stage loop is handling (set once per batch).
_BATCH_DEAD_LETTERS: ContextVar[list[int] | None] = ContextVar("wirewatch_batch_dead_letters", default=None)


async def publish_message(
    bus: Bus, topic: str, message: Message, *, key: str | None, trace_id: str | None = None
) -> None:
    """Serialise and publish one message with the standard headers (a dead letter is counted)."""
    await bus.publish(
        topic,
        message.to_bytes(),
        key=key.encode() if key is not None else None,
        headers=headers_for(message, trace_id=trace_id),
    )
    if isinstance(message, DeadLetter):
        count_dead_letter(message)


def count_dead_letter(letter: DeadLetter) -> None:
    """Count one published dead letter (every path that writes one goes through here)."""
    DEAD_LETTERS.labels(letter.stage, letter.error_type).inc()
    tally = _BATCH_DEAD_LETTERS.get()
    if tally is not None:
        tally[0] += 1


#: The fault-injection hook of the chaos suite (``tests/chaos``): ``after_produce`` SIGKILLs the
#: process inside the produce→commit window (outputs and state acknowledged, offsets not committed).
CHAOS_KILL_AT = "WIREWATCH_CHAOS_KILL_AT"
#: Which commit with records fires it (1 = the first; default 1) and, optionally, of which stage.
CHAOS_KILL_AFTER = "WIREWATCH_CHAOS_KILL_AFTER"
CHAOS_KILL_STAGE = "WIREWATCH_CHAOS_KILL_STAGE"


@dataclass
class ChaosKill:
    """Kills this process at the n-th commit of a stage, after its outputs were acknowledged.

    Read once per stage from the environment (never set in production): the loop pays one
    ``is None`` test per commit when it is off.
    """

    after: int
    commits: int = 0

    @classmethod
    def from_env(cls, stage: str) -> ChaosKill | None:
        """The hook for ``stage`` if the environment asks for one, else None."""
        if os.environ.get(CHAOS_KILL_AT) != "after_produce":
            return None
        wanted = os.environ.get(CHAOS_KILL_STAGE)
        if wanted and wanted != stage:
            return None
        return cls(after=max(1, int(os.environ.get(CHAOS_KILL_AFTER, "1"))))

    def before_commit(self) -> None:
        """Count a commit with records; SIGKILL ourselves at the chosen one (no cleanup runs)."""
        self.commits += 1
        if self.commits >= self.after:
            log.warning("chaos: SIGKILL inside the produce→commit window", commits=self.commits)
            os.kill(os.getpid(), signal.SIGKILL)


class GcClock:
    """CPU seconds this process spent in the cyclic garbage collector, per generation (gc.callbacks).

    The collector runs in whichever thread allocated: its thread's CPU clock tells its cost apart
    from the other load of a shared machine.
    """

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        """The gc.callbacks hook: ``start`` and ``stop`` of one collection."""
        if phase == "start":
            self._started = time.thread_time()
            return
        spent = time.thread_time() - self._started
        generation = info["generation"]
        self.seconds[generation] += spent
        self.collections[generation] += 1

    def total(self) -> float:
        """Seconds spent collecting so far, every generation."""
        return sum(self.seconds)


#: The young generation's threshold for services: a story makes thousands of short-lived container
#: objects, and the default (700 allocations) ran a collection every few dozen microseconds of work.
SERVICE_GC_THRESHOLD = (10_000, 10, 10)
_GC_CLOCK: GcClock | None = None


def service_gc() -> GcClock:
    """The collector policy of a service process, set once: time it, and collect young objects less often.

    Stages call :func:`freeze_heap` once their start-up state is built.
    """
    global _GC_CLOCK  # noqa: PLW0603 - one policy per process
    if _GC_CLOCK is None:
        _GC_CLOCK = GcClock()
        gc.callbacks.append(_GC_CLOCK)
        gc.set_threshold(*SERVICE_GC_THRESHOLD)
    return _GC_CLOCK


def freeze_heap() -> None:
    """Move every object alive now out of the collector's sight (start-up state lives as long as we do).

    Full collections then walk only what was made since: a large knowledge base or index is not
    traversed again and again. Call it after the long-lived state is built, before the loop runs.
    """
    gc.collect()  # what start-up left as garbage goes now, not frozen forever
    gc.freeze()


@dataclass
class StageStats:
    """Counters a stage keeps (exposed to logs and metrics)."""

    handled: int = 0
    dead_lettered: int = 0
    batches: int = 0
    errors: dict[str, int] = field(default_factory=dict)


@dataclass
class _Books:
    """Where a stage's records stand: state written and in flight, or safe to commit."""

    writing: PendingAcks = field(default_factory=PendingAcks)  # the last batch's state writes
    written: list[Record] = field(default_factory=list)  # their records
    safe: list[Record] = field(default_factory=list)  # outputs and state acknowledged: committable
    last_commit: float = field(default_factory=time.monotonic)
    assigned: frozenset[int] | None = None


class Progress:
    """One summary line per ``every_s`` instead of a line per message (the hot path logs at debug)."""

    def __init__(self, name: str, *, every_s: float = 10.0) -> None:
        self._name = name
        self._every_s = every_s
        self._last = time.monotonic()
        self._handled = 0

    def tick(self, stats: StageStats) -> None:
        """Log the rate since the last line, if it is time and something happened."""
        now = time.monotonic()
        if now - self._last < self._every_s or stats.handled == self._handled:
            return
        rate = (stats.handled - self._handled) / (now - self._last)
        log.info(
            "stage progress",
            stage=self._name,
            handled=stats.handled,
            dead_lettered=stats.dead_lettered,
            per_s=round(rate, 1),
            gc_s=None if _GC_CLOCK is None else round(_GC_CLOCK.total(), 3),
            cpu_s=round(time.process_time(), 3),
        )
        self._last, self._handled = now, stats.handled


@dataclass
class Stage:
    """One stage: read ``source`` as ``group``, run ``handler`` per record, commit after the batch.

    ``state`` holds the stage's changelog-backed tables (:mod:`wirewatch.state`): before a batch is
    handled they restore the partitions the consumer was newly given, and after its outputs were
    acknowledged they write what it changed; the next batch is polled and handled while those
    writes are acknowledged (one round trip per batch on the critical path, not two), and a batch
    is committed only once its state is acknowledged too. Commits go out
    at most every ``commit_interval_s`` (and when the input runs dry, and at stop), not per batch:
    under a trickle each batch is one record. ``tick`` runs at most every ``tick_interval_s``
    (timers: digests, expiry), inside the batch, so what it publishes and changes is
    acknowledged and written before the commit too. Where the time goes is measured per batch
    (``wirewatch_stage_seconds{phase=poll|handle|ack|state|commit}``).
    """

    name: str
    bus: Bus
    source: str
    group: str
    handler: Handler
    dlq: str
    clock: Clock = utcnow
    batch_size: int = 100
    poll_timeout_s: float = 0.5
    stats: StageStats = field(default_factory=StageStats)
    state: Sequence[StateTable] = ()
    tick: Callable[[], Awaitable[None]] | None = None
    tick_interval_s: float = 1.0
    commit_interval_s: float = 0.1
    #: The first offset of a partition that may not be committed yet (records held past their batch,
    #: as delivery retries do), or None: every handled record is committable.
    commit_limit: Callable[[int], int | None] | None = None
    lag_interval_s: float = 2.0
    #: False: the handler counts ``wirewatch_messages_total`` itself, because its records' fate is
    #: known only later (delivery: an alert waits in its target's lane, then is delivered or given up).
    count_messages: bool = True
    _last_tick: float = float("-inf")
    _last_sample: float = float("-inf")
    _lagging: set[tuple[str, int]] = field(default_factory=set)
    _progress: Progress = field(init=False)
    _chaos: ChaosKill | None = field(init=False)

    def __post_init__(self) -> None:
        self._progress = Progress(self.name)
        # Label lookups once, not per message.
        self._ok = MESSAGES.labels(self.name, "ok")
        self._dead = MESSAGES.labels(self.name, "dead_letter")
        self._handle_seconds = HANDLE_SECONDS.labels(self.name)
        self._chaos = ChaosKill.from_env(self.name)

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Run until ``stop`` is set; raises only on infrastructure errors."""
        READINESS.mark(self.check, ok=False, detail="starting: replaying state")
        try:
            await self._run(stop, started)
        finally:
            STAGE_UP.labels(self.name).set(0)
            READINESS.mark(self.check, ok=False, detail="stopped")
            for topic, partition in self._lagging:
                CONSUMER_LAG.remove(self.group, topic, str(partition))
            self._lagging = set()

    @property
    def check(self) -> str:
        """The name of this stage's readiness check (its state replayed, its loop running)."""
        return f"stage:{self.name}"

    async def _run(self, stop: asyncio.Event, started: asyncio.Event | None) -> None:
        async with self.bus.consumer([self.source], group=self.group) as consumer:
            if started is not None:
                started.set()
            log.info("stage started", stage=self.name, topic=self.source, group=self.group)
            books = _Books()
            running = False
            while not stop.is_set():
                polled = time.perf_counter()
                records = await consumer.getmany(timeout_s=self.poll_timeout_s, max_records=self.batch_size)
                if records:
                    self._observe("poll", polled)
                records = await self._owned(consumer, records, books)
                if not running:  # the state of the partitions given to us is replayed now
                    running = True
                    STAGE_UP.labels(self.name).set(1)
                    READINESS.mark(self.check, detail="running")
                await self.handle_batch(records)
                # The previous batch's state was written while this one was polled and handled.
                await self._settle(books)
                await self._write_state(records, books)
                # Commit on a short window, not per batch: under a trickle every batch is one record.
                if not records:
                    await self._settle(books)
                if books.safe and (
                    not records or time.monotonic() - books.last_commit >= self.commit_interval_s
                ):
                    await self._commit(consumer, books)
                self._progress.tick(self.stats)
                if time.monotonic() - self._last_sample >= self.lag_interval_s:
                    await self._sample(consumer)
            await self._settle(books)
            if books.safe:
                await self._commit(consumer, books)
            log.info(
                "stage stopped",
                stage=self.name,
                handled=self.stats.handled,
                gc_s=None if _GC_CLOCK is None else [round(x, 3) for x in _GC_CLOCK.seconds],
                gc_n=None if _GC_CLOCK is None else _GC_CLOCK.collections,
                cpu_s=round(time.process_time(), 3),
            )

    async def _write_state(self, records: list[Record], books: _Books) -> None:
        """Publish the batch's state changes, owing their acknowledgements to ``books`` (not awaited)."""
        if not self.state:
            books.safe += records
            return
        started = time.perf_counter()
        with owing_to(books.writing):
            for table in self.state:
                await table.write()
        books.written += records
        if records:
            self._observe("state", started)

    async def _settle(self, books: _Books) -> None:
        """Wait for the state writes in flight; their batches may then be committed."""
        started = time.perf_counter()
        await books.writing.flush()
        if books.written:
            self._observe("state_ack", started)
        books.safe += books.written
        books.written = []

    async def _commit(self, consumer: Consumer, books: _Books) -> None:
        started = time.perf_counter()
        ready = self._committable(books)
        books.last_commit = time.monotonic()
        if not ready:
            return
        if self._chaos is not None:
            self._chaos.before_commit()
        await consumer.commit(ready)
        self.stats.batches += 1
        self._observe("commit", started)

    def _committable(self, books: _Books) -> list[Record]:
        """Take the records that may be committed out of ``books.safe``; held ones stay for later."""
        if self.commit_limit is None:
            everything, books.safe = books.safe, []
            return everything
        ready: list[Record] = []
        later: list[Record] = []
        limits: dict[int, int | None] = {}
        for r in books.safe:
            if books.assigned is not None and r.partition not in books.assigned:
                continue  # taken away while held: its new owner reads it again
            if r.partition not in limits:
                limits[r.partition] = self.commit_limit(r.partition)
            limit = limits[r.partition]
            (ready if limit is None or r.offset < limit else later).append(r)
        books.safe = later
        return ready

    async def _sample(self, consumer: Consumer) -> None:
        """Publish the consumer lag of each assigned partition, and the loop's heartbeat."""
        self._last_sample = time.monotonic()
        STAGE_HEARTBEAT.labels(self.name).set(time.time())
        try:
            async with asyncio.timeout(max(self.lag_interval_s, 1.0)):
                lag = await consumer.lag()
        except (TimeoutError, BusError) as exc:
            # A figure for the dashboards is not worth stopping the stage for: the next poll or
            # commit meets a real bus failure anyway. Keep the last figures, try again later.
            log.debug("consumer lag not read", stage=self.name, error=str(exc) or type(exc).__name__)
            return
        for (topic, partition), behind in lag.items():
            CONSUMER_LAG.labels(self.group, topic, str(partition)).set(behind)
        for topic, partition in self._lagging - lag.keys():  # taken away by a rebalance
            CONSUMER_LAG.remove(self.group, topic, str(partition))
        self._lagging = set(lag)

    def _observe(self, phase: str, since: float) -> None:
        STAGE_SECONDS.labels(self.name, phase).observe(time.perf_counter() - since)

    async def _owned(self, consumer: Consumer, records: list[Record], books: _Books) -> list[Record]:
        """Bring the state in line with the assignment; keep the records whose state is here."""
        if not self.state:
            return records
        assigned = frozenset(p for t, p in consumer.assignment() if t == self.source)
        if assigned != books.assigned:
            # A partition's next owner must read every change we made to it: ours first.
            await self._settle(books)
            books.assigned = assigned
        for table in self.state:
            await table.assign(assigned)
        # A record of a partition taken away meanwhile is its new owner's (it was not committed).
        return [r for r in records if all(t.holds(r.partition) for t in self.state)]

    async def handle_batch(self, records: Sequence[Record]) -> None:
        """Handle the records (and a due tick), publishing without waiting; then wait for every ack."""
        started = time.perf_counter()
        dead_letters = [0]
        token = _BATCH_DEAD_LETTERS.set(dead_letters)
        try:
            async with deferred_acks() as acks:
                for record in records:
                    await self.handle_one(record)
                now = time.monotonic()
                if self.tick is not None and now - self._last_tick >= self.tick_interval_s:
                    self._last_tick = now
                    await self.tick()
                if records:
                    self._observe("handle", started)
                    BATCH_RECORDS.labels(self.name).observe(len(records))
                acked = time.perf_counter()
                await acks.flush()
                if records:
                    self._observe("ack", acked)
        finally:
            _BATCH_DEAD_LETTERS.reset(token)
        # Counted once the batch's fate is known: a delivery dead-lettered while its acknowledgement
        # was awaited is not ``ok``. (One dead letter per record at most; a tick's own are extra.)
        if not self.count_messages:
            return
        dead = min(dead_letters[0], len(records))
        if dead:
            self._dead.inc(dead)
        if len(records) > dead:
            self._ok.inc(len(records) - dead)

    async def handle_one(self, record: Record) -> None:
        """Handle one record; a bad message is dead-lettered, an infrastructure error propagates."""
        with message_context(self.name, record):
            started = time.perf_counter()
            try:
                await self.handler(record)
            except BusError:
                raise
            except Exception as exc:  # the per-message policy: anything else is this message's fault
                await self.dead_letter(record, exc)
            else:
                self.stats.handled += 1
            self._handle_seconds.observe(time.perf_counter() - started)

    async def dead_letter(self, record: Record, error: BaseException | str) -> None:
        """Publish ``record`` to the DLQ with the reason."""
        letter = DeadLetter.build(
            stage=self.name,
            error=error,
            raw=record.value or b"",
            failed_at=self.clock(),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode(errors="replace") if record.key else None,
        )
        await publish_message(self.bus, self.dlq, letter, key=letter.key, trace_id=trace_id_of(record))
        self.stats.dead_lettered += 1
        name = letter.error_type
        self.stats.errors[name] = self.stats.errors.get(name, 0) + 1
        log.warning("dead-lettered", reason=letter.reason, error_type=name)


async def run_until(stop: asyncio.Event, work: Coroutine[Any, Any, object]) -> None:
    """Run ``work`` until it ends or ``stop`` is set, whichever comes first (then cancel it)."""
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(work)
        stopper = tg.create_task(stop.wait())
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for t in (task, stopper):
            if t not in done:
                t.cancel()
