"""SSE cursors survive a restart: the history is read back from the alerts topic under the same ids."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from alerts.deliver.channels.sse import SseHub, load_history
from schemas import Alert, Topics
from tests.factories import make_alert
from wirewatch.bus import MemoryBus, topic_specs
from wirewatch.bus.kafka import KafkaBus
from wirewatch.runner import publish_message
from wirewatch.settings import KafkaSettings


def alerts(n: int, *, start: datetime) -> list[Alert]:
    """Alerts made one after the other (as the alert stage makes them, after the hub started)."""
    return [
        make_alert(
            key=f"alice-key-{i}",
            subscription_id=f"sub-{i % 3}",  # several subscriptions: several partitions
            subscriber="alice",
            story_id=f"story-{i}",
            created_at=start + timedelta(milliseconds=10 * i),
        )
        for i in range(n)
    ]


async def alerts_topic(made: list[Alert], partitions: int = 3) -> tuple[MemoryBus, Topics]:
    bus, topics = MemoryBus(), Topics("sse-history")
    await bus.ensure_topics(topic_specs(topics, partitions=partitions))
    for alert in made:
        await publish_message(bus, topics.alerts, alert, key=alert.subscription_id)
    return bus, topics


class TestHistoryReadBack:
    async def test_a_cursor_from_before_a_restart_resumes_where_it_was(self) -> None:
        made = alerts(5, start=datetime.now(UTC) + timedelta(seconds=1))
        bus, topics = await alerts_topic(made)
        before = SseHub()  # the process before the restart: the SSE stage published each alert live
        ids = [before.publish(a) for a in made]
        cursor = ids[2]  # the client saw the first three

        after = SseHub()  # the restarted process
        assert await load_history(after, bus, topics.alerts) == 5
        assert [e.id for e in after.replay(0, subscriber=None)] == ids
        stream = after.stream(subscriber="alice", since=cursor)
        async with asyncio.timeout(5):
            resumed = [await anext(stream), await anext(stream)]
        assert [json.loads(str(e.data))["key"] for e in resumed] == ["alice-key-3", "alice-key-4"]
        assert [e.id for e in resumed] == [str(ids[3]), str(ids[4])]

    async def test_an_alert_delivered_again_after_the_read_back_is_kept_once(self) -> None:
        made = alerts(3, start=datetime.now(UTC) + timedelta(seconds=1))
        bus, topics = await alerts_topic(made)
        hub = SseHub()
        await load_history(hub, bus, topics.alerts)
        first = [e.id for e in hub.replay(0, subscriber=None)]
        # the SSE stage resumes from its last commit: it delivers the last alert again (at least once)
        assert hub.publish(made[-1]) == first[-1]
        assert [e.id for e in hub.replay(0, subscriber=None)] == first
        newer = make_alert(
            key="alice-key-new", subscriber="alice", created_at=datetime.now(UTC) + timedelta(seconds=5)
        )
        assert hub.publish(newer) > first[-1]

    async def test_the_read_back_is_bounded(self) -> None:
        made = alerts(12, start=datetime.now(UTC) + timedelta(seconds=1))
        bus, topics = await alerts_topic(made, partitions=2)
        hub = SseHub(global_buffer_size=4)
        assert await load_history(hub, bus, topics.alerts) == 4
        assert [e.alert.key for e in hub.replay(0, subscriber=None)] == [a.key for a in made[-4:]]

    async def test_an_empty_topic_reads_back_nothing(self) -> None:
        bus, topics = await alerts_topic([])
        hub = SseHub()
        assert await load_history(hub, bus, topics.alerts) == 0
        assert hub.replay(0, subscriber=None) == []


@pytest.mark.integration
async def test_the_read_back_works_on_kafka(kafka_bootstrap: str, topic_prefix: str) -> None:
    made = alerts(6, start=datetime.now(UTC) + timedelta(seconds=1))
    topics = Topics(topic_prefix)
    async with KafkaBus(KafkaSettings(bootstrap=kafka_bootstrap, client_id=f"sse-{topic_prefix}")) as bus:
        await bus.ensure_topics(topic_specs(topics, partitions=3))
        for alert in made:
            await publish_message(bus, topics.alerts, alert, key=alert.subscription_id)
        before = SseHub()
        ids = [before.publish(a) for a in made]
        after = SseHub(global_buffer_size=4)
        assert await load_history(after, bus, topics.alerts) == 4
    assert [e.id for e in after.replay(0, subscriber=None)] == ids[-4:]
