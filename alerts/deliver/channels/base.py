"""The channel protocol, an in-memory channel for tests, and the dead letter of a failed delivery."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from alerts.errors import DeliveryError
from schemas.models import DeadLetter

if TYPE_CHECKING:
    from schemas.models import Alert, Subscription


@runtime_checkable
class Channel(Protocol):
    """Delivers one alert for one subscription (webhook, Apprise, MQTT, SSE, memory)."""

    name: str

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Deliver ``alert``; raise DeliveryError (``retryable`` if a later try may succeed).

        A channel may also say which *target* an alert goes to (``target_of(alert, subscription)
        -> str``, e.g. the webhook URL): each target gets a delivery lane of its own, so one that
        is down holds back only its own alerts. Without it the channel is one target.
        """
        ...


class MemoryChannel:
    """Keeps what it was sent; ``fail_times`` failures first, to exercise the callers' error paths."""

    def __init__(self, *, name: str = "memory", fail_times: int = 0, retryable: bool = False) -> None:
        self.name = name
        self.sent: list[tuple[Alert, Subscription]] = []
        self.attempts = 0
        self._fail_times = fail_times
        self._retryable = retryable

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Record the alert, or fail while ``fail_times`` is not used up."""
        self.attempts += 1
        if self._fail_times > 0:
            self._fail_times -= 1
            raise DeliveryError(
                "memory channel told to fail",
                channel=self.name,
                target=subscription.subscriber,
                retryable=self._retryable,
                key=alert.key,
            )
        self.sent.append((alert, subscription))

    @property
    def keys(self) -> list[str]:
        """The idempotency keys delivered, in order."""
        return [alert.key for alert, _ in self.sent]


def dead_letter_for(
    alert: Alert, error: BaseException, now: datetime, *, topic: str | None = None
) -> DeadLetter:
    """The DLQ entry for an alert no channel retry could deliver (key: the alerts topic's key)."""
    source = f"{error.channel}:{error.target}" if isinstance(error, DeliveryError) else None
    return DeadLetter.build(
        stage="deliver",
        error=error,
        raw=alert.to_bytes(),
        failed_at=now,
        source=source,
        topic=topic,
        key=alert.subscription_id,
    )
