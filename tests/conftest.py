"""Session fixtures for every test package, among them real brokers: Kafka (KRaft) and Mosquitto.

The brokers start on first use only (a unit test run never starts them); tests that use them are
marked ``pytest.mark.integration``.

Set ``WIREWATCH_KAFKA_BOOTSTRAP`` / ``WIREWATCH_MQTT_URL`` (+ ``WIREWATCH_TEST_MQTT_USERS``, a JSON
object user -> password that includes the service user ``wirewatch`` and the analysts ``alice``
and ``bob``) to use already running brokers instead. A missing tool fails the run, never skips it.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.brokers import KafkaBroker, MosquittoBroker, MqttBrokerInfo

SERVICE_USER = "wirewatch"
ANALYSTS = ("alice", "bob")


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a session-wide Kafka (``WIREWATCH_KAFKA_BOOTSTRAP`` or a fresh broker)."""
    external = os.environ.get("WIREWATCH_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    broker = KafkaBroker()
    try:
        yield broker.start(tmp_path_factory.mktemp("kafka"))
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_broker_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], KafkaBroker]]:
    """Start dedicated brokers (for restart/kill tests that must not disturb the shared one).

    Each call returns a started ``KafkaBroker`` (``.bootstrap``, ``.restart()``, ``.kill()``,
    ``.stop()``); all are stopped at the end of the session.
    """
    started: list[KafkaBroker] = []

    def make() -> KafkaBroker:
        broker = KafkaBroker()
        started.append(broker)
        broker.start(tmp_path_factory.mktemp("kafka-dedicated"))
        return broker

    try:
        yield make
    finally:
        for broker in started:
            broker.stop()


def _external_mqtt(url: str) -> MqttBrokerInfo:
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ValueError(f"WIREWATCH_MQTT_URL must look like mqtt://host:port, got {url!r}")
    users_json = os.environ.get("WIREWATCH_TEST_MQTT_USERS")
    if not users_json:
        raise ValueError(
            "WIREWATCH_MQTT_URL is set but WIREWATCH_TEST_MQTT_USERS (JSON user -> password) is not"
        )
    users: dict[str, str] = json.loads(users_json)
    missing = {SERVICE_USER, *ANALYSTS} - users.keys()
    if missing:
        raise ValueError(f"WIREWATCH_TEST_MQTT_USERS lacks users: {sorted(missing)}")
    return MqttBrokerInfo(
        host=parts.hostname,
        port=parts.port or 1883,
        service_user=SERVICE_USER,
        service_password=users[SERVICE_USER],
        users={u: p for u, p in users.items() if u != SERVICE_USER},
    )


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MqttBrokerInfo]:
    """A session-wide Mosquitto with the service user and analysts ``alice`` and ``bob``."""
    external = os.environ.get("WIREWATCH_MQTT_URL")
    if external:
        yield _external_mqtt(external)
        return
    service_password = secrets.token_urlsafe(16)
    analysts = {name: secrets.token_urlsafe(16) for name in ANALYSTS}
    broker = MosquittoBroker()
    try:
        port = broker.start(
            tmp_path_factory.mktemp("mosquitto"), {SERVICE_USER: service_password, **analysts}
        )
        yield MqttBrokerInfo(
            host=broker.host,
            port=port,
            service_user=SERVICE_USER,
            service_password=service_password,
            users=analysts,
        )
    finally:
        broker.stop()


@pytest.fixture
def topic_prefix() -> str:
    """A unique prefix per test (``t`` + 8 hex chars) for topics and group ids."""
    return f"t{uuid.uuid4().hex[:8]}"
