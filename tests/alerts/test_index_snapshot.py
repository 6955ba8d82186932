"""Index snapshots: the file format, crashes while writing, and a worker catching up from one.

A snapshot holds the subscriptions and the index with the subscriptions-topic offsets they
reflect; a worker loads it and reads the topic from there on. A torn, foreign or stale
snapshot is ignored and the store rebuilt from the topic. On every bus: memory, embedded, Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, MutableMapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from structlog.testing import capture_logs

from alerts.errors import AlertError
from alerts.index import SubscriptionIndex, match_all_plain
from alerts.index import snapshot as snapshots
from alerts.query import compile_query
from alerts.service import AlertService
from alerts.store import SubscriptionStore
from schemas.models import EnrichedStory
from schemas.topics import Topics
from tests.factories import make_enriched, make_subscription, make_tag
from wirewatch.bus import topic_specs
from wirewatch.bus.base import Bus, TopicSpec
from wirewatch.bus.embedded import EmbeddedBus
from wirewatch.bus.kafka import KafkaBus
from wirewatch.bus.memory import MemoryBus
from wirewatch.settings import KafkaSettings


def story(*actors: str, body: str = "") -> EnrichedStory:
    return make_enriched(actors=tuple(map(make_tag, actors)), body=body or "Nothing to report.")


SUBS = [
    make_subscription("a", query="actor:NATO"),
    make_subscription("b", query="actor:EU AND troops", min_confidence=0.5),
    make_subscription("c", query="actor:NATO", subscriber="bob"),  # shares a's query
    make_subscription("d", query="*oops"),  # checked against every story
    make_subscription("e", query="actor:(UN OR AU) -gas"),
]
STORIES = [story("NATO"), story("EU", body="Troops moved."), story("UN"), story("AU", body="gas"), story()]


def ids(index: SubscriptionIndex, st: EnrichedStory) -> list[str]:
    return [m.subscription.id for m in index.match(st)]


class TestFormat:
    STATE: ClassVar = {"subscriptions": {"a": b"{}"}, "index": {"texts": ["x", None], "n": 1.5}}

    def test_round_trip(self) -> None:
        data = snapshots.encode("subs", {0: 7, 2: 3}, self.STATE)
        loaded = snapshots.decode(data, topic="subs")
        assert (loaded.offsets, loaded.state) == ({0: 7, 2: 3}, self.STATE)

    def test_every_truncation_is_refused(self) -> None:
        data = snapshots.encode("subs", {0: 7}, self.STATE)
        for cut in range(len(data)):
            with pytest.raises(AlertError):
                snapshots.decode(data[:cut], topic="subs")

    @pytest.mark.parametrize(
        ("mangle", "reason"),
        [
            (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "checksum"),
            (lambda d: b"X" + d[1:], "magic"),
            (lambda d: d.replace(b'"version": 1', b'"version": 9'), "version"),
            (lambda d: d + b"more", "body length"),
        ],
    )
    def test_a_damaged_file_is_refused(self, mangle: Callable[[bytes], bytes], reason: str) -> None:
        data = snapshots.encode("subs", {0: 7}, self.STATE)
        with pytest.raises(AlertError, match=reason):
            snapshots.decode(mangle(data), topic="subs")

    def test_a_snapshot_older_than_the_tombstone_horizon_is_refused(self) -> None:
        # A deletion after it could have been compacted away: the subscription would come back.
        data = snapshots.encode("subs", {0: 7}, self.STATE, created_at=1000.0)
        fresh = 1000.0 + snapshots.MAX_AGE_S - 1
        assert snapshots.decode(data, topic="subs", now=fresh).created_at == 1000.0
        with pytest.raises(AlertError, match="too old"):
            snapshots.decode(data, topic="subs", now=fresh + 2)

    def test_a_snapshot_of_another_topic_is_refused(self) -> None:
        with pytest.raises(AlertError, match="another topic"):
            snapshots.decode(snapshots.encode("subs", {}, self.STATE), topic="other")

    def test_a_crash_while_writing_leaves_the_old_snapshot(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "idx.snapshot"
        snapshots.save(path, topic="subs", offsets={0: 1}, state=self.STATE)

        def crash(fd: int) -> None:
            raise OSError(5, "I/O error (simulated crash before the data reached the disk)")

        monkeypatch.setattr(os, "fsync", crash)
        with pytest.raises(OSError, match="simulated"):
            snapshots.save(path, topic="subs", offsets={0: 99}, state={"other": 1})
        monkeypatch.undo()
        loaded = snapshots.load(path, topic="subs")
        assert loaded is not None
        assert loaded.offsets == {0: 1}
        assert list(tmp_path.iterdir()) == [path]  # the temporary file is gone

    def test_a_torn_file_is_ignored_with_a_warning(self, tmp_path: Path) -> None:
        path = tmp_path / "idx.snapshot"
        data = snapshots.encode("subs", {0: 1}, self.STATE)
        path.write_bytes(data[: len(data) // 2])  # e.g. a copy cut short by a crash
        with capture_logs() as logs:
            assert snapshots.load(path, topic="subs") is None
        assert any("ignored" in e["event"] for e in logs)
        assert snapshots.load(tmp_path / "missing", topic="subs") is None


class TestIndexState:
    def test_a_restored_index_matches_like_the_original_and_stays_editable(self) -> None:
        index = SubscriptionIndex()
        for sub in SUBS:
            index.add(sub)
        subs = {s.id: s for s in SUBS}
        data = snapshots.encode("t", {}, {"index": index.export_state()})
        restored = SubscriptionIndex.from_state(
            snapshots.decode(data, topic="t").state["index"], subscriptions=subs
        )
        assert (len(restored), restored.distinct_queries, restored.keys, restored.always_checked) == (
            len(index),
            index.distinct_queries,
            index.keys,
            index.always_checked,
        )
        for st in STORIES:
            assert restored.match(st) == index.match(st)
        # Add, change and delete after the restore.
        changed = make_subscription("a", query="actor:EU")
        subs["a"] = changed
        restored.add(changed)
        restored.remove("d")
        del subs["d"]
        subs["f"] = make_subscription("f", query="troops")
        restored.add(subs["f"])
        kept = [(s, compile_query(s.query)) for s in subs.values()]
        for st in STORIES:
            assert restored.match(st) == match_all_plain(kept, st)


# -- the store and a worker catching up, on every bus ---------------------------------------


@pytest.fixture(params=["memory", "embedded", pytest.param("kafka", marks=pytest.mark.integration)])
def bus_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Bus]:
    """A factory of buses sharing one log (a memory bus is shared as is)."""
    if request.param == "memory":
        shared = MemoryBus()
        return lambda: shared
    if request.param == "embedded":
        return lambda: EmbeddedBus(tmp_path / "bus", poll_interval_s=0.01)
    bootstrap: str = request.getfixturevalue("kafka_bootstrap")
    return lambda: KafkaBus(KafkaSettings(bootstrap=bootstrap, client_id="test-index-snapshot"))


@contextlib.asynccontextmanager
async def opened(make: Callable[[], Bus], topics: Topics) -> AsyncIterator[Bus]:
    """The bus with a subscriptions topic of two partitions (offsets are per partition)."""
    async with make() as bus:
        await bus.ensure_topics([TopicSpec(topics.subscriptions, partitions=2, compacted=True)])
        yield bus


async def eventually(check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not check():
            await asyncio.sleep(0.02)


async def follow_until_ready(
    store: SubscriptionStore, start: dict[int, int] | None
) -> tuple[asyncio.Task[None], dict[int, int]]:
    table = store.table(start_offsets=start)
    task = asyncio.create_task(table.follow(), name="follow-subscriptions")
    async with asyncio.timeout(60):
        await table.ready.wait()
    return task, table.positions


def new_store(bus: Bus, topics: Topics) -> SubscriptionStore:
    return SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)


class TestCatchUp:
    async def test_changes_after_the_snapshot_are_honoured(
        self, bus_factory: Callable[[], Bus], tmp_path: Path, topic_prefix: str
    ) -> None:
        topics = Topics(f"{topic_prefix}-snap")
        path = tmp_path / "alert-index.snapshot"
        async with opened(bus_factory, topics) as bus:
            writer = SubscriptionStore(bus, topics=topics)
            for sub in SUBS:
                await writer.put(sub)
            first = new_store(bus, topics)
            task, positions = await follow_until_ready(first, None)
            await first.save_snapshot(path, positions)
            task.cancel()
            saved = dict(positions)
            assert sum(saved.values()) == len(SUBS)

            # After the snapshot: one changed, one deleted, one added.
            await writer.put(make_subscription("a", query="actor:AU"))
            await writer.delete("c")
            await writer.put(make_subscription("f", query="actor:NATO AND troops"))

            second = new_store(bus, topics)
            with capture_logs() as logs:
                start = await second.load_snapshot(path)
            assert start == saved
            assert any(e["event"] == "subscription snapshot loaded" for e in logs)
            assert sorted(s.id for s in second.all()) == sorted(s.id for s in SUBS)  # as saved
            task, _ = await follow_until_ready(second, start)
            try:
                await eventually(lambda: second.get("f") is not None and second.get("c") is None)
                assert second.get("a") == make_subscription("a", query="actor:AU")
                assert ids(second.index, story("AU")) == ["a", "e"]
                assert ids(second.index, story("NATO", body="troops")) == ["d", "f"]  # d: *oops
                # Changes while following are applied too.
                await writer.put(make_subscription("g", query="actor:UN"))
                await eventually(lambda: second.get("g") is not None)
                assert ids(second.index, story("UN")) == ["e", "g"]
            finally:
                task.cancel()

    async def test_a_torn_snapshot_is_ignored_and_rebuilt(
        self, bus_factory: Callable[[], Bus], tmp_path: Path, topic_prefix: str
    ) -> None:
        topics = Topics(f"{topic_prefix}-torn")
        path = tmp_path / "alert-index.snapshot"
        async with opened(bus_factory, topics) as bus:
            writer = SubscriptionStore(bus, topics=topics)
            for sub in SUBS:
                await writer.put(sub)
            first = new_store(bus, topics)
            task, positions = await follow_until_ready(first, None)
            await first.save_snapshot(path, positions)
            task.cancel()
            data = path.read_bytes()
            path.write_bytes(data[: len(data) - 10])  # torn: the crash came mid-write
            await writer.put(make_subscription("a", query="actor:AU"))

            second = new_store(bus, topics)
            assert await second.load_snapshot(path) is None
            assert second.all() == []
            task, _ = await follow_until_ready(second, None)
            try:
                assert sorted(s.id for s in second.all()) == sorted(s.id for s in SUBS)
                assert ids(second.index, story("AU")) == ["a", "e"]
            finally:
                task.cancel()

    async def test_a_snapshot_ahead_of_the_topic_is_ignored(
        self, bus_factory: Callable[[], Bus], tmp_path: Path, topic_prefix: str
    ) -> None:
        # E.g. the topic was deleted and created again since: its offsets start over.
        topics = Topics(f"{topic_prefix}-ahead")
        path = tmp_path / "alert-index.snapshot"
        async with opened(bus_factory, topics) as bus:
            snapshots.save(
                path,
                topic=topics.subscriptions,
                offsets={0: 1000},
                state={"subscriptions": {}, "index": None},
            )
            store = new_store(bus, topics)
            assert await store.load_snapshot(path) is None


class TestAlertService:
    async def test_the_stage_saves_a_snapshot_and_a_restart_catches_up_from_it(self, tmp_path: Path) -> None:
        bus, topics = MemoryBus(), Topics("t-stage")
        path = tmp_path / "alert-index.snapshot"
        await bus.ensure_topics(topic_specs(topics, partitions=2))
        writer = SubscriptionStore(bus, topics=topics)
        for sub in SUBS:
            await writer.put(sub)

        async def run_stage(
            until: Callable[[AlertService], bool],
        ) -> tuple[AlertService, list[MutableMapping[str, Any]]]:
            service = AlertService(
                bus=bus,
                topics=topics,
                store=new_store(bus, topics),
                snapshot_path=path,
                snapshot_interval_s=0.05,
            )
            stop, started = asyncio.Event(), asyncio.Event()
            with capture_logs() as logs:
                task = asyncio.create_task(service.run(stop, started=started))
                async with asyncio.timeout(30):
                    await started.wait()
                await eventually(lambda: until(service))
                stop.set()
                await task
            return service, logs

        def saved_at(offsets: int) -> Callable[[AlertService], bool]:
            def check(_: AlertService) -> bool:
                loaded = snapshots.load(path, topic=topics.subscriptions)
                return loaded is not None and sum(loaded.offsets.values()) == offsets

            return check

        _, logs = await run_stage(saved_at(len(SUBS)))  # saved once both halves run
        assert any(e["event"] == "alert stage ready" and e["from_snapshot"] is False for e in logs)

        await writer.put(make_subscription("a", query="actor:AU"))
        await writer.delete("b")
        service, logs = await run_stage(saved_at(len(SUBS) + 2))  # and again after the changes
        assert any(e["event"] == "alert stage ready" and e["from_snapshot"] is True for e in logs)
        assert any(e["event"] == "state replayed" and e["records"] == 2 for e in logs)  # only the new ones
        store = service.store
        assert store.get("b") is None
        assert ids(store.index, story("AU")) == ["a", "e"]
