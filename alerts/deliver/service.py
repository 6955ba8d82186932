"""The delivery stage as a service: ``alerts`` → one channel (MQTT, webhooks, Apprise, SSE).

Each channel runs as a stage of its own with its own consumer group (``wirewatch-deliver-<channel>``),
so a slow or failing webhook holds back only webhook deliveries: MQTT and the dashboards keep their
own pace and offsets. Every channel gets the alert's idempotency key; what was delivered is
recorded per channel and key in a :class:`~wirewatch.state.PartitionedTable` co-partitioned with
``alerts`` (keyed by subscription id), so after a crash or a rebalance the partition's next owner
knows what was delivered and does not deliver it twice.

Inside a channel's stage each target has a lane of its own (:mod:`alerts.deliver.lanes`): an
unreachable webhook, or the MQTT broker down for hours, is retried with backoff up to
``max_age`` (24 h) while the other targets keep being served, and the stage commits a
partition only below its oldest alert still in a lane (at-least-once for any outage length).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from alerts.deliver.channels.base import Channel, dead_letter_for
from alerts.deliver.lanes import Job, Lanes, RetryPolicy
from schemas import Alert, Subscription
from wirewatch.bus.base import pending_acks
from wirewatch.errors import BusError
from wirewatch.metrics import DELIVERIES, MESSAGES
from wirewatch.runner import Clock, Stage, publish_message, record_time, utcnow
from wirewatch.state import PartitionedTable

if TYPE_CHECKING:
    from prometheus_client import Counter

    from alerts.errors import DeliveryError
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
        full = self._prefix + key
        self._keep(full)
        self._new.append(full)

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


class _ParsedAlerts:
    """The alerts parsed last, by their record's bytes, shared by the channel stages of a process.

    Every channel's stage reads every alert (MQTT and the dashboards parse each one), and the
    stages of one process read the same records within moments of each other: the second parse of
    the same bytes is a lookup. Alerts are frozen models, so sharing one is safe.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._alerts: OrderedDict[bytes, Alert] = OrderedDict()

    def parse(self, raw: bytes) -> Alert:
        """The alert of ``raw`` (raises as :meth:`Alert.from_bytes` does)."""
        alert = self._alerts.get(raw)
        if alert is None:
            alert = Alert.from_bytes(raw)
            self._alerts[raw] = alert
            if len(self._alerts) > self._size:
                self._alerts.popitem(last=False)
        return alert


#: A few batches of every stage: stages that fall further behind parse again.
_PARSED = _ParsedAlerts(2048)


class _Recorded:
    """The delivered-keys table as the stage loop sees it.

    A lane's alert is closed (its offset committable) only once the state write holding its mark
    was acknowledged.
    """

    def __init__(self, table: PartitionedTable[Delivered], lanes: Lanes) -> None:
        self._table, self._lanes = table, lanes
        self.topic = table.topic  # the changelog, as the topology table names it

    async def assign(self, partitions: frozenset[int]) -> None:
        await self._table.assign(partitions)

    def holds(self, partition: int) -> bool:
        return self._table.holds(partition)

    async def write(self) -> None:
        settled = self._lanes.take_settled()  # before the write: each of their marks is in it
        await self._table.write()
        acks = pending_acks()
        if acks is None:
            self._lanes.close(settled)
            return

        async def close() -> None:  # owed after the write's own acknowledgements: flushed in order
            self._lanes.close(settled)

        acks.add(close)


@dataclass(frozen=True, slots=True)
class _Counts:
    """The metric children of one channel, looked up once (a label lookup per alert showed up)."""

    ok: Counter
    retry: Counter
    dead_letter: Counter
    stage_ok: Counter
    stage_dead_letter: Counter

    @classmethod
    def of(cls, channel: str) -> _Counts:
        stage = f"deliver-{channel}"
        return cls(
            ok=DELIVERIES.labels(channel, "ok"),
            retry=DELIVERIES.labels(channel, "retry"),
            dead_letter=DELIVERIES.labels(channel, "dead_letter"),
            stage_ok=MESSAGES.labels(stage, "ok"),
            stage_dead_letter=MESSAGES.labels(stage, "dead_letter"),
        )


@dataclass
class DeliverService:
    """Delivers alerts over one channel, once per idempotency key, one lane per target."""

    bus: Bus
    topics: Topics
    store: SubscriptionStore
    channel: Channel
    clock: Clock = utcnow
    default_channels: tuple[str, ...] = ("mqtt",)
    every_alert: bool = False  # dashboards (SSE) see every alert, whatever the subscription's channels
    remember: int = 500_000
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_pending: int = 50_000  # alerts held in lanes before the stage stops reading (memory bound)
    window: int = 256  # sends in flight per lane for a pipelined channel (MQTT QoS 1)
    commit_interval_s: float = 1.0  # offsets committed at most this often while alerts flow
    delivered: PartitionedTable[Delivered] = field(init=False)
    lanes: Lanes = field(init=False)
    _held: frozenset[int] = field(init=False, default=frozenset())
    _counts: _Counts = field(init=False)

    def __post_init__(self) -> None:
        name, remember = self.channel.name, self.remember
        self._counts = _Counts.of(name)
        self.delivered = PartitionedTable(
            self.bus, self.topics.deliveries, lambda: Delivered(name, remember=remember)
        )
        self.lanes = Lanes(
            channel=name,
            send=self._send,
            settle=self._settle,
            clock=self.clock,
            policy=self.retry,
            window=self.window if getattr(self.channel, "pipelined", False) else 1,
            max_pending=self.max_pending,
        )

    @property
    def group(self) -> str:
        """The consumer group of this channel's delivery stage."""
        return f"{DELIVER_GROUP}-{self.channel.name}"

    def _target(self, alert: Alert, sub: Subscription) -> str:
        target_of = getattr(self.channel, "target_of", None)
        return str(target_of(alert, sub)) if target_of is not None else self.channel.name

    async def handle(self, record: Record) -> None:
        """Queue one alert in its target's lane if its subscription asks for this channel."""
        if record.value is None:
            return
        name = self.channel.name
        if not self.every_alert and record.key is not None:
            # Alerts are keyed by subscription id: skip another channel's alerts before parsing them
            # (each channel's stage reads every alert; most ask for one or two channels).
            known = self.store.get(record.key.decode(errors="replace"))
            if known is not None and name not in (known.options.channels or self.default_channels):
                return
        alert = _PARSED.parse(record.value)
        sub = self.store.get(alert.subscription_id) or Subscription(
            id=alert.subscription_id, subscriber=alert.subscriber, query=alert.query
        )
        if not self.every_alert and name not in (sub.options.channels or self.default_channels):
            return
        if alert.key in self.delivered.of(record.partition) or alert.key in self.lanes:
            # The alert's fields are passed, not bound to the log context: binding them cost a
            # context-variable write per alert for this one debug line.
            log.debug("already delivered or on its way; skipped", channel=name, alert_key=alert.key)
            return
        born = record_time(record, self.clock)
        await self.lanes.put(Job(record, alert, sub, self._target(alert, sub), born))

    async def _send(self, job: Job) -> None:
        if job.attempts > 1:  # counted before the try (the lane counts attempts from 1)
            self._counts.retry.inc()
        await self.channel.send(job.alert, job.subscription)

    async def _settle(self, job: Job, error: DeliveryError | None) -> None:
        """Mark a delivered alert, or dead-letter one that was refused or grew too old."""
        partition = job.record.partition
        counts = self._counts
        if error is None:
            if self.delivered.holds(partition):
                self.delivered.of(partition).mark(job.alert.key)  # written with the next batch
            counts.ok.inc()
            counts.stage_ok.inc()
            log.debug("alert delivered", channel=self.channel.name, kind=job.alert.kind.value)
            return
        letter = dead_letter_for(job.alert, error, self.clock(), topic=job.record.topic)
        while True:  # the stage commits past this alert only once its dead letter is on the bus
            try:
                await publish_message(self.bus, self.topics.dlq, letter, key=job.alert.subscription_id)
                break
            except BusError as exc:
                log.warning("dead letter not published; will retry", error=str(exc))
                await asyncio.sleep(self.retry.backoff(2))
        counts.dead_letter.inc()
        counts.stage_dead_letter.inc()
        log.warning(
            "delivery failed; dead-lettered",
            channel=self.channel.name,
            error=str(error),
            alert_key=job.alert.key,
            subscription_id=job.alert.subscription_id,
        )

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
            state=(_Recorded(self.delivered, self.lanes),),
            commit_limit=self._commit_limit,
            # A commit a second, not ten: each channel's stage reads every alert, so four groups
            # committed forty times a second. A replay after a crash re-reads at most a second
            # more, and skips what the delivered-keys table (written before any commit) holds.
            commit_interval_s=self.commit_interval_s,
            count_messages=False,  # _settle counts each alert once its delivery is settled
        )

    def _commit_limit(self, partition: int) -> int | None:
        # Also the moment to forget queued alerts of partitions taken away (their new owner has them).
        held = self.delivered.partitions
        if held != self._held:
            self._held = held
            self.lanes.drop(self.delivered.holds)
        return self.lanes.first_open(partition)

    async def deliver(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` (the caller follows the subscriptions)."""
        try:
            await self.stage().run(stop, started=started)
        finally:
            await self.lanes.stop()

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Follow the subscriptions and deliver until ``stop`` (this channel alone)."""
        table = self.store.table()
        async with asyncio.TaskGroup() as tg:
            follower = tg.create_task(table.follow(), name=f"deliver-{self.channel.name}-subscriptions")
            await table.ready.wait()
            await self.deliver(stop, started=started)
            follower.cancel()
