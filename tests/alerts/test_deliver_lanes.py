"""Delivery lanes over the in-memory bus: retries until the target is back, one lane per target, the age limit.

The age limit (24 h by default) is proved with a fake clock; the outages on real Mosquitto and a
real HTTP server are in ``tests/alerts/test_deliver_outage.py``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.deliver import DeliverService
from alerts.deliver.lanes import RetryPolicy
from alerts.errors import DeliveryError
from alerts.store import SubscriptionStore
from schemas import Alert, DeadLetter, Subscription, Topics
from tests.factories import make_alert, make_subscription
from wirewatch.bus import Bus, MemoryBus, Record, topic_specs
from wirewatch.bus.embedded import EmbeddedBus
from wirewatch.runner import publish_message

FAST = RetryPolicy(initial_s=0.01, max_s=0.05)


class FakeClock:
    """The wall clock moved forward by ``shift`` (the lanes count an alert's age on it)."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


class FlakyTargets:
    """A channel whose targets are subscribers; those in ``down`` fail (retryably) until removed."""

    name = "memory"

    def __init__(self, *, down: set[str] | None = None, refuse: set[str] | None = None) -> None:
        self.down = down or set()
        self.refuse = refuse or set()
        self.sent: list[str] = []
        self.tries: dict[str, int] = {}

    def target_of(self, alert: Alert, subscription: Subscription) -> str:
        return subscription.subscriber

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        self.tries[alert.key] = self.tries.get(alert.key, 0) + 1
        who = subscription.subscriber
        if who in self.refuse:
            raise DeliveryError("refused", channel=self.name, target=who)
        if who in self.down:
            raise DeliveryError("unreachable", channel=self.name, target=who, retryable=True)
        self.sent.append(alert.key)


async def setup() -> tuple[MemoryBus, Topics, SubscriptionStore]:
    bus, topics = MemoryBus(), Topics("t")
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    store = SubscriptionStore(bus, topics=topics)
    await store.put(make_subscription("a1", subscriber="alice", channels=("memory",)))
    await store.put(make_subscription("b1", subscriber="bob", channels=("memory",)))
    return bus, topics, store


async def publish(bus: Bus, topics: Topics, sub: str, who: str, key: str) -> None:
    alert = make_alert(key=key, subscription_id=sub, subscriber=who)
    await publish_message(bus, topics.alerts, alert, key=sub)


async def wait_until(predicate: object, *, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def uncommitted(bus: MemoryBus, service: DeliverService) -> list[str]:
    """The keys the channel's group would read again after a crash (not committed yet)."""
    async with bus.consumer([service.topics.alerts], group=service.group) as c:
        return [Alert.from_bytes(r.value or b"").key for r in await c.getmany(timeout_s=0.05)]


class TestLanes:
    async def test_a_target_that_is_down_is_retried_until_back_and_holds_back_no_other(self) -> None:
        bus, topics, store = await setup()
        channel = FlakyTargets(down={"alice"})
        service = DeliverService(bus=bus, topics=topics, store=store, channel=channel, retry=FAST)
        for i in range(3):
            await publish(bus, topics, "a1", "alice", f"a-{i}")
            await publish(bus, topics, "b1", "bob", f"b-{i}")
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        try:
            # Bob's alerts go while Alice's receiver is down.
            await wait_until(lambda: channel.sent == ["b-0", "b-1", "b-2"])
            await wait_until(lambda: channel.tries.get("a-0", 0) >= 3)  # retried, in its own lane
            assert "a-1" not in channel.tries  # the lane keeps order: a-1 waits behind a-0
            # Nothing from Alice's first alert on is committed: a crash now would read them again.
            assert await uncommitted(bus, service) == ["a-0", "b-0", "a-1", "b-1", "a-2", "b-2"]
            channel.down.clear()  # Alice's receiver is back
            await wait_until(lambda: len(channel.sent) == 6)
            await wait_until(lambda: service.lanes.pending == 0)
            await asyncio.sleep(1.0)  # a poll (0.5 s) and a commit round
            assert await uncommitted(bus, service) == []
        finally:
            stop.set()
            await task
        assert [k for k in channel.sent if k.startswith("a-")] == ["a-0", "a-1", "a-2"]  # in order
        assert bus.records(topics.dlq) == []
        assert service.lanes.retries >= 3

    async def test_an_alert_older_than_the_max_age_is_dead_lettered_with_the_reason(self) -> None:
        bus, topics, store = await setup()
        channel = FlakyTargets(down={"alice"})
        clock = FakeClock()
        service = DeliverService(
            bus=bus, topics=topics, store=store, channel=channel, clock=clock, retry=FAST
        )
        await publish(bus, topics, "a1", "alice", "a-0")
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        try:
            await wait_until(lambda: channel.tries.get("a-0", 0) >= 2)
            clock.shift = timedelta(hours=23, minutes=59)  # not yet too old: still retried
            tries = channel.tries["a-0"]
            await wait_until(lambda: channel.tries["a-0"] > tries + 1)
            assert bus.records(topics.dlq) == []
            clock.shift = timedelta(hours=24, seconds=1)  # a day of outage has passed
            await wait_until(lambda: len(bus.records(topics.dlq)) == 1)
            await asyncio.sleep(1.0)
            assert await uncommitted(bus, service) == []  # committed once dead-lettered
        finally:
            stop.set()
            await task
        (letter,) = [DeadLetter.from_bytes(r.value or b"") for r in bus.records(topics.dlq)]
        assert "maximum age 1 day" in letter.reason
        assert "unreachable" in letter.reason  # the last error says why
        assert letter.source == "memory:alice"
        assert Alert.from_bytes(letter.raw).key == "a-0"
        assert channel.sent == []

    async def test_the_age_counts_from_the_alert_not_from_the_restart(self, tmp_path: Path) -> None:
        # The embedded log stamps records as Kafka does; the stage starts 25 hours after the alert
        # was written (it was down all that time): the alert is past its age at once.
        async with EmbeddedBus(tmp_path) as bus:
            topics = Topics("t")
            await bus.ensure_topics(topic_specs(topics, partitions=1))
            store = SubscriptionStore(bus, topics=topics)
            await store.put(make_subscription("a1", subscriber="alice", channels=("memory",)))
            await publish(bus, topics, "a1", "alice", "old")
            clock = FakeClock()
            clock.shift = timedelta(hours=25)
            channel = FlakyTargets(down={"alice"})
            service = DeliverService(
                bus=bus, topics=topics, store=store, channel=channel, clock=clock, retry=FAST
            )
            stop = asyncio.Event()
            task = asyncio.create_task(service.run(stop))
            try:
                async with bus.consumer([topics.dlq], group=None) as dlq:
                    got: list[Record] = []
                    async with asyncio.timeout(10):
                        while not got:
                            got += await dlq.getmany(timeout_s=0.2)
            finally:
                stop.set()
                await task
        assert channel.tries == {}  # not even tried
        assert "maximum age" in DeadLetter.from_bytes(got[0].value or b"").reason

    async def test_a_refusal_is_dead_lettered_at_once_and_the_lane_goes_on(self) -> None:
        bus, topics, store = await setup()
        channel = FlakyTargets(refuse={"alice"})
        service = DeliverService(bus=bus, topics=topics, store=store, channel=channel, retry=FAST)
        await publish(bus, topics, "a1", "alice", "a-0")
        await publish(bus, topics, "b1", "bob", "b-0")
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        try:
            await wait_until(lambda: len(bus.records(topics.dlq)) == 1 and channel.sent == ["b-0"])
        finally:
            stop.set()
            await task
        assert channel.tries["a-0"] == 1

    async def test_a_full_set_of_lanes_stops_the_reading_not_the_delivering(self) -> None:
        bus, topics, store = await setup()
        channel = FlakyTargets(down={"alice"})
        service = DeliverService(
            bus=bus, topics=topics, store=store, channel=channel, retry=FAST, max_pending=2
        )
        for i in range(4):
            await publish(bus, topics, "a1", "alice", f"a-{i}")
        await publish(bus, topics, "b1", "bob", "b-0")
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        try:
            await wait_until(lambda: channel.tries.get("a-0", 0) >= 3)
            assert service.lanes.pending == 2  # bounded memory: the stage waits for room
            channel.down.clear()
            await wait_until(lambda: len(channel.sent) == 5)
        finally:
            stop.set()
            await task
        assert channel.sent == ["a-0", "a-1", "a-2", "a-3", "b-0"]
