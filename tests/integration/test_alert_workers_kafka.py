"""Two alert workers on Kafka, one killed mid-stream: the other carries on with the state.

Each worker is a real ``wirewatch alert --no-deliver`` process; one is killed with SIGKILL while
stories are still arriving. Its partitions (of ``stories.enriched`` and ``internal.matches``) move
to the survivor, which restores their state from the changelogs before it handles them. Nothing
is lost, no cluster gets a second ``new``, and a throttle of 2 alerts per hour gives exactly 2 —
not 2 per worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import Alert, AlertKind, EnrichedStory, Throttle
from tests.factories import make_enriched, make_subscription, make_tag
from tests.helpers import write_subscriptions
from tests.integration.test_pipeline_kafka import kafka_settings, read_all
from wirewatch.bus import topic_specs
from wirewatch.bus.kafka import KafkaBus
from wirewatch.runner import publish_message

pytestmark = pytest.mark.integration

NATO = make_tag("NATO", id="Q7184")
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
CLUSTERS = 24


def story(cluster: int, copy: int) -> EnrichedStory:
    return make_enriched(
        id=f"wire-{copy}:{cluster}",
        title=f"NATO story {cluster}, copy {copy}",
        body="NATO said so.",
        source=f"wire-{copy}",
        ingested_at=T0,
        published_at=T0,
        cluster_id=f"c-{cluster:04d}",
        actors=(NATO,),
    )


class Worker:
    """One ``wirewatch alert --no-deliver`` process, its JSON log lines kept."""

    def __init__(self, name: str, env: dict[str, str], subscriptions: Path, log: Path) -> None:
        self.name = name
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wirewatch",
                "alert",
                "--no-deliver",
                "--subscriptions",
                str(subscriptions),
            ],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def restores(self, topic: str) -> list[set[int]]:
        """The partitions of ``topic`` this worker restored, one set per restore."""
        got: list[set[int]] = []
        for line in self.log.read_text().splitlines():
            if '"state restored"' in line:
                event = json.loads(line)
                if event.get("topic") == topic:
                    got.append({int(p) for p in event["partitions"]})
        return got

    def restored(self, topic: str) -> set[int]:
        """Every partition of ``topic`` this worker restored so far."""
        return set().union(*self.restores(topic))

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._out.close()


async def wait_for(predicate: object, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


class TestTwoAlertWorkers:
    async def test_one_killed_mid_stream_the_other_carries_on_with_the_state(
        self, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
    ) -> None:
        settings = kafka_settings(kafka_bootstrap, topic_prefix, tmp_path)
        topics = settings.topics
        plain = make_subscription("plain")
        throttled = make_subscription(
            "thr", subscriber="bob", throttle=Throttle(max_alerts=2, window_seconds=3600)
        )
        subs_file = write_subscriptions(tmp_path / "subs.json", [plain, throttled])
        env = {
            **os.environ,
            "WIREWATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "WIREWATCH_TOPIC_PREFIX": topic_prefix,
            "WIREWATCH_KAFKA__PARTITIONS": "2",
            "WIREWATCH_KAFKA__SESSION_TIMEOUT_MS": "6000",
            "WIREWATCH_KAFKA__HEARTBEAT_INTERVAL_MS": "1000",
            "WIREWATCH_KAFKA__CLIENT_ID": topic_prefix,
            "WIREWATCH_LOG_FORMAT": "json",
            "WIREWATCH_ALERTS__TERM_SAMPLE": "0",
        }
        async with KafkaBus(settings.kafka) as bus:
            await bus.ensure_topics(topic_specs(topics, partitions=2))
            a = Worker("a", env, subs_file, tmp_path / "a.log")
            b = Worker("b", env, subs_file, tmp_path / "b.log")
            try:
                # Both workers own a partition of each half before the stories come.
                await wait_for(
                    lambda: all(
                        w.restored(topics.alert_threads) and w.restored(topics.mailboxes) for w in (a, b)
                    ),
                    timeout=90,
                    what="both workers to own partitions",
                )
                # Wave 1: first copies of every cluster.
                for c in range(CLUSTERS):
                    s = story(c, 1)
                    await publish_message(bus, topics.enriched, s, key=s.cluster_id)
                first = await read_all(bus, topics.alerts, want=CLUSTERS + 2, timeout=60)
                assert len(first) >= CLUSTERS + 2
                # Wave 2: second copies, and worker A is killed while they arrive.
                before = len(b.restores(topics.alert_threads)), len(b.restores(topics.mailboxes))
                for c in range(CLUSTERS):
                    s = story(c, 2)
                    await publish_message(bus, topics.enriched, s, key=s.cluster_id)
                    if c == CLUSTERS // 3:
                        a.kill()
                # The survivor takes A's partitions, restores their state and finishes the wave.
                await wait_for(
                    lambda: (
                        (len(b.restores(topics.alert_threads)), len(b.restores(topics.mailboxes))) > before
                        and b.restored(topics.alert_threads) == {0, 1}
                    ),
                    timeout=60,
                    what="the survivor to restore the killed worker's partitions",
                )
                records = await read_all(bus, topics.alerts, want=2 * CLUSTERS + 2, timeout=60)
                await asyncio.sleep(3)  # anything extra (a repeated new) would show up now
                records = await read_all(bus, topics.alerts, want=10**6, timeout=5)
            finally:
                a.stop()
                b.stop()

        alerts = [Alert.from_bytes(r.value or b"") for r in records]
        unique = {x.key: x for x in alerts}.values()  # a replay may repeat a key; delivery drops it
        mine = [x for x in unique if x.subscription_id == "plain"]
        kinds = Counter((x.cluster_id, x.kind) for x in mine)
        # No lost alert: every cluster has its new and its update; no repeated new.
        assert {c for c, k in kinds if k is AlertKind.NEW} == {f"c-{c:04d}" for c in range(CLUSTERS)}
        assert all(kinds[(f"c-{c:04d}", AlertKind.NEW)] == 1 for c in range(CLUSTERS))
        assert all(kinds[(f"c-{c:04d}", AlertKind.UPDATE)] == 1 for c in range(CLUSTERS))
        assert len(mine) == 2 * CLUSTERS
        # The throttle is exact across workers: 2 alerts per hour, the rest held for later.
        assert len([x for x in unique if x.subscription_id == "thr"]) == 2
        # Both workers really did work before the kill, and the survivor restored A's state.
        assert a.restored(topics.alert_threads)
        assert b.restored(topics.alert_threads) == {0, 1}
