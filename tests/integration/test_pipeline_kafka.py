"""The whole pipeline on real Kafka and real Mosquitto: story in → alert at the analyst's MQTT client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from schemas import DeadLetter, EnrichedStory
from tests.brokers import MqttBrokerInfo
from tests.factories import make_story, make_subscription
from tests.helpers import NATO_BORDER_QUERY, collect_alerts, seed_text, write_subscriptions
from wirewatch.bus import Record, TopicSpec
from wirewatch.bus.kafka import KafkaBus
from wirewatch.cli.services import run_stages
from wirewatch.runner import Stage
from wirewatch.settings import KafkaSettings, MqttSettings, Settings

pytestmark = pytest.mark.integration


def kafka_settings(
    bootstrap: str, prefix: str, data_dir: Path, mqtt: MqttBrokerInfo | None = None, **update: Any
) -> Settings:
    """Settings for a test on the session's Kafka (and Mosquitto), plus any field given in ``update``."""
    settings = Settings(
        bus="kafka",
        data_dir=data_dir,
        topic_prefix=prefix,
        kafka=KafkaSettings(bootstrap=bootstrap, client_id=prefix, partitions=2, session_timeout_ms=6000),
        log_format="json",
    )
    if mqtt is not None:
        settings = settings.model_copy(
            update={
                "mqtt": MqttSettings(
                    url=mqtt.url,
                    embedded=False,
                    username=mqtt.service_user,
                    password=mqtt.service_password,
                    client_id=f"{prefix}-deliver",
                )
            }
        )
    return settings.model_copy(update=update) if update else settings


@asynccontextmanager
async def pipeline(settings: Settings, stages: tuple[str, ...]) -> AsyncIterator[asyncio.Event]:
    """Run stages in the background until the block ends."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_stages(settings, stages, stop=stop, ready=ready))
    try:
        async with asyncio.timeout(60):
            done, _ = await asyncio.wait(
                {task, asyncio.create_task(ready.wait())}, return_when=asyncio.FIRST_COMPLETED
            )
        if task in done:
            task.result()  # raise the start-up error
        yield stop
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await task


async def read_all(bus: KafkaBus, topic: str, want: int, timeout: float = 20) -> list[Record]:
    got: list[Record] = []
    async with bus.consumer([topic], group=None) as c:
        try:
            async with asyncio.timeout(timeout):
                while len(got) < want:
                    got += await c.getmany(timeout_s=0.5)
        except TimeoutError:
            pass
    return got


class TestStoryToAnalyst:
    async def test_seed_story_reaches_subscriber_over_mqtt(
        self, kafka_bootstrap: str, mosquitto: MqttBrokerInfo, topic_prefix: str, tmp_path: Path
    ) -> None:
        subs = write_subscriptions(
            tmp_path / "subs.json",
            [
                make_subscription("nato-border", query=NATO_BORDER_QUERY),
                make_subscription("bob-nato", subscriber="bob"),
            ],
        )
        settings = kafka_settings(
            kafka_bootstrap, topic_prefix, tmp_path / "data", mosquitto, subscriptions_file=subs
        )
        async with aiomqtt.Client(
            mosquitto.host, mosquitto.port, username="alice", password=mosquitto.users["alice"]
        ) as alice:
            # alice asks for everything; the broker's ACL must give her only her own subtree
            await alice.subscribe("wirewatch/alerts/#", qos=1)
            async with pipeline(settings, ("ingest", "process", "alert", "deliver")):
                inbox = settings.inbox
                inbox.mkdir(parents=True, exist_ok=True)
                (inbox / "seed.txt").write_bytes(seed_text())
                got = await collect_alerts(alice, want=2, timeout=30)
        assert len(got) == 1, [t for t, _ in got]
        topic, alert = got[0]
        assert topic == "wirewatch/alerts/alice/nato-border"
        assert alert.kind == "new"
        assert alert.subscriber == "alice"
        assert alert.title == "NATO insists that Russia has not withdrawn troops from the border with Ukraine"
        fields = {c.field for c in alert.explanation}
        assert {"actor", "region"} <= fields
        assert all(c.mentions for c in alert.explanation)

        # bob's alert went to bob's subtree (the pipeline delivered both)
        async with KafkaBus(settings.kafka) as bus:
            alerts = await read_all(bus, settings.topics.alerts, 2)
        assert {r.key for r in alerts} == {b"nato-border", b"bob-nato"}


class TestDeadLetters:
    async def test_malformed_message_goes_to_dlq_and_consumer_goes_on(
        self, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
    ) -> None:
        settings = kafka_settings(kafka_bootstrap, topic_prefix, tmp_path)
        async with KafkaBus(settings.kafka) as bus, pipeline(settings, ("process",)):
            await bus.publish(settings.topics.raw, b"{not json", key=b"bad-1")
            await bus.publish(settings.topics.raw, b'{"title": "no body"}', key=b"bad-2")
            good = make_story(id="good-1", body="NATO defence ministers met in Brussels on Thursday.")
            await bus.publish(settings.topics.raw, good.to_bytes(), key=b"good-1")
            dead = await read_all(bus, settings.topics.dlq, 2)
            enriched = await read_all(bus, settings.topics.enriched, 1)
        letters = [DeadLetter.from_bytes(r.value or b"") for r in dead]
        assert {dl.key for dl in letters} == {"bad-1", "bad-2"}
        for dl in letters:
            assert dl.stage == "process"
            assert dl.reason
            assert dl.error_type == "ValidationError"
            assert dl.topic == settings.topics.raw
            assert dl.offset is not None
        assert letters[0].raw in (b"{not json", b'{"title": "no body"}')
        assert [EnrichedStory.from_bytes(r.value or b"").id for r in enriched] == ["good-1"]


class TestAtLeastOnce:
    async def test_consumer_killed_before_commit_leaves_messages_for_the_next(
        self, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        settings = kafka_settings(kafka_bootstrap, topic_prefix, Path())
        topic, dlq = f"{topic_prefix}.work", f"{topic_prefix}.dlq"
        async with KafkaBus(settings.kafka) as bus:
            await bus.ensure_topics([TopicSpec(topic, partitions=2), TopicSpec(dlq)])
            for i in range(10):
                await bus.publish(topic, str(i).encode(), key=str(i).encode())

            first_seen: list[int] = []
            blocked = asyncio.Event()

            async def handler_then_hang(record: Record) -> None:
                first_seen.append(int(record.value or b"0"))
                if len(first_seen) == 5:
                    blocked.set()
                    await asyncio.Event().wait()  # the process "dies" here, mid-batch, before any commit

            stop = asyncio.Event()
            victim = Stage("work", bus, topic, f"{topic_prefix}-g", handler_then_hang, dlq)
            task = asyncio.create_task(victim.run(stop))
            async with asyncio.timeout(30):
                await blocked.wait()
            task.cancel()  # killed: no commit happened
            with pytest.raises(asyncio.CancelledError):
                await task

            seen_again: list[int] = []

            async def record_all(record: Record) -> None:
                seen_again.append(int(record.value or b"0"))

            stop2 = asyncio.Event()
            survivor = Stage("work", bus, topic, f"{topic_prefix}-g", record_all, dlq)
            task2 = asyncio.create_task(survivor.run(stop2))
            async with asyncio.timeout(40):
                while len(seen_again) < 10:
                    await asyncio.sleep(0.1)
            stop2.set()
            await task2
        assert set(first_seen) <= set(seen_again)  # what the dead consumer handled is handled again
        assert sorted(seen_again) == list(range(10))  # nothing lost
