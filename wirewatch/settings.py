"""The one Settings object: read once by the CLI, passed down to every stage."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import DEFAULT_PREFIX, Topics


class KafkaSettings(BaseModel):
    """Connection to Apache Kafka (used when ``bus == "kafka"``)."""

    bootstrap: str = "127.0.0.1:9092"
    client_id: str = "wirewatch"
    partitions: int = Field(default=3, ge=1, description="Partitions for topics Wirewatch creates.")
    replication_factor: int = Field(default=1, ge=1)
    linger_ms: int = Field(
        default=5, ge=0, description="How long the producer waits to fill a batch (latency for throughput)."
    )
    max_batch_bytes: int = Field(
        default=512 * 1024, ge=16 * 1024, description="Bytes per producer batch and partition."
    )
    # lz4 (through cramjam): about half of gzip's CPU per byte (measured here: 521 vs 282 MB/s).
    compression: Literal["none", "gzip", "lz4", "zstd"] = "lz4"
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None


class EmbeddedSettings(BaseModel):
    """The embedded durable log (SQLite under the data dir)."""

    poll_interval_s: float = Field(default=0.05, gt=0, description="How often an idle consumer looks again.")
    session_timeout_s: float = Field(
        default=10.0, gt=0, description="A member silent this long leaves its group."
    )


class MqttSettings(BaseModel):
    """Where alerts are delivered over MQTT; with ``embedded`` Wirewatch runs its own broker."""

    url: str = "mqtt://127.0.0.1:1883"
    embedded: bool = True
    username: str | None = None
    password: SecretStr | None = None
    topic_prefix: str = "wirewatch/alerts"
    qos: Literal[0, 1, 2] = 1
    client_id: str = "wirewatch-alerts"

    @property
    def host(self) -> str:
        """Host part of ``url``."""
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        """Port part of ``url`` (1883 when absent)."""
        return urlsplit(self.url).port or 1883

    @property
    def credentials(self) -> tuple[str | None, str | None]:
        """User and password: the explicit settings, else those in ``url`` (mqtt://user:pass@host)."""
        parts = urlsplit(self.url)
        password = self.password.get_secret_value() if self.password else parts.password
        return self.username or parts.username, password


class IngestSettings(BaseModel):
    """Limits and sources of the ingest stage."""

    max_bytes: int = Field(default=5_000_000, ge=1, description="Inputs larger than this are refused.")
    sources_file: Path | None = None
    stdin: bool = False


class ApiSettings(BaseModel):
    """The HTTP API (subscriptions, backtests, SSE for dashboards)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    tokens: dict[str, SecretStr] = Field(default_factory=dict, description="subscriber -> bearer token")
    admins: frozenset[str] = Field(default=frozenset(), description="subscribers who may stream every alert")


class AlertSettings(BaseModel):
    """Alerting and delivery."""

    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="subscriber -> HMAC secret for webhook signatures"
    )
    webhook_attempts: int = Field(default=5, ge=1)
    default_channels: tuple[str, ...] = ("mqtt",)
    term_sample: int = Field(
        default=2000,
        ge=0,
        description="stories whose index keys teach the subscription index which clauses are rare "
        "(each AND query is then filed under its rarest); 0 keeps the static per-field guesses",
    )
    refile_batch: int = Field(
        default=2000, ge=1, description="queries refiled between two stories once the sample is complete"
    )


class Settings(BaseSettings):
    """Everything configurable, from ``WIREWATCH_*`` variables (nested with ``__``) or flags."""

    model_config = SettingsConfigDict(
        env_prefix="WIREWATCH_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    bus: Literal["embedded", "kafka"] = "embedded"
    data_dir: Path = Path("data")
    topic_prefix: str = DEFAULT_PREFIX
    kafka_bootstrap: str | None = Field(
        default=None, description="Shortcut: setting it selects Kafka and sets kafka.bootstrap."
    )
    mqtt_url: str | None = Field(default=None, description="Shortcut: an external MQTT broker's URL.")
    kafka: KafkaSettings = KafkaSettings()
    embedded: EmbeddedSettings = EmbeddedSettings()
    mqtt: MqttSettings = MqttSettings()
    ingest: IngestSettings = IngestSettings()
    api: ApiSettings = ApiSettings()
    alerts: AlertSettings = AlertSettings()
    subscriptions_file: Path | None = None
    metrics_port: int | None = Field(default=None, description="Serve Prometheus /metrics on this port.")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"

    def resolved(self) -> Settings:
        """Apply the shortcuts (``kafka_bootstrap``, ``mqtt_url``) to the nested sections."""
        update: dict[str, object] = {}
        if self.kafka_bootstrap:
            update["bus"] = "kafka"
            update["kafka"] = self.kafka.model_copy(update={"bootstrap": self.kafka_bootstrap})
        if self.mqtt_url:
            update["mqtt"] = self.mqtt.model_copy(update={"url": self.mqtt_url, "embedded": False})
        return self.model_copy(update=update) if update else self

    @property
    def topics(self) -> Topics:
        """The topic names under the configured prefix."""
        return Topics(self.topic_prefix)

    @property
    def inbox(self) -> Path:
        """The drop folder watched by ``wirewatch run``."""
        return self.data_dir / "inbox"
