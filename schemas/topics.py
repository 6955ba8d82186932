"""Topic names and their contracts: key, value, cleanup policy, partitioning — declared once here.

:meth:`Topics.declarations` is the one list of every topic a deployment has; creating topics
(``wirewatch topics``), the README's topic table and the stage wiring
(``wirewatch.cli.topology``) all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_PREFIX = "wirewatch"


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


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of a Wirewatch deployment, under one configurable prefix."""

    prefix: str = DEFAULT_PREFIX

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
    def deliveries(self) -> str:
        """Compacted, co-partitioned with alerts; key: channel + idempotency key: what was delivered."""
        return f"{self.prefix}.internal.delivered"

    def declarations(self) -> tuple[TopicDecl, ...]:
        """Every topic of the deployment, public first."""
        return (
            TopicDecl(self.raw, "story id", "Story", "delete", "n", public=True),
            TopicDecl(self.enriched, "cluster id", "EnrichedStory", "delete", "n", public=True),
            TopicDecl(self.alerts, "subscription id", "Alert", "delete", "n", public=True),
            TopicDecl(
                self.subscriptions, "subscription id", "Subscription, or null", "compact", 1, public=True
            ),
            TopicDecl(self.dlq, "the failed message's key", "DeadLetter", "delete", "n", public=True),
            TopicDecl(self.matches, "subscription id", "alert candidate", "delete", "n", public=False),
            TopicDecl(self.signatures, "story id", "cluster id + signature", "compact", 1, public=False),
            TopicDecl(
                self.alert_threads, "thread or retraction key", "thread state", "compact", "n", public=False
            ),
            TopicDecl(
                self.mailboxes, "mailbox or delivered key", "mailbox state", "compact", "n", public=False
            ),
            TopicDecl(self.deliveries, "channel:alert key", "delivered marker", "compact", "n", public=False),
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
