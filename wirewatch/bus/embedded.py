"""The embedded durable log: Kafka's semantics in one SQLite file, for one machine.

Why SQLite and not our own segment files: it gives us atomic, durable appends
(WAL, ``synchronous=FULL``), crash recovery and safe access from several
processes on one machine for free, and it ships with Python.

Semantics kept from Kafka:
- topics with partitions; a keyed message always lands on the same partition;
- offsets per partition that only grow (never reused, even after compaction);
- consumer groups: members heartbeat into the log, partitions are spread over
  live members, and each group's committed offsets survive restarts;
- replay from the beginning or any offset; compacted topics keep the newest
  value per key (tombstones are dropped by compaction after ``tombstone_retention_s``);
- retention: delete-policy topics lose their oldest records once older than the topic's
  ``retention.ms`` or beyond its ``retention.bytes`` per partition (the configs
  :meth:`schemas.TopicDecl.kafka_config` declares), checked by writers every
  ``retention_check_s``. Freed pages are reused, so the file stays near its high-water mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

from wirewatch.bus._partition import assign, partition_for
from wirewatch.bus.base import Headers, PendingAcks, Record, TopicSpec, pending_acks
from wirewatch.errors import BusClosedError, BusError

if TYPE_CHECKING:
    from types import TracebackType

T = TypeVar("T")
#: A message waiting to be written: topic, key, value, headers, partition (None: by key).
_Pending = tuple[str, bytes | None, bytes | None, Headers, int | None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY, partitions INTEGER NOT NULL, compacted INTEGER NOT NULL DEFAULT 0,
    retention_ms INTEGER, retention_bytes INTEGER);
CREATE TABLE IF NOT EXISTS partitions (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS messages (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    key BLOB, value BLOB, headers TEXT NOT NULL, ts INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition));
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL, member_id TEXT NOT NULL, heartbeat REAL NOT NULL,
    PRIMARY KEY (group_id, member_id));
CREATE TABLE IF NOT EXISTS compaction_heads (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, key BLOB NOT NULL, offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS superseded (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
"""
#: Columns added after the first release: (table, column, declaration); added to older files on open.
_ADDED_COLUMNS = (
    ("topics", "retention_ms", "INTEGER"),
    ("topics", "retention_bytes", "INTEGER"),
    ("partitions", "bytes", "INTEGER NOT NULL DEFAULT 0"),
)
#: What a record weighs for ``retention.bytes``: its key, value and headers.
_SIZE = "IFNULL(length(key), 0) + IFNULL(length(value), 0) + length(CAST(headers AS BLOB))"
#: Records examined per query while expiring the head of a partition.
_EXPIRE_CHUNK = 1000
#: At most this many records go per partition and check: a first check over a large old file must
#: not hold the write lock for long (writers of other processes wait at most 30 s); the rest goes
#: at the next checks.
_EXPIRE_MAX = 50_000


class EmbeddedBus:
    """A durable local log under ``data_dir`` (``wirewatch.db``), shared by every stage on the machine."""

    def __init__(
        self,
        data_dir: Path,
        *,
        poll_interval_s: float = 0.05,
        session_timeout_s: float = 10.0,
        tombstone_retention_s: float = 24 * 3600,
        retention_check_s: float = 30.0,
        compact_every: int = 10_000,
        group_id: Callable[[str], str] | None = None,
    ) -> None:
        self.path = Path(data_dir) / "wirewatch.db"
        # The deployment's group ids (schemas.Topics.group): two prefixes on one data dir share no group.
        self._group_id = group_id
        self._poll = poll_interval_s
        self._session_timeout = session_timeout_s
        self._tombstone_retention = tombstone_retention_s
        self._retention_check = retention_check_s
        self._compact_every = compact_every
        self._next_retention = 0.0  # monotonic time of the next retention check
        self._dirty = 0  # records appended to compacted topics since the last compaction
        self._conn: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._counter = itertools.count()
        # Consumers waiting for new records, by topic: a write wakes the readers of its topics only
        # (every stage of ``wirewatch run`` shares this bus; waking all of them for every write made
        # each one query the log for nothing).
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._state = "unopened"
        self._buffers: dict[PendingAcks, list[_Pending]] = {}  # published in deferred_acks, not written
        self._topics: dict[str, tuple[int, bool]] = {}  # partitions, compacted: read under the lock

    # -- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        if self._state != "unopened":
            raise BusClosedError("an EmbeddedBus cannot be reopened", path=str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a message acknowledged by publish() survives a power cut, not only a crash.
        conn.execute("PRAGMA synchronous=FULL")
        # Without a limit the WAL file keeps its largest size after each checkpoint.
        conn.execute("PRAGMA journal_size_limit=67108864")
        conn.executescript(_SCHEMA)
        _migrate(conn)
        _index_heads(conn)
        self._conn = conn
        # Reads on the event loop's thread, beside the writer: WAL readers do not wait for writers,
        # and a poll then costs one query, not a hop to the writer's thread and back.
        self._reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=0.05)
        self._reader.execute("PRAGMA query_only=1")
        self._state = "opened"
        await self.compact()
        await self.enforce_retention()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the database; the bus cannot be used afterwards."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._conn is not None:
            with self._lock:
                self._conn.close()
            self._conn = None
        self._state = "closed"

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read-only ``fn`` now, on this thread (the writer's thread if the file is busy)."""
        reader = self._reader
        if reader is None:
            raise BusClosedError("embedded bus is not open", path=str(self.path))
        try:
            return fn(reader)
        except sqlite3.OperationalError:  # locked for a moment (a checkpoint): wait off the loop
            return await self._run(fn)
        except sqlite3.Error as exc:
            raise BusError(f"embedded log failed: {exc}", path=str(self.path)) from exc

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        if conn is None:
            raise BusClosedError("embedded bus is not open", path=str(self.path))

        def locked() -> T:
            with self._lock:
                try:
                    return fn(conn)
                except sqlite3.Error as exc:
                    raise BusError(f"embedded log failed: {exc}", path=str(self.path)) from exc

        return await asyncio.to_thread(locked)

    # -- topics ----------------------------------------------------------------------------
    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Create missing topics (existing ones keep their partition count)."""

        def create(conn: sqlite3.Connection) -> None:
            with _tx(conn):
                for s in specs:
                    conn.execute(
                        "INSERT OR IGNORE INTO topics(name, partitions, compacted) VALUES (?,?,?)",
                        (s.name, s.partitions, int(s.compacted)),
                    )
                    # The declaration is the truth on one machine: its retention applies at once.
                    conn.execute(
                        "UPDATE topics SET retention_ms=?, retention_bytes=? WHERE name=?",
                        (*_retention(s), s.name),
                    )
                    n = conn.execute("SELECT partitions FROM topics WHERE name=?", (s.name,)).fetchone()[0]
                    conn.executemany(
                        "INSERT OR IGNORE INTO partitions(topic, partition) VALUES (?,?)",
                        [(s.name, p) for p in range(n)],
                    )

        await self._run(create)

    async def compact(self) -> None:
        """Keep only the newest record per key in compacted topics (offsets are not reused).

        Each write to a compacted topic lists the record it replaces (``superseded``, found through
        ``compaction_heads``, the newest offset per key): compaction deletes those by primary key,
        a cost in what was replaced since the last one, not in the size of the log.
        """
        horizon = int((time.time() - self._tombstone_retention) * 1000)

        def run(conn: sqlite3.Connection) -> None:
            with _tx(conn):
                _drop_superseded(conn)
                _drop_expired_tombstones(conn, horizon)

        self._dirty = 0
        await self._run(run)

    async def enforce_retention(self, *, now_ms: int | None = None) -> int:
        """Drop the records of delete-policy topics past their retention; return how many went.

        A partition loses its oldest records while they are older than ``retention.ms`` or while it
        holds more than ``retention.bytes``; offsets are never reused, and a consumer positioned
        before the new head reads on from the first record kept (Kafka's ``earliest`` reset).
        At most ``_EXPIRE_MAX`` records go per partition and call (the write lock is held meanwhile).
        """
        now = int(time.time() * 1000) if now_ms is None else now_ms
        self._next_retention = time.monotonic() + self._retention_check

        def run(conn: sqlite3.Connection) -> int:
            removed = 0
            with _tx(conn):
                rows = conn.execute(
                    """SELECT p.topic, p.partition, p.bytes, t.retention_ms, t.retention_bytes
                       FROM partitions p JOIN topics t ON t.name = p.topic WHERE t.compacted = 0
                       AND (t.retention_ms IS NOT NULL OR t.retention_bytes IS NOT NULL)"""
                ).fetchall()
                for topic, part, size, ms, limit in rows:
                    horizon = None if ms is None else now - ms
                    cut, freed = _expired_head(conn, topic, part, size, horizon=horizon, limit=limit)
                    if cut < 0:
                        continue
                    removed += conn.execute(
                        "DELETE FROM messages WHERE topic=? AND partition=? AND offset <= ?",
                        (topic, part, cut),
                    ).rowcount
                    conn.execute(
                        "UPDATE partitions SET bytes = bytes - ? WHERE topic=? AND partition=?",
                        (freed, topic, part),
                    )
            return removed

        return await self._run(run)

    async def describe_topics(self) -> dict[str, TopicSpec]:
        """The topics as the log has them: partitions, cleanup and retention (Kafka config names)."""
        tombstones = str(int(self._tombstone_retention * 1000))

        def run(conn: sqlite3.Connection) -> dict[str, TopicSpec]:
            rows = conn.execute(
                "SELECT name, partitions, compacted, retention_ms, retention_bytes FROM topics"
            ).fetchall()
            return {
                name: TopicSpec(
                    name,
                    partitions=n,
                    compacted=bool(compacted),
                    config={
                        "cleanup.policy": "compact" if compacted else "delete",
                        "retention.ms": str(-1 if ms is None else ms),
                        **(
                            {"delete.retention.ms": tombstones}
                            if compacted
                            else {"retention.bytes": str(-1 if size is None else size)}
                        ),
                    },
                )
                for name, n, compacted, ms, size in rows
            }

        return await self._run(run)

    async def size(self) -> tuple[int, int]:
        """Records and bytes (keys, values, headers) the log holds, over every topic."""

        def run(conn: sqlite3.Connection) -> tuple[int, int]:
            count = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            total = conn.execute("SELECT IFNULL(SUM(bytes), 0) FROM partitions").fetchone()[0]
            return int(count), int(total)

        return await self._run(run)

    # -- produce ---------------------------------------------------------------------------
    async def publish(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers = (),
        partition: int | None = None,
    ) -> None:
        """Append one message; returns once it is durably written.

        Inside :func:`~wirewatch.bus.base.deferred_acks` the message is buffered instead, and every
        message buffered until the block waits for its acknowledgements is written in ONE durable
        transaction, in publish order (one fsync per batch rather than per message).
        """
        acks = pending_acks()
        if acks is None:
            await self.publish_many(topic, [(key, value, headers)], partition=partition)
            return
        # One buffer per block: stages sharing this bus each wait for their own messages only.
        buffer = self._buffers.get(acks)
        if buffer is None:
            buffer = self._buffers[acks] = []
            acks.add(lambda: self._write_buffer(acks))
        buffer.append((topic, key, value, headers, partition))

    async def _write_buffer(self, acks: PendingAcks) -> None:
        buffered = self._buffers.pop(acks, [])
        if buffered:
            await self._append(buffered)

    async def publish_many(
        self,
        topic: str,
        messages: Sequence[tuple[bytes | None, bytes | None, Headers]],
        *,
        partition: int | None = None,
    ) -> None:
        """Append several messages in one transaction (to ``partition``, else by key)."""
        await self._append([(topic, key, value, headers, partition) for key, value, headers in messages])

    async def _append(self, messages: Sequence[_Pending]) -> None:
        """Append messages to their topics in one durable transaction, in order."""
        ts = int(time.time() * 1000)
        counters = [next(self._counter) for _ in messages]

        def append(conn: sqlite3.Connection) -> int:
            meta = {topic: self._topic_meta(conn, topic) for topic in {m[0] for m in messages}}
            with _tx(conn):
                # Offsets are handed out here, under the write lock: each partition's next offset is
                # read once and written once per transaction, the messages go in one executemany.
                ends: dict[tuple[str, int], list[int]] = {}  # (topic, partition) -> [next offset, bytes]
                rows = []
                for (topic, key, value, headers, partition), c in zip(messages, counters, strict=True):
                    size = meta[topic][0]
                    if partition is not None and not 0 <= partition < size:
                        raise BusError("no such partition", topic=topic, partition=partition)
                    tp = (topic, partition_for(key, size, c) if partition is None else partition)
                    end = ends.get(tp)
                    if end is None:
                        end = ends[tp] = [_next_offset(conn, *tp), 0]
                    dumped = _dump_headers(headers)
                    end[1] += len(key or b"") + len(value or b"") + len(dumped)  # JSON: ASCII
                    rows.append((*tp, end[0], key, value, dumped, ts))
                    end[0] += 1
                conn.executemany("INSERT INTO messages VALUES (?,?,?,?,?,?,?)", rows)
                conn.executemany(
                    "UPDATE partitions SET next_offset = ?, bytes = bytes + ? WHERE topic=? AND partition=?",
                    [(n, weight, *tp) for tp, (n, weight) in ends.items()],
                )
                for topic, p, offset, key, *_ in rows:
                    if key is not None and meta[topic][1]:
                        _supersede(conn, topic, p, key, offset)
            return sum(1 for m in messages if meta[m[0]][1])

        self._dirty += await self._run(append)
        for topic in {m[0] for m in messages}:
            for waiter in self._waiting.get(topic, ()):
                waiter.set()
        await self._housekeeping()

    def _topic_meta(self, conn: sqlite3.Connection, topic: str) -> tuple[int, bool]:
        """A topic's partition count and whether it is compacted (fixed once it exists: cached)."""
        meta = self._topics.get(topic)
        if meta is None:
            row = conn.execute("SELECT partitions, compacted FROM topics WHERE name=?", (topic,)).fetchone()
            if row is None:
                raise BusError("unknown topic (topics are created explicitly)", topic=topic)
            meta = self._topics[topic] = (int(row[0]), bool(row[1]))
        return meta

    async def _housekeeping(self) -> None:
        """Enforce retention when it is due, and compact once enough was written to compacted topics."""
        due = time.monotonic() >= self._next_retention
        if due:
            await self.enforce_retention()
        # Compaction costs what was replaced since the last one: cheap, so also on the retention
        # clock (expired tombstones go then even under a trickle of writes).
        if self._dirty >= self._compact_every or (due and self._dirty):
            await self.compact()

    # -- consume ---------------------------------------------------------------------------
    def consumer(
        self,
        topics: Sequence[str],
        *,
        group: str | None,
        from_beginning: bool = True,
        partitions: Sequence[int] | None = None,
    ) -> EmbeddedConsumer:
        """A consumer of ``topics`` in ``group`` (None: reads every partition, commits nothing)."""
        if group is not None and self._group_id is not None:
            group = self._group_id(group)
        return EmbeddedConsumer(
            self, list(topics), group, from_beginning=from_beginning, partitions=partitions
        )

    async def _wait_for_publish(self, topics: Sequence[str], timeout_s: float) -> None:
        """Wait until this process writes to one of ``topics``, at most ``timeout_s``.

        In-process publishers wake us at once; other processes' writes are seen at the next poll.
        """
        published = asyncio.Event()
        for topic in topics:
            self._waiting.setdefault(topic, set()).add(published)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):  # not wait_for: it can swallow a cancellation (3.11)
                    await published.wait()
        finally:
            for topic in topics:
                waiting = self._waiting.get(topic)
                if waiting is not None:
                    waiting.discard(published)
                    if not waiting:
                        del self._waiting[topic]


class EmbeddedConsumer:
    """A member of a consumer group over the embedded log."""

    def __init__(
        self,
        bus: EmbeddedBus,
        topics: list[str],
        group: str | None,
        *,
        from_beginning: bool,
        partitions: Sequence[int] | None = None,
    ) -> None:
        self._bus = bus
        self._topics = topics
        self._group = group
        self._only = None if partitions is None else frozenset(partitions)
        self._from_beginning = from_beginning
        self._member = f"{uuid.uuid4()}"
        self._positions: dict[tuple[str, int], int] = {}
        self._last_heartbeat = 0.0

    async def __aenter__(self) -> Self:
        await self._rebalance(force=True)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._group is not None and self._bus._conn is not None:  # noqa: SLF001
            group, member = self._group, self._member
            await self._bus._run(  # noqa: SLF001
                lambda c: c.execute(
                    "DELETE FROM group_members WHERE group_id=? AND member_id=?", (group, member)
                )
            )

    async def _rebalance(self, *, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last_heartbeat < self._bus._poll * 10:  # noqa: SLF001
            return
        self._last_heartbeat = now
        group, member, topics = self._group, self._member, self._topics
        timeout = self._bus._session_timeout  # noqa: SLF001
        from_beginning = self._from_beginning
        only = self._only

        def run(conn: sqlite3.Connection) -> dict[tuple[str, int], int]:
            with _tx(conn):
                members: list[str] = []
                if group is not None:
                    conn.execute("INSERT OR REPLACE INTO group_members VALUES (?,?,?)", (group, member, now))
                    conn.execute(
                        "DELETE FROM group_members WHERE group_id=? AND heartbeat < ?", (group, now - timeout)
                    )
                    members = [
                        r[0]
                        for r in conn.execute(
                            "SELECT member_id FROM group_members WHERE group_id=?", (group,)
                        )
                    ]
                return {
                    (topic, p): _start_offset(conn, group, topic, p, from_beginning=from_beginning)
                    for topic in topics
                    for p in _owned(conn, topic, group, members, member)
                    if only is None or p in only
                }

        wanted = await self._bus._run(run)  # noqa: SLF001
        # Keep our in-flight position for partitions we still own; take the committed one for new ones.
        self._positions = {tp: self._positions.get(tp, start) for tp, start in wanted.items()}

    async def getmany(self, *, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        """The next records of the assigned partitions, waiting up to ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            await self._rebalance()
            got = await self._fetch(max_records)
            if got:
                for r in got:
                    self._positions[r.topic, r.partition] = r.offset + 1
                return got
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            await self._bus._wait_for_publish(self._topics, min(left, self._bus._poll))  # noqa: SLF001

    async def _fetch(self, max_records: int) -> list[Record]:
        positions = dict(self._positions)

        def run(conn: sqlite3.Connection) -> list[Record]:
            out: list[Record] = []
            for (topic, p), pos in positions.items():
                if len(out) >= max_records:
                    break
                rows = conn.execute(
                    "SELECT offset, key, value, headers, ts FROM messages WHERE topic=? AND partition=? "
                    "AND offset >= ? ORDER BY offset LIMIT ?",
                    (topic, p, pos, max_records - len(out)),
                ).fetchall()
                out.extend([Record(topic, p, o, k, v, _load_headers(h), ts) for o, k, v, h, ts in rows])
            return out

        return await self._bus._read(run)  # noqa: SLF001

    async def commit(self, records: Sequence[Record]) -> None:
        """Commit past the given records for the group (durably)."""
        if self._group is None or not records:
            return
        top: dict[tuple[str, int], int] = {}
        for r in records:
            top[r.topic, r.partition] = max(top.get((r.topic, r.partition), -1), r.offset + 1)
        group = self._group

        def run(conn: sqlite3.Connection) -> None:
            with _tx(conn):
                conn.executemany(
                    "INSERT INTO group_offsets VALUES (?,?,?,?) ON CONFLICT(group_id, topic, partition) "
                    "DO UPDATE SET offset=MAX(offset, excluded.offset)",
                    [(group, t, p, o) for (t, p), o in top.items()],
                )

        await self._bus._run(run)  # noqa: SLF001

    async def seek_to_beginning(self) -> None:
        """Replay the assigned partitions from their first offset."""
        self._positions = dict.fromkeys(self._positions, 0)

    def assignment(self) -> frozenset[tuple[str, int]]:
        """The partitions this member reads now (as of its last heartbeat)."""
        return frozenset(self._positions)

    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Read ``topic``/``partition`` from ``offset`` on."""
        self._positions[topic, partition] = offset

    async def assignment_end_offsets(self) -> dict[tuple[str, int], int]:
        """The next offset to be written on each assigned partition."""
        keys = list(self._positions)

        def run(conn: sqlite3.Connection) -> dict[tuple[str, int], int]:
            return {
                (t, p): conn.execute(
                    "SELECT next_offset FROM partitions WHERE topic=? AND partition=?", (t, p)
                ).fetchone()[0]
                for t, p in keys
            }

        return await self._bus._run(run)  # noqa: SLF001

    async def lag(self) -> dict[tuple[str, int], int]:
        """The log end minus this member's position, per assigned partition (one query)."""
        positions = dict(self._positions)
        ends = await self.assignment_end_offsets()
        return {tp: max(0, end - positions[tp]) for tp, end in ends.items() if tp in positions}


def _owned(
    conn: sqlite3.Connection, topic: str, group: str | None, members: list[str], member: str
) -> list[int]:
    row = conn.execute("SELECT partitions FROM topics WHERE name=?", (topic,)).fetchone()
    if row is None:
        raise BusError("unknown topic (topics are created explicitly)", topic=topic)
    return list(range(row[0])) if group is None else assign(row[0], members, member)


def _start_offset(
    conn: sqlite3.Connection, group: str | None, topic: str, partition: int, *, from_beginning: bool
) -> int:
    """The group's committed offset, else the beginning or the end of the partition."""
    if group is not None:
        got = conn.execute(
            "SELECT offset FROM group_offsets WHERE group_id=? AND topic=? AND partition=?",
            (group, topic, partition),
        ).fetchone()
        if got is not None:
            return int(got[0])
    if from_beginning:
        return 0
    return int(
        conn.execute(
            "SELECT next_offset FROM partitions WHERE topic=? AND partition=?", (topic, partition)
        ).fetchone()[0]
    )


def _next_offset(conn: sqlite3.Connection, topic: str, partition: int) -> int:
    row = conn.execute(
        "SELECT next_offset FROM partitions WHERE topic=? AND partition=?", (topic, partition)
    ).fetchone()
    if row is None:  # a topic created with more partitions elsewhere than this file knows
        raise BusError("no such partition", topic=topic, partition=partition)
    return int(row[0])


def _supersede(conn: sqlite3.Connection, topic: str, partition: int, key: bytes, offset: int) -> None:
    """Make ``offset`` the newest record of ``key``; list the one it replaces for compaction."""
    conn.execute(
        "INSERT OR IGNORE INTO superseded SELECT topic, partition, offset FROM compaction_heads "
        "WHERE topic=? AND partition=? AND key=?",
        (topic, partition, key),
    )
    conn.execute("INSERT OR REPLACE INTO compaction_heads VALUES (?,?,?,?)", (topic, partition, key, offset))


def _drop_superseded(conn: sqlite3.Connection) -> None:
    """Delete the records listed as replaced by a newer one of their key (their bytes too)."""
    rows = conn.execute(
        f"""SELECT s.topic, s.partition, s.offset, {_SIZE} FROM superseded s JOIN messages m
              ON m.topic=s.topic AND m.partition=s.partition AND m.offset=s.offset"""  # noqa: S608 - a constant
    ).fetchall()
    _delete_records(conn, rows)
    conn.execute("DELETE FROM superseded")


def _drop_expired_tombstones(conn: sqlite3.Connection, horizon: int) -> None:
    """Delete tombstones older than ``horizon`` (ms), except a partition's last record.

    Like Kafka, the head of the log stays readable so that a reader can tell it reached the end.
    """
    rows = conn.execute(
        f"""SELECT topic, partition, offset, {_SIZE}, key FROM messages
              WHERE topic IN (SELECT name FROM topics WHERE compacted=1) AND value IS NULL AND ts < ?
              AND offset < (SELECT next_offset - 1 FROM partitions p
                            WHERE p.topic=messages.topic AND p.partition=messages.partition)""",  # noqa: S608
        (horizon,),
    ).fetchall()
    _delete_records(conn, [r[:4] for r in rows])
    conn.executemany(
        "DELETE FROM compaction_heads WHERE topic=? AND partition=? AND key=? AND offset=?",
        [(t, p, k, o) for t, p, o, _, k in rows if k is not None],
    )


def _delete_records(conn: sqlite3.Connection, rows: Sequence[tuple[str, int, int, int]]) -> None:
    """Delete ``(topic, partition, offset, weight)`` records; take their weight off their partition."""
    conn.executemany("DELETE FROM messages WHERE topic=? AND partition=? AND offset=?", [r[:3] for r in rows])
    freed: dict[tuple[str, int], int] = {}
    for topic, partition, _, weight in rows:
        freed[topic, partition] = freed.get((topic, partition), 0) + weight
    conn.executemany(
        "UPDATE partitions SET bytes = bytes - ? WHERE topic=? AND partition=?",
        [(w, t, p) for (t, p), w in freed.items()],
    )


def _index_heads(conn: sqlite3.Connection) -> None:
    """Fill ``compaction_heads`` for a file from a release without it (compacting it in full first)."""
    compacted_keyed = "topic IN (SELECT name FROM topics WHERE compacted=1) AND key IS NOT NULL"
    with _tx(conn):
        if conn.execute("SELECT 1 FROM compaction_heads LIMIT 1").fetchone() is not None:
            return  # another process did it, or nothing was ever written
        if conn.execute(f"SELECT 1 FROM messages WHERE {compacted_keyed} LIMIT 1").fetchone() is None:  # noqa: S608
            return
        # One grouped pass (n log n) rather than a correlated subquery per record (n²).
        conn.execute(
            f"""DELETE FROM messages WHERE {compacted_keyed} AND (topic, partition, key, offset) NOT IN (
                  SELECT topic, partition, key, MAX(offset) FROM messages WHERE {compacted_keyed}
                  GROUP BY topic, partition, key)"""  # noqa: S608 - constants
        )
        conn.execute(
            f"""INSERT INTO compaction_heads SELECT topic, partition, key, MAX(offset) FROM messages
                  WHERE {compacted_keyed} GROUP BY topic, partition, key"""  # noqa: S608 - a constant
        )
        conn.execute(
            f"""UPDATE partitions SET bytes = (SELECT IFNULL(SUM({_SIZE}), 0) FROM messages m
                  WHERE m.topic=partitions.topic AND m.partition=partitions.partition)
                WHERE topic IN (SELECT name FROM topics WHERE compacted=1)"""  # noqa: S608 - a constant
        )


def _migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a file from an older release lacks (and count the bytes it holds)."""
    added = False
    for table, column, decl in _ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
            added = True
    if added:
        conn.execute(
            f"""UPDATE partitions SET bytes = (SELECT IFNULL(SUM({_SIZE}), 0) FROM messages m
                  WHERE m.topic=partitions.topic AND m.partition=partitions.partition)"""  # noqa: S608 - a constant
        )


def _retention(spec: TopicSpec) -> tuple[int | None, int | None]:
    """``retention.ms`` and ``retention.bytes`` of a spec's Kafka config (None: unbounded)."""

    def bound(name: str) -> int | None:
        value = int(spec.config.get(name, "-1"))
        return None if value < 0 else value

    return bound("retention.ms"), bound("retention.bytes")


def _expired_head(
    conn: sqlite3.Connection, topic: str, partition: int, size: int, *, horizon: int | None, limit: int | None
) -> tuple[int, int]:
    """The last offset to drop from the head of a partition (-1: none) and the bytes that frees."""
    cut, freed, after = -1, 0, -1
    for _ in range(_EXPIRE_MAX // _EXPIRE_CHUNK):
        rows = conn.execute(
            f"SELECT offset, ts, {_SIZE} FROM messages WHERE topic=? AND partition=? AND offset > ? "  # noqa: S608
            "ORDER BY offset LIMIT ?",
            (topic, partition, after, _EXPIRE_CHUNK),
        ).fetchall()
        if not rows:
            return cut, freed
        for offset, ts, weight in rows:
            too_old = horizon is not None and ts < horizon
            too_big = limit is not None and size - freed > limit
            if not (too_old or too_big):
                return cut, freed
            cut, freed = offset, freed + weight
        after = rows[-1][0]
    return cut, freed


@contextlib.contextmanager
def _tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction; IMMEDIATE so that concurrent writers queue instead of deadlocking."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _dump_headers(headers: Headers) -> str:
    return json.dumps([[k, v.decode("latin-1")] for k, v in headers])


def _load_headers(raw: str) -> Headers:
    if raw == "[]":  # most records (a replay of a million subscriptions decoded [] a million times)
        return ()
    return tuple((k, v.encode("latin-1")) for k, v in json.loads(raw))
