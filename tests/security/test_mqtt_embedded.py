"""The embedded MQTT broker: 127.0.0.1 by default; with users, logins and per-user topics enforced."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiomqtt
import pytest

from tests.helpers import free_port
from wirewatch.errors import ConfigError
from wirewatch.mqtt_broker import EmbeddedMqttBroker

PREFIX = "wirewatch/alerts"
USERS = {"wirewatch": "service-pw", "alice": "alice-pw", "bob": "bob-pw"}


@contextlib.asynccontextmanager
async def broker(**options: object) -> AsyncIterator[int]:
    port = free_port()
    async with EmbeddedMqttBroker(port=port, **options):  # type: ignore[arg-type]
        yield port


async def _received(client: aiomqtt.Client, *, within_s: float) -> list[str]:
    got: list[str] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within_s):
            async for message in client.messages:
                got.append(str(message.topic))  # noqa: PERF401 - keep what came before the timeout
    return got


def test_it_binds_loopback_by_default() -> None:
    assert EmbeddedMqttBroker().host == "127.0.0.1"


def test_users_without_the_service_user_are_refused() -> None:
    with pytest.raises(ConfigError, match="not the service's own"):
        EmbeddedMqttBroker(users={"alice": "pw"}, service_user="wirewatch")


async def test_without_users_anyone_on_the_host_may_connect() -> None:
    async with broker() as port, aiomqtt.Client("127.0.0.1", port) as client:
        await client.publish("anything", b"x", qos=1)


async def test_with_users_anonymous_and_wrong_passwords_are_refused() -> None:
    async with broker(users=USERS, service_user="wirewatch") as port:
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client("127.0.0.1", port, timeout=10):
                pass
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client("127.0.0.1", port, username="alice", password="wrong", timeout=10):
                pass


async def test_each_user_reads_only_their_own_alerts_and_only_the_service_publishes() -> None:
    async with (
        broker(users=USERS, service_user="wirewatch") as port,
        aiomqtt.Client("127.0.0.1", port, username="alice", password="alice-pw") as alice,
        aiomqtt.Client("127.0.0.1", port, username="wirewatch", password="service-pw") as service,
    ):
        await alice.subscribe(f"{PREFIX}/alice/#", qos=1)
        with contextlib.suppress(aiomqtt.MqttError):  # refused or granted-but-empty: both are fine
            await alice.subscribe(f"{PREFIX}/bob/#", qos=1)
        await service.publish(f"{PREFIX}/alice/s1", b"for alice", qos=1)
        await service.publish(f"{PREFIX}/bob/s2", b"for bob", qos=1)
        await alice.publish(f"{PREFIX}/alice/forged", b"forged by alice", qos=1)
        got = await _received(alice, within_s=3.0)
    assert got == [f"{PREFIX}/alice/s1"]
