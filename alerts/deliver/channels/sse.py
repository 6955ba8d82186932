"""The SSE hub: recent alerts in bounded ring buffers, replayed from a cursor and then streamed live.

Every alert published to the hub gets the next id (its position, strictly increasing);
it is kept in its subscriber's ring and in the global ring that ops dashboards read.
A client streams the events after its cursor (``since`` or ``Last-Event-ID``) and then
live ones. Each client has a bounded queue: a client that falls behind is dropped
with a ``dropped`` event saying why, and reconnects from its last id; it never
stalls the others or grows memory.

Cursors survive a restart: an alert's id is its creation time in microseconds (made
unique and increasing), and at start :func:`load_history` reads the tail of the
``alerts`` topic back into the rings under the same ids, so ``since=<id from before>``
resumes where it was. An alert the hub already holds (read back, then delivered again
at least once) is kept once, under its first id.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from pydantic import ValidationError
from sse_starlette import ServerSentEvent

from alerts.errors import SlowClientError
from schemas.models import Alert
from wirewatch.state import read_to_end

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable
    from datetime import datetime

    from schemas.models import Subscription
    from wirewatch.bus.base import Bus

log = structlog.get_logger("wirewatch.sse")


def _micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One alert at its position in the hub."""

    id: int
    alert: Alert

    def encode(self) -> ServerSentEvent:
        """The SSE frame: ``id:`` is the cursor, ``data:`` the alert JSON (with its idempotency ``key``)."""
        return ServerSentEvent(data=self.alert.model_dump_json(), event="alert", id=str(self.id))


class _Ring:
    """A bounded buffer of events that remembers the highest id it had to forget."""

    def __init__(self, size: int) -> None:
        self.events: deque[SseEvent] = deque(maxlen=size)
        self.forgotten_upto = 0

    def append(self, event: SseEvent) -> SseEvent | None:
        """Keep ``event``; return the one it pushed out, if any."""
        evicted = None
        if len(self.events) == self.events.maxlen:
            evicted = self.events[0]
            self.forgotten_upto = evicted.id
        self.events.append(event)
        return evicted

    def after(self, since: int) -> list[SseEvent]:
        return [e for e in self.events if e.id > since]


class _Client:
    """One connected stream: a bounded queue fed by the hub, drained by the response."""

    def __init__(self, subscriber: str | None, size: int) -> None:
        self.subscriber = subscriber
        self.size = size
        self.queue: deque[SseEvent] = deque()
        self.wakeup = asyncio.Event()
        self.dropped: str | None = None
        self.closed = False

    def offer(self, event: SseEvent) -> bool:
        """Queue ``event``; False when the queue is full and the client is dropped."""
        if len(self.queue) >= self.size:
            self.dropped = f"slow client: more than {self.size} alerts waiting; reconnect with Last-Event-ID"
            self.wakeup.set()
            return False
        self.queue.append(event)
        self.wakeup.set()
        return True

    async def next(self) -> SseEvent | None:
        """The next live event; None when the hub closes; SlowClientError once the queue is drained."""
        while not self.queue:
            if self.dropped is not None:
                raise SlowClientError(self.dropped, subscriber=self.subscriber)
            if self.closed:
                return None
            self.wakeup.clear()
            await self.wakeup.wait()
        return self.queue.popleft()


class SseHub:
    """Fan-out of alerts to SSE clients; also a Channel (``send`` publishes)."""

    name = "sse"

    def __init__(
        self,
        *,
        buffer_size: int = 1000,
        global_buffer_size: int = 10_000,
        client_queue_size: int = 256,
        first_id: int | None = None,
    ) -> None:
        # By default an id is the alert's creation time in µs (made unique and increasing): a restarted
        # hub that reads the history back numbers the same alerts the same, and the new ones after them.
        self._timed = first_id is None
        self._last_id = 0 if first_id is None else first_id - 1
        self._ids: dict[str, int] = {}  # alert key -> id, for the alerts in the global ring
        self._buffer_size = buffer_size
        self._global = _Ring(global_buffer_size)
        self._rings: dict[str, _Ring] = {}
        self._client_queue_size = client_queue_size
        self._clients: set[_Client] = set()
        self._closed = False

    @property
    def last_id(self) -> int:
        """The id of the latest alert published (one less than the first id before any)."""
        return self._last_id

    @property
    def clients(self) -> int:
        """How many streams are connected."""
        return len(self._clients)

    def publish(self, alert: Alert) -> int:
        """Keep ``alert`` and hand it to the connected streams that may see it; return its id."""
        known = self._ids.get(alert.key)
        if known is not None:  # delivered again (at least once), or read back from the topic
            return known
        self._last_id = (
            max(self._last_id + 1, _micros(alert.created_at)) if self._timed else self._last_id + 1
        )
        event = SseEvent(self._last_id, alert)
        self._keep(event)
        dropped = [
            client
            for client in self._clients
            if (client.subscriber is None or client.subscriber == alert.subscriber)
            and not client.offer(event)
        ]
        # A dropped client gets nothing more; its stream drains its queue, says why, and ends.
        self._clients.difference_update(dropped)
        return event.id

    def _keep(self, event: SseEvent) -> None:
        evicted = self._global.append(event)
        if evicted is not None:
            self._ids.pop(evicted.alert.key, None)
        self._ids[event.alert.key] = event.id
        ring = self._rings.get(event.alert.subscriber)
        if ring is None:
            ring = self._rings[event.alert.subscriber] = _Ring(self._buffer_size)
        ring.append(event)

    def restore(self, alerts: Iterable[Alert]) -> int:
        """Keep alerts read back at start (oldest first), under the ids they were given; return how many.

        Call it before the first :meth:`publish`: ids are their creation times, as they were.
        """
        kept = 0
        for alert in alerts:
            kept += alert.key not in self._ids
            self.publish(alert)  # numbered exactly as when it was first published
        return kept

    @property
    def history_size(self) -> int:
        """How many alerts the global ring keeps (what :func:`load_history` reads back at most)."""
        return self._global.events.maxlen or 0

    async def send(self, alert: Alert, subscription: Subscription) -> None:  # noqa: ARG002 - Channel protocol
        """Channel protocol: publish (never fails, slow clients are dropped instead)."""
        self.publish(alert)

    def replay(self, since: int, *, subscriber: str | None) -> list[SseEvent]:
        """The kept events after ``since``: the subscriber's, or all of them for ``None``."""
        return self._ring(subscriber).after(since)

    def _ring(self, subscriber: str | None) -> _Ring:
        if subscriber is None:
            return self._global
        return self._rings.get(subscriber) or _Ring(1)

    def close(self) -> None:
        """End every stream (at shutdown) and refuse new ones."""
        self._closed = True
        for client in self._clients:
            client.closed = True
            client.wakeup.set()

    async def stream(self, *, subscriber: str | None, since: int | None) -> AsyncIterator[ServerSentEvent]:
        """Events after ``since`` (None: live only), then live ones, as SSE frames.

        ``subscriber=None`` streams everyone's alerts (ops). A cursor beyond the last id
        comes from elsewhere (a restart that read no history back, a reset clock): the whole
        buffer is replayed. A ``gap`` event says that alerts after the cursor were already
        forgotten.
        """
        if self._closed:
            return
        client = _Client(subscriber, self._client_queue_size)
        # Register before taking the backlog, with no await in between: no event falls
        # between the replay and the live stream, and none comes twice.
        self._clients.add(client)
        try:
            backlog: list[SseEvent] = []
            gap: ServerSentEvent | None = None
            if since is not None:
                ring = self._ring(subscriber)
                cursor = 0 if since > self._last_id else since
                backlog = ring.after(cursor)
                if ring.forgotten_upto > cursor:
                    gap_data = {"since": since, "forgotten_upto": ring.forgotten_upto}
                    gap = ServerSentEvent(data=json.dumps(gap_data), event="gap")
            if gap is not None:
                yield gap
            for event in backlog:
                yield event.encode()
            while (live := await client.next()) is not None:
                yield live.encode()
        except SlowClientError as exc:
            yield ServerSentEvent(data=json.dumps({"reason": exc.message}), event="dropped")
        finally:
            self._clients.discard(client)


async def load_history(hub: SseHub, bus: Bus, topic: str, *, limit: int | None = None) -> int:
    """Read the last ``limit`` alerts (default: what the hub keeps) back from ``topic`` into ``hub``.

    At most ``limit`` per partition are read (a seek to each partition's tail, not a replay of the
    topic), then the newest ``limit`` of them are kept, oldest first. Returns how many were kept.
    """
    limit = hub.history_size if limit is None else limit
    found: list[tuple[datetime, int, int, Alert]] = []
    async with bus.consumer([topic], group=None) as consumer:
        ends = await consumer.assignment_end_offsets()
        for (name, partition), end in ends.items():
            await consumer.seek(name, partition, max(0, end - limit))
        async for batch in read_to_end(consumer):
            for record in batch:
                if record.value is None:
                    continue
                try:
                    alert = Alert.from_bytes(record.value)
                except (ValidationError, ValueError):  # its dead letter was written when it was made
                    continue
                found.append((alert.created_at, record.partition, record.offset, alert))
    found.sort(key=lambda f: f[:3])
    kept = hub.restore(alert for *_, alert in found[-limit:])
    log.info("SSE history read back", topic=topic, alerts=kept)
    return kept
