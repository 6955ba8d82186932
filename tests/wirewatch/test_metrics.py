"""Metrics that tell the truth: lag, dead letters on every path, ingest and delivery outcomes, health."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from alerts.deliver import DeliverService
from alerts.deliver.channels import MemoryChannel
from alerts.deliver.lanes import RetryPolicy
from alerts.store import SubscriptionStore
from ingest.service import IngestService
from schemas import DeadLetter, Topics
from tests.factories import make_alert, make_subscription
from wirewatch.bus import EmbeddedBus, MemoryBus, TopicSpec, topic_specs
from wirewatch.bus.base import Bus, Record
from wirewatch.cli.services import _child_env
from wirewatch.errors import ConfigError
from wirewatch.metrics import READINESS, Readiness, serve_metrics
from wirewatch.runner import Stage, publish_message
from wirewatch.settings import Settings

IN, DLQ = "in", "dlq"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def sample(name: str, **labels: str) -> float:
    """A sample's value, 0 when it was never set."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def eventually(check: Any, *, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


def get(url: str) -> tuple[int, dict[str, Any] | str]:
    """GET ``url`` (blocking): status and JSON (or text)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


async def topics(bus: Bus, partitions: int = 2) -> None:
    await bus.ensure_topics([TopicSpec(IN, partitions), TopicSpec(DLQ)])


class TestConsumerLag:
    @pytest.mark.parametrize("kind", ["memory", "embedded"])
    async def test_lag_is_log_end_minus_position_per_partition(self, kind: str, tmp_path: Path) -> None:
        bus: Bus = MemoryBus() if kind == "memory" else EmbeddedBus(tmp_path)
        async with bus:
            await topics(bus)
            for i in range(5):
                await bus.publish(IN, b"x", key=b"k", partition=i % 2)
            async with bus.consumer([IN], group="g") as consumer:
                assert await consumer.lag() == {(IN, 0): 3, (IN, 1): 2}
                got = await consumer.getmany(timeout_s=1.0, max_records=5)
                assert len(got) == 5
                assert await consumer.lag() == {(IN, 0): 0, (IN, 1): 0}
                await bus.publish(IN, b"y", key=b"k", partition=1)
                assert await consumer.lag() == {(IN, 0): 0, (IN, 1): 1}

    async def test_the_stage_loop_publishes_lag_per_group_topic_and_partition(self) -> None:
        bus = MemoryBus()
        await topics(bus)
        for i in range(6):
            await bus.publish(IN, b"x", key=b"k", partition=i // 3)  # 3 records in each partition
        gate = asyncio.Event()
        seen: list[Record] = []

        async def handler(record: Record) -> None:
            seen.append(record)
            if len(seen) == 3:
                await gate.wait()  # hold the third batch: what is not read yet is lag

        stage = Stage(
            name="lagging", bus=bus, source=IN, group="lag-group", handler=handler, dlq=DLQ, batch_size=1
        )
        stage.lag_interval_s = 0.0  # sample after every batch
        stop = asyncio.Event()
        task = asyncio.create_task(stage.run(stop))

        def lag(partition: int) -> float | None:
            labels = {"group": "lag-group", "topic": IN, "partition": str(partition)}
            return REGISTRY.get_sample_value("wirewatch_consumer_lag", labels)

        await eventually(lambda: len(seen) == 3)
        # sampled after the second batch: partition 0 read up to its second record, 1 not at all
        assert (lag(0), lag(1)) == (1, 3)
        assert sample("wirewatch_stage_up", stage="lagging") == 1
        assert sample("wirewatch_stage_heartbeat_timestamp_seconds", stage="lagging") > 0
        gate.set()
        await eventually(lambda: len(seen) == 6 and (lag(0), lag(1)) == (0, 0))
        stop.set()
        await task
        # a stopped stage reports itself down and drops its lag series (nobody reads them now)
        assert sample("wirewatch_stage_up", stage="lagging") == 0
        assert (lag(0), lag(1)) == (None, None)


class TestDeadLettersAreCountedOnEveryPath:
    async def test_a_stage_handler_failure_counts_once_as_a_dead_letter(self) -> None:
        bus = MemoryBus()
        await topics(bus, partitions=1)
        for value in (b"good", b"bad", b"good"):
            await bus.publish(IN, value, key=b"k")

        async def handler(record: Record) -> None:
            if record.value == b"bad":
                raise ValueError("bad record")

        before_dl = sample("wirewatch_dead_letters_total", stage="counting", error_type="ValueError")
        before_ok = sample("wirewatch_messages_total", stage="counting", outcome="ok")
        stage = Stage(name="counting", bus=bus, source=IN, group="c", handler=handler, dlq=DLQ)
        stop = asyncio.Event()
        task = asyncio.create_task(stage.run(stop))
        await eventually(lambda: stage.stats.handled + stage.stats.dead_lettered == 3)
        stop.set()
        await task
        assert (
            sample("wirewatch_dead_letters_total", stage="counting", error_type="ValueError") == before_dl + 1
        )
        assert sample("wirewatch_messages_total", stage="counting", outcome="dead_letter") == 1
        assert sample("wirewatch_messages_total", stage="counting", outcome="ok") == before_ok + 2
        assert sample("wirewatch_handle_seconds_count", stage="counting") == 3
        assert sample("wirewatch_batch_records_sum", stage="counting") == 3
        assert sample("wirewatch_stage_seconds_count", stage="counting", phase="commit") >= 1

    async def test_ingest_rejections_count_as_dead_letters_and_ingest_outcomes(self, tmp_path: Path) -> None:
        """Six rejections used to leave ``wirewatch_dead_letters_total`` empty: ingest bypassed the runner."""
        bus = MemoryBus()
        t = Topics("m")
        await bus.ensure_topics(topic_specs(t, partitions=1))
        ingestor = IngestService(bus=bus, topics=t, clock=lambda: NOW, inbox=tmp_path).ingestor()
        before = {
            "dl": sample("wirewatch_dead_letters_total", stage="ingest", error_type="ParseError"),
            "rejected": sample("wirewatch_ingest_total", source="folder", outcome="rejected"),
            "emitted": sample("wirewatch_ingest_total", source="folder", outcome="emitted"),
            "duplicate": sample("wirewatch_ingest_total", source="folder", outcome="duplicate"),
            "http": sample("wirewatch_ingest_total", source="http", outcome="rejected"),
        }
        for n in range(6):
            outcome = await ingestor.ingest(b"   ", origin=f"/inbox/empty-{n}.txt")
            assert outcome.rejected
        story = b"Ministers meet in Brussels\n\nNATO ministers met in Brussels on Thursday to talk.\n"
        await ingestor.ingest(story, origin="/inbox/story.txt")
        await ingestor.ingest(story, origin="/inbox/story-again.txt")
        await ingestor.ingest(b"", origin="http:127.0.0.1")
        letters = [DeadLetter.from_bytes(r.value or b"") for r in bus.records(t.dlq)]
        assert len(letters) == 7
        error_type = letters[0].error_type
        assert error_type == "ParseError"
        assert (
            sample("wirewatch_dead_letters_total", stage="ingest", error_type=error_type) == before["dl"] + 7
        )
        assert sample("wirewatch_ingest_total", source="folder", outcome="rejected") == before["rejected"] + 6
        assert sample("wirewatch_ingest_total", source="folder", outcome="emitted") == before["emitted"] + 1
        assert (
            sample("wirewatch_ingest_total", source="folder", outcome="duplicate") == before["duplicate"] + 1
        )
        assert sample("wirewatch_ingest_total", source="http", outcome="rejected") == before["http"] + 1


class TestReadiness:
    def test_ready_only_when_every_check_passes(self) -> None:
        r = Readiness()
        assert r.report() == (False, {})
        r.reset("bus", "subscriptions")
        assert r.report()[0] is False
        r.mark("bus", detail="embedded")
        r.mark("subscriptions")
        ready, checks = r.report()
        assert ready
        assert checks["bus"] == {"ok": True, "detail": "embedded"}
        assert sample("wirewatch_ready", check="bus") == 1
        r.mark("stage:x", ok=False, detail="stopped")
        assert r.report()[0] is False
        assert sample("wirewatch_ready", check="stage:x") == 0
        r.reset()

    async def test_the_metrics_port_serves_metrics_healthz_and_readyz(self) -> None:
        readiness = Readiness()
        readiness.reset("bus")
        server = serve_metrics(0, "127.0.0.1", readiness)
        try:
            base = f"http://127.0.0.1:{server.port}"
            assert await asyncio.to_thread(get, f"{base}/healthz") == (200, {"status": "ok"})
            status, body = await asyncio.to_thread(get, f"{base}/readyz")
            assert status == 503
            assert body == {"ready": False, "checks": {"bus": {"ok": False, "detail": "not yet"}}}
            readiness.mark("bus", detail="reachable")
            status, body = await asyncio.to_thread(get, f"{base}/readyz")
            assert (status, body) == (
                200,
                {"ready": True, "checks": {"bus": {"ok": True, "detail": "reachable"}}},
            )
            status, text = await asyncio.to_thread(get, f"{base}/metrics")
            assert status == 200
            assert isinstance(text, str)
            assert "# TYPE wirewatch_consumer_lag gauge" in text
        finally:
            server.close()
            readiness.reset()

    def test_a_busy_metrics_port_is_one_clear_error(self) -> None:
        first = serve_metrics(0)
        try:
            with pytest.raises(ConfigError, match=rf"cannot serve metrics on 127.0.0.1:{first.port}"):
                serve_metrics(first.port)
        finally:
            first.close()

    def test_the_metrics_address_is_configurable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("WIREWATCH_METRICS_HOST", "0.0.0.0")
        monkeypatch.setenv("WIREWATCH_METRICS_PORT", "9464")
        settings = Settings()
        assert (settings.metrics_host, settings.metrics_port) == ("0.0.0.0", 9464)
        assert Settings.model_fields["metrics_host"].default == "127.0.0.1"


def test_the_process_readiness_is_shared() -> None:
    assert isinstance(READINESS, Readiness)


class TestDeliveryOutcomes:
    """``wirewatch_deliveries_total{channel,outcome}``: a delivery that ends in the DLQ is not ``ok``."""

    async def run_channel(self, channel: MemoryChannel, keys: list[str]) -> tuple[MemoryBus, Topics]:
        bus, topics = MemoryBus(), Topics("d")
        await bus.ensure_topics(topic_specs(topics, partitions=1))
        store = SubscriptionStore(bus, topics=topics)
        await store.put(make_subscription("s1", channels=(channel.name,)))
        for key in keys:
            await publish_message(bus, topics.alerts, make_alert(key=key, subscription_id="s1"), key="s1")
        service = DeliverService(
            bus=bus,
            topics=topics,
            store=store,
            channel=channel,
            retry=RetryPolicy(initial_s=0.01, max_s=0.02),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(service.run(stop))
        await eventually(
            lambda: len(bus.records(topics.deliveries)) + len(bus.records(topics.dlq)) >= len(keys)
        )
        stop.set()
        await task
        return bus, topics

    async def test_ok_retry_and_dead_letter_are_told_apart(self) -> None:
        flaky = MemoryChannel(name="flaky", fail_times=2, retryable=True)  # two retries, then delivered
        await self.run_channel(flaky, ["a1"])
        assert sample("wirewatch_deliveries_total", channel="flaky", outcome="retry") == 2
        assert sample("wirewatch_deliveries_total", channel="flaky", outcome="ok") == 1
        assert sample("wirewatch_deliveries_total", channel="flaky", outcome="dead_letter") == 0

        refused = MemoryChannel(name="refused", fail_times=1)  # refused (not retryable): the DLQ
        bus, topics = await self.run_channel(refused, ["b1", "b2"])
        assert len(bus.records(topics.dlq)) == 1
        assert sample("wirewatch_deliveries_total", channel="refused", outcome="dead_letter") == 1
        assert sample("wirewatch_deliveries_total", channel="refused", outcome="ok") == 1
        assert sample("wirewatch_dead_letters_total", stage="deliver", error_type="DeliveryError") >= 1


def test_process_workers_get_metrics_ports_of_their_own() -> None:
    """A child with the parent's WIREWATCH_METRICS_PORT would fail on the busy port and stop the run."""
    settings = Settings(metrics_port=9400, metrics_host="0.0.0.0")
    envs = [_child_env(settings, n) for n in range(2)]
    assert [e["WIREWATCH_METRICS_PORT"] for e in envs] == ["9401", "9402"]
    assert {e["WIREWATCH_METRICS_HOST"] for e in envs} == {"0.0.0.0"}
    assert _child_env(Settings(metrics_port=0), 0)["WIREWATCH_METRICS_PORT"] == "0"


async def test_a_delivery_given_up_is_a_dead_letter_in_the_stage_counts_too() -> None:
    """Deliveries that ended in the DLQ used to count as ``outcome="ok"`` of the delivery stage."""
    bus, topics = MemoryBus(), Topics("d2")
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    store = SubscriptionStore(bus, topics=topics)
    channel = MemoryChannel(name="gives-up", fail_times=1)
    await store.put(make_subscription("s1", channels=(channel.name,)))
    for key in ("k1", "k2"):
        await publish_message(bus, topics.alerts, make_alert(key=key, subscription_id="s1"), key="s1")
    service = DeliverService(bus=bus, topics=topics, store=store, channel=channel)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    await eventually(lambda: len(bus.records(topics.deliveries)) + len(bus.records(topics.dlq)) >= 2)
    stop.set()
    await task
    assert sample("wirewatch_messages_total", stage="deliver-gives-up", outcome="dead_letter") == 1
    assert sample("wirewatch_messages_total", stage="deliver-gives-up", outcome="ok") == 1
