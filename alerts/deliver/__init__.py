"""Delivery: the stage that takes alerts to analysts, one consumer group per channel.

:class:`DeliverService` runs one channel, one lane per target (:mod:`alerts.deliver.lanes`: retries
with backoff up to the alert's maximum age, never holding back another target); the channels
(MQTT, webhooks, Apprise, SSE) live in :mod:`alerts.deliver.channels`, each an async context
manager or a plain object with ``send``.
"""

from alerts.deliver.lanes import RetryPolicy
from alerts.deliver.service import DELIVER_GROUP, Delivered, DeliverService

__all__ = ["DELIVER_GROUP", "DeliverService", "Delivered", "RetryPolicy"]
