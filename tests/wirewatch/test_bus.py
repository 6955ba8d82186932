"""The bus semantics every backend shares (memory, embedded, Kafka), and the embedded log's durability."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from wirewatch.bus import EmbeddedBus, MemoryBus, Record, TopicSpec
from wirewatch.bus.base import Consumer, deferred_acks
from wirewatch.bus.kafka import KafkaBus
from wirewatch.errors import BusError
from wirewatch.settings import KafkaSettings


@dataclass(frozen=True)
class Backend:
    """One bus backend under the contract, with names of its own for the test."""

    make: Callable[[], MemoryBus | EmbeddedBus | KafkaBus]
    prefix: str
    # how long a consumer may take to get its first records: joining a Kafka group takes seconds
    timeout: float

    def topic(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def group(self, name: str) -> str:
        return f"{self.prefix}-{name}"


@pytest.fixture(params=["memory", "embedded", pytest.param("kafka", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest, tmp_path: Path, topic_prefix: str) -> Backend:
    """The bus under test; the Kafka case uses the session's broker with topics and groups of its own."""
    if request.param == "memory":
        shared = MemoryBus()
        return Backend(lambda: shared, topic_prefix, timeout=3.0)
    if request.param == "embedded":
        return Backend(lambda: EmbeddedBus(tmp_path, poll_interval_s=0.01), topic_prefix, timeout=3.0)
    bootstrap: str = request.getfixturevalue("kafka_bootstrap")
    settings = KafkaSettings(bootstrap=bootstrap, client_id=f"test-bus-{topic_prefix}")
    return Backend(lambda: KafkaBus(settings), topic_prefix, timeout=30.0)


async def drain(consumer: Consumer, want: int, timeout: float = 3.0) -> list[Record]:
    got: list[Record] = []
    async with asyncio.timeout(timeout):
        while len(got) < want:
            got += await consumer.getmany(timeout_s=0.1)
    return got


class TestSemantics:
    async def test_keyed_messages_keep_order_per_partition(self, backend: Backend) -> None:
        t = backend.topic("t")
        async with backend.make() as bus:
            await bus.ensure_topics([TopicSpec(t, partitions=3)])
            for i in range(30):
                await bus.publish(t, str(i).encode(), key=f"k{i % 4}".encode(), headers=(("h", b"v"),))
            async with bus.consumer([t], group=backend.group("g")) as c:
                recs = await drain(c, 30, backend.timeout)
        assert len(recs) == 30
        by_key: dict[bytes, list[int]] = {}
        for r in recs:
            by_key.setdefault(r.key or b"", []).append(int(r.value or b"-1"))
            assert r.header("h") == b"v"
        assert all(v == sorted(v) for v in by_key.values())
        assert len({r.partition for r in recs if r.key == b"k1"}) == 1

    async def test_commit_resumes_group_and_uncommitted_is_read_again(self, backend: Backend) -> None:
        t, g = backend.topic("t"), backend.group("g")
        async with backend.make() as bus:
            await bus.ensure_topics([TopicSpec(t)])
            for i in range(5):
                await bus.publish(t, str(i).encode(), key=b"k")
            async with bus.consumer([t], group=g) as c:
                recs = await drain(c, 5, backend.timeout)
                await c.commit(recs[:3])  # "crash" after handling only 3
            async with bus.consumer([t], group=g) as c:
                again = await drain(c, 2, backend.timeout)
            assert [r.value for r in again] == [b"3", b"4"]
            async with bus.consumer([t], group=backend.group("other")) as c:
                assert len(await drain(c, 5, backend.timeout)) == 5

    async def test_replay_from_beginning(self, backend: Backend) -> None:
        t = backend.topic("t")
        async with backend.make() as bus:
            await bus.ensure_topics([TopicSpec(t)])
            await bus.publish(t, b"a")
            async with bus.consumer([t], group=None) as c:
                first = await drain(c, 1, backend.timeout)
                await c.seek_to_beginning()
                second = await drain(c, 1, backend.timeout)
                ends = await c.assignment_end_offsets()
        assert first[0].value == second[0].value == b"a"
        assert ends == {(t, 0): 1}

    async def test_unknown_topic_is_an_error(self, backend: Backend) -> None:
        async with backend.make() as bus:
            with pytest.raises(BusError, match=r"(?i)unknown ?topic"):
                await bus.publish(backend.topic("nope"), b"x")


class TestEmbeddedDurability:
    async def test_messages_and_offsets_survive_restart(self, tmp_path: Path) -> None:
        async with EmbeddedBus(tmp_path) as bus:
            await bus.ensure_topics([TopicSpec("t")])
            for i in range(6):
                await bus.publish("t", str(i).encode(), key=b"k")
            async with bus.consumer(["t"], group="g") as c:
                recs = await drain(c, 6)
                await c.commit(recs[:3])  # handled three, then the process dies
        async with EmbeddedBus(tmp_path) as bus:  # a new process over the same file
            async with bus.consumer(["t"], group=None) as c:
                assert [int(r.value or b"-1") for r in await drain(c, 6)] == list(range(6))
            async with bus.consumer(["t"], group="g") as c:
                rest = await drain(c, 3)
                assert await c.getmany(timeout_s=0.2) == []
        assert [int(r.value or b"-1") for r in rest] == [3, 4, 5]

    async def test_compacted_topic_keeps_latest_per_key(self, tmp_path: Path) -> None:
        async with EmbeddedBus(tmp_path) as bus:
            await bus.ensure_topics([TopicSpec("subs", compacted=True)])
            for v in (b"1", b"2", b"3"):
                await bus.publish("subs", v, key=b"a")
            await bus.publish("subs", b"x", key=b"b")
        async with (
            EmbeddedBus(tmp_path) as bus,
            bus.consumer(["subs"], group=None) as c,
        ):  # compaction at open
            recs = await drain(c, 2)
            assert await c.getmany(timeout_s=0.2) == []
        assert {(r.key, r.value) for r in recs} == {(b"a", b"3"), (b"b", b"x")}
        assert max(r.offset for r in recs) == 3  # offsets are never reused

    async def test_two_members_share_partitions(self, tmp_path: Path) -> None:
        async with EmbeddedBus(tmp_path, poll_interval_s=0.01) as bus:
            await bus.ensure_topics([TopicSpec("t", partitions=4)])
            for i in range(40):
                await bus.publish("t", str(i).encode(), key=str(i).encode())
            async with bus.consumer(["t"], group="g") as c1, bus.consumer(["t"], group="g") as c2:
                await c1.getmany(timeout_s=0.2)  # let both heartbeat
                await asyncio.sleep(0.2)
                await c1._rebalance(force=True)
                await c2._rebalance(force=True)
                p1 = {p for (_, p) in c1._positions}
                p2 = {p for (_, p) in c2._positions}
        assert p1.isdisjoint(p2)
        assert p1 | p2 == {0, 1, 2, 3}


class TestEmbeddedBatching:
    """Inside deferred_acks the embedded log writes a block's messages in one transaction, at the wait."""

    async def test_a_block_is_written_at_its_wait_in_order_and_blocks_stay_apart(
        self, tmp_path: Path
    ) -> None:
        async with EmbeddedBus(tmp_path) as bus:
            await bus.ensure_topics([TopicSpec("a", partitions=2), TopicSpec("b")])

            async def block(tag: bytes, n: int, seen: list[int]) -> None:
                async with deferred_acks() as acks:
                    for i in range(n):
                        await bus.publish("a", tag + str(i).encode(), key=b"k")
                        await bus.publish("b", tag + str(i).encode(), key=tag)
                    async with bus.consumer(["a", "b"], group=None) as c:
                        seen.append(len(await c.getmany(timeout_s=0.05, max_records=100)))
                    await acks.flush()

            seen_x: list[int] = []
            seen_y: list[int] = []
            await asyncio.gather(block(b"x", 5, seen_x), block(b"y", 3, seen_y))
            async with bus.consumer(["a", "b"], group=None) as c:
                records = await drain(c, 16)
        # Nothing of a block was readable before its wait; after it, everything, in publish order.
        # Each block saw none of its own records and the other block all or nothing (one
        # transaction), whichever block the scheduler let wait first.
        assert seen_x[0] in (0, 3 + 3)
        assert seen_y[0] in (0, 5 + 5)
        for topic in ("a", "b"):
            for tag, n in ((b"x", 5), (b"y", 3)):
                values = [r.value for r in records if r.topic == topic and (r.value or b"").startswith(tag)]
                assert values == [tag + str(i).encode() for i in range(n)]


class TestEmbeddedWakeUps:
    """A write wakes the in-process readers of its topics at once, and only them (issue 19)."""

    async def test_a_write_wakes_its_topics_readers_only(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A long poll interval: a reader woken early was woken by the write, not by its poll.
        async with EmbeddedBus(tmp_path, poll_interval_s=30.0) as bus:
            await bus.ensure_topics([TopicSpec("a"), TopicSpec("b")])
            async with bus.consumer(["a"], group="ga") as ca, bus.consumer(["b"], group="gb") as cb:
                fetches = {"a": 0, "b": 0}
                for name, consumer in (("a", ca), ("b", cb)):
                    fetch = consumer._fetch

                    async def counted(n: int, name: str = name, fetch: Any = fetch) -> list[Record]:
                        fetches[name] += 1
                        return cast("list[Record]", await fetch(n))

                    monkeypatch.setattr(consumer, "_fetch", counted)
                reader_a = asyncio.create_task(ca.getmany(timeout_s=60.0))
                reader_b = asyncio.create_task(cb.getmany(timeout_s=60.0))
                await asyncio.sleep(0.2)  # both wait now, after one fetch each
                before_b = fetches["b"]
                for i in range(5):
                    await bus.publish("a", str(i).encode())
                async with asyncio.timeout(10):  # far less than the 30 s poll
                    got = await reader_a
                await asyncio.sleep(0.1)
                assert fetches["b"] == before_b  # writes to "a" did not make "b"'s reader look
                assert not reader_b.done()
                await bus.publish("b", b"x")
                async with asyncio.timeout(10):
                    got_b = await reader_b
        assert [r.value for r in got][:1] == [b"0"]
        assert [r.value for r in got_b] == [b"x"]
        assert bus._waiting == {}  # no waiter left behind


class TestLagAndSeek:
    """``Consumer.lag()`` (what the member has not read, per partition) and ``seek`` on every backend."""

    async def test_lag_is_what_the_member_has_not_read(self, backend: Backend) -> None:
        t, g = backend.topic("lag"), backend.group("lag")
        async with backend.make() as bus:
            await bus.ensure_topics([TopicSpec(t, partitions=2)])
            for i in range(6):
                await bus.publish(t, str(i).encode(), partition=i % 2)
            async with bus.consumer([t], group=g) as c:
                got: list[Record] = []
                async with asyncio.timeout(backend.timeout):
                    while not got:  # Kafka: the group join comes first
                        got = await c.getmany(timeout_s=0.5, max_records=1)
                assert len(got) == 1
                lag = await c.lag()
                assert set(lag) == {(t, 0), (t, 1)}
                assert sum(lag.values()) == 5
                await drain(c, 5, backend.timeout)
                assert await c.lag() == {(t, 0): 0, (t, 1): 0}

    async def test_seek_reads_a_partition_from_an_offset(self, backend: Backend) -> None:
        t = backend.topic("seek")
        async with backend.make() as bus:
            await bus.ensure_topics([TopicSpec(t, partitions=1)])
            for i in range(5):
                await bus.publish(t, str(i).encode())
            async with bus.consumer([t], group=None) as c:
                await c.seek(t, 0, 3)
                got = await drain(c, 2, backend.timeout)
        assert [r.value for r in got] == [b"3", b"4"]
