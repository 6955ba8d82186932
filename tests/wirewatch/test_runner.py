"""The stage loop's policy on the in-memory bus: dead letters, commits after acks and state, log context."""

from __future__ import annotations

import asyncio
import gc

import pytest
import structlog
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from schemas import DeadLetter, Topics
from wirewatch import runner
from wirewatch.bus import MemoryBus, TopicSpec
from wirewatch.bus.base import Record
from wirewatch.errors import BusError
from wirewatch.logging import merge_message_context
from wirewatch.runner import Stage
from wirewatch.state import PartitionedTable

IN, OUT, LOG, DLQ = "in", "out", "log", "dlq"


async def bus_with_topics(partitions: int = 1) -> MemoryBus:
    bus = MemoryBus()
    await bus.ensure_topics(
        [TopicSpec(IN, partitions), TopicSpec(OUT, partitions), TopicSpec(LOG, partitions), TopicSpec(DLQ)]
    )
    return bus


async def committed(bus: MemoryBus, group: str) -> list[int]:
    """Where ``group`` would resume, per partition of IN."""
    async with bus.consumer([IN], group=group) as c:
        ends = await c.assignment_end_offsets()
        got = await c.getmany(timeout_s=0.05, max_records=1000)
    firsts: dict[int, int] = {}
    for r in got:
        firsts.setdefault(r.partition, r.offset)
    return [firsts.get(p, ends[IN, p]) for (_, p) in sorted(ends)]


async def run_once(stage: Stage, *, until: int) -> None:
    """Run the stage until it handled or dead-lettered ``until`` records, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(stage.run(stop))
    async with asyncio.timeout(5):
        while stage.stats.handled + stage.stats.dead_lettered < until:
            await asyncio.sleep(0.01)
    stop.set()
    await task


class Counter:
    """A changelogged store: counts records per key."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._dirty: set[str] = set()

    def add(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        self._dirty.add(key)

    def apply(self, key: str, value: bytes | None) -> None:
        if value is None:
            self.counts.pop(key, None)
        else:
            self.counts[key] = int(value)

    def changes(self) -> list[tuple[str, bytes | None]]:
        out: list[tuple[str, bytes | None]] = [(k, str(self.counts[k]).encode()) for k in sorted(self._dirty)]
        self._dirty.clear()
        return out


class TestDeadLetters:
    async def test_a_bad_message_is_dead_lettered_with_its_reason_and_the_loop_goes_on(self) -> None:
        bus = await bus_with_topics()
        for value in (b"1", b"boom", b"3"):
            await bus.publish(IN, value, key=b"k")

        async def handler(record: Record) -> None:
            if record.value == b"boom":
                raise ValueError("cannot read this one")
            await bus.publish(OUT, record.value, key=record.key)

        stage = Stage(name="t", bus=bus, source=IN, group="g", handler=handler, dlq=DLQ)
        await run_once(stage, until=3)
        assert [r.value for r in bus.records(OUT)] == [b"1", b"3"]
        (letter,) = [DeadLetter.from_bytes(r.value or b"") for r in bus.records(DLQ)]
        assert (letter.stage, letter.error_type, letter.offset, letter.raw) == ("t", "ValueError", 1, b"boom")
        assert letter.reason == "cannot read this one"
        assert await committed(bus, "g") == [3]

    async def test_an_infrastructure_error_stops_the_stage_without_committing(self) -> None:
        bus = await bus_with_topics()
        await bus.publish(IN, b"1", key=b"k")

        async def handler(record: Record) -> None:
            raise BusError("the broker is gone")

        stage = Stage(name="t", bus=bus, source=IN, group="g", handler=handler, dlq=DLQ)
        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(stage.run(asyncio.Event()))
        assert info.group_contains(BusError)
        assert bus.records(DLQ) == []
        assert await committed(bus, "g") == [0]  # read again after a restart


class TestCommitAfterAcksAndState:
    async def test_outputs_then_state_then_commit(self) -> None:
        bus = await bus_with_topics(partitions=2)
        for i in range(6):
            await bus.publish(IN, str(i).encode(), key=f"k{i % 3}".encode())
        order: list[str] = []
        publish = bus.publish

        async def spy(topic: str, value: bytes | None, **kw: object) -> None:
            order.append(topic)
            await publish(topic, value, **kw)  # type: ignore[arg-type]

        bus.publish = spy  # type: ignore[method-assign]
        table = PartitionedTable(bus, LOG, Counter)

        async def handler(record: Record) -> None:
            table.of(record.partition).add((record.key or b"").decode())
            await bus.publish(OUT, record.value, key=record.key)

        stage = Stage(name="t", bus=bus, source=IN, group="g", handler=handler, dlq=DLQ, state=(table,))
        await run_once(stage, until=6)
        # One batch: all its outputs first, its state after them (then the commit).
        assert order.count(OUT) == 6
        assert order.count(LOG) == 3
        assert order.index(LOG) > max(i for i, t in enumerate(order) if t == OUT)
        # Each partition's counts went to the same partition of the changelog.
        for r in bus.records(LOG):
            assert r.partition == next(x.partition for x in bus.records(IN) if x.key == r.key)
        # A new owner restores them from the changelog.
        fresh = PartitionedTable(bus, LOG, Counter)
        await fresh.assign(frozenset({0, 1}))
        merged = {k: v for p in (0, 1) for k, v in fresh.of(p).counts.items()}
        assert merged == {"k0": 2, "k1": 2, "k2": 2}
        assert await committed(bus, "g") == [
            len([r for r in bus.records(IN) if r.partition == p]) for p in (0, 1)
        ]

    async def test_a_taken_partition_is_forgotten_and_restored_when_given_back(self) -> None:
        bus = await bus_with_topics(partitions=2)
        table = PartitionedTable(bus, LOG, Counter)
        await table.assign(frozenset({0, 1}))
        table.of(1).add("x")
        await table.write()
        await table.assign(frozenset({0}))
        assert not table.holds(1)
        await table.assign(frozenset({0, 1}))
        assert table.of(1).counts == {"x": 1}
        assert table.of(0).counts == {}


class TestLogContext:
    async def test_what_a_handler_binds_does_not_leak_into_the_next_message(self) -> None:
        bus = await bus_with_topics()
        await bus.publish(IN, b"story-0", key=b"a")
        await bus.publish(IN, b"bad", key=b"b")

        async def handler(record: Record) -> None:
            if record.value == b"bad":
                raise ValueError("unreadable")
            structlog.contextvars.bind_contextvars(story_id=(record.value or b"").decode())
            structlog.get_logger("test").info("handled", key="mine")

        stage = Stage(name="t", bus=bus, source=IN, group="g", handler=handler, dlq=DLQ)
        structlog.contextvars.bind_contextvars(outer="kept")
        try:
            with capture_logs(
                processors=[structlog.contextvars.merge_contextvars, merge_message_context]
            ) as logs:
                await run_once(stage, until=2)
            (dead,) = [e for e in logs if e["event"] == "dead-lettered"]
            assert (dead["stage"], dead["topic"], dead["partition"], dead["offset"]) == ("t", IN, 0, 1)
            assert dead["key"] == "b"
            (handled,) = [e for e in logs if e["event"] == "handled"]
            # the handler's own binds and the call's fields are there, and win over the message's
            assert (handled["offset"], handled["story_id"], handled["key"]) == (0, "story-0", "mine")
            assert "story_id" not in dead
            assert dead["outer"] == "kept"
            assert structlog.contextvars.get_contextvars() == {"outer": "kept"}
        finally:
            structlog.contextvars.clear_contextvars()


def test_topics_declare_co_partitioned_changelogs() -> None:
    decls = {d.name: d for d in Topics().declarations()}
    t = Topics()
    for changelog, source in (
        (t.alert_threads, t.enriched),
        (t.mailboxes, t.matches),
        (t.deliveries, t.alerts),
    ):
        assert decls[changelog].partitions == decls[source].partitions == "n"
        assert decls[changelog].cleanup == "compact"


class TestWhereTheTimeGoes:
    async def test_each_phase_of_a_batch_is_measured(self) -> None:
        bus = await bus_with_topics()
        for i in range(3):
            await bus.publish(IN, str(i).encode(), key=b"k")

        async def handler(record: Record) -> None:
            await bus.publish(OUT, record.value, key=record.key)

        table = PartitionedTable(bus, LOG, Counter)
        stage = Stage(name="timed", bus=bus, source=IN, group="g", handler=handler, dlq=DLQ, state=(table,))
        await run_once(stage, until=3)
        for phase in ("poll", "handle", "ack", "state", "commit"):
            count = REGISTRY.get_sample_value(
                "wirewatch_stage_seconds_count", {"stage": "timed", "phase": phase}
            )
            assert count is not None
            assert count >= 1, phase


def test_the_service_gc_policy_is_set_once_and_times_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_GC_CLOCK", None)
    threshold = gc.get_threshold()
    clock = runner.service_gc()
    try:
        assert runner.service_gc() is clock  # once per process: one hook, however many stages
        assert gc.callbacks.count(clock) == 1
        assert gc.get_threshold() == runner.SERVICE_GC_THRESHOLD
        gc.collect(0)
        assert clock.collections[0] >= 1
        assert clock.total() >= 0.0
    finally:
        gc.callbacks.remove(clock)
        gc.set_threshold(*threshold)
