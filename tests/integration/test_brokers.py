"""Smoke tests against the real brokers: aiokafka 0.14 on Kafka 4.1, aiomqtt on Mosquitto with ACLs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiomqtt
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import NewTopic

from tests.brokers import KafkaBroker, MqttBrokerInfo, create_topics

pytestmark = pytest.mark.integration

QUIET_S = 1.5


async def _create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    await create_topics(bootstrap, [NewTopic(name=topic, num_partitions=partitions, replication_factor=1)])


async def _take(consumer: AIOKafkaConsumer, count: int, timeout_s: float = 30.0) -> list[bytes]:
    """Read exactly ``count`` values (getmany caps each batch at what is still wanted)."""
    values: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    while len(values) < count and time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500, max_records=count - len(values))
        for records in batches.values():
            values.extend(r.value for r in records if r.value is not None)
    return values


async def test_kafka_idempotent_produce_commit_and_resume(kafka_bootstrap: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}.smoke"
    group = f"{topic_prefix}-group"
    tp = TopicPartition(topic, 0)
    await _create_topic(kafka_bootstrap, topic)

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        offsets = [
            (await producer.send_and_wait(topic, f"m{i}".encode(), key=b"k")).offset for i in range(10)
        ]
    finally:
        await producer.stop()
    assert offsets == list(range(10))

    first = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await first.start()
    try:
        assert await _take(first, 4) == [b"m0", b"m1", b"m2", b"m3"]
        # Commit what was processed, not what was fetched: the next reader starts at m4.
        await first.commit({tp: 4})
        assert await first.committed(tp) == 4
    finally:
        await first.stop()

    second = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await second.start()
    try:
        assert await _take(second, 6) == [f"m{i}".encode() for i in range(4, 10)]
        assert await second.committed(tp) == 4
    finally:
        await second.stop()


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()


async def _read_all(bootstrap: str, topic: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        return await _take(consumer, count)
    finally:
        await consumer.stop()


async def test_kafka_restart_and_crash_keep_data(
    kafka_broker_factory: Callable[[], KafkaBroker], topic_prefix: str
) -> None:
    broker = kafka_broker_factory()
    bootstrap = broker.bootstrap
    assert bootstrap is not None
    topic = f"{topic_prefix}.durable"
    await _create_topic(bootstrap, topic)
    await _produce(bootstrap, topic, [b"before-restart"])

    # Clean restart: same address, same data.
    assert broker.restart() == bootstrap
    await _produce(bootstrap, topic, [b"after-restart"])

    # Crash (SIGKILL) and recover from the kept log dirs; acks=all writes survive.
    broker.kill()
    assert broker.restart() == bootstrap
    assert await _read_all(bootstrap, topic, 2) == [b"before-restart", b"after-restart"]


async def test_mqtt_bad_password_is_refused(mosquitto: MqttBrokerInfo) -> None:
    with pytest.raises(aiomqtt.MqttError):
        async with aiomqtt.Client(
            mosquitto.host, mosquitto.port, username="alice", password="wrong-password", timeout=5
        ):
            pass


async def _received(client: aiomqtt.Client, marker: str, quiet_s: float) -> list[tuple[str, bytes]]:
    """Messages whose topic contains ``marker`` until none arrives for ``quiet_s``."""
    got: list[tuple[str, bytes]] = []
    iterator = aiter(client.messages)
    while True:
        try:
            message = await asyncio.wait_for(anext(iterator), timeout=quiet_s)
        except TimeoutError:
            return got
        if marker in message.topic.value:
            payload = message.payload
            assert isinstance(payload, bytes)
            got.append((message.topic.value, payload))


async def test_mqtt_acl_each_analyst_reads_only_own_alerts(
    mosquitto: MqttBrokerInfo, topic_prefix: str
) -> None:
    host, port = mosquitto.host, mosquitto.port
    alice_topic = f"wirewatch/alerts/alice/{topic_prefix}"
    bob_topic = f"wirewatch/alerts/bob/{topic_prefix}"
    async with (
        aiomqtt.Client(host, port, username="alice", password=mosquitto.users["alice"]) as alice,
        aiomqtt.Client(host, port, username="bob", password=mosquitto.users["bob"]) as bob,
        aiomqtt.Client(
            host, port, username=mosquitto.service_user, password=mosquitto.service_password
        ) as service,
    ):
        # Both subscribe to the whole tree; the ACL must filter per user at delivery.
        await alice.subscribe("wirewatch/alerts/#", qos=1)
        await bob.subscribe("wirewatch/alerts/#", qos=1)
        # Bob's alert goes first so that, were it delivered to alice, it would arrive before hers.
        await service.publish(bob_topic, b"for-bob", qos=1)
        await service.publish(alice_topic, b"for-alice", qos=1)

        alice_got, bob_got = await asyncio.gather(
            _received(alice, topic_prefix, QUIET_S), _received(bob, topic_prefix, QUIET_S)
        )
    assert alice_got == [(alice_topic, b"for-alice")]
    assert bob_got == [(bob_topic, b"for-bob")]


async def test_mqtt_analyst_cannot_publish_alerts(mosquitto: MqttBrokerInfo, topic_prefix: str) -> None:
    host, port = mosquitto.host, mosquitto.port
    topic = f"wirewatch/alerts/alice/{topic_prefix}"
    async with (
        aiomqtt.Client(
            host, port, username=mosquitto.service_user, password=mosquitto.service_password
        ) as service,
        aiomqtt.Client(host, port, username="alice", password=mosquitto.users["alice"]) as alice,
    ):
        await service.subscribe("wirewatch/alerts/#", qos=1)
        # Mosquitto drops a forbidden publish silently, so only the absence can be asserted;
        # the service's own publish right after proves the subscription works.
        await alice.publish(topic, b"forged", qos=1)
        await service.publish(topic, b"genuine", qos=1)
        got = await _received(service, topic_prefix, QUIET_S)
    assert got == [(topic, b"genuine")]
