"""Fixtures of the secure-wire tests: a throwaway PKI and a Kafka with TLS and SASL listeners."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.brokers import KafkaBroker, MosquittoBroker, MosquittoTls
from tests.security.certs import Pki, make_pki

SERVICE = "wirewatch"


@dataclass(frozen=True)
class SecureKafka:
    """Where the secure Kafka listens, who may log in, and the PKI that signed its certificate."""

    pki: Pki
    ssl: str  # mutual TLS
    sasl_ssl: str
    sasl_plaintext: str
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate (PEM files)."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def secure_kafka(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureKafka]:
    """A dedicated Kafka 4.1 with SSL (client certificates), SASL_SSL and SASL_PLAINTEXT listeners.

    Users (PLAIN and SCRAM-SHA-256/512) are written at format time, certificates by :func:`make_pki`.
    """
    users = {"alice": secrets.token_urlsafe(12), "bob": secrets.token_urlsafe(12)}
    (pki.dir / "users").write_text("".join(f"{u} {p}\n" for u, p in users.items()))
    broker = KafkaBroker(secure_dir=pki.dir, start_timeout_s=120.0)
    try:
        broker.start(tmp_path_factory.mktemp("kafka-secure"))
        ports = broker.ports
        yield SecureKafka(
            pki=pki,
            ssl=f"127.0.0.1:{ports['SSL_PORT']}",
            sasl_ssl=f"127.0.0.1:{ports['SASL_SSL_PORT']}",
            sasl_plaintext=f"127.0.0.1:{ports['SASL_PLAINTEXT_PORT']}",
            users=users,
        )
    finally:
        broker.stop()


@dataclass(frozen=True)
class TlsMosquitto:
    """A Mosquitto whose second listener speaks TLS (client certificate required)."""

    port: int  # plain TCP
    tls_port: int
    users: dict[str, str]


@pytest.fixture(scope="session")
def tls_mosquitto(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsMosquitto]:
    users = {SERVICE: secrets.token_urlsafe(12), "alice": secrets.token_urlsafe(12)}
    broker = MosquittoBroker(
        tls=MosquittoTls(ca=pki.ca, cert=pki.server_cert, key=pki.server_key, require_certificate=True)
    )
    try:
        port = broker.start(tmp_path_factory.mktemp("mosquitto-tls"), users)
        assert broker.tls_port is not None
        yield TlsMosquitto(port=port, tls_port=broker.tls_port, users=users)
    finally:
        broker.stop()
