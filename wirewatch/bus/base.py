"""The message bus: one small async interface, several backends.

A bus publishes keyed messages to topics and hands out consumers that read a
topic as members of a consumer group and commit offsets explicitly, after the
handler succeeded (at-least-once). Backends: Kafka (:mod:`wirewatch.bus.kafka`),
the embedded durable log (:mod:`wirewatch.bus.embedded`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    from types import TracebackType

Headers = tuple[tuple[str, bytes], ...]

HEADER_SCHEMA_VERSION = "wirewatch-schema-version"
HEADER_TRACE_ID = "wirewatch-trace-id"
HEADER_MESSAGE_TYPE = "wirewatch-type"


class PendingAcks:
    """Acknowledgements still owed for messages published inside :func:`deferred_acks`.

    A stage publishes everything a batch produces without waiting for each
    acknowledgement, then waits for all of them before it commits: the same
    at-least-once guarantee, without one round trip per message.
    """

    def __init__(self) -> None:
        self._waiters: list[Callable[[], Awaitable[None]]] = []

    def add(self, waiter: Callable[[], Awaitable[None]]) -> None:
        """Owe one acknowledgement; ``waiter`` waits for it (and raises BusError if it failed)."""
        self._waiters.append(waiter)

    def __len__(self) -> int:
        return len(self._waiters)

    async def flush(self) -> None:
        """Wait for every acknowledgement owed, in publish order, including those owed meanwhile.

        A waiter may publish in turn (a failed delivery's dead letter): its acknowledgement is
        owed too, and waited for before this returns.
        """
        while self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                await waiter()


_PENDING: ContextVar[PendingAcks | None] = ContextVar("wirewatch_pending_acks", default=None)


def pending_acks() -> PendingAcks | None:
    """The acknowledgements the current task may defer, if it is inside :func:`deferred_acks`."""
    return _PENDING.get()


@contextlib.asynccontextmanager
async def deferred_acks() -> AsyncIterator[PendingAcks]:
    """Let publishes inside the block return before their acknowledgement; wait for all at the end.

    Backends that can pipeline (Kafka) defer; the others acknowledge at once. If the block raises,
    nothing is awaited: the caller must not commit (its input is read again after a restart).
    """
    acks = PendingAcks()
    token = _PENDING.set(acks)
    try:
        yield acks
        await acks.flush()
    finally:
        _PENDING.reset(token)


@contextlib.contextmanager
def owing_to(acks: PendingAcks) -> Iterator[PendingAcks]:
    """Let publishes inside the block owe their acknowledgements to ``acks``, waited for later.

    Unlike :func:`deferred_acks` nothing is awaited at the end: the caller flushes ``acks`` when
    it needs them (a stage writes a batch's state, handles the next batch, then waits).
    """
    token = _PENDING.set(acks)
    try:
        yield acks
    finally:
        _PENDING.reset(token)


async def flush_acks() -> None:
    """Wait now for the acknowledgements deferred so far (to order writes across topics)."""
    acks = _PENDING.get()
    if acks is not None:
        await acks.flush()


@dataclass(frozen=True, slots=True)
class Record:
    """One message read from a topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp_ms: int = 0

    def header(self, name: str) -> bytes | None:
        """The first header called ``name``, if any."""
        for k, v in self.headers:  # a loop, not next(genexpr): read for every record handled
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic to create: name, partitions and whether it is compacted."""

    name: str
    partitions: int = 1
    compacted: bool = False
    config: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Consumer(Protocol):
    """A member of a consumer group reading some topics."""

    async def getmany(self, *, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        """Return the next records (possibly none after ``timeout_s``)."""
        ...

    async def commit(self, records: Sequence[Record]) -> None:
        """Commit past the given records (each partition's highest offset + 1)."""
        ...

    async def seek_to_beginning(self) -> None:
        """Re-read the assigned partitions from their first offset (replay)."""
        ...

    async def assignment_end_offsets(self) -> dict[tuple[str, int], int]:
        """The current end offset of each partition assigned to this consumer."""
        ...

    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Read ``topic``/``partition`` from ``offset`` on (an assigned partition; e.g. a topic's tail)."""
        ...

    async def lag(self) -> dict[tuple[str, int], int]:
        """How far behind each assigned partition this consumer reads: end offset − its position.

        Cheap enough to sample every few seconds (Kafka: the highwater mark the last fetch
        brought, no round trip once each partition was fetched; embedded: one query).
        """
        ...

    def assignment(self) -> frozenset[tuple[str, int]]:
        """The ``(topic, partition)`` pairs this consumer reads now (a group member's share)."""
        ...


class Bus(Protocol):
    """The message bus every stage uses; open it with ``async with``."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Create the topics that do not exist yet (auto-create is off everywhere)."""
        ...

    async def publish(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers = (),
        partition: int | None = None,
    ) -> None:
        """Publish one message and wait until the bus has it durably (acks=all).

        ``partition`` overrides the key's partition: a changelog is written to the partition
        number of the input it belongs to (co-partitioned state, as Kafka Streams does).
        """
        ...

    def consumer(
        self,
        topics: Sequence[str],
        *,
        group: str | None,
        from_beginning: bool = True,
        partitions: Sequence[int] | None = None,
    ) -> ConsumerContext:
        """A consumer in ``group`` (None: no group, no commits, reads everything).

        Without a group, ``partitions`` restricts it to those partitions of each topic.
        """
        ...


class ConsumerContext(Protocol):
    """``async with bus.consumer(...) as consumer``."""

    async def __aenter__(self) -> Consumer: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
