"""An in-memory bus with Kafka's semantics, for unit tests and the offline commands."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from wirewatch.bus._partition import partition_for
from wirewatch.bus.base import Headers, Record, TopicSpec
from wirewatch.errors import BusError

if TYPE_CHECKING:
    from types import TracebackType


class MemoryBus:
    """Topics as lists in memory; consumer groups keep committed offsets; nothing survives the process."""

    def __init__(self, *, default_partitions: int = 1) -> None:
        self._default_partitions = default_partitions
        self._topics: dict[str, list[list[Record]]] = {}
        self._committed: dict[tuple[str, str, int], int] = {}
        self._counter = itertools.count()
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Create topics that do not exist yet."""
        for spec in specs:
            self._topics.setdefault(spec.name, [[] for _ in range(spec.partitions)])

    def records(self, topic: str) -> list[Record]:
        """Every record of ``topic`` (all partitions), for tests."""
        return [r for part in self._topics.get(topic, []) for r in part]

    async def publish(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers = (),
        partition: int | None = None,
    ) -> None:
        """Append one message to its partition (``partition``, else the key's)."""
        if topic not in self._topics:
            raise BusError("unknown topic (topics are created explicitly)", topic=topic)
        parts = self._topics[topic]
        if partition is not None and not 0 <= partition < len(parts):
            raise BusError("no such partition", topic=topic, partition=partition)
        p = partition_for(key, len(parts), next(self._counter)) if partition is None else partition
        parts[p].append(Record(topic, p, len(parts[p]), key, value, headers))
        async with self._changed:
            self._changed.notify_all()

    def consumer(
        self,
        topics: Sequence[str],
        *,
        group: str | None,
        from_beginning: bool = True,
        partitions: Sequence[int] | None = None,
    ) -> _MemoryConsumer:
        """A consumer of ``topics``; a group resumes from its committed offsets.

        Every consumer reads every partition (no group membership): one worker per group.
        """
        return _MemoryConsumer(
            self, list(topics), group, from_beginning=from_beginning, partitions=partitions
        )


class _MemoryConsumer:
    def __init__(
        self,
        bus: MemoryBus,
        topics: list[str],
        group: str | None,
        *,
        from_beginning: bool,
        partitions: Sequence[int] | None = None,
    ) -> None:
        self._bus, self._topics, self._group = bus, topics, group
        self._from_beginning = from_beginning
        self._only = None if partitions is None else frozenset(partitions)
        self._positions: dict[tuple[str, int], int] = defaultdict(int)

    async def __aenter__(self) -> Self:
        for topic in self._topics:
            for p, part in enumerate(self._bus._topics.get(topic, [])):  # noqa: SLF001 - same module family
                if self._only is not None and p not in self._only:
                    continue
                start = 0 if self._from_beginning else len(part)
                if self._group is not None:
                    start = self._bus._committed.get((self._group, topic, p), start)  # noqa: SLF001
                self._positions[topic, p] = start
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def _available(self, max_records: int) -> list[Record]:
        out: list[Record] = []
        for (topic, p), pos in self._positions.items():
            part = self._bus._topics[topic][p]  # noqa: SLF001
            out.extend(part[pos : pos + max_records - len(out)])
            if len(out) >= max_records:
                break
        for r in out:
            self._positions[r.topic, r.partition] = r.offset + 1
        return out

    async def getmany(self, *, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        """Records after the current positions, waiting up to ``timeout_s`` for some."""
        got = self._available(max_records)
        if got:
            return got
        async with self._bus._changed:  # noqa: SLF001
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for around Condition.wait can
            # swallow the caller's cancellation, and a follower cancelled that way never ends.
            try:
                async with asyncio.timeout(timeout_s):
                    await self._bus._changed.wait()  # noqa: SLF001
            except TimeoutError:
                return []
        return self._available(max_records)

    async def commit(self, records: Sequence[Record]) -> None:
        """Store each partition's highest offset + 1 for the group."""
        if self._group is None:
            return
        for r in records:
            k = (self._group, r.topic, r.partition)
            self._bus._committed[k] = max(self._bus._committed.get(k, 0), r.offset + 1)  # noqa: SLF001

    async def seek_to_beginning(self) -> None:
        """Replay every assigned partition from offset 0."""
        for k in self._positions:
            self._positions[k] = 0

    def assignment(self) -> frozenset[tuple[str, int]]:
        """Every partition of the topics (or those asked for)."""
        return frozenset(self._positions)

    async def assignment_end_offsets(self) -> dict[tuple[str, int], int]:
        """End offset of each assigned partition."""
        return {(t, p): len(self._bus._topics[t][p]) for (t, p) in self._positions}  # noqa: SLF001

    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Read ``topic``/``partition`` from ``offset`` on."""
        self._positions[topic, partition] = offset

    async def lag(self) -> dict[tuple[str, int], int]:
        """End offset minus position, per assigned partition."""
        ends = await self.assignment_end_offsets()
        return {tp: max(0, end - self._positions[tp]) for tp, end in ends.items()}
