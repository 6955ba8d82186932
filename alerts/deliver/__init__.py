"""Delivery: the stage that takes alerts to analysts, one consumer group per channel.

:class:`DeliverService` runs one channel; the channels (MQTT, webhooks, Apprise, SSE) live in
:mod:`alerts.deliver.channels`, each an async context manager or a plain object with ``send``.
"""

from alerts.deliver.service import DELIVER_GROUP, Delivered, DeliverService

__all__ = ["DELIVER_GROUP", "DeliverService", "Delivered"]
