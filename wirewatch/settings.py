"""The one Settings object: read once by the CLI, passed down to every stage."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import DEFAULT_PREFIX, Topics
from schemas.topics import (
    DEFAULT_BACKTEST_HORIZON_HOURS,
    DEFAULT_DLQ_RETENTION_HOURS,
    DEFAULT_RETENTION_HOURS,
)


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
    # lz4 (through cramjam): about half of gzip's CPU per byte (measured here: 521 vs 282 MB/s), and
    # at the fast level 1, not aiokafka's fixed LZ4-HC level 9 (bus/kafka_codec.py: 0.05 vs 0.29 ms
    # per 26 KB enriched story, ~20 % more bytes).
    compression: Literal["none", "gzip", "lz4", "zstd"] = "lz4"
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="PLAIN", description="SASL mechanism when sasl_username is set (SASL_* protocols)."
    )
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(
        default=None, description="PEM CA bundle that signed the brokers' certificates (SSL, SASL_SSL)."
    )
    ssl_certfile: Path | None = Field(default=None, description="PEM client certificate (mutual TLS).")
    ssl_keyfile: Path | None = Field(default=None, description="PEM private key of ssl_certfile.")
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = Field(
        default=True, description="Verify that the broker's certificate names the host connected to."
    )


class EmbeddedSettings(BaseModel):
    """The embedded durable log (SQLite under the data dir)."""

    poll_interval_s: float = Field(default=0.05, gt=0, description="How often an idle consumer looks again.")
    session_timeout_s: float = Field(
        default=10.0, gt=0, description="A member silent this long leaves its group."
    )


class RetentionSettings(BaseModel):
    """How long the delete-policy topics keep records (Kafka topic configs; the embedded log too).

    ``backtest_horizon_hours`` is how far back ``wirewatch backtest`` can reach: it is the retention
    of ``stories.enriched``, whose disk cost grows linearly with it (see the README, Topics).
    """

    hours: int = Field(
        default=DEFAULT_RETENTION_HOURS, ge=1, description="stories.raw, alerts, internal hand-offs"
    )
    backtest_horizon_hours: int = Field(
        default=DEFAULT_BACKTEST_HORIZON_HOURS, ge=1, description="stories.enriched: the backtest's reach"
    )
    dlq_hours: int = Field(default=DEFAULT_DLQ_RETENTION_HOURS, ge=1, description="dead letters")
    bytes_per_partition: int | None = Field(
        default=None, ge=1, description="bound on each delete-policy partition (None: time only)"
    )
    check_interval_s: float = Field(
        default=30.0, ge=0, description="embedded log: how often a writer enforces retention (0: each write)"
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
    tls: bool = Field(default=False, description="Connect over TLS (implied by an mqtts:// url).")
    tls_ca_file: Path | None = Field(
        default=None, description="PEM CA that signed the broker's certificate (default: the system's)."
    )
    tls_cert_file: Path | None = Field(default=None, description="PEM client certificate (mutual TLS).")
    tls_key_file: Path | None = Field(default=None, description="PEM private key of tls_cert_file.")
    tls_key_password: SecretStr | None = None
    tls_check_hostname: bool = Field(
        default=True, description="Verify that the broker's certificate names the host connected to."
    )
    embedded_users: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="user -> password for the embedded broker; when set, anonymous clients are refused "
        "and each user may read only <topic_prefix>/<user>/# (the service user may publish)",
    )

    @property
    def host(self) -> str:
        """Host part of ``url``."""
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        """Port part of ``url`` (1883 when absent, 8883 for mqtts://)."""
        return urlsplit(self.url).port or (8883 if self.use_tls else 1883)

    @property
    def use_tls(self) -> bool:
        """Whether to connect over TLS: ``tls`` or an ``mqtts://`` url."""
        return self.tls or urlsplit(self.url).scheme == "mqtts"

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
    operators: frozenset[str] = Field(
        default=frozenset(),
        description="subscribers with the console's operator role (Operations page, every alert, "
        "dead-letter redrive); admins are operators too; everyone else with a token is an analyst",
    )


class AlertSettings(BaseModel):
    """Alerting and delivery."""

    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="subscriber -> HMAC secret for webhook signatures"
    )
    webhook_attempts: int = Field(default=5, ge=1)
    default_channels: tuple[str, ...] = ("mqtt",)
    delivery_max_age_s: float = Field(
        default=86_400.0,
        gt=0,
        description="a target that cannot take an alert is retried with backoff until the alert is "
        "this old (counted from when it was written to the alerts topic); then it is dead-lettered",
    )
    delivery_backoff_max_s: float = Field(default=60.0, gt=0, description="longest wait between two tries")
    delivery_max_pending: int = Field(
        default=50_000, ge=1, description="alerts waiting in delivery lanes before a channel stops reading"
    )
    delivery_window: int = Field(
        default=256, ge=1, description="MQTT publishes in flight (PUBACK awaited) per connection"
    )
    term_sample: int = Field(
        default=2000,
        ge=0,
        description="stories whose index keys teach the subscription index which clauses are rare "
        "(each AND query is then filed under its rarest); 0 keeps the static per-field guesses",
    )
    refile_batch: int = Field(
        default=2000, ge=1, description="queries refiled between two stories once the sample is complete"
    )
    index_snapshot: bool = Field(
        default=True,
        description="the alert stage saves its subscriptions and index with the topic offsets they reflect, "
        "and at start loads them and reads only newer records (ready in seconds, not minutes)",
    )
    index_snapshot_path: Path | None = Field(
        default=None,
        description="where the index snapshot is kept (default: <data_dir>/alert-index.snapshot)",
    )
    index_snapshot_interval_s: float = Field(
        default=300.0, gt=0, description="how often the snapshot is saved again when subscriptions changed"
    )
    index_cache: int = Field(
        default=100_000,
        ge=1,
        description="compiled queries the index keeps at once (~2 KB each); others are compiled again when "
        "a story needs them",
    )


class Settings(BaseSettings):
    """Everything configurable, from ``WIREWATCH_*`` variables (nested with ``__``) or flags."""

    model_config = SettingsConfigDict(
        env_prefix="WIREWATCH_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    bus: Literal["embedded", "kafka"] = "embedded"
    data_dir: Path = Path("data")
    kb_cache_dir: Path | None = Field(
        default=None,
        description="Where the prebuilt knowledge base is kept (default: $XDG_CACHE_HOME/wirewatch).",
    )
    topic_prefix: str = DEFAULT_PREFIX
    kafka_bootstrap: str | None = Field(
        default=None, description="Shortcut: setting it selects Kafka and sets kafka.bootstrap."
    )
    mqtt_url: str | None = Field(default=None, description="Shortcut: an external MQTT broker's URL.")
    kafka: KafkaSettings = KafkaSettings()
    embedded: EmbeddedSettings = EmbeddedSettings()
    retention: RetentionSettings = RetentionSettings()
    mqtt: MqttSettings = MqttSettings()
    ingest: IngestSettings = IngestSettings()
    api: ApiSettings = ApiSettings()
    alerts: AlertSettings = AlertSettings()
    subscriptions_file: Path | None = None
    cluster_window_hours: float = Field(
        default=24.0, gt=0, description="An event cluster closes this long after its last copy (issue 15)."
    )
    metrics_port: int | None = Field(
        default=None, description="Serve Prometheus /metrics (and /healthz, /readyz) on this port."
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the metrics port listens on (0.0.0.0: every interface)."
    )
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
        r = self.retention
        return Topics(
            self.topic_prefix,
            retention_hours=r.hours,
            backtest_horizon_hours=r.backtest_horizon_hours,
            dlq_retention_hours=r.dlq_hours,
            retention_bytes=r.bytes_per_partition,
        )

    @property
    def inbox(self) -> Path:
        """The drop folder watched by ``wirewatch run``."""
        return self.data_dir / "inbox"
