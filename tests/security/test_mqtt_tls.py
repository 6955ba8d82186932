"""MQTT delivery over TLS, against a real Mosquitto with a TLS listener and certificates made here.

The listener asks for a client certificate signed by the test CA *and* a user and password: the
channel must present both. Plain TCP, an untrusted broker certificate and a missing client
certificate are all refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import ssl
from pathlib import Path

import aiomqtt
import pytest

from alerts.deliver.channels.mqtt import MqttChannel, alert_topic, tls_context
from tests.factories import make_alert, make_subscription
from tests.security.certs import Pki
from tests.security.conftest import SERVICE, TlsMosquitto
from wirewatch.errors import ConfigError
from wirewatch.settings import MqttSettings, Settings

pytestmark = pytest.mark.integration

PREFIX = "wirewatch/alerts"


def _client_context(pki: Pki, *, ca: Path | None = None, with_cert: bool = True) -> ssl.SSLContext:
    return tls_context(
        ca_file=ca or pki.ca,
        cert_file=pki.client_cert if with_cert else None,
        key_file=pki.client_key if with_cert else None,
    )


async def _alice_receives(
    mosq: TlsMosquitto, pki: Pki, got: list[bytes], subscribed: asyncio.Event, *, count: int
) -> None:
    async with aiomqtt.Client(
        "127.0.0.1",
        mosq.tls_port,
        username="alice",
        password=mosq.users["alice"],
        tls_context=_client_context(pki),
    ) as client:
        await client.subscribe(f"{PREFIX}/alice/#", qos=1)
        subscribed.set()
        async for message in client.messages:
            assert isinstance(message.payload, bytes)
            got.append(message.payload)
            if len(got) == count:
                return


async def test_alerts_are_delivered_over_tls(tls_mosquitto: TlsMosquitto, pki: Pki) -> None:
    # The context is built from the settings the service reads (wirewatch/cli/services.py does the same).
    settings = MqttSettings(
        url=f"mqtts://127.0.0.1:{tls_mosquitto.tls_port}",
        embedded=False,
        username=SERVICE,
        password=tls_mosquitto.users[SERVICE],
        tls_ca_file=pki.ca,
        tls_cert_file=pki.client_cert,
        tls_key_file=pki.client_key,
    )
    assert settings.use_tls
    context = tls_context(
        ca_file=settings.tls_ca_file,
        cert_file=settings.tls_cert_file,
        key_file=settings.tls_key_file,
        check_hostname=settings.tls_check_hostname,
    )
    got: list[bytes] = []
    subscribed = asyncio.Event()
    sub = make_subscription("s1", subscriber="alice")
    alerts = [make_alert(key=f"s1:c{i}:new", subscription_id="s1") for i in range(3)]
    async with asyncio.TaskGroup() as tg:
        reader = tg.create_task(_alice_receives(tls_mosquitto, pki, got, subscribed, count=3))
        await asyncio.wait_for(subscribed.wait(), 30)
        username, password = settings.credentials
        async with MqttChannel(
            host=settings.host,
            port=settings.port,
            username=username,
            password=password,
            identifier=f"tls-{secrets.token_hex(3)}",
            send_timeout_s=30,
            tls_context=context,
        ) as channel:
            for alert in alerts:
                await channel.send(alert, sub)
        await asyncio.wait_for(reader, 30)
    assert [a.key for a in alerts] == [json.loads(p)["key"] for p in got]
    assert alert_topic(PREFIX, alerts[0]) == f"{PREFIX}/alice/s1"


async def _connect(port: int, **options: object) -> None:
    async with aiomqtt.Client("127.0.0.1", port, timeout=10, **options):  # type: ignore[arg-type]
        pass


async def test_plain_tcp_to_the_tls_listener_is_refused(tls_mosquitto: TlsMosquitto) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", tls_mosquitto.tls_port)
    try:
        writer.write(_connect_packet(SERVICE, tls_mosquitto.users[SERVICE]))
        await writer.drain()
        with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
            async with asyncio.timeout(15):
                await reader.readexactly(4)  # never a CONNACK: the broker wants a TLS handshake
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_an_untrusted_broker_certificate_is_refused(tls_mosquitto: TlsMosquitto, pki: Pki) -> None:
    # Raw, like the test below: paho leaves the socket of a failed handshake unclosed.
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        async with asyncio.timeout(15):
            await asyncio.open_connection(
                "127.0.0.1", tls_mosquitto.tls_port, ssl=_client_context(pki, ca=pki.other_ca)
            )


def _connect_packet(username: str, password: str) -> bytes:
    """An MQTT 3.1.1 CONNECT with a user and password (clean session, keepalive 60 s)."""

    def string(value: str) -> bytes:
        raw = value.encode()
        return len(raw).to_bytes(2, "big") + raw

    body = string("MQTT") + bytes([4, 0xC2]) + (60).to_bytes(2, "big")
    body += string(f"tls-{secrets.token_hex(3)}") + string(username) + string(password)
    assert len(body) < 128  # a one-byte remaining length
    return bytes([0x10, len(body)]) + body


async def test_a_missing_client_certificate_is_refused(tls_mosquitto: TlsMosquitto, pki: Pki) -> None:
    # A raw connection rather than aiomqtt: with TLS 1.3 the broker's refusal arrives after the
    # handshake, and paho then leaves its socket unclosed (a ResourceWarning in a later test).
    context = _client_context(pki, with_cert=False)
    reader, writer = await asyncio.open_connection("127.0.0.1", tls_mosquitto.tls_port, ssl=context)
    try:
        writer.write(_connect_packet(SERVICE, tls_mosquitto.users[SERVICE]))
        await writer.drain()
        with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError)):
            async with asyncio.timeout(15):
                await reader.readexactly(4)  # a CONNACK would be 4 bytes
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


async def test_the_same_connection_with_a_client_certificate_is_accepted(
    tls_mosquitto: TlsMosquitto, pki: Pki
) -> None:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", tls_mosquitto.tls_port, ssl=_client_context(pki)
    )
    try:
        writer.write(_connect_packet(SERVICE, tls_mosquitto.users[SERVICE]))
        await writer.drain()
        async with asyncio.timeout(15):
            assert await reader.readexactly(4) == bytes([0x20, 2, 0, 0])  # CONNACK, accepted
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


async def test_a_wrong_password_over_tls_is_refused(tls_mosquitto: TlsMosquitto, pki: Pki) -> None:
    with pytest.raises(aiomqtt.MqttError):
        await _connect(
            tls_mosquitto.tls_port, username=SERVICE, password="wrong", tls_context=_client_context(pki)
        )


def test_mqtts_url_means_tls_on_8883() -> None:
    settings = MqttSettings(url="mqtts://broker.example")
    assert settings.use_tls
    assert settings.port == 8883
    assert not MqttSettings().use_tls


def test_missing_tls_files_are_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot load MQTT TLS files"):
        tls_context(ca_file=tmp_path / "nope.pem")


def test_tls_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, pki: Pki) -> None:
    monkeypatch.setenv("WIREWATCH_MQTT__TLS_CA_FILE", str(pki.ca))
    monkeypatch.setenv("WIREWATCH_MQTT__URL", "mqtts://127.0.0.1:8884")
    monkeypatch.setenv("WIREWATCH_MQTT__EMBEDDED_USERS", '{"wirewatch": "pw"}')
    settings = Settings()
    assert settings.mqtt.tls_ca_file == pki.ca
    assert settings.mqtt.use_tls
    assert settings.mqtt.embedded_users["wirewatch"].get_secret_value() == "pw"
