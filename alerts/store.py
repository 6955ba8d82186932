"""The subscriptions, kept in a compacted topic and mirrored in memory.

The topic ``Topics(prefix).subscriptions`` is the source of truth: key = subscription id, value =
Subscription JSON, ``None`` = deleted. Every process that needs the subscriptions (the alert
stage, delivery, the API) follows it as a global table (:class:`wirewatch.state.GlobalTable`):
replay to the end, then keep applying. Only the alert stage, which matches, gives the store a
:class:`~alerts.index.SubscriptionIndex` to keep up to date; the others hold a plain map.

Writes go to the topic and are applied locally at once, so that the API reads its own writes.
Until a write of this store is read back, older records of that key (and the earlier of two quick
writes) are not applied again: a GET after two PUTs never shows the first one.
"""

from __future__ import annotations

from collections import deque
from types import MappingProxyType
from typing import TYPE_CHECKING

import structlog

from alerts.errors import AlertError
from alerts.query import compile_query
from schemas.models import Subscription
from schemas.topics import Topics
from wirewatch.state import GlobalTable, replay

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Mapping

    from alerts.index import SubscriptionIndex
    from wirewatch.bus.base import Bus

log = structlog.get_logger(__name__)


class SubscriptionStore:
    """Subscriptions by id (and, for the alert stage, the index that finds them for a story)."""

    def __init__(
        self,
        bus: Bus,
        *,
        topics: Topics | None = None,
        index: SubscriptionIndex | None = None,
        poll_timeout_s: float = 0.5,
        stall_timeout_s: float = 10.0,
    ) -> None:
        self._bus = bus
        self._topic = (topics or Topics()).subscriptions
        self._poll_timeout_s = poll_timeout_s
        self._stall_timeout_s = stall_timeout_s
        self._subs: dict[str, Subscription] = {}
        self._view = MappingProxyType(self._subs)
        # Values this store published per key, oldest first, not read back from the topic yet.
        self._pending: dict[str, deque[bytes | None]] = {}
        self._index = index

    @property
    def topic(self) -> str:
        """The compacted topic the store mirrors."""
        return self._topic

    @property
    def index(self) -> SubscriptionIndex:
        """The matching index (only a store made with one has it)."""
        if self._index is None:
            raise AlertError("this subscription store keeps no matching index", topic=self._topic)
        return self._index

    @property
    def subscriptions(self) -> Mapping[str, Subscription]:
        """Every subscription by id (a live, read-only view)."""
        return self._view

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
        await replay(self._bus, self._topic, self, stall_timeout_s=self._stall_timeout_s)
        log.info("subscriptions rebuilt", topic=self._topic, subscriptions=len(self._subs))
        return len(self._subs)

    def table(self, *, ready: asyncio.Event | None = None) -> GlobalTable[SubscriptionStore]:
        """The store as a global table over its topic (``follow()`` it; ``ready`` once caught up)."""
        return GlobalTable(
            self._bus,
            self._topic,
            self,
            ready=ready,
            poll_timeout_s=self._poll_timeout_s,
            stall_timeout_s=self._stall_timeout_s,
        )

    async def follow(self, *, ready: asyncio.Event | None = None) -> None:
        """Replay the topic to its end, set ``ready``, then apply changes as they come, until cancelled."""
        await self.table(ready=ready).follow()

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Nothing: the store publishes its writes itself (``put``/``delete``)."""
        return []

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one record: a subscription, or a tombstone (``value is None``); a bad one is skipped."""
        if self._superseded(key, value):
            return
        if value is None:
            self._remove(key)
            return
        try:
            sub = Subscription.from_bytes(value)
            if sub.id != key:
                log.warning("subscription id differs from its key; skipped", body_id=sub.id, id=key)
                return
            self._set(sub)
        except Exception as exc:
            # Whatever is wrong with one record must not stop the worker. The topic says this
            # subscription is now invalid: drop the old version too rather than keep alerting
            # on a query its owner replaced.
            self._remove(key)
            log.warning("invalid subscription skipped", error=str(exc), id=key, topic=self._topic)

    def _set(self, sub: Subscription) -> None:
        if self._index is not None:
            self._index.add(sub)  # compiles (shared per query string), replaces the old version
        self._subs[sub.id] = sub

    def _remove(self, sub_id: str) -> None:
        self._subs.pop(sub_id, None)
        if self._index is not None:
            self._index.remove(sub_id)
