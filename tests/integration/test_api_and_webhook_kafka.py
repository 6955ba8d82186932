"""Issue 5 through real Kafka: the API keeps subscribers apart, and a webhook that fails twice then
succeeds gets exactly one delivery, signed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from alerts.api import create_api
from alerts.deliver.channels import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from alerts.store import SubscriptionStore
from schemas import Alert, AlertKind, Subscription
from tests.brokers import MqttBrokerInfo
from tests.factories import make_subscription
from tests.helpers import WebhookReceiver, seed_text, serve_app, webhook_receiver, write_subscriptions
from tests.integration.test_pipeline_kafka import kafka_settings, pipeline, read_all
from wirewatch.bus import topic_specs
from wirewatch.bus.kafka import KafkaBus
from wirewatch.settings import AlertSettings

pytestmark = pytest.mark.integration

SECRET = b"bob-webhook-secret"


@pytest.fixture
def flaky_webhook() -> Iterator[WebhookReceiver]:
    """A receiver that answers 503 twice, then 200."""
    with webhook_receiver(fail_times=2, fail_status=503) as hook:
        yield hook


class TestApiOnKafka:
    async def test_a_subscriber_sees_and_changes_only_its_own(
        self, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        settings = kafka_settings(kafka_bootstrap, topic_prefix, Path())
        async with KafkaBus(settings.kafka) as bus:
            await bus.ensure_topics(topic_specs(settings.topics, partitions=1))
            store = SubscriptionStore(bus, topics=settings.topics)
            app = create_api(store, {"tok-alice": "alice", "tok-bob": "bob"})
            async with serve_app(app) as base, httpx.AsyncClient(base_url=base) as http:
                alice = {"Authorization": "Bearer tok-alice"}
                bob = {"Authorization": "Bearer tok-bob"}
                made = await http.post("/subscriptions", json={"query": "actor:NATO"}, headers=alice)
                assert made.status_code == 201, made.text
                sub_id = made.json()["id"]
                assert (await http.get(f"/subscriptions/{sub_id}", headers=bob)).status_code == 404
                assert (await http.delete(f"/subscriptions/{sub_id}", headers=bob)).status_code == 404
                changed = await http.put(f"/subscriptions/{sub_id}", json={"query": "actor:EU"}, headers=bob)
                assert changed.status_code == 409  # taken: a PUT to a missing id would create it
                assert [s["id"] for s in (await http.get("/subscriptions", headers=bob)).json()] == []
                bad = await http.post("/subscriptions", json={"query": "actor:NATO AND ("}, headers=alice)
                assert bad.status_code == 400
            # the write is in the compacted topic on Kafka, unchanged by bob's attempts
            records = await read_all(bus, settings.topics.subscriptions, 1)
        (only,) = [Subscription.from_bytes(r.value or b"") for r in records]
        assert (only.subscriber, only.query) == ("alice", "actor:NATO")


class TestWebhookThroughThePipeline:
    async def test_fails_twice_then_one_signed_delivery(
        self,
        kafka_bootstrap: str,
        mosquitto: MqttBrokerInfo,
        topic_prefix: str,
        tmp_path: Path,
        flaky_webhook: WebhookReceiver,
    ) -> None:
        attempts = flaky_webhook.hits
        subs = write_subscriptions(
            tmp_path / "subs.json",
            [
                make_subscription(
                    "bob-hook", subscriber="bob", channels=("webhook",), webhook_url=flaky_webhook.url
                )
            ],
        )
        alerts = AlertSettings(webhook_secrets={"bob": SecretStr(SECRET.decode())}, webhook_attempts=4)
        settings = kafka_settings(
            kafka_bootstrap,
            topic_prefix,
            tmp_path / "data",
            mosquitto,
            subscriptions_file=subs,
            alerts=alerts,
        )
        async with pipeline(settings, ("ingest", "process", "alert", "deliver")):
            (settings.inbox / "seed.txt").write_bytes(seed_text())
            deadline = time.monotonic() + 60
            while not any(hit.status == 200 for hit in attempts) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # nothing else may arrive after the success
        statuses = [hit.status for hit in attempts]
        assert statuses == [503, 503, 200]
        keys = {hit.headers[IDEMPOTENCY_HEADER] for hit in attempts}
        assert len(keys) == 1  # every try carried the same idempotency key
        last = attempts[-1]
        assert verify_signature(
            SECRET, last.headers[TIMESTAMP_HEADER], last.body, last.headers[SIGNATURE_HEADER], time.time()
        )
        alert = Alert.model_validate_json(last.body)
        assert (alert.kind, alert.subscription_id, alert.key) == (AlertKind.NEW, "bob-hook", keys.pop())
