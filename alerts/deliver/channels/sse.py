"""The SSE hub: recent alerts in bounded ring buffers, replayed from a cursor and then streamed live.

Every alert published to the hub gets the next id (its position, strictly increasing);
it is kept in its subscriber's ring and in the global ring that ops dashboards read.
A client streams the events after its cursor (``since`` or ``Last-Event-ID``) and then
live ones. Each client has a bounded queue: a client that falls behind is dropped
with a ``dropped`` event saying why, and reconnects from its last id; it never
stalls the others or grows memory.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sse_starlette import ServerSentEvent

from alerts.errors import SlowClientError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from schemas.models import Alert, Subscription


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

    def append(self, event: SseEvent) -> None:
        if len(self.events) == self.events.maxlen:
            self.forgotten_upto = self.events[0].id
        self.events.append(event)

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
        # Ids start at the clock (µs) by default so that cursors stay increasing across restarts.
        self._last_id = (time.time_ns() // 1000 if first_id is None else first_id) - 1
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
        self._last_id += 1
        event = SseEvent(self._last_id, alert)
        self._global.append(event)
        ring = self._rings.get(alert.subscriber)
        if ring is None:
            ring = self._rings[alert.subscriber] = _Ring(self._buffer_size)
        ring.append(event)
        dropped = [
            client
            for client in self._clients
            if (client.subscriber is None or client.subscriber == alert.subscriber)
            and not client.offer(event)
        ]
        # A dropped client gets nothing more; its stream drains its queue, says why, and ends.
        self._clients.difference_update(dropped)
        return event.id

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
        comes from before a restart with a reset clock: the whole buffer is replayed. A
        ``gap`` event says that alerts after the cursor were already forgotten.
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
