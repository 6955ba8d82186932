"""The alert and delivery stages as services.

``AlertService``: stories.enriched → match (indexed) → alert state (one alert per
subscription per cluster, updates, retractions, throttle, digests) → ``alerts``,
keyed by subscription id so each analyst's alerts stay in order.

``DeliverService``: ``alerts`` → channels (MQTT, webhooks, Apprise, SSE). It is a
stage of its own with its own consumer group, so a slow webhook never stalls
matching. Every channel gets the alert's idempotency key; what was delivered is
recorded per channel and key in a compacted changelog, so a replay after a crash
does not deliver twice.

Alert state survives restarts the way Kafka Streams and Quix Streams keep state:
the state's changes go to a compacted changelog topic after the alerts they
produced were published, and a starting worker replays the changelog before it
takes work. A crash between the two replays the story; the alerts it gives again
carry the same idempotency keys, and delivery drops them.
"""

from __future__ import annotations

import asyncio
import gc
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from alerts.channels.base import Channel, dead_letter_for
from alerts.errors import DeliveryError
from alerts.index import TermStatistics
from alerts.query import PreparedStory, prepare
from alerts.state import AlertState, AlertStateError
from alerts.store import SubscriptionStore
from schemas import Alert, EnrichedStory, Subscription, Topics
from wirewatch.bus.base import Bus, Record, flush_acks
from wirewatch.runner import Clock, Stage, publish_message, replay, run_until, trace_id_of, utcnow

log = structlog.get_logger("wirewatch.alerts")

ALERT_GROUP = "wirewatch-alert"
DELIVER_GROUP = "wirewatch-deliver"
EXPIRE_EVERY = timedelta(hours=1)


@dataclass
class AlertService:
    """Matches enriched stories against the subscriptions and publishes alerts."""

    bus: Bus
    topics: Topics
    store: SubscriptionStore
    state: AlertState = field(default_factory=AlertState)
    clock: Clock = utcnow
    #: Stories observed into the index's term statistics before it refiles its queries by
    #: them (0: keep the static guesses). Each worker learns from the stories it matches.
    term_sample: int = 2000
    refile_batch: int = 2000
    _last_expiry: datetime | None = None
    _terms: TermStatistics = field(default_factory=TermStatistics)

    def _subscriptions(self) -> dict[str, Subscription]:
        return {s.id: s for s in self.store.all()}

    async def handle(self, record: Record) -> None:
        """Match one enriched story; publish its alerts, then the state changes they made."""
        if record.value is None:
            return
        story = EnrichedStory.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(story_id=story.id, cluster_id=story.cluster_id)
        # The record's own time, not the wall clock: a replay after a crash then makes the same
        # throttle and quiet-hour decisions, and so the same alerts with the same keys.
        now = (
            datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
            if record.timestamp_ms > 0
            else self.clock()
        )
        if story.retracted:
            alerts = self.state.retractions(story=story, subscriptions=self._subscriptions(), now=now)
        else:
            alerts = []
            prepared = prepare(story)
            for m in self.store.index.match(prepared):
                alerts += self.state.decide(
                    subscription=m.subscription, story=story, explanation=m.explanation, now=now
                )
            self._learn(prepared)
        await self._publish(alerts, trace_id=trace_id_of(record))
        log.info("story matched", alerts=[(a.subscription_id, a.kind.value) for a in alerts])

    def _learn(self, prepared: PreparedStory) -> None:
        """Feed the term sample; once complete, refile the index by it, a batch per story."""
        index, terms = self.store.index, self._terms
        if terms.stories < self.term_sample:
            terms.observe(prepared)
            if terms.stories == self.term_sample:
                queued = index.use_statistics(terms)
                log.info("term statistics learned; refiling queries", stories=terms.stories, queued=queued)
        elif index.queued_for_refiling and index.refile(self.refile_batch) == 0:
            log.info("subscription index refiled by term statistics", keys=index.keys)

    async def _publish(self, alerts: list[Alert], *, trace_id: str | None = None) -> None:
        # Alerts first, state second: a crash in between replays the story (same keys), never loses it.
        for a in alerts:
            await publish_message(self.bus, self.topics.alerts, a, key=a.subscription_id, trace_id=trace_id)
        if alerts:
            await flush_acks()  # the alerts are acknowledged before the state that says they were sent
        for key, value in self.state.changes():
            await self.bus.publish(self.topics.alert_state, value, key=key.encode())

    async def flush_due(self) -> None:
        """Publish digests and held alerts whose time has come; forget idle state now and then."""
        now = self.clock()
        if self._last_expiry is None or now - self._last_expiry > EXPIRE_EVERY:
            self.state.expire(now=now)
            self._last_expiry = now
        next_due = self.state.next_due()
        if next_due is None or next_due > now:
            await self._publish([])  # the expiry's tombstones, if any
            return
        due = self.state.due(now=now, subscriptions=self._subscriptions())
        if due:
            log.info("due alerts released", count=len(due))
        await self._publish(due)

    def apply_state(self, record: Record) -> None:
        """Apply one changelog record (at start-up); a corrupt one is logged and skipped."""
        if record.key is None:
            return
        try:
            self.state.apply(record.key.decode(), record.value)
        except AlertStateError as exc:
            log.warning("corrupt alert-state record skipped", offset=record.offset, error=str(exc))

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Rebuild subscriptions and alert state, then match until ``stop``."""
        await replay(self.bus, self.topics.alert_state, self.apply_state)
        subs_ready = asyncio.Event()
        stage = Stage(
            name="alert",
            bus=self.bus,
            source=self.topics.enriched,
            group=ALERT_GROUP,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
            on_idle=self.flush_due,
        )
        async with asyncio.TaskGroup() as tg:
            tg.create_task(run_until(stop, self.store.follow(ready=subs_ready)), name="alert-subscriptions")
            await subs_ready.wait()
            # The index is long-lived: keep the collector from scanning it again and again (at 100k
            # subscriptions full collections made matching ~3x slower).
            gc.freeze()
            log.info("alert stage ready", subscriptions=len(self.store))
            tg.create_task(stage.run(stop, started=started), name="alert-stage")


@dataclass
class DeliverService:
    """Delivers alerts over one channel, once per idempotency key.

    Each channel runs as its own stage with its own consumer group
    (``wirewatch-deliver-<channel>``), so a slow or failing webhook holds back only
    webhook deliveries: MQTT and the dashboards keep their own pace and offsets.
    """

    bus: Bus
    topics: Topics
    store: SubscriptionStore
    channel: Channel
    clock: Clock = utcnow
    default_channels: tuple[str, ...] = ("mqtt",)
    every_alert: bool = False  # dashboards (SSE) see every alert, whatever the subscription's channels
    remember: int = 500_000
    _delivered: OrderedDict[str, None] = field(default_factory=OrderedDict)

    @property
    def group(self) -> str:
        """The consumer group of this channel's delivery stage."""
        return f"{DELIVER_GROUP}-{self.channel.name}"

    def _mark(self, key: str) -> None:
        self._delivered[key] = None
        self._delivered.move_to_end(key)
        while len(self._delivered) > self.remember:  # bounded memory: the oldest keys go first
            self._delivered.popitem(last=False)

    def apply_delivery(self, record: Record) -> None:
        """Apply one record of the deliveries changelog (at start-up)."""
        if record.key is not None:
            self._mark(record.key.decode())

    async def handle(self, record: Record) -> None:
        """Deliver one alert if its subscription asks for this channel; give up → DLQ."""
        if record.value is None:
            return
        alert = Alert.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(alert_key=alert.key, subscription_id=alert.subscription_id)
        sub = self.store.get(alert.subscription_id) or Subscription(
            id=alert.subscription_id, subscriber=alert.subscriber, query=alert.query
        )
        name = self.channel.name
        if not self.every_alert and name not in (sub.options.channels or self.default_channels):
            return
        done_key = f"{name}:{alert.key}"
        if done_key in self._delivered:
            log.info("already delivered; skipped", channel=name)
            return
        try:
            await self.channel.send(alert, sub)
        except DeliveryError as exc:
            letter = dead_letter_for(alert, exc, self.clock(), topic=record.topic)
            await publish_message(self.bus, self.topics.dlq, letter, key=alert.subscription_id)
            log.warning("delivery failed; dead-lettered", channel=name, error=str(exc))
            return
        await self.bus.publish(self.topics.deliveries, b"1", key=done_key.encode())
        self._mark(done_key)
        log.info("alert delivered", channel=name, kind=alert.kind.value)

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Follow the subscriptions and deliver until ``stop``."""
        subs_ready = asyncio.Event()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(run_until(stop, self.store.follow(ready=subs_ready)), name="deliver-subscriptions")
            await subs_ready.wait()
            await self.deliver(stop, started=started)

    async def deliver(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Rebuild what was delivered, then deliver until ``stop`` (the store is followed by the caller)."""
        await replay(self.bus, self.topics.deliveries, self.apply_delivery)
        stage = Stage(
            name=f"deliver-{self.channel.name}",
            bus=self.bus,
            source=self.topics.alerts,
            group=self.group,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
        )
        await stage.run(stop, started=started)
