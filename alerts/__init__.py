"""Alerting: subscription queries, the subscription index, alert state, channels and the HTTP API.

Pure parts (no I/O): :func:`compile_query`, :class:`SubscriptionIndex`, :class:`AlertState`.
I/O parts: the channels (:mod:`alerts.channels`, :mod:`alerts.mqtt`), the store over the
subscriptions topic, the API (:mod:`alerts.api`) and the services (:mod:`alerts.service`).
"""

from alerts.backtest import BacktestHit, backtest, backtest_topic, parse_since
from alerts.channels import (
    AppriseChannel,
    Channel,
    MemoryChannel,
    SseHub,
    WebhookChannel,
    dead_letter_for,
    sign,
    verify_signature,
)
from alerts.errors import AlertError, DeliveryError, QueryError
from alerts.index import SubscriptionIndex, SubscriptionMatch, TermStatistics, match_all_plain
from alerts.mqtt import MqttChannel, alert_topic
from alerts.query import CompiledQuery, Match, PreparedStory, compile_query, prepare
from alerts.state import AlertState, AlertStateError, alert_key
from alerts.store import SubscriptionStore

__all__ = [
    "AlertError",
    "AlertState",
    "AlertStateError",
    "AppriseChannel",
    "BacktestHit",
    "Channel",
    "CompiledQuery",
    "DeliveryError",
    "Match",
    "MemoryChannel",
    "MqttChannel",
    "PreparedStory",
    "QueryError",
    "SseHub",
    "SubscriptionIndex",
    "SubscriptionMatch",
    "SubscriptionStore",
    "TermStatistics",
    "WebhookChannel",
    "alert_key",
    "alert_topic",
    "backtest",
    "backtest_topic",
    "compile_query",
    "dead_letter_for",
    "match_all_plain",
    "parse_since",
    "prepare",
    "sign",
    "verify_signature",
]
