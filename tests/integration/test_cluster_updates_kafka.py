"""One event, one alert, on real Kafka and Mosquitto: three agencies' copies give `new` then two
`update` alerts whose what-is-new fields name what each copy added (issue 15)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiomqtt
import pytest

from schemas import AlertKind, WhatIsNew
from tests.brokers import MqttBrokerInfo
from tests.factories import make_subscription
from tests.helpers import collect_alerts, write_subscriptions
from tests.integration.test_pipeline_kafka import kafka_settings, pipeline
from tests.processors.test_cluster import AP_BODY, AP_TITLE, REUTERS_BODY, REUTERS_TITLE, UPDATE_BODY
from tests.processors.test_cluster_updates import TOLL

pytestmark = pytest.mark.integration


def ninjs(uri: str, headline: str, body: str, at: str) -> bytes:
    return json.dumps(
        {
            "uri": uri,
            "version": "1",
            "versioncreated": at,
            "pubstatus": "usable",
            "language": "en",
            "headline": headline,
            "body_text": body,
        }
    ).encode()


COPIES = [
    ninjs("urn:test:reuters:quake", REUTERS_TITLE, REUTERS_BODY, "2026-03-03T02:00:00Z"),
    ninjs("urn:test:ap:quake", AP_TITLE, AP_BODY, "2026-03-03T02:40:00Z"),
    ninjs("urn:test:agency-c:quake", "Turkey quake toll rises to 19", UPDATE_BODY, "2026-03-03T05:00:00Z"),
]


class TestOneEventOneAlert:
    async def test_three_copies_give_new_then_updates_that_say_what_is_new(
        self, kafka_bootstrap: str, mosquitto: MqttBrokerInfo, topic_prefix: str, tmp_path: Path
    ) -> None:
        subs = write_subscriptions(tmp_path / "subs.json", [make_subscription("quake", query="Malatya")])
        settings = kafka_settings(
            kafka_bootstrap, topic_prefix, tmp_path / "data", mosquitto, subscriptions_file=subs
        )
        async with aiomqtt.Client(
            mosquitto.host, mosquitto.port, username="alice", password=mosquitto.users["alice"]
        ) as alice:
            await alice.subscribe("wirewatch/alerts/alice/#", qos=1)
            async with pipeline(settings, ("ingest", "process", "alert", "deliver")):
                for i, copy in enumerate(COPIES):
                    (settings.inbox / f"copy-{i}.json").write_bytes(copy)
                    await asyncio.sleep(1.0)  # keep the agencies' order
                got = await collect_alerts(alice, want=3, timeout=60)
                got += await collect_alerts(alice, want=1, timeout=5)  # nothing more: one per copy

        alerts = [a for _, a in got]
        assert [a.kind for a in alerts] == [AlertKind.NEW, AlertKind.UPDATE, AlertKind.UPDATE]
        assert len({a.cluster_id for a in alerts}) == 1
        new, rewrite, toll = alerts
        assert new.what_is_new is None
        assert rewrite.what_is_new is not None
        assert set(rewrite.what_is_new.places) == {"Istanbul"}  # Malatya, named by both, is not news
        assert rewrite.what_is_new.numbers == ("5.6",)
        assert toll.what_is_new == WhatIsNew(numbers=("19",), sentences=(TOLL,))
