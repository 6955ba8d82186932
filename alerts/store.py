"""The subscriptions, kept in a compacted topic and mirrored in memory with their compiled queries.

The topic ``Topics(prefix).subscriptions`` is the source of truth: key = subscription
id, value = Subscription JSON, ``None`` = deleted. Every process that needs the
subscriptions (alert workers, the API) replays the topic to its end at start, then
follows it. Writes go to the topic and are applied locally at once, so that the API
reads its own writes. Until a write of this store is read back, older records of that
key (and the earlier of two quick writes) are not applied again: a GET after two PUTs
never shows the first one.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

import structlog

from alerts.index import SubscriptionIndex
from alerts.query import compile_query
from schemas.models import Subscription
from schemas.topics import Topics

if TYPE_CHECKING:
    import asyncio
    from collections.abc import AsyncIterator

    from wirewatch.bus.base import Bus, Consumer, Record

log = structlog.get_logger(__name__)


async def read_to_end(
    consumer: Consumer,
    *,
    timeout_s: float = 0.5,
    max_records: int = 500,
    idle_polls: int = 2,
    stall_timeout_s: float = 10.0,
) -> AsyncIterator[list[Record]]:
    """Yield batches until every assigned partition has been read to the end it had when called.

    The last offsets of a compacted partition can be gone for good (an expired tombstone
    removed by compaction), so they may never be read. A partition that has delivered
    records is therefore done after ``idle_polls`` empty polls in a row (the consumer has
    caught up with it); one that delivered nothing at all is given up after
    ``stall_timeout_s`` without progress (its every record was compacted away, or the
    bus is very slow), with a warning.
    """
    ends = await consumer.assignment_end_offsets()
    remaining = {tp: end for tp, end in ends.items() if end > 0}
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


class SubscriptionStore:
    """Subscriptions by id, with their compiled queries and the index that finds them for a story."""

    def __init__(
        self,
        bus: Bus,
        *,
        topics: Topics | None = None,
        poll_timeout_s: float = 0.5,
        stall_timeout_s: float = 10.0,
    ) -> None:
        self._bus = bus
        self._topic = (topics or Topics()).subscriptions
        self._poll_timeout_s = poll_timeout_s
        self._stall_timeout_s = stall_timeout_s
        self._subs: dict[str, Subscription] = {}
        # Values this store published per key, oldest first, not read back from the topic yet.
        self._pending: dict[str, deque[bytes | None]] = {}
        self.index = SubscriptionIndex()

    @property
    def topic(self) -> str:
        """The compacted topic the store mirrors."""
        return self._topic

    def get(self, sub_id: str) -> Subscription | None:
        """The subscription ``sub_id``, if it exists."""
        return self._subs.get(sub_id)

    def by_subscriber(self, subscriber: str) -> list[Subscription]:
        """A subscriber's subscriptions, by id."""
        return sorted((s for s in self._subs.values() if s.subscriber == subscriber), key=lambda s: s.id)

    def all(self) -> list[Subscription]:
        """Every subscription, by id."""
        return sorted(self._subs.values(), key=lambda s: s.id)

    def __len__(self) -> int:
        return len(self._subs)

    async def put(self, sub: Subscription) -> Subscription:
        """Validate (QueryError if the query is invalid), publish, then apply locally."""
        compile_query(sub.query)  # refuse before publishing: the topic only holds valid queries
        await self._publish(sub.id, sub.to_bytes())
        self._set(sub)
        return sub

    async def delete(self, sub_id: str) -> None:
        """Publish a tombstone for ``sub_id``, then forget it locally."""
        await self._publish(sub_id, None)
        self._remove(sub_id)

    async def _publish(self, sub_id: str, value: bytes | None) -> None:
        pending = self._pending.setdefault(sub_id, deque())
        pending.append(value)
        try:
            await self._bus.publish(self._topic, value, key=sub_id.encode())
        except BaseException:
            pending.remove(value)
            if not pending:
                del self._pending[sub_id]
            raise

    def _superseded(self, sub_id: str, value: bytes | None) -> bool:
        """True when a write of ours to ``sub_id`` is newer than this record (so skip it)."""
        pending = self._pending.get(sub_id)
        if not pending:
            return False
        if value != pending[0]:
            return True  # older than our write, which is still on its way back
        pending.popleft()  # our own write, read back
        if pending:
            return True  # and a later write of ours is still on its way
        del self._pending[sub_id]
        return False

    async def rebuild(self) -> int:
        """Replay the topic from its beginning to its current end (a one-shot snapshot); return the count."""
        async with self._bus.consumer([self._topic], group=None, from_beginning=True) as consumer:
            async for batch in self._read_to_end(consumer):
                self.apply_records(batch)
        log.info("subscriptions rebuilt", topic=self._topic, subscriptions=len(self._subs))
        return len(self._subs)

    async def follow(self, *, ready: asyncio.Event | None = None) -> None:
        """Replay the topic to its end, set ``ready``, then apply changes as they come, until cancelled."""
        async with self._bus.consumer([self._topic], group=None, from_beginning=True) as consumer:
            async for batch in self._read_to_end(consumer):
                self.apply_records(batch)
            log.info("subscriptions rebuilt", topic=self._topic, subscriptions=len(self._subs))
            if ready is not None:
                ready.set()
            while True:
                self.apply_records(await consumer.getmany(timeout_s=self._poll_timeout_s))

    def _read_to_end(self, consumer: Consumer) -> AsyncIterator[list[Record]]:
        return read_to_end(consumer, timeout_s=self._poll_timeout_s, stall_timeout_s=self._stall_timeout_s)

    def apply_records(self, records: list[Record]) -> None:
        """Apply records read from the topic, in order; a bad one is skipped with a warning."""
        for record in records:
            self.apply(record)

    def apply(self, record: Record) -> None:
        """Apply one record: a subscription, or a tombstone (``value is None``)."""
        if record.key is None:
            log.warning("subscription record without a key skipped", topic=record.topic, offset=record.offset)
            return
        sub_id = record.key.decode(errors="replace")
        if self._superseded(sub_id, record.value):
            return
        if record.value is None:
            self._remove(sub_id)
            return
        where = {"topic": record.topic, "partition": record.partition, "offset": record.offset, "id": sub_id}
        try:
            sub = Subscription.from_bytes(record.value)
            if sub.id != sub_id:
                log.warning("subscription id differs from its key; skipped", body_id=sub.id, **where)
                return
            self._set(sub)
        except Exception as exc:
            # Whatever is wrong with one record must not stop the worker. The topic says this
            # subscription is now invalid: drop the old version too rather than keep alerting
            # on a query its owner replaced.
            self._remove(sub_id)
            log.warning("invalid subscription skipped", error=str(exc), **where)

    def _set(self, sub: Subscription) -> None:
        self.index.add(sub)  # compiles (shared per query string), replaces the old version; QueryError first
        self._subs[sub.id] = sub

    def _remove(self, sub_id: str) -> None:
        self._subs.pop(sub_id, None)
        self.index.remove(sub_id)
