"""Alert delivery channels: one small protocol, one module per channel (MQTT, webhook, Apprise, SSE)."""

from alerts.deliver.channels.apprise import AppriseChannel, render
from alerts.deliver.channels.base import Channel, MemoryChannel, dead_letter_for
from alerts.deliver.channels.mqtt import MqttChannel, alert_topic
from alerts.deliver.channels.sse import SseEvent, SseHub
from alerts.deliver.channels.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    sign,
    verify_signature,
)
from alerts.errors import SlowClientError

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AppriseChannel",
    "Channel",
    "MemoryChannel",
    "MqttChannel",
    "SlowClientError",
    "SseEvent",
    "SseHub",
    "WebhookChannel",
    "alert_topic",
    "dead_letter_for",
    "render",
    "sign",
    "verify_signature",
]
