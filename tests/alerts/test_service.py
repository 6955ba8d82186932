"""The alert and delivery services over the in-memory bus: keys, DLQ, no double delivery."""

from __future__ import annotations

import asyncio
import functools

from alerts.deliver import DeliverService
from alerts.deliver.channels import MemoryChannel
from alerts.errors import DeliveryError
from alerts.index import SubscriptionIndex
from alerts.service import AlertService
from alerts.store import SubscriptionStore
from schemas import Alert, DeadLetter, EnrichedStory, Subscription, Topics
from tests.factories import make_alert, make_enriched, make_subscription, make_tag
from wirewatch.bus import MemoryBus, topic_specs
from wirewatch.runner import publish_message

alert = functools.partial(make_alert, subscription_id="s1")  # an alert of the subscription setup() stores


async def setup(channels: tuple[str, ...] = ("memory",)) -> tuple[MemoryBus, Topics, SubscriptionStore]:
    bus, topics = MemoryBus(), Topics("t")
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    store = SubscriptionStore(bus, topics=topics)
    await store.put(make_subscription("s1", channels=channels))
    return bus, topics, store


async def run_until_handled(service: DeliverService, bus: MemoryBus, n: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    async with asyncio.timeout(10):
        while len(bus.records(service.topics.deliveries)) + len(bus.records(service.topics.dlq)) < n:
            await asyncio.sleep(0.01)
    stop.set()
    await task


class TestDeliver:
    async def test_each_alert_once_and_a_replay_is_not_delivered_again(self) -> None:
        bus, topics, store = await setup()
        for key in ("k1", "k2", "k1"):  # k1 twice: a replay of the alert stage after a crash
            await publish_message(bus, topics.alerts, alert(key=key), key="s1")
        channel = MemoryChannel()
        await run_until_handled(DeliverService(bus=bus, topics=topics, store=store, channel=channel), bus, 2)
        assert channel.keys == ["k1", "k2"]

        # a restarted delivery stage rebuilds what it delivered from the changelog
        await publish_message(bus, topics.alerts, alert(key="k2"), key="s1")
        await publish_message(bus, topics.alerts, alert(key="k3"), key="s1")
        fresh = MemoryChannel()
        await run_until_handled(DeliverService(bus=bus, topics=topics, store=store, channel=fresh), bus, 3)
        assert fresh.keys == ["k3"]

    async def test_a_channel_that_gives_up_dead_letters_and_the_next_alert_goes_on(self) -> None:
        bus, topics, store = await setup()
        await publish_message(bus, topics.alerts, alert(key="k1"), key="s1")
        await publish_message(bus, topics.alerts, alert(key="k2"), key="s1")
        channel = MemoryChannel(fail_times=1)
        await run_until_handled(DeliverService(bus=bus, topics=topics, store=store, channel=channel), bus, 2)
        assert channel.keys == ["k2"]
        (letter,) = [DeadLetter.from_bytes(r.value or b"") for r in bus.records(topics.dlq)]
        assert letter.stage == "deliver"
        assert "memory channel told to fail" in letter.reason
        assert Alert.from_bytes(letter.raw).key == "k1"

    async def test_only_the_channels_a_subscription_asks_for(self) -> None:
        bus, topics, store = await setup(channels=("webhook",))
        await publish_message(bus, topics.alerts, alert(key="k1"), key="s1")
        mqtt_like = MemoryChannel(name="memory")
        service = DeliverService(bus=bus, topics=topics, store=store, channel=mqtt_like)
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        await asyncio.sleep(0.5)
        stop.set()
        await task
        assert mqtt_like.sent == []


class SlowPipelinedChannel(MemoryChannel):
    """Sends overlap (like MQTT QoS 1 on one connection); later ones finish first; ``k-bad`` fails."""

    pipelined = True

    def __init__(self) -> None:
        super().__init__(name="memory")
        self.started: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        self.started.append(alert.key)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.05 - 0.01 * (len(self.started) % 5))
            if alert.key == "k-bad":
                raise DeliveryError("no PUBACK", channel=self.name, target="broker")
            self.sent.append((alert, subscription))
        finally:
            self.in_flight -= 1


class TestPipelinedDelivery:
    async def test_sends_overlap_in_order_and_each_is_settled_before_the_commit(self) -> None:
        bus, topics, store = await setup()
        keys = ["k0", "k1", "k-bad", "k3", "k4", "k5"]
        for key in keys:
            await publish_message(bus, topics.alerts, alert(key=key), key="s1")
        channel = SlowPipelinedChannel()
        service = DeliverService(bus=bus, topics=topics, store=store, channel=channel)
        await run_until_handled(service, bus, len(keys))
        assert channel.started == keys  # started in record order
        assert channel.most_in_flight > 1  # not one round trip per alert
        assert sorted(channel.keys) == sorted(k for k in keys if k != "k-bad")
        delivered = {(r.key or b"").decode() for r in bus.records(topics.deliveries)}
        assert delivered == {f"memory:{k}" for k in keys if k != "k-bad"}
        (letter,) = [DeadLetter.from_bytes(r.value or b"") for r in bus.records(topics.dlq)]
        assert Alert.from_bytes(letter.raw).key == "k-bad"
        async with bus.consumer([topics.alerts], group=service.group) as c:
            assert await c.getmany(timeout_s=0.05) == []  # everything committed, after it settled


def enriched(i: int, body: str) -> EnrichedStory:
    return make_enriched(
        id=f"story-{i}",
        title=f"Story {i}",
        body=body,
        cluster_id=f"c{i}",
        actors=(make_tag("NATO", id="Q7184"),),
        places=(make_tag("Kharkiv", id="706483", type="city", country="UA"),),
    )


async def run_until_alerted(service: AlertService, bus: MemoryBus, n: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    async with asyncio.timeout(10):
        while len(bus.records(service.topics.alerts)) < n:
            await asyncio.sleep(0.01)
    stop.set()
    await task


class TestAlertLearnsTermStatistics:
    async def test_queries_are_refiled_by_the_stories_seen_and_alerts_stay_the_same(self) -> None:
        bus, topics = MemoryBus(), Topics("t")
        await bus.ensure_topics(topic_specs(topics, partitions=1))
        store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex())
        query = "actor:NATO AND place:Kharkiv AND sanctions"
        for i in range(4):
            await store.put(make_subscription(f"s{i}", query=f"{query} AND title:{i}"))
        bodies = ["Troops near Kharkiv.", "NATO met.", "New sanctions near Kharkiv.", "More sanctions."]
        for i, body in enumerate(bodies):
            await publish_message(bus, topics.enriched, enriched(i, body), key=f"c{i}")
        await run_until_alerted(
            AlertService(bus=bus, topics=topics, store=store, term_sample=2, refile_batch=2), bus, 2
        )
        alerts = [Alert.from_bytes(r.value or b"") for r in bus.records(topics.alerts)]
        assert sorted((a.subscription_id, a.story_id) for a in alerts) == [
            ("s2", "story-2"),
            ("s3", "story-3"),
        ]
        # Two stories taught the index that NATO and Kharkiv are everywhere and "sanctions" is
        # rare; the two after them refiled the queries under it, two at a time.
        index = store.index
        assert index.statistics is not None
        assert index.statistics.stories == 2
        assert index.queued_for_refiling == 0
        assert index.candidates(enriched(9, "NATO troops near Kharkiv.")) == 0

    async def test_a_term_sample_of_zero_keeps_the_static_filing(self) -> None:
        bus, topics = MemoryBus(), Topics("t")
        await bus.ensure_topics(topic_specs(topics, partitions=1))
        store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex())
        await store.put(make_subscription("s0", query="actor:NATO AND sanctions"))
        for i, body in enumerate(["NATO met.", "New sanctions."]):
            await publish_message(bus, topics.enriched, enriched(i, body), key=f"c{i}")
        await run_until_alerted(AlertService(bus=bus, topics=topics, store=store, term_sample=0), bus, 1)
        assert [Alert.from_bytes(r.value or b"").story_id for r in bus.records(topics.alerts)] == ["story-1"]
        assert store.index.statistics is None
        assert store.index.queued_for_refiling == 0
