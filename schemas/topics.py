"""Topic names and their contracts (key, value, cleanup policy)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "wirewatch"


@dataclass(frozen=True, slots=True)
class Topics:
    """The five topics of a Wirewatch deployment, under one configurable prefix."""

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

    # Internal changelogs: state that must survive a crash and be shared by every copy of a stage.
    # They are not contracts for downstream services and may change between releases.
    @property
    def signatures(self) -> str:
        """Compacted; key: story id; value: cluster id + MinHash signature (processors share it)."""
        return f"{self.prefix}.internal.signatures"

    @property
    def alert_state(self) -> str:
        """Compacted; the alert stage's changelog (who was alerted per cluster, throttles, digests)."""
        return f"{self.prefix}.internal.alert-state"

    @property
    def deliveries(self) -> str:
        """Compacted; key: channel + idempotency key; what the delivery stage already delivered."""
        return f"{self.prefix}.internal.deliveries"

    def public(self) -> tuple[str, ...]:
        """The topics other services may read: stable contracts."""
        return (self.raw, self.enriched, self.alerts, self.subscriptions, self.dlq)

    def all(self) -> tuple[str, ...]:
        """Every topic, public then internal."""
        return (*self.public(), self.signatures, self.alert_state, self.deliveries)

    def compacted(self) -> frozenset[str]:
        """Topics whose cleanup policy is ``compact``."""
        return frozenset({self.subscriptions, self.signatures, self.alert_state, self.deliveries})
