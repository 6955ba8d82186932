"""The secure options as `wirewatch run` wires them: settings in, a working secure link out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest
from pydantic import SecretStr

from alerts.deliver.channels.mqtt import tls_context
from schemas import Alert
from tests.factories import make_alert, make_subscription
from tests.helpers import free_port, write_subscriptions
from tests.security.certs import Pki
from tests.security.conftest import SERVICE, TlsMosquitto
from wirewatch.bus import open_bus
from wirewatch.cli.services import run_stages
from wirewatch.errors import ConfigError
from wirewatch.runner import publish_message
from wirewatch.settings import MqttSettings, Settings

PREFIX = "wirewatch/alerts"


@contextlib.asynccontextmanager
async def deliver_stage(settings: Settings) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_stages(settings, ["deliver"], stop=stop, ready=ready))
    try:
        async with asyncio.timeout(60):
            done, _ = await asyncio.wait(
                {task, asyncio.create_task(ready.wait())}, return_when="FIRST_COMPLETED"
            )
        if task in done:
            task.result()  # raise what stopped it
        yield
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await task


async def _first_alert(client: aiomqtt.Client, *, timeout_s: float = 30.0) -> Alert:
    async with asyncio.timeout(timeout_s):
        async for message in client.messages:
            assert isinstance(message.payload, bytes)
            return Alert.from_bytes(message.payload)
    raise AssertionError("no alert")


def _settings(tmp_path: Path, mqtt: MqttSettings) -> Settings:
    sub = make_subscription("s1", subscriber="alice", channels=("mqtt",))
    return Settings(
        data_dir=tmp_path / "data",
        mqtt=mqtt,
        subscriptions_file=write_subscriptions(tmp_path / "subs.json", [sub]),
        log_format="json",
    )


async def _publish_alert(settings: Settings) -> Alert:
    alert = make_alert(key="s1:c1:new", subscription_id="s1")
    async with open_bus(settings) as bus:
        await publish_message(bus, settings.topics.alerts, alert, key="s1")
    return alert


@pytest.mark.integration
async def test_delivery_over_tls_from_the_settings(
    tmp_path: Path, tls_mosquitto: TlsMosquitto, pki: Pki
) -> None:
    settings = _settings(
        tmp_path,
        MqttSettings(
            url=f"mqtts://127.0.0.1:{tls_mosquitto.tls_port}",
            embedded=False,
            username=SERVICE,
            password=SecretStr(tls_mosquitto.users[SERVICE]),
            client_id="wiring-tls",
            tls_ca_file=pki.ca,
            tls_cert_file=pki.client_cert,
            tls_key_file=pki.client_key,
        ),
    )
    context = tls_context(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
    async with (
        aiomqtt.Client(
            "127.0.0.1",
            tls_mosquitto.tls_port,
            username="alice",
            password=tls_mosquitto.users["alice"],
            tls_context=context,
        ) as alice,
        deliver_stage(settings),
    ):
        await alice.subscribe(f"{PREFIX}/alice/#", qos=1)
        sent = await _publish_alert(settings)
        got = await _first_alert(alice)
    assert got.key == sent.key


async def test_the_embedded_broker_with_users(tmp_path: Path) -> None:
    port = free_port()
    settings = _settings(
        tmp_path,
        MqttSettings(
            url=f"mqtt://127.0.0.1:{port}",
            username=SERVICE,
            password=SecretStr("service-pw"),
            client_id="wiring-embedded",
            embedded_users={SERVICE: SecretStr("service-pw"), "alice": SecretStr("alice-pw")},
        ),
    )
    async with deliver_stage(settings):
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client("127.0.0.1", port, timeout=10):
                pass
        async with aiomqtt.Client("127.0.0.1", port, username="alice", password="alice-pw") as alice:
            await alice.subscribe(f"{PREFIX}/alice/#", qos=1)
            sent = await _publish_alert(settings)
            got = await _first_alert(alice)
    assert got.key == sent.key


async def test_the_embedded_broker_refuses_tls_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path, MqttSettings(url=f"mqtts://127.0.0.1:{free_port()}", embedded=True))
    with pytest.raises(ConfigError, match="embedded MQTT broker speaks plain MQTT"):
        await run_stages(settings, ["deliver"], stop=asyncio.Event(), ready=asyncio.Event())
