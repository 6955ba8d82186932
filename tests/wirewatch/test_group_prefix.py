"""Consumer groups carry the deployment's topic prefix on the embedded log too (as on Kafka)."""

from __future__ import annotations

from pathlib import Path

from schemas import Topics
from wirewatch.bus import EmbeddedBus
from wirewatch.bus.base import TopicSpec
from wirewatch.settings import Settings


async def test_two_prefixes_on_one_data_dir_keep_their_own_offsets(tmp_path: Path) -> None:
    async with EmbeddedBus(tmp_path) as plain:
        await plain.ensure_topics([TopicSpec("t")])
        for i in range(3):
            await plain.publish("t", str(i).encode(), key=b"k")
    for prefix in ("alpha", "beta"):
        async with (
            EmbeddedBus(tmp_path, group_id=Topics(prefix).group) as bus,
            bus.consumer(["t"], group="wirewatch-process") as consumer,
        ):
            records = await consumer.getmany(timeout_s=1.0, max_records=10)
            # Each prefix reads everything: the other one's commit is in another group.
            assert [r.value for r in records] == [b"0", b"1", b"2"]
            await consumer.commit(records)
        # The same prefix again: its group has committed everything.
        async with (
            EmbeddedBus(tmp_path, group_id=Topics(prefix).group) as bus,
            bus.consumer(["t"], group="wirewatch-process") as consumer,
        ):
            assert await consumer.getmany(timeout_s=0.5, max_records=10) == []


def test_the_settings_give_the_buses_the_prefixed_group_ids() -> None:
    assert Settings(topic_prefix="beta").topics.group("wirewatch-alert") == "beta.wirewatch-alert"
    assert Settings().topics.group("wirewatch-alert") == "wirewatch-alert"  # existing offsets kept
