"""The subscriptions, kept in a compacted topic and mirrored in memory.

The topic ``Topics(prefix).subscriptions`` is the source of truth: key = subscription id, value =
Subscription JSON, ``None`` = deleted. Every process that needs the subscriptions (the alert
stage, delivery, the API) follows it as a global table (:class:`wirewatch.state.GlobalTable`):
replay to the end, then keep applying. Only the alert stage, which matches, gives the store a
:class:`~alerts.index.SubscriptionIndex` to keep up to date; the others hold a plain map.

Writes go to the topic and are applied locally at once, so that the API reads its own writes.
Until a write of this store is read back, older records of that key (and the earlier of two quick
writes) are not applied again: a GET after two PUTs never shows the first one.

The alert stage saves its store and index as a snapshot with the topic offsets they reflect
(:meth:`SubscriptionStore.save_snapshot`, see :mod:`alerts.index.snapshot`), and at start loads it
(:meth:`SubscriptionStore.load_snapshot`) and reads the topic only from those offsets on.
"""

from __future__ import annotations

import asyncio
import gc
import marshal
import re
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import structlog
from pydantic_core import from_json, to_json

from alerts.errors import AlertError
from alerts.index import SubscriptionIndex
from alerts.index import snapshot as snapshots
from alerts.query import compile_query
from schemas.models import Subscription, SubscriptionOptions
from schemas.topics import Topics
from wirewatch.state import GlobalTable, replay

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from wirewatch.bus.base import Bus

log = structlog.get_logger(__name__)

# A subscription as the store keeps it: (subscriber, query, options). A pydantic Subscription
# parsed from the topic is ~2.3 KB; this tuple is ~70 bytes, its query string is the index's
# own, its subscriber interned and its options shared with every subscription that has equal
# ones. A million subscriptions then fit in well under a gigabyte with their index.
_Kept = tuple[str, str, SubscriptionOptions]
# A subscription record's content: (id, subscriber, query, options).
_Parts = tuple[str, str, str, SubscriptionOptions]


# What Subscription's id and subscriber fields accept (their pydantic pattern, whole string).
_NAME: Final = re.compile(r"[A-Za-z0-9._-]+")
# A record exactly as Subscription.to_bytes writes it, with a query free of control characters:
# its id and subscriber are the bytes between the quotes, its query a JSON string, its options
# the JSON object at the end (the key to their validated value). No JSON parser for the rest.
_PLAIN_RECORD: Final = re.compile(
    rb'\{"schema_version":1,"id":"([A-Za-z0-9._-]+)","subscriber":"([A-Za-z0-9._-]+)",'
    rb'"query":"((?:[^"\\\x00-\x1f]|\\.)+)","options":(\{.*\})\}\Z',
    re.DOTALL,
)


def _decode(
    value: bytes,
    options_by_json: dict[bytes, SubscriptionOptions],
    canonical: Callable[[SubscriptionOptions], SubscriptionOptions],
) -> _Parts | None:
    """A subscription record's ``(id, subscriber, query, options)``, read without building the model.

    Replaying a million records through pydantic (and building each :class:`Subscription` only
    to take it apart) was a fifth of the build. A record as :meth:`Subscription.to_bytes`
    writes it is read by a regex; any other is parsed with pydantic's own JSON parser and the
    few checks its fields make are made here. Distinct options (few) are validated once each,
    by their JSON, with the whole record through pydantic (``canonical`` gives the store's
    shared copy of equal options). ``None`` when the record is not of
    a usual shape: the caller then validates it with pydantic, which accepts it or raises the
    same error as ever.
    """
    plain = _PLAIN_RECORD.match(value)
    if plain is not None:
        found = _decode_plain(plain, options_by_json)
        if found is not None:
            return found
    return _decode_json(value, plain, options_by_json, canonical)


def _decode_json(
    value: bytes,
    plain: re.Match[bytes] | None,
    options_by_json: dict[bytes, SubscriptionOptions],
    canonical: Callable[[SubscriptionOptions], SubscriptionOptions],
) -> _Parts | None:
    """:func:`_decode` by pydantic's JSON parser, the fields checked as the model does."""
    try:
        data = from_json(value)
    except ValueError:
        return None  # not JSON: pydantic says so, as ever
    if type(data) is not dict:
        return None
    sub_id, subscriber, query = data.get("id"), data.get("subscriber"), data.get("query")
    if (
        type(sub_id) is not str
        or type(subscriber) is not str
        or type(query) is not str
        or not query
        or type(data.get("schema_version", 1)) is not int
        or not _NAME.fullmatch(sub_id)
        or not _NAME.fullmatch(subscriber)
    ):
        return None
    raw = data.get("options")
    if raw is None and "options" not in data:
        return sub_id, subscriber, query, _DEFAULT_OPTIONS
    if type(raw) is not dict:
        return None
    key = plain.group(4) if plain is not None else to_json(raw)
    options = options_by_json.get(key)
    if options is None:
        # The whole record through pydantic: the options it validates are the ones it keeps.
        options = options_by_json[key] = canonical(Subscription.from_bytes(value).options)
    return sub_id, subscriber, query, options


def _decode_plain(plain: re.Match[bytes], options_by_json: dict[bytes, SubscriptionOptions]) -> _Parts | None:
    """:func:`_decode` of a record that :data:`_PLAIN_RECORD` matched (None: its options are new)."""
    sub_id, subscriber, raw_query, raw_options = plain.groups()
    options = options_by_json.get(raw_options)
    if options is None:
        return None
    try:
        query = from_json(b'"' + raw_query + b'"') if b"\\" in raw_query else raw_query.decode()
    except ValueError:  # a bad escape or bad UTF-8 (UnicodeDecodeError is one): pydantic's to say
        return None
    return sub_id.decode(), subscriber.decode(), query, options


_DEFAULT_OPTIONS: Final = SubscriptionOptions()
#: Subscriptions indexed between two ``gc.freeze()`` (see SubscriptionStore._set_parts).
_FREEZE_EVERY: Final = 1_000


def _subscription(sub_id: str, kept: _Kept) -> Subscription:
    subscriber, query, options = kept
    return Subscription(id=sub_id, subscriber=subscriber, query=query, options=options)


class SubscriptionView(Mapping[str, Subscription]):
    """A live, read-only map of the store's subscriptions; each is built (~5 µs) when read."""

    __slots__ = ("_kept",)

    def __init__(self, kept: dict[str, _Kept]) -> None:
        self._kept = kept

    def __getitem__(self, sub_id: str) -> Subscription:
        return _subscription(sub_id, self._kept[sub_id])

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._kept

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)


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
        self._subs: dict[str, _Kept] = {}
        self._view = SubscriptionView(self._subs)
        # Equal options are kept once (frozen models; the set of distinct options is small).
        self._options: dict[SubscriptionOptions, SubscriptionOptions] = {}
        # The same, by their JSON in the topic's records (see _decode).
        self._options_by_json: dict[bytes, SubscriptionOptions] = {}
        self._added = 0  # subscriptions indexed since the last gc.freeze() (see _set_parts)
        #: When the snapshot loaded by :meth:`load_snapshot` was written (seconds since the epoch; 0: none).
        self.snapshot_created_at = 0.0
        # Values this store published per key, oldest first, not read back from the topic yet.
        self._pending: dict[str, deque[bytes | None]] = {}
        self._index = index
        if index is not None and not len(index):
            index.attach(self._view)  # the index finds matched subscriptions here: no second map

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
        kept = self._subs.get(sub_id)
        return None if kept is None else _subscription(sub_id, kept)

    def by_subscriber(self, subscriber: str) -> list[Subscription]:
        """A subscriber's subscriptions, by id."""
        return [_subscription(i, kept) for i, kept in sorted(self._subs.items()) if kept[0] == subscriber]

    def all(self) -> list[Subscription]:
        """Every subscription, by id."""
        return [_subscription(i, kept) for i, kept in sorted(self._subs.items())]

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

    def table(
        self, *, ready: asyncio.Event | None = None, start_offsets: Mapping[int, int] | None = None
    ) -> GlobalTable[SubscriptionStore]:
        """The store as a global table over its topic (``follow()`` it; ``ready`` once caught up).

        ``start_offsets`` (partition -> offset): what the store already reflects, e.g. from
        :meth:`load_snapshot`; those partitions are read from there on.
        """
        return GlobalTable(
            self._bus,
            self._topic,
            self,
            ready=ready,
            poll_timeout_s=self._poll_timeout_s,
            stall_timeout_s=self._stall_timeout_s,
            start_offsets=start_offsets,
        )

    def snapshot_state(self) -> dict[str, Any]:
        """The subscriptions and the index, as plain data for a snapshot.

        Each subscription is ``(subscriber, query, options number)``; the distinct options are
        listed once, as JSON. Query strings are the index's own objects: marshal writes each once.
        """
        numbers: dict[SubscriptionOptions, int] = {}
        subs = {
            sub_id: (subscriber, query, numbers.setdefault(options, len(numbers)))
            for sub_id, (subscriber, query, options) in self._subs.items()
        }
        return {
            "subscriptions": subs,
            "options": [options.model_dump_json().encode() for options in numbers],
            "index": None if self._index is None else self._index.export_state(),
        }

    async def save_snapshot(self, path: Path, offsets: Mapping[int, int]) -> int:
        """Write a snapshot of the store as of ``offsets`` (partition -> next offset); return its size.

        The state is marshalled at once (nothing changes it meanwhile: one event loop); the file
        is hashed, written and fsynced in a thread.
        """
        started = time.perf_counter()
        body = marshal.dumps(self.snapshot_state())  # here: the state must not change meanwhile
        data = await asyncio.to_thread(
            snapshots.frame, self._topic, dict(offsets), body, created_at=time.time()
        )
        await asyncio.to_thread(snapshots.write_atomic, path, data)
        log.info(
            "subscription snapshot saved",
            path=str(path),
            subscriptions=len(self._subs),
            bytes=len(data),
            seconds=round(time.perf_counter() - started, 2),
        )
        return len(data)

    async def load_snapshot(self, path: Path) -> dict[int, int] | None:
        """Restore the store (and its index) from a snapshot; return the offsets to read on from.

        ``None`` (and the store left empty) if there is no usable snapshot: missing, torn, of
        another version or topic, or ahead of the topic (recreated since): replay from the start.
        """
        started = time.perf_counter()
        loaded = await asyncio.to_thread(snapshots.load, path, topic=self._topic)
        if loaded is None:
            return None
        async with self._bus.consumer([self._topic], group=None, from_beginning=True) as consumer:
            ends = {p: end for (_, p), end in (await consumer.assignment_end_offsets()).items()}
        behind = {p: o for p, o in loaded.offsets.items() if p not in ends or o > ends[p]}
        if behind:
            log.warning(
                "index snapshot is ahead of the topic (recreated?); rebuilding",
                path=str(path),
                partitions=behind,
            )
            return None
        try:
            self.restore(loaded.state)
        except (AlertError, KeyError, TypeError, ValueError) as exc:
            self._subs.clear()
            log.warning("index snapshot unusable; rebuilding from the topic", path=str(path), error=str(exc))
            return None
        self.snapshot_created_at = loaded.created_at
        log.info(
            "subscription snapshot loaded",
            path=str(path),
            subscriptions=len(self._subs),
            offsets=loaded.offsets,
            seconds=round(time.perf_counter() - started, 2),
        )
        return loaded.offsets

    def restore(self, state: Mapping[str, Any]) -> None:
        """Replace the store's content (and its index) by :meth:`snapshot_state`'s data."""
        options = [SubscriptionOptions.model_validate_json(raw) for raw in state["options"]]
        self._options = {o: o for o in options}
        self._options_by_json = {}
        options = [self._options[o] for o in options]
        intern = sys.intern
        subs: dict[str, _Kept] = {
            sub_id: (intern(subscriber), query, options[number])
            for sub_id, (subscriber, query, number) in state["subscriptions"].items()
        }
        index = None
        if self._index is not None:
            saved = state["index"]
            if saved is None:
                raise AlertError("snapshot has no index", topic=self._topic)
            index = SubscriptionIndex.from_state(
                saved, subscriptions=self._view, cache_size=self._index.cache_size
            )
            if len(index) != len(subs):
                raise AlertError("snapshot index and subscriptions differ", topic=self._topic)
        self._subs.clear()
        self._subs.update(subs)
        self._pending.clear()
        if index is not None:
            self._index = index

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
            parts = _decode(value, self._options_by_json, self._canonical)
            canonical = parts is not None
            if parts is None:  # unusual: pydantic reads it (or says what is wrong)
                sub = Subscription.from_bytes(value)
                parts = (sub.id, sub.subscriber, sub.query, sub.options)
            if parts[0] != key:
                log.warning("subscription id differs from its key; skipped", body_id=parts[0], id=key)
                return
            self._set_parts(*parts, canonical=canonical)
        except Exception as exc:
            # Whatever is wrong with one record must not stop the worker. The topic says this
            # subscription is now invalid: drop the old version too rather than keep alerting
            # on a query its owner replaced.
            self._remove(key)
            log.warning("invalid subscription skipped", error=str(exc), id=key, topic=self._topic)

    def _canonical(self, options: SubscriptionOptions) -> SubscriptionOptions:
        """The store's one copy of options equal to ``options``."""
        return self._options.setdefault(options, options)

    def _set(self, sub: Subscription) -> None:
        self._set_parts(sub.id, sub.subscriber, sub.query, sub.options)

    def _set_parts(
        self,
        sub_id: str,
        subscriber: str,
        query: str,
        options: SubscriptionOptions,
        *,
        canonical: bool = False,
    ) -> None:
        """Keep a subscription (and index it); ``canonical``: ``options`` is the store's shared copy."""
        if self._index is not None:
            # Files the query (shared per query string), replaces the old version; the
            # string kept is the index's own (one object per distinct query).
            query = self._index.add_query(sub_id, query, options.min_confidence)
            self._added += 1
            if self._added >= _FREEZE_EVERY:
                # A replay of a million subscriptions made ~20 full collections, each scanning
                # every entry kept so far (16 of 43 CPU s at 1M): what is kept is long-lived
                # and acyclic, so it leaves the collector's view (the alert service freezes
                # everything once ready anyway).
                self._added = 0
                gc.freeze()
        if not canonical:
            options = self._options.setdefault(options, options)  # hashing a model: ~1 µs
        self._subs[sub_id] = (sys.intern(subscriber), query, options)

    def _remove(self, sub_id: str) -> None:
        self._subs.pop(sub_id, None)
        if self._index is not None:
            self._index.remove(sub_id)
