"""The embedded log keeps what its topics declare: time and size retention, compaction, bounded file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from schemas import Topics
from tests.factories import make_story
from wirewatch.bus import EmbeddedBus, TopicSpec, embedded, topic_specs

LIMIT = 64 * 1024  # bytes per partition: small, so that a short test writes it over many times
PARTITIONS = 3


def file_bytes(bus: EmbeddedBus) -> int:
    """The database and its write-ahead log on disk."""
    return sum(p.stat().st_size for p in bus.path.parent.glob("wirewatch.db*"))


def partition_bytes(bus: EmbeddedBus, topic: str) -> list[int]:
    with sqlite3.connect(bus.path) as conn:
        rows = conn.execute(
            "SELECT partition, bytes FROM partitions WHERE topic=? ORDER BY partition", (topic,)
        ).fetchall()
        # The running counter equals what the partition really holds.
        for part, counted in rows:
            real = conn.execute(
                "SELECT IFNULL(SUM(IFNULL(length(key),0)+IFNULL(length(value),0)+length(CAST(headers AS BLOB))),0)"
                " FROM messages WHERE topic=? AND partition=?",
                (topic, part),
            ).fetchone()[0]
            assert counted == real
    return [b for _, b in rows]


def delete_topic(name: str, *, ms: int = -1, size: int = -1) -> TopicSpec:
    return TopicSpec(
        name,
        partitions=PARTITIONS,
        config={"cleanup.policy": "delete", "retention.ms": str(ms), "retention.bytes": str(size)},
    )


class TestSizeRetention:
    async def test_a_soak_of_stories_stays_within_the_configured_size(self, tmp_path: Path) -> None:
        """20,000 real stories (~20 MB) through partitions bounded to 64 KiB: the file stays small."""
        story = make_story(body="Troops moved towards the border overnight.\n\n" * 12).to_bytes()
        async with EmbeddedBus(tmp_path, retention_check_s=0) as bus:
            await bus.ensure_topics([delete_topic("soak", size=LIMIT)])
            written, peaks = 0, []
            for batch in range(100):
                msgs = [(f"story-{batch}-{i}".encode(), story, ()) for i in range(200)]
                await bus.publish_many("soak", msgs)
                written += sum(len(k) + len(v) for k, v, _ in msgs)
                peaks.append(file_bytes(bus))
                assert max(partition_bytes(bus, "soak")) <= LIMIT
            records, held = await bus.size()
        assert written > 19 * 10**6
        assert held <= PARTITIONS * LIMIT
        assert records < 3 * PARTITIONS * LIMIT // len(story)
        # Freed pages are reused and the write-ahead log is checkpointed (at 1000 pages, ~4 MiB): the
        # files reach their high-water mark early and stay there while 20x more goes through.
        early, late = max(peaks[:20]), max(peaks[20:])
        assert late <= early * 1.25, f"the files grew from {early} to {late} bytes"
        assert late < 12 * 2**20, f"the files reached {late} bytes for {held} held"

    async def test_retention_is_checked_at_the_configured_interval(self, tmp_path: Path) -> None:
        async with EmbeddedBus(tmp_path, retention_check_s=3600) as bus:
            await bus.ensure_topics([delete_topic("slow", size=1000)])
            for i in range(50):
                await bus.publish("slow", b"x" * 100, key=f"{i}".encode())
            # Checked on open only: everything is still there until the next check.
            assert (await bus.size())[0] == 50
            assert await bus.enforce_retention() > 0
            assert max(partition_bytes(bus, "slow")) <= 1000

    async def test_a_large_backlog_goes_a_bounded_slice_at_a_time(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(embedded, "_EXPIRE_CHUNK", 5)
        monkeypatch.setattr(embedded, "_EXPIRE_MAX", 10)
        async with EmbeddedBus(tmp_path, retention_check_s=3600) as bus:
            await bus.ensure_topics([delete_topic("backlog", ms=1)])
            await bus.publish_many("backlog", [(b"k", b"v", ())] * 25, partition=0)
            later = _now_ms() + 60_000
            assert [await bus.enforce_retention(now_ms=later) for _ in range(4)] == [10, 10, 5, 0]


class TestTimeRetention:
    async def test_old_records_go_and_a_consumer_reads_on_from_the_new_head(self, tmp_path: Path) -> None:
        async with EmbeddedBus(tmp_path, retention_check_s=3600) as bus:
            await bus.ensure_topics([delete_topic("old", ms=60_000)])
            await bus.publish("old", b"first", key=b"a", partition=0)
            async with bus.consumer(["old"], group="g") as c:
                await c.commit(await c.getmany(timeout_s=2))
            await bus.publish("old", b"second", key=b"a", partition=0)
            # Nothing is old yet.
            assert await bus.enforce_retention() == 0
            # Two minutes later both are past the 60 s retention.
            await bus.publish("old", b"third", key=b"a", partition=0)
            later = await bus.enforce_retention(now_ms=_now_ms() + 120_000)
            assert later == 3
            await bus.publish("old", b"fourth", key=b"a", partition=0)
            async with bus.consumer(["old"], group="g") as c:
                got = await c.getmany(timeout_s=2)
            # Offsets are not reused: the group's position (1) is gone, it reads on at offset 3.
            assert [(r.offset, r.value) for r in got] == [(3, b"fourth")]

    async def test_compacted_topics_keep_their_keys_whatever_their_age(self, tmp_path: Path) -> None:
        async with EmbeddedBus(tmp_path, retention_check_s=0, compact_every=100) as bus:
            spec = TopicSpec("state", partitions=1, compacted=True, config={"cleanup.policy": "compact"})
            await bus.ensure_topics([spec])
            for i in range(1000):
                await bus.publish_many("state", [(f"k{i % 10}".encode(), f"{i}".encode(), ())])
            await bus.enforce_retention(now_ms=_now_ms() + 10**9)
            records, _ = await bus.size()
            # Compaction ran while writing (every 100 records): at most one batch past the 10 keys.
            assert 10 <= records <= 110
            async with bus.consumer(["state"], group=None) as c:
                got = await c.getmany(timeout_s=2, max_records=1000)
            latest = {r.key: r.value for r in got}
            assert latest[b"k3"] == b"993"
            assert len(latest) == 10

    async def test_compaction_drops_what_was_replaced_and_counts_the_bytes(self, tmp_path: Path) -> None:
        spec = TopicSpec("state", partitions=2, compacted=True, config={"cleanup.policy": "compact"})
        async with EmbeddedBus(tmp_path, compact_every=10**9, tombstone_retention_s=0) as bus:
            await bus.ensure_topics([spec])
            for i in range(30):
                await bus.publish("state", f"v{i}".encode(), key=f"k{i % 3}".encode())
            await bus.publish("state", None, key=b"k0")  # a tombstone, replaced by nothing
            await bus.publish("state", b"unkeyed")  # never compacted
            assert (await bus.size())[0] == 32  # nothing replaced is gone before compaction
            await bus.compact()
            assert sum(partition_bytes(bus, "state")) == (await bus.size())[1]
            async with bus.consumer(["state"], group=None) as c:
                got = await c.getmany(timeout_s=2, max_records=100)
        latest = {r.key: r.value for r in got}
        # k0's tombstone went too (expired, not its partition's last record), unless it was the last.
        assert latest[b"k1"] == b"v28"
        assert latest[b"k2"] == b"v29"
        assert latest[None] == b"unkeyed"
        assert latest.get(b"k0") is None
        assert len(got) == len(latest)
        # The same keys written again after a reopen replace the records from before it.
        async with EmbeddedBus(tmp_path, compact_every=10**9) as bus:
            for i in range(3):
                await bus.publish("state", b"again", key=f"k{i}".encode())
            await bus.compact()
            async with bus.consumer(["state"], group=None) as c:
                got = await c.getmany(timeout_s=2, max_records=100)
            assert sorted((r.key or b"", r.value) for r in got) == [
                (b"", b"unkeyed"),
                (b"k0", b"again"),
                (b"k1", b"again"),
                (b"k2", b"again"),
            ]
            assert sum(partition_bytes(bus, "state")) == (await bus.size())[1]

    async def test_a_file_without_the_compaction_index_is_compacted_at_open(self, tmp_path: Path) -> None:
        spec = TopicSpec("state", partitions=1, compacted=True, config={"cleanup.policy": "compact"})
        async with EmbeddedBus(tmp_path, compact_every=10**9) as bus:
            await bus.ensure_topics([spec])
            for i in range(10):
                await bus.publish("state", f"v{i}".encode(), key=f"k{i % 2}".encode())
        with sqlite3.connect(tmp_path / "wirewatch.db") as conn:  # as a release without the index left it
            conn.execute("DELETE FROM compaction_heads")
            conn.execute("DELETE FROM superseded")
        async with EmbeddedBus(tmp_path) as bus:
            assert (await bus.size())[0] == 2
            await bus.publish("state", b"new", key=b"k0")
            await bus.compact()
            async with bus.consumer(["state"], group=None) as c:
                got = await c.getmany(timeout_s=2)
            assert sorted((r.key, r.value) for r in got) == [(b"k0", b"new"), (b"k1", b"v9")]
            assert partition_bytes(bus, "state") == [(await bus.size())[1]]


class TestDeclarations:
    async def test_the_log_keeps_what_the_topic_table_declares(self, tmp_path: Path) -> None:
        topics = Topics("t", retention_hours=5, backtest_horizon_hours=48, retention_bytes=10**6)
        specs = topic_specs(topics, partitions=2)
        async with EmbeddedBus(tmp_path) as bus:
            await bus.ensure_topics(specs)
            have = await bus.describe_topics()
        declared = {d.name: d for d in topics.declarations()}
        assert set(have) == set(declared)
        for name, spec in have.items():
            want = declared[name].kafka_config()
            assert {k: spec.config[k] for k in ("cleanup.policy", "retention.ms")} == {
                k: want[k] for k in ("cleanup.policy", "retention.ms")
            }
        assert have[topics.enriched].config["retention.ms"] == str(48 * 3600 * 1000)
        assert have[topics.raw].config["retention.bytes"] == str(10**6)
        assert have[topics.subscriptions].config["retention.ms"] == "-1"

    async def test_a_file_from_an_older_release_is_migrated(self, tmp_path: Path) -> None:
        with sqlite3.connect(tmp_path / "wirewatch.db") as conn:
            conn.executescript(
                """CREATE TABLE topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL,
                     compacted INTEGER NOT NULL DEFAULT 0);
                   CREATE TABLE partitions (topic TEXT NOT NULL, partition INTEGER NOT NULL,
                     next_offset INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (topic, partition));
                   CREATE TABLE messages (topic TEXT NOT NULL, partition INTEGER NOT NULL,
                     offset INTEGER NOT NULL, key BLOB, value BLOB, headers TEXT NOT NULL,
                     ts INTEGER NOT NULL, PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
                   INSERT INTO topics VALUES ('old', 1, 0);
                   INSERT INTO partitions VALUES ('old', 0, 2);
                   INSERT INTO messages VALUES ('old', 0, 0, x'6b', x'76', '[]', 0);
                   INSERT INTO messages VALUES ('old', 0, 1, x'6b', x'7676', '[]', 0);"""
            )
        async with EmbeddedBus(tmp_path) as bus:
            assert partition_bytes(bus, "old") == [(1 + 1 + 2) + (1 + 2 + 2)]
            await bus.ensure_topics([delete_topic("old", size=5)])
            assert await bus.enforce_retention() == 1
            await bus.publish("old", b"new", key=b"k")
            async with bus.consumer(["old"], group=None) as c:
                got = await c.getmany(timeout_s=2)
        assert [r.offset for r in got] == [1, 2]


def _now_ms() -> int:
    return int(time.time() * 1000)
