"""The delivery stage as a service: ``alerts`` → one channel (MQTT, webhooks, Apprise, SSE).

Each channel runs as a stage of its own with its own consumer group (``wirewatch-deliver-<channel>``),
so a slow or failing webhook holds back only webhook deliveries: MQTT and the dashboards keep their
own pace and offsets. Every channel gets the alert's idempotency key; what was delivered is
recorded per channel and key in a :class:`~wirewatch.state.PartitionedTable` co-partitioned with
``alerts`` (keyed by subscription id), so after a crash or a rebalance the partition's next owner
knows what was delivered and does not deliver it twice.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from alerts.deliver.channels.base import Channel, dead_letter_for
from alerts.errors import DeliveryError
from schemas import Alert, Subscription
from wirewatch.bus.base import pending_acks
from wirewatch.runner import Clock, Stage, publish_message, utcnow
from wirewatch.state import PartitionedTable

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from alerts.store import SubscriptionStore
    from schemas import Topics
    from wirewatch.bus.base import Bus, Record

log = structlog.get_logger("wirewatch.deliver")

DELIVER_GROUP = "wirewatch-deliver"


class Delivered:
    """The idempotency keys one channel delivered in one partition (bounded: the oldest go first)."""

    def __init__(self, channel: str, *, remember: int = 500_000) -> None:
        self._prefix = f"{channel}:"
        self._remember = remember
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._new: list[str] = []

    def __contains__(self, key: str) -> bool:
        return self._prefix + key in self._keys

    def mark(self, key: str) -> None:
        """Record a delivery (written to the changelog with the batch)."""
        self._keep(self._prefix + key)
        self._new.append(self._prefix + key)

    def _keep(self, full: str) -> None:
        self._keys[full] = None
        self._keys.move_to_end(full)
        while len(self._keys) > self._remember:
            self._keys.popitem(last=False)

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply a changelog entry; other channels' entries share the partition and are skipped."""
        if key.startswith(self._prefix) and value is not None:
            self._keep(key)

    def changes(self) -> list[tuple[str, bytes | None]]:
        """The deliveries recorded since the last call."""
        out: list[tuple[str, bytes | None]] = [(k, b"1") for k in self._new]
        self._new = []
        return out


@dataclass
class DeliverService:
    """Delivers alerts over one channel, once per idempotency key."""

    bus: Bus
    topics: Topics
    store: SubscriptionStore
    channel: Channel
    clock: Clock = utcnow
    default_channels: tuple[str, ...] = ("mqtt",)
    every_alert: bool = False  # dashboards (SSE) see every alert, whatever the subscription's channels
    remember: int = 500_000
    delivered: PartitionedTable[Delivered] = field(init=False)

    def __post_init__(self) -> None:
        name, remember = self.channel.name, self.remember
        self.delivered = PartitionedTable(
            self.bus, self.topics.deliveries, lambda: Delivered(name, remember=remember)
        )

    @property
    def group(self) -> str:
        """The consumer group of this channel's delivery stage."""
        return f"{DELIVER_GROUP}-{self.channel.name}"

    async def handle(self, record: Record) -> None:
        """Deliver one alert if its subscription asks for this channel; give up → DLQ."""
        if record.value is None:
            return
        name = self.channel.name
        if not self.every_alert and record.key is not None:
            # Alerts are keyed by subscription id: skip another channel's alerts before parsing them
            # (each channel's stage reads every alert; most ask for one or two channels).
            known = self.store.get(record.key.decode(errors="replace"))
            if known is not None and name not in (known.options.channels or self.default_channels):
                return
        alert = Alert.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(alert_key=alert.key, subscription_id=alert.subscription_id)
        sub = self.store.get(alert.subscription_id) or Subscription(
            id=alert.subscription_id, subscriber=alert.subscriber, query=alert.query
        )
        if not self.every_alert and name not in (sub.options.channels or self.default_channels):
            return
        delivered = self.delivered.of(record.partition)
        if alert.key in delivered:
            log.debug("already delivered; skipped", channel=name)
            return
        acks = pending_acks()
        if getattr(self.channel, "pipelined", False) and acks is not None:
            # Many alerts in flight on one ordered connection (MQTT QoS 1): sends start in record
            # order, and the batch waits for every acknowledgement before it is committed.
            sending = asyncio.create_task(self.channel.send(alert, sub), name=f"send:{alert.key[:12]}")
            acks.add(lambda: self._settle(sending, alert, delivered, record.topic))
            return
        await self._settle(self.channel.send(alert, sub), alert, delivered, record.topic)

    async def _settle(self, sending: Awaitable[None], alert: Alert, delivered: Delivered, topic: str) -> None:
        """Wait for one send: mark it delivered, or dead-letter it once the channel gave up."""
        try:
            await sending
        except DeliveryError as exc:
            letter = dead_letter_for(alert, exc, self.clock(), topic=topic)
            await publish_message(self.bus, self.topics.dlq, letter, key=alert.subscription_id)
            log.warning("delivery failed; dead-lettered", channel=self.channel.name, error=str(exc))
            return
        delivered.mark(alert.key)
        log.debug("alert delivered", channel=self.channel.name, kind=alert.kind.value)

    def stage(self) -> Stage:
        """The stage loop of this channel."""
        return Stage(
            name=f"deliver-{self.channel.name}",
            bus=self.bus,
            source=self.topics.alerts,
            group=self.group,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
            state=(self.delivered,),
        )

    async def deliver(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` (the caller follows the subscriptions)."""
        await self.stage().run(stop, started=started)

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Follow the subscriptions and deliver until ``stop`` (this channel alone)."""
        table = self.store.table()
        async with asyncio.TaskGroup() as tg:
            follower = tg.create_task(table.follow(), name=f"deliver-{self.channel.name}-subscriptions")
            await table.ready.wait()
            await self.deliver(stop, started=started)
            follower.cancel()
