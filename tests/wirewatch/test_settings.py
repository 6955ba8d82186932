"""Settings: environment with the WIREWATCH_ prefix, nested sections, shortcuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.settings import Settings


class TestSettings:
    def test_defaults_are_the_embedded_deployment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for k in ("WIREWATCH_KAFKA_BOOTSTRAP", "WIREWATCH_MQTT_URL", "WIREWATCH_BUS"):
            monkeypatch.delenv(k, raising=False)
        s = Settings().resolved()
        assert s.bus == "embedded"
        assert s.mqtt.embedded
        assert s.inbox == Path("data") / "inbox"
        assert s.topics.raw == "wirewatch.stories.raw"

    def test_kafka_and_external_mqtt_by_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
        monkeypatch.setenv("WIREWATCH_MQTT_URL", "mqtt://svc:secret@127.0.0.1:11883")
        monkeypatch.setenv("WIREWATCH_KAFKA__PARTITIONS", "6")
        monkeypatch.setenv("WIREWATCH_TOPIC_PREFIX", "acme")
        s = Settings().resolved()
        assert (s.bus, s.kafka.bootstrap, s.kafka.partitions) == ("kafka", "127.0.0.1:19092", 6)
        assert not s.mqtt.embedded
        assert (s.mqtt.host, s.mqtt.port, s.mqtt.credentials) == ("127.0.0.1", 11883, ("svc", "secret"))
        assert s.topics.alerts == "acme.alerts"

    def test_secrets_are_not_printed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WIREWATCH_ALERTS__WEBHOOK_SECRETS", '{"alice": "s3cr3t"}')
        s = Settings()
        assert "s3cr3t" not in repr(s)
        assert s.alerts.webhook_secrets["alice"].get_secret_value() == "s3cr3t"
