"""State that survives restarts and is shared by a stage's copies: changelog-backed keyed tables.

Every stateful part of Wirewatch keeps its state as Kafka Streams and Quix Streams do: in memory,
with every change written to a compacted changelog topic and read back at start. The stores
themselves are pure (:class:`Changelogged`: ``apply`` a changelog entry, hand out ``changes``); this
module does the I/O, the same way for all of them:

- :class:`GlobalTable` — every copy of a stage reads every partition (subscriptions, cluster
  signatures): replay to the end, signal ``ready``, keep following.
- :class:`PartitionedTable` — co-partitioned with the stage's input (alert threads, mailboxes,
  deliveries): a copy holds the state of the input partitions it was given and nothing else. Before
  it handles a record of a partition it was just given, it restores that partition from the
  changelog, read to the end it had at that moment. The previous owner wrote its changes before it
  committed its offsets, so they are all there: every key has one owner at a time, and N workers
  decide exactly as one would.

Writes: a stage publishes what a batch produced, waits for the acknowledgements, then writes the
batch's state changes (:meth:`PartitionedTable.write`), waits for those, and only then commits its
input. A crash between two steps replays input whose state was not saved; the decisions are then
the same, and so are the idempotency keys of what they produce.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import structlog

from wirewatch.errors import BusError, StateError, WirewatchError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping

    from wirewatch.bus.base import Bus, Consumer, Record

__all__ = [
    "Changelogged",
    "GlobalTable",
    "PartitionedTable",
    "StateTable",
    "read_to_end",
    "replay",
]

log = structlog.get_logger("wirewatch.state")


class Changelogged(Protocol):
    """A pure store whose changes go to a changelog: apply entries, hand out what changed."""

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one changelog entry (``None``: the key was deleted). Raise a WirewatchError if corrupt."""
        ...

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Entries ``(key, value or None)`` changed since the last call, for the changelog."""
        ...


class StateTable(Protocol):
    """What the stage loop needs of a table: restore what it was assigned, write after the acks."""

    async def assign(self, partitions: frozenset[int]) -> None:
        """Hold the state of exactly these input partitions (restore new ones, drop the others)."""
        ...

    def holds(self, partition: int) -> bool:
        """Whether the state of this input partition is here (records of others are not handled)."""
        ...

    async def write(self) -> None:
        """Publish the changes made since the last write (inside the caller's ``deferred_acks``)."""
        ...


S = TypeVar("S", bound=Changelogged)


async def read_to_end(
    consumer: Consumer,
    *,
    timeout_s: float = 0.5,
    max_records: int = 500,
    idle_polls: int = 2,
    stall_timeout_s: float = 10.0,
    start: Mapping[tuple[str, int], int] | None = None,
) -> AsyncIterator[list[Record]]:
    """Yield batches until every assigned partition has been read to the end it had when called.

    The last offsets of a compacted partition can be gone for good (an expired tombstone
    removed by compaction), so they may never be read. A partition that has delivered
    records is therefore done after ``idle_polls`` empty polls in a row (the consumer has
    caught up with it); one that delivered nothing at all is given up after
    ``stall_timeout_s`` without progress (its every record was compacted away, or the
    bus is very slow), with a warning. ``start`` gives the offset the consumer was sought to
    per partition, if not its beginning: a partition already read to its end there is done.
    """
    ends = await consumer.assignment_end_offsets()
    first = start or {}
    remaining = {tp: end for tp, end in ends.items() if end > first.get(tp, 0)}
    started: set[tuple[str, int]] = set()
    idle = 0
    last_progress = time.monotonic()
    while remaining:
        batch = await consumer.getmany(timeout_s=timeout_s, max_records=max_records)
        for record in batch:
            tp = (record.topic, record.partition)
            started.add(tp)
            if tp in remaining and record.offset + 1 >= remaining[tp]:
                del remaining[tp]
        if batch:
            idle, last_progress = 0, time.monotonic()
            yield batch
            continue
        idle += 1
        if idle >= idle_polls:
            for tp in started & remaining.keys():
                del remaining[tp]
        if remaining and time.monotonic() - last_progress > stall_timeout_s:
            log.warning("partitions not read to their end; going on", partitions=sorted(remaining))
            return


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic collection while a replayed batch is applied (restored as it was after).

    A replay builds long-lived state: every young-generation collection during it scans objects
    that all survive (about 1,000 collections, ~3 of ~30 s, replaying a million subscriptions).
    Stores that keep much freeze what they keep as they go (``alerts.store``), so it is never
    scanned; the rest is scanned once, at the first collection after the batch.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _apply(store: Changelogged, record: Record) -> None:
    """Apply one changelog record; a corrupt one is logged and skipped (never stops a worker)."""
    if record.key is None:
        log.warning("changelog record without a key skipped", topic=record.topic, offset=record.offset)
        return
    try:
        store.apply(record.key.decode(errors="replace"), record.value)
    except BusError:
        raise
    except WirewatchError as exc:
        log.warning(
            "corrupt changelog record skipped",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(exc),
        )


async def replay(
    bus: Bus,
    topic: str,
    store: Changelogged,
    *,
    partitions: Iterable[int] | None = None,
    stall_timeout_s: float = 10.0,
) -> int:
    """Apply ``topic`` (or some of its partitions) from the beginning to its current end; return the count."""
    count = 0
    parts = None if partitions is None else sorted(partitions)
    async with bus.consumer([topic], group=None, from_beginning=True, partitions=parts) as consumer:
        async for batch in read_to_end(consumer, stall_timeout_s=stall_timeout_s):
            for record in batch:
                _apply(store, record)
            count += len(batch)
    return count


class GlobalTable(Generic[S]):
    """A store every copy of a stage holds whole: replay the changelog, set ``ready``, keep following."""

    def __init__(
        self,
        bus: Bus,
        topic: str,
        store: S,
        *,
        ready: asyncio.Event | None = None,
        poll_timeout_s: float = 0.5,
        stall_timeout_s: float = 10.0,
        start_offsets: Mapping[int, int] | None = None,
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.store = store
        self.ready = ready if ready is not None else asyncio.Event()
        self._poll_timeout_s = poll_timeout_s
        self._stall_timeout_s = stall_timeout_s
        #: Where to start reading, per partition (the store already reflects what came before,
        #: e.g. restored from a snapshot); partitions not named start at their beginning.
        self.start_offsets = dict(start_offsets or {})
        #: The offset after the last record applied, per partition: what the store reflects.
        self.positions: dict[int, int] = dict(self.start_offsets)

    async def follow(self) -> None:
        """Replay to the end, set :attr:`ready`, then apply changes as they come, until cancelled."""
        async with self.bus.consumer([self.topic], group=None, from_beginning=True) as consumer:
            start: dict[tuple[str, int], int] = {}
            for topic, partition in sorted(consumer.assignment()):
                offset = self.start_offsets.get(partition)
                if offset:
                    await consumer.seek(topic, partition, offset)
                    start[topic, partition] = offset
            count = 0
            # Large batches: a replay of a million subscriptions in 500s was 2,000 round trips.
            async for batch in read_to_end(
                consumer,
                timeout_s=self._poll_timeout_s,
                stall_timeout_s=self._stall_timeout_s,
                start=start,
                max_records=5000,
            ):
                with _collector_paused():
                    self._apply_all(batch)
                count += len(batch)
            # Partition numbers as keys: a JSON log cannot render tuple keys.
            offsets = {p: o for (_, p), o in start.items()} or None
            log.info("state replayed", topic=self.topic, records=count, from_offsets=offsets)
            self.ready.set()
            while True:
                self._apply_all(await consumer.getmany(timeout_s=self._poll_timeout_s, max_records=1000))

    def _apply_all(self, batch: list[Record]) -> None:
        positions = self.positions
        for record in batch:
            _apply(self.store, record)
            positions[record.partition] = record.offset + 1

    async def assign(self, partitions: frozenset[int]) -> None:
        """Nothing to do: a global table holds every partition."""

    def holds(self, partition: int) -> bool:  # noqa: ARG002 - the StateTable protocol
        """Always: a global table holds every partition."""
        return True

    async def write(self) -> None:
        """Publish the store's changes, each to its key's partition."""
        for key, value in self.store.changes():
            await self.bus.publish(self.topic, value, key=key.encode())


class PartitionedTable(Generic[S]):
    """One store per assigned input partition, restored from the same partition of the changelog."""

    def __init__(
        self, bus: Bus, topic: str, factory: Callable[[], S], *, stall_timeout_s: float = 10.0
    ) -> None:
        self.bus = bus
        self.topic = topic
        self._factory = factory
        self._stores: dict[int, S] = {}
        self._stall_timeout_s = stall_timeout_s

    def of(self, partition: int) -> S:
        """The store of one input partition (it must be assigned and restored)."""
        try:
            return self._stores[partition]
        except KeyError:
            raise StateError(
                "state of this partition is not held here", topic=self.topic, partition=partition
            ) from None

    def holds(self, partition: int) -> bool:
        """Whether this partition's state is here."""
        return partition in self._stores

    def items(self) -> Iterator[tuple[int, S]]:
        """``(partition, store)`` for every partition held, in partition order."""
        return iter(sorted(self._stores.items()))

    def stores(self) -> list[S]:
        """Every held store, in partition order."""
        return [store for _, store in sorted(self._stores.items())]

    @property
    def partitions(self) -> frozenset[int]:
        """The input partitions whose state is held."""
        return frozenset(self._stores)

    async def assign(self, partitions: frozenset[int]) -> None:
        """Restore the partitions newly given; forget those taken away (their new owner restores them)."""
        for p in self._stores.keys() - partitions:
            del self._stores[p]
        new = sorted(partitions - self._stores.keys())
        if not new:
            return
        fresh = {p: self._factory() for p in new}
        counts = dict.fromkeys(new, 0)

        # One consumer over the new partitions; each record goes to its partition's store.
        async with self.bus.consumer(
            [self.topic], group=None, from_beginning=True, partitions=new
        ) as consumer:
            async for batch in read_to_end(consumer, stall_timeout_s=self._stall_timeout_s):
                for record in batch:
                    _apply(fresh[record.partition], record)
                    counts[record.partition] += 1
        for store in fresh.values():
            store.changes()  # what was replayed is not a change
        self._stores.update(fresh)
        log.info("state restored", topic=self.topic, partitions=counts)

    async def write(self) -> None:
        """Publish each held store's changes to its own partition of the changelog."""
        for partition, store in sorted(self._stores.items()):
            for key, value in store.changes():
                await self.bus.publish(self.topic, value, key=key.encode(), partition=partition)
