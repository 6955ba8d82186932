"""The MQTT channel's pipelining against a real Mosquitto: many QoS 1 publishes in flight, in order.

The channel hands each publish to paho at once and waits on one future per message, completed by
the PUBACK callback (no task, no scan of the pending calls per message). What is proved: hundreds
of sends overlap and still reach the subscriber in the order they started; an overdue PUBACK
publishes the alert again; a topic MQTT refuses is a refusal (dead-lettered), not a retry.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiomqtt
import pytest
from prometheus_client import REGISTRY

from alerts.deliver.channels.mqtt import MqttChannel
from alerts.errors import DeliveryError
from schemas import Alert
from tests.brokers import MqttBrokerInfo
from tests.factories import make_alert, make_subscription

pytestmark = pytest.mark.integration

SUB = make_subscription("s-mqtt", subscriber="alice", channels=("mqtt",))


def retries() -> float:
    return (
        REGISTRY.get_sample_value("wirewatch_deliveries_total", {"channel": "mqtt", "outcome": "retry"})
        or 0.0
    )


@asynccontextmanager
async def linked(channel: MqttChannel) -> AsyncIterator[MqttChannel]:
    """The channel, entered and connected."""
    async with channel:
        async with asyncio.timeout(20):
            while channel._client is None:
                await asyncio.sleep(0.02)
        yield channel


@asynccontextmanager
async def alice_reads(broker: MqttBrokerInfo, prefix: str, got: list[str]) -> AsyncIterator[None]:
    """Alice subscribed to her subtree under ``prefix`` for the block, collecting alert keys."""
    subscribed = asyncio.Event()

    async def read() -> None:
        async with aiomqtt.Client(
            broker.host, broker.port, username="alice", password=broker.users["alice"]
        ) as client:
            await client.subscribe(f"{prefix}/alice/#", qos=1)
            subscribed.set()
            async for message in client.messages:
                assert isinstance(message.payload, bytes | bytearray)
                got.append(Alert.from_bytes(bytes(message.payload)).key)

    task = asyncio.create_task(read())
    try:
        await asyncio.wait_for(subscribed.wait(), 20)
        yield
    finally:
        task.cancel()


def channel_for(broker: MqttBrokerInfo, **options: object) -> MqttChannel:
    return MqttChannel(
        host=broker.host,
        port=broker.port,
        username=broker.service_user,
        password=broker.service_password,
        identifier=f"wirewatch-test-{secrets.token_hex(3)}",
        **options,  # type: ignore[arg-type]
    )


class TestPipelining:
    async def test_hundreds_of_sends_overlap_and_arrive_in_the_order_they_started(
        self, mosquitto: MqttBrokerInfo
    ) -> None:
        prefix = "wirewatch/alerts"
        keys = [f"pipe-{secrets.token_hex(2)}-{i:04d}" for i in range(600)]
        got: list[str] = []
        async with (
            linked(channel_for(mosquitto, topic_prefix=prefix)) as channel,
            alice_reads(mosquitto, prefix, got),
        ):
            sends = [
                asyncio.create_task(channel.send(make_alert(key=k, subscription_id=SUB.id), SUB))
                for k in keys
            ]
            await asyncio.sleep(0)  # every send has started: each published before its PUBACK came
            most = channel.in_flight
            async with asyncio.timeout(60):
                await asyncio.gather(*sends)
                while len(got) < len(keys):
                    await asyncio.sleep(0.02)
            assert channel.in_flight == 0
        assert most > 100  # not one round trip per alert
        assert got == keys  # QoS 1 on one connection: in the order the sends started

    async def test_an_overdue_puback_publishes_the_alert_again(self, mosquitto: MqttBrokerInfo) -> None:
        prefix = "wirewatch/alerts"
        got: list[str] = []
        channel = channel_for(mosquitto, topic_prefix=prefix, puback_timeout_s=1.0)
        acknowledge = channel._on_puback
        lost: list[int] = []

        def lose_the_first(*args: object) -> None:  # the broker's first PUBACK never arrives
            if not lost:
                lost.append(1)
                return
            acknowledge(*args)  # type: ignore[arg-type]

        channel._on_puback = lose_the_first  # type: ignore[method-assign,assignment]
        before = retries()
        async with linked(channel), alice_reads(mosquitto, prefix, got):
            key = f"overdue-{secrets.token_hex(3)}"
            async with asyncio.timeout(20):
                await channel.send(make_alert(key=key, subscription_id=SUB.id), SUB)
                while got.count(key) < 2:
                    await asyncio.sleep(0.02)
        # Published again (a loaded machine may add one more): duplicates the key lets clients drop.
        assert set(got) == {key}
        assert len(got) >= 2
        assert retries() >= before + 1

    async def test_a_topic_mqtt_refuses_is_a_refusal_not_a_retry(self, mosquitto: MqttBrokerInfo) -> None:
        async with linked(channel_for(mosquitto, topic_prefix="wirewatch/#")) as channel:
            with pytest.raises(DeliveryError) as refused:
                async with asyncio.timeout(10):
                    await channel.send(make_alert(key="wild", subscription_id=SUB.id), SUB)
        assert not refused.value.retryable
        assert "refused" in str(refused.value)
