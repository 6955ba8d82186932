"""Issue 5 through real Kafka: the API keeps subscribers apart, and a webhook that fails twice then
succeeds gets exactly one delivery, signed."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from alerts.api import create_api
from alerts.channels import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from alerts.store import SubscriptionStore
from schemas import Alert, AlertKind, Subscription, SubscriptionOptions
from tests.alerts.test_api import serve
from tests.brokers import MqttBrokerInfo
from tests.helpers import seed_text, write_subscriptions
from tests.integration.test_pipeline_kafka import kafka_settings, pipeline, read_all
from wirewatch.bus import topic_specs
from wirewatch.bus.kafka import KafkaBus
from wirewatch.settings import AlertSettings

pytestmark = pytest.mark.integration

SECRET = b"bob-webhook-secret"


@pytest.fixture
def flaky_webhook() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes, int]]]]:
    """A receiver on 127.0.0.1 that answers 503 twice, then 200 (and records every attempt)."""
    attempts: list[tuple[dict[str, str], bytes, int]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = 503 if len(attempts) < 2 else 200
            attempts.append((dict(self.headers), body, status))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", attempts
    finally:
        server.shutdown()
        server.server_close()


class TestApiOnKafka:
    async def test_a_subscriber_sees_and_changes_only_its_own(
        self, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        settings = kafka_settings(kafka_bootstrap, topic_prefix, Path())
        async with KafkaBus(settings.kafka) as bus:
            await bus.ensure_topics(topic_specs(settings.topics, partitions=1))
            store = SubscriptionStore(bus, topics=settings.topics)
            app = create_api(store, {"tok-alice": "alice", "tok-bob": "bob"})
            async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
                alice = {"Authorization": "Bearer tok-alice"}
                bob = {"Authorization": "Bearer tok-bob"}
                made = await http.post("/subscriptions", json={"query": "actor:NATO"}, headers=alice)
                assert made.status_code == 201, made.text
                sub_id = made.json()["id"]
                assert (await http.get(f"/subscriptions/{sub_id}", headers=bob)).status_code == 404
                assert (await http.delete(f"/subscriptions/{sub_id}", headers=bob)).status_code == 404
                changed = await http.put(f"/subscriptions/{sub_id}", json={"query": "actor:EU"}, headers=bob)
                assert changed.status_code == 404
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
        flaky_webhook: tuple[str, list[tuple[dict[str, str], bytes, int]]],
    ) -> None:
        url, attempts = flaky_webhook
        subs = write_subscriptions(
            tmp_path / "subs.json",
            [
                Subscription(
                    id="bob-hook",
                    subscriber="bob",
                    query="actor:NATO",
                    options=SubscriptionOptions(channels=("webhook",), webhook_url=url),
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
            while not any(status == 200 for _, _, status in attempts) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # nothing else may arrive after the success
        statuses = [status for _, _, status in attempts]
        assert statuses == [503, 503, 200]
        keys = {headers[IDEMPOTENCY_HEADER] for headers, _, _ in attempts}
        assert len(keys) == 1  # every try carried the same idempotency key
        headers, body, _ = attempts[-1]
        assert verify_signature(
            SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER], time.time()
        )
        alert = Alert.model_validate_json(body)
        assert (alert.kind, alert.subscription_id, alert.key) == (AlertKind.NEW, "bob-hook", keys.pop())
