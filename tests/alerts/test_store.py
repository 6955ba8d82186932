"""SubscriptionStore over the in-memory bus: rebuild, follow, tombstones, bad records."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from alerts.errors import QueryError
from alerts.index import SubscriptionIndex
from alerts.store import SubscriptionStore
from schemas.models import EnrichedStory
from schemas.topics import Topics
from tests.factories import make_enriched, make_subscription, make_tag
from wirewatch.bus.base import Bus, TopicSpec
from wirewatch.bus.embedded import EmbeddedBus
from wirewatch.bus.memory import MemoryBus
from wirewatch.state import read_to_end


def story(*actors: str) -> EnrichedStory:
    return make_enriched(actors=tuple(map(make_tag, actors)))


@pytest.fixture(params=["memory", "embedded"])
def bus_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@contextlib.asynccontextmanager
async def open_bus(kind: str, tmp_path: Path, topics: Topics, partitions: int = 1) -> AsyncIterator[Bus]:
    """The in-memory bus or the embedded log (the default deployment), with the subscriptions topic."""
    async with MemoryBus() if kind == "memory" else EmbeddedBus(tmp_path, tombstone_retention_s=0) as bus:
        await bus.ensure_topics([TopicSpec(topics.subscriptions, partitions=partitions, compacted=True)])
        yield bus


async def values(bus: Bus, topic: str) -> list[bytes | None]:
    async with bus.consumer([topic], group=None) as consumer:
        batches = read_to_end(consumer, timeout_s=0.05, stall_timeout_s=0.3)
        return [r.value async for batch in batches for r in batch]


async def eventually(check: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not check():
            await asyncio.sleep(0.01)


class TestRebuild:
    async def test_replays_updates_tombstones_and_skips_bad_records(
        self, bus_kind: str, tmp_path: Path
    ) -> None:
        topics = Topics("t-rebuild")
        async with open_bus(bus_kind, tmp_path, topics, partitions=3) as bus:
            await self.check_replay(bus, topics)

    async def check_replay(self, bus: Bus, topics: Topics) -> None:
        t = topics.subscriptions
        await bus.publish(t, make_subscription("a", query="actor:NATO").to_bytes(), key=b"a")
        await bus.publish(t, make_subscription("b", query="actor:EU", subscriber="bob").to_bytes(), key=b"b")
        await bus.publish(t, make_subscription("a", query="actor:UN").to_bytes(), key=b"a")  # update
        await bus.publish(t, None, key=b"b")  # tombstone
        await bus.publish(t, b"{not json", key=b"c")
        await bus.publish(t, make_subscription("d", query="actor:(").to_bytes(), key=b"d")  # invalid query
        # key and id disagree
        await bus.publish(t, make_subscription("e", query="actor:EU").to_bytes(), key=b"other")
        await bus.publish(t, make_subscription("f", query="actor:AU", subscriber="bob").to_bytes(), key=b"f")
        await bus.publish(t, make_subscription("g", query="actor:G7").to_bytes(), key=None)

        store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)
        with capture_logs() as logs:
            assert await store.rebuild() == 2
        assert [s.id for s in store.all()] == ["a", "f"]
        assert store.get("a") == make_subscription("a", query="actor:UN")
        assert store.get("b") is None
        assert [s.id for s in store.by_subscriber("bob")] == ["f"]
        assert store.by_subscriber("carol") == []
        assert [m.subscription.id for m in store.index.match(story("UN", "AU"))] == ["a", "f"]
        assert store.index.match(story("NATO")) == []
        warnings = [e["event"] for e in logs if e["log_level"] == "warning"]
        assert warnings == [
            "invalid subscription skipped",
            "invalid subscription skipped",
            "subscription id differs from its key; skipped",
            "changelog record without a key skipped",
        ]

    async def test_empty_topic(self, bus_kind: str, tmp_path: Path) -> None:
        topics = Topics("t-empty")
        async with open_bus(bus_kind, tmp_path, topics) as bus:
            store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)
            assert await store.rebuild() == 0
        assert store.all() == []

    async def test_a_compacted_away_tail_does_not_hang_the_rebuild(self, tmp_path: Path) -> None:
        topics = Topics("t-compacted")
        async with open_bus("embedded", tmp_path, topics) as bus:
            assert isinstance(bus, EmbeddedBus)
            writer = SubscriptionStore(bus, topics=topics)
            await writer.put(make_subscription("a", query="actor:NATO"))
            await writer.put(make_subscription("b", query="actor:EU"))
            await writer.delete("b")  # the last record: an expired tombstone, kept as the log's head
            await asyncio.sleep(0.01)  # older than the (zero) tombstone retention
            await bus.compact()
            assert await values(bus, topics.subscriptions) == [
                make_subscription("a", query="actor:NATO").to_bytes(),
                None,
            ]
            store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)
            async with asyncio.timeout(5):
                assert await store.rebuild() == 1

    async def test_a_partition_ending_in_a_tombstone_rebuilds_to_nothing_without_stalling(
        self, tmp_path: Path
    ) -> None:
        topics = Topics("t-compacted-empty")
        async with open_bus("embedded", tmp_path, topics) as bus:
            assert isinstance(bus, EmbeddedBus)
            writer = SubscriptionStore(bus, topics=topics)
            await writer.put(make_subscription("b", query="actor:EU"))
            await writer.delete("b")
            await asyncio.sleep(0.01)
            await bus.compact()
            # like Kafka, compaction keeps the head of the log: readers can tell they reached the end
            assert await values(bus, topics.subscriptions) == [None]
            store = SubscriptionStore(
                bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05, stall_timeout_s=30
            )
            with capture_logs() as logs:
                async with asyncio.timeout(5):
                    assert await store.rebuild() == 0
        assert "partitions not read to their end; going on" not in [e["event"] for e in logs]

    async def test_an_invalid_update_drops_the_old_version(self) -> None:
        topics = Topics("t-invalid-update")
        async with open_bus("memory", Path(), topics) as bus:
            await bus.publish(
                topics.subscriptions, make_subscription("a", query="actor:NATO").to_bytes(), key=b"a"
            )
            await bus.publish(topics.subscriptions, b'{"id": "a"}', key=b"a")
            store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)
            assert await store.rebuild() == 0
        assert store.index.match(story("NATO")) == []


class TestWrites:
    async def test_put_and_delete_are_read_back_by_another_store(self, bus_kind: str, tmp_path: Path) -> None:
        topics = Topics("t-writes")
        a = make_subscription("a", channels=("webhook",), webhook_url="https://hooks.test/a")
        async with open_bus(bus_kind, tmp_path, topics) as bus:
            writer = SubscriptionStore(bus, topics=topics)
            await writer.put(a)
            await writer.put(make_subscription("b", query="actor:EU"))
            await writer.delete("b")
            # read-your-writes: applied locally before any read-back
            assert [s.id for s in writer.all()] == ["a"]
            reader = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)
            await reader.rebuild()
            assert reader.all() == [a]
            assert [v is None for v in await values(bus, topics.subscriptions)] == [False, False, True]

    async def test_quick_writes_are_never_undone_by_their_own_read_back(self) -> None:
        topics = Topics("t-quick-writes")
        async with open_bus("memory", Path(), topics) as bus:
            assert isinstance(bus, MemoryBus)
            store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex())
            before = make_subscription("a", query="actor:AU")  # written before this store started
            await bus.publish(topics.subscriptions, before.to_bytes(), key=b"a")
            await store.put(make_subscription("a", query="actor:NATO"))
            await store.put(make_subscription("a", query="actor:EU"))
            await store.delete("a")
            await store.put(make_subscription("a", query="actor:UN"))
            seen = []
            for record in bus.records(topics.subscriptions):
                store.apply((record.key or b"").decode(), record.value)
                seen.append(store.get("a"))
            assert seen == [make_subscription("a", query="actor:UN")] * 5
            # once its writes are read back, the store follows other writers again
            await bus.publish(
                topics.subscriptions, make_subscription("a", query="actor:G7").to_bytes(), key=b"a"
            )
            last = bus.records(topics.subscriptions)[-1]
            store.apply((last.key or b"").decode(), last.value)
            assert store.get("a") == make_subscription("a", query="actor:G7")
            assert store.index.match(story("G7"))[0].subscription.id == "a"

    async def test_put_refuses_an_invalid_query_without_publishing(
        self, bus_kind: str, tmp_path: Path
    ) -> None:
        topics = Topics("t-refuse")
        async with open_bus(bus_kind, tmp_path, topics) as bus:
            store = SubscriptionStore(bus, topics=topics)
            with pytest.raises(QueryError) as info:
                await store.put(make_subscription("a", query="actor:NATO AND ("))
            assert info.value.position > 0
            assert await values(bus, topics.subscriptions) == []
        assert store.all() == []


class TestFollow:
    async def test_follow_rebuilds_then_applies_live_changes(self, bus_kind: str, tmp_path: Path) -> None:
        topics = Topics("t-follow")
        async with open_bus(bus_kind, tmp_path, topics) as bus:
            writer = SubscriptionStore(bus, topics=topics)
            await writer.put(make_subscription("a", query="actor:NATO"))
            follower = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex(), poll_timeout_s=0.05)
            ready = asyncio.Event()
            async with asyncio.TaskGroup() as tg:
                task = tg.create_task(follower.follow(ready=ready), name="follow-subscriptions")
                async with asyncio.timeout(5):
                    await ready.wait()
                assert [s.id for s in follower.all()] == ["a"]

                await writer.put(make_subscription("b", query="actor:EU", subscriber="bob"))
                await eventually(lambda: follower.get("b") is not None)
                await writer.put(make_subscription("a", query="actor:UN"))
                await eventually(lambda: follower.get("a") == make_subscription("a", query="actor:UN"))
                await writer.delete("b")
                await eventually(lambda: follower.get("b") is None)
                await bus.publish(
                    topics.subscriptions, b"garbage", key=b"z"
                )  # skipped; the follower lives on
                await writer.put(make_subscription("c", query="actor:AU"))
                await eventually(lambda: follower.get("c") is not None)
                assert [m.subscription.id for m in follower.index.match(story("UN", "EU", "AU"))] == [
                    "a",
                    "c",
                ]
                task.cancel()
            assert task.cancelled()
