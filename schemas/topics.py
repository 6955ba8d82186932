"""Topic names and their contracts: key, value, cleanup policy, partitioning, retention — declared once here.

:meth:`Topics.declarations` is the one list of every topic a deployment has; creating topics
(``wirewatch topics``), the README's topic table and the stage wiring
(``wirewatch.cli.topology``) all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_PREFIX = "wirewatch"
HOUR_MS = 3600 * 1000
#: Defaults of :class:`Topics`' retention (the settings' ``retention`` section overrides them).
DEFAULT_RETENTION_HOURS = 72
DEFAULT_BACKTEST_HORIZON_HOURS = 7 * 24
DEFAULT_DLQ_RETENTION_HOURS = 14 * 24
#: How long a compacted topic keeps a tombstone (a deleted key) before compaction drops it.
TOMBSTONE_RETENTION_MS = 24 * HOUR_MS


@dataclass(frozen=True, slots=True)
class TopicDecl:
    """One topic: what its records are and how it is kept.

    ``partitions`` is ``"n"`` for the deployment's partition count (``WIREWATCH_KAFKA__PARTITIONS``)
    or ``1``. A changelog co-partitioned with a stage's input must have as many partitions as that
    input: both are ``"n"``.
    """

    name: str
    key: str
    value: str
    cleanup: Literal["delete", "compact"]
    partitions: Literal["n", 1]
    public: bool
    #: Delete-policy topics: records older than this go (None: kept forever, as compacted ones are).
    retention_ms: int | None = None
    #: Delete-policy topics: each partition keeps at most about this many bytes (None: no bound).
    retention_bytes: int | None = None

    def kafka_config(self) -> dict[str, str]:
        """The topic's Kafka configs: what ``wirewatch topics`` applies and checks for drift."""
        if self.cleanup == "compact":
            return {
                "cleanup.policy": "compact",
                "retention.ms": "-1",
                "delete.retention.ms": str(TOMBSTONE_RETENTION_MS),
            }
        return {
            "cleanup.policy": "delete",
            "retention.ms": str(self.retention_ms if self.retention_ms is not None else -1),
            "retention.bytes": str(self.retention_bytes if self.retention_bytes is not None else -1),
        }


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of a Wirewatch deployment, under one configurable prefix, and how long they keep.

    ``backtest_horizon_hours`` is the retention of ``stories.enriched``: how far back a backtest
    can reach. ``retention_hours`` holds for the other delete-policy topics but the dead letters
    (``dlq_retention_hours``); ``retention_bytes`` bounds every delete-policy partition.
    """

    prefix: str = DEFAULT_PREFIX
    retention_hours: int = DEFAULT_RETENTION_HOURS
    backtest_horizon_hours: int = DEFAULT_BACKTEST_HORIZON_HOURS
    dlq_retention_hours: int = DEFAULT_DLQ_RETENTION_HOURS
    retention_bytes: int | None = None

    @property
    def raw(self) -> str:
        """Normalized stories; key: story id; value: Story."""
        return f"{self.prefix}.stories.raw"

    @property
    def enriched(self) -> str:
        """Tagged stories; key: cluster id; value: EnrichedStory."""
        return f"{self.prefix}.stories.enriched"

    @property
    def alerts(self) -> str:
        """Alerts; key: subscription id; value: Alert."""
        return f"{self.prefix}.alerts"

    @property
    def subscriptions(self) -> str:
        """Compacted; key: subscription id; value: Subscription, or null to delete."""
        return f"{self.prefix}.subscriptions"

    @property
    def dlq(self) -> str:
        """Dead letters from every stage; key: the failed message's key; value: DeadLetter."""
        return f"{self.prefix}.dlq"

    @property
    def knowledge(self) -> str:
        """Compacted, global; key: entity id; value: KnowledgeEntry (knowledge of one's own), or null.

        Written by ``wirewatch kb`` and the API; every processor follows it. Not a downstream
        contract (the entries' model may grow between releases).
        """
        return f"{self.prefix}.knowledge"

    # Internal topics: hand-offs between the parts of a stage and the changelogs of its state.
    # They are not contracts for downstream services and may change between releases.
    @property
    def matches(self) -> str:
        """Match → mailbox hand-off; key: subscription id; value: alert candidate."""
        return f"{self.prefix}.internal.matches"

    @property
    def signatures(self) -> str:
        """Compacted, global; key: story id; value: cluster id + MinHash signature (processors share it)."""
        return f"{self.prefix}.internal.signatures"

    @property
    def alert_threads(self) -> str:
        """Compacted, co-partitioned with stories.enriched: subscription × cluster threads, retractions."""
        return f"{self.prefix}.internal.alert-threads"

    @property
    def mailboxes(self) -> str:
        """Compacted, co-partitioned with internal.matches: throttle windows, held items, deliveries."""
        return f"{self.prefix}.internal.mailboxes"

    @property
    def ingest_seen(self) -> str:
        """Compacted, global; key: exact-duplicate key of a published story; value: a marker (or null)."""
        return f"{self.prefix}.internal.ingest-seen"

    @property
    def deliveries(self) -> str:
        """Compacted, co-partitioned with alerts; key: channel + idempotency key: what was delivered."""
        return f"{self.prefix}.internal.delivered"

    def declarations(self) -> tuple[TopicDecl, ...]:
        """Every topic of the deployment, public first."""
        keep, horizon, dlq = (
            h * HOUR_MS for h in (self.retention_hours, self.backtest_horizon_hours, self.dlq_retention_hours)
        )

        def log(name: str, key: str, value: str, retention_ms: int, *, public: bool) -> TopicDecl:
            return TopicDecl(name, key, value, "delete", "n", public, retention_ms, self.retention_bytes)

        return (
            log(self.raw, "story id", "Story", keep, public=True),
            log(self.enriched, "cluster id", "EnrichedStory", horizon, public=True),
            log(self.alerts, "subscription id", "Alert", keep, public=True),
            TopicDecl(
                self.subscriptions, "subscription id", "Subscription, or null", "compact", 1, public=True
            ),
            log(self.dlq, "the failed message's key", "DeadLetter", dlq, public=True),
            log(self.matches, "subscription id", "alert candidate", keep, public=False),
            TopicDecl(self.knowledge, "entity id", "KnowledgeEntry, or null", "compact", 1, public=False),
            TopicDecl(self.signatures, "story id", "cluster id + signature", "compact", 1, public=False),
            TopicDecl(
                self.alert_threads, "thread or retraction key", "thread state", "compact", "n", public=False
            ),
            TopicDecl(
                self.mailboxes, "mailbox or delivered key", "mailbox state", "compact", "n", public=False
            ),
            TopicDecl(self.deliveries, "channel:alert key", "delivered marker", "compact", "n", public=False),
            TopicDecl(self.ingest_seen, "duplicate key", "seen marker", "compact", 1, public=False),
        )

    def public(self) -> tuple[str, ...]:
        """The topics other services may read: stable contracts."""
        return tuple(d.name for d in self.declarations() if d.public)

    def all(self) -> tuple[str, ...]:
        """Every topic, public then internal."""
        return tuple(d.name for d in self.declarations())

    def compacted(self) -> frozenset[str]:
        """Topics whose cleanup policy is ``compact``."""
        return frozenset(d.name for d in self.declarations() if d.cleanup == "compact")

    def group(self, name: str) -> str:
        """The consumer group id of ``name`` in this deployment: ``<prefix>.<name>``.

        Two deployments on one Kafka (two prefixes) must not share groups. The default prefix
        keeps the bare names, so that existing deployments keep their committed offsets.
        """
        return name if self.prefix == DEFAULT_PREFIX else f"{self.prefix}.{name}"
