"""Alerting through real Kafka and real Mosquitto: one alert per developing story, updates, retractions,
and a webhook that never answers ending in the DLQ."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest
from pydantic import SecretStr

from schemas import AlertKind, DeadLetter
from tests.brokers import MqttBrokerInfo
from tests.factories import make_subscription
from tests.helpers import (
    NATO_BORDER_QUERY,
    WebhookReceiver,
    collect_alerts,
    webhook_receiver,
    write_subscriptions,
)
from tests.integration.test_pipeline_kafka import kafka_settings, pipeline, read_all
from wirewatch.bus.kafka import KafkaBus
from wirewatch.settings import AlertSettings

pytestmark = pytest.mark.integration

FACTS = (
    "NATO Secretary General Jens Stoltenberg said on Wednesday that the alliance sees no withdrawal of "
    "Russian troops from the border with Ukraine. Russia has increased the number of troops near Belgorod "
    "and Kursk, he told defence ministers in Brussels, and more forces are on the way. Moscow has still not "
    "answered in writing the letter NATO sent in January, Stoltenberg said, urging the Kremlin to choose "
    "dialogue over confrontation."
)


def ninjs(uri: str, version: int, headline: str, body: str, pubstatus: str = "usable") -> bytes:
    return json.dumps(
        {
            "uri": uri,
            "version": str(version),
            "versioncreated": "2026-11-28T09:00:00Z",
            "pubstatus": pubstatus,
            "language": "en",
            "headline": headline,
            "body_text": body,
        }
    ).encode()


COPIES = [
    ninjs(
        "urn:test:wirenews:1",
        1,
        "NATO sees no Russian pullback from Ukraine border",
        f"BRUSSELS (Wirenews) - {FACTS}",
    ),
    ninjs(
        "urn:test:agency-b:77",
        1,
        "NATO chief: no sign of Russian withdrawal near Ukraine",
        f"BRUSSELS, Nov 28 (Agency B) - {FACTS} Ministers will also discuss new battalions in Eastern Europe.",
    ),
    ninjs(
        "urn:test:agency-c:x9",
        1,
        "Stoltenberg says Russian troops remain at Ukrainian border",
        f"BRUSSELS (Agency C) — {FACTS} Allies said the trend of recent months was a massive build-up.",
    ),
]
RETRACTION = ninjs(
    "urn:test:wirenews:1",
    2,
    "KILL: NATO sees no Russian pullback",
    "Editors: this story is withdrawn.",
    "canceled",
)


@pytest.fixture
def failing_webhook() -> Iterator[WebhookReceiver]:
    """A receiver that always answers 500."""
    with webhook_receiver(fail_times=math.inf, fail_status=500) as hook:
        yield hook


class TestDevelopingStory:
    async def test_copies_update_one_alert_and_a_retraction_reaches_those_alerted(
        self,
        kafka_bootstrap: str,
        mosquitto: MqttBrokerInfo,
        topic_prefix: str,
        tmp_path: Path,
        failing_webhook: WebhookReceiver,
    ) -> None:
        subs = write_subscriptions(
            tmp_path / "subs.json",
            [
                make_subscription("nato-border", query=NATO_BORDER_QUERY),
                make_subscription(
                    "bob-hook", subscriber="bob", channels=("webhook",), webhook_url=failing_webhook.url
                ),
            ],
        )
        settings = kafka_settings(
            kafka_bootstrap,
            topic_prefix,
            tmp_path / "data",
            mosquitto,
            subscriptions_file=subs,
            # A target down for longer than the alert's maximum age (here 8 s, else 24 h) dead-letters it.
            alerts=AlertSettings(
                webhook_secrets={"bob": SecretStr("bob-secret")}, webhook_attempts=2, delivery_max_age_s=8.0
            ),
        )
        async with aiomqtt.Client(
            mosquitto.host, mosquitto.port, username="alice", password=mosquitto.users["alice"]
        ) as alice:
            await alice.subscribe("wirewatch/alerts/alice/#", qos=1)
            async with pipeline(settings, ("ingest", "process", "alert", "deliver")):
                inbox = settings.inbox
                for i, copy in enumerate(COPIES):
                    (inbox / f"copy-{i}.json").write_bytes(copy)
                    await asyncio.sleep(1.0)  # wires file minutes apart; keep their order
                got = await collect_alerts(alice, want=3, timeout=40)
                (inbox / "kill.json").write_bytes(RETRACTION)
                got += await collect_alerts(alice, want=1, timeout=40)
                async with KafkaBus(settings.kafka) as bus:
                    dead = await read_all(bus, settings.topics.dlq, 1, timeout=60)

        kinds = [a.kind for _, a in got]
        assert kinds == [AlertKind.NEW, AlertKind.UPDATE, AlertKind.UPDATE, AlertKind.RETRACTION], kinds
        assert len({a.cluster_id for _, a in got}) == 1
        assert len({a.key for _, a in got}) == 4  # every message has its own idempotency key
        assert got[-1][1].story_id == "urn:test:wirenews:1"

        # bob's webhook never answers: it was tried until the alert's max age, then dead-lettered with the reason
        letters = [DeadLetter.from_bytes(r.value or b"") for r in dead]
        assert any(dl.stage == "deliver" and "webhook" in (dl.source or "") for dl in letters), letters
        assert len(failing_webhook.hits) >= 2
