"""A global table's replay pauses automatic collection per batch, and restores it after."""

from __future__ import annotations

import asyncio
import gc

from wirewatch.bus.base import TopicSpec
from wirewatch.bus.memory import MemoryBus
from wirewatch.state import GlobalTable


class _Spy:
    """A store that records, per record, whether the collector was on when it was applied."""

    def __init__(self) -> None:
        self.collector_on: dict[str, bool] = {}

    def apply(self, key: str, value: bytes | None) -> None:
        del value
        self.collector_on[key] = gc.isenabled()

    def changes(self) -> list[tuple[str, bytes | None]]:
        return []


async def test_the_replay_runs_without_automatic_collection_and_the_tail_with_it() -> None:
    spy = _Spy()
    async with MemoryBus() as bus:
        await bus.ensure_topics([TopicSpec("t-state", partitions=1, compacted=True)])
        for i in range(3):
            await bus.publish("t-state", b"v", key=f"old{i}".encode())
        table = GlobalTable(bus, "t-state", spy, poll_timeout_s=0.05, stall_timeout_s=0.5)
        assert gc.isenabled()
        async with asyncio.TaskGroup() as tasks:
            follow = tasks.create_task(table.follow())
            await asyncio.wait_for(table.ready.wait(), 5.0)
            assert gc.isenabled()  # restored once the replay is applied
            await bus.publish("t-state", b"v", key=b"new")
            async with asyncio.timeout(5.0):
                while "new" not in spy.collector_on:
                    await asyncio.sleep(0.01)
            follow.cancel()
    assert spy.collector_on == {"old0": False, "old1": False, "old2": False, "new": True}


async def test_a_collector_switched_off_before_stays_off() -> None:
    spy = _Spy()
    gc.disable()
    try:
        async with MemoryBus() as bus:
            await bus.ensure_topics([TopicSpec("t-state", partitions=1, compacted=True)])
            await bus.publish("t-state", b"v", key=b"k")
            table = GlobalTable(bus, "t-state", spy, poll_timeout_s=0.05, stall_timeout_s=0.5)
            async with asyncio.TaskGroup() as tasks:
                follow = tasks.create_task(table.follow())
                await asyncio.wait_for(table.ready.wait(), 5.0)
                assert not gc.isenabled()
                follow.cancel()
    finally:
        gc.enable()
    assert spy.collector_on == {"k": False}
