"""Kafka over TLS and SASL (PLAIN, SCRAM-SHA-256/512) against a real Kafka 4.1 with certificates made here."""

from __future__ import annotations

import ssl
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import SecretStr

from tests.security.certs import Pki
from tests.security.conftest import SecureKafka
from wirewatch.bus import TopicSpec, open_bus, topic_specs
from wirewatch.bus.kafka import KafkaBus, security_options
from wirewatch.errors import BusError, ConfigError
from wirewatch.settings import KafkaSettings, Settings


def _settings(bootstrap: str, **options: Any) -> KafkaSettings:
    return KafkaSettings(
        bootstrap=bootstrap, client_id=f"sec-{uuid.uuid4().hex[:6]}", partitions=1, **options
    )


async def _round_trip(settings: KafkaSettings) -> None:
    """Create a topic (admin client), publish, read back in a group and commit: every client kind."""
    topic = f"secure-{uuid.uuid4().hex[:8]}"
    async with KafkaBus(settings) as bus:
        await bus.ensure_topics([TopicSpec(topic, partitions=1)])
        await bus.publish(topic, b"over a secure wire", key=b"k")
        async with bus.consumer([topic], group=f"g-{topic}") as consumer:
            got = []
            for _ in range(30):
                got += await consumer.getmany(timeout_s=1.0)
                if got:
                    break
            await consumer.commit(got)
    assert [r.value for r in got] == [b"over a secure wire"]


# --- broker-free: the options each protocol turns into ---------------------------------------------


def test_ssl_builds_a_context_that_checks_the_host(pki: Pki) -> None:
    options = security_options(_settings("x:1", security_protocol="SSL", ssl_cafile=pki.ca))
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname
    assert context.verify_mode is ssl.CERT_REQUIRED


def test_hostname_check_can_be_turned_off(pki: Pki) -> None:
    options = security_options(
        _settings("x:1", security_protocol="SSL", ssl_cafile=pki.ca, ssl_check_hostname=False)
    )
    assert not options["ssl_context"].check_hostname


def test_scram_mechanism_is_passed_on() -> None:
    options = security_options(
        _settings(
            "x:1",
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="alice",
            sasl_password=SecretStr("pw"),
        )
    )
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "alice"
    assert "ssl_context" not in options


def test_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot load Kafka TLS files"):
        KafkaBus(_settings("x:1", security_protocol="SSL", ssl_cafile=tmp_path / "nope.pem"))


def test_sasl_without_user_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"needs kafka\.sasl_username"):
        KafkaBus(_settings("x:1", security_protocol="SASL_SSL"))


def test_user_without_sasl_protocol_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not SASL_PLAINTEXT or SASL_SSL"):
        KafkaBus(_settings("x:1", sasl_username="alice", sasl_password=SecretStr("pw")))


def test_key_without_certificate_is_a_config_error(pki: Pki) -> None:
    with pytest.raises(ConfigError, match="ssl_keyfile is set without"):
        KafkaBus(_settings("x:1", security_protocol="SSL", ssl_cafile=pki.ca, ssl_keyfile=pki.client_key))


# --- a real broker ------------------------------------------------------------------------------------


@pytest.mark.integration
async def test_mutual_tls(secure_kafka: SecureKafka) -> None:
    pki = secure_kafka.pki
    await _round_trip(
        _settings(
            secure_kafka.ssl,
            security_protocol="SSL",
            ssl_cafile=pki.ca,
            ssl_certfile=pki.client_cert,
            ssl_keyfile=pki.client_key,
        )
    )


@pytest.mark.integration
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
async def test_sasl_over_tls(secure_kafka: SecureKafka, mechanism: str) -> None:
    await _round_trip(
        _settings(
            secure_kafka.sasl_ssl,
            security_protocol="SASL_SSL",
            ssl_cafile=secure_kafka.pki.ca,
            sasl_mechanism=mechanism,
            sasl_username="alice",
            sasl_password=SecretStr(secure_kafka.users["alice"]),
        )
    )


@pytest.mark.integration
async def test_scram_without_tls(secure_kafka: SecureKafka) -> None:
    await _round_trip(
        _settings(
            secure_kafka.sasl_plaintext,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-256",
            sasl_username="bob",
            sasl_password=SecretStr(secure_kafka.users["bob"]),
        )
    )


@pytest.mark.integration
async def test_wrong_scram_password_is_refused(secure_kafka: SecureKafka) -> None:
    settings = _settings(
        secure_kafka.sasl_ssl,
        security_protocol="SASL_SSL",
        ssl_cafile=secure_kafka.pki.ca,
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="alice",
        sasl_password=SecretStr("not-the-password"),
    )
    with pytest.raises(BusError, match="cannot connect to Kafka"):
        async with KafkaBus(settings):
            pass


@pytest.mark.integration
async def test_untrusted_broker_certificate_is_refused(secure_kafka: SecureKafka) -> None:
    settings = _settings(
        secure_kafka.sasl_ssl,
        security_protocol="SASL_SSL",
        ssl_cafile=secure_kafka.pki.other_ca,
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="alice",
        sasl_password=SecretStr(secure_kafka.users["alice"]),
    )
    with pytest.raises(BusError, match="cannot connect to Kafka"):
        async with KafkaBus(settings):
            pass


@pytest.mark.integration
async def test_mutual_tls_without_client_certificate_is_refused(secure_kafka: SecureKafka) -> None:
    settings = _settings(secure_kafka.ssl, security_protocol="SSL", ssl_cafile=secure_kafka.pki.ca)
    with pytest.raises(BusError, match="cannot connect to Kafka"):
        async with KafkaBus(settings):
            pass


@pytest.mark.integration
async def test_settings_to_bus_over_scram_with_a_prefixed_group(secure_kafka: SecureKafka) -> None:
    """``Settings`` → ``open_bus``: the security options and the deployment's group id reach Kafka."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings = Settings(
        bus="kafka",
        topic_prefix=prefix,
        kafka=_settings(
            secure_kafka.sasl_ssl,
            security_protocol="SASL_SSL",
            ssl_cafile=secure_kafka.pki.ca,
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="bob",
            sasl_password=SecretStr(secure_kafka.users["bob"]),
        ),
    )
    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=1))
        await bus.publish(settings.topics.raw, b"story", key=b"s1")
        async with bus.consumer([settings.topics.raw], group="wirewatch-process") as consumer:
            got = []
            for _ in range(30):
                got += await consumer.getmany(timeout_s=1.0)
                if got:
                    break
            await consumer.commit(got)
    assert len(got) == 1
    admin = AIOKafkaAdminClient(bootstrap_servers=secure_kafka.sasl_ssl, **security_options(settings.kafka))
    await admin.start()
    try:
        groups = {group for group, *_ in await admin.list_consumer_groups()}
    finally:
        await admin.close()
    assert f"{prefix}.wirewatch-process" in groups
    assert "wirewatch-process" not in groups
