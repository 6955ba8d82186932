"""Alert delivery channels: one small protocol, one module per channel."""

from alerts.channels.apprise import AppriseChannel, render
from alerts.channels.base import Channel, MemoryChannel, dead_letter_for
from alerts.channels.sse import SlowClientError, SseEvent, SseHub
from alerts.channels.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    sign,
    verify_signature,
)

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AppriseChannel",
    "Channel",
    "MemoryChannel",
    "SlowClientError",
    "SseEvent",
    "SseHub",
    "WebhookChannel",
    "dead_letter_for",
    "render",
    "sign",
    "verify_signature",
]
