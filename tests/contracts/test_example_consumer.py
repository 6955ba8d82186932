"""The example downstream consumer (examples/consumer.py) reads enriched stories and alerts from real Kafka."""

from __future__ import annotations

import importlib.util
import json
import sys
from types import ModuleType

import pytest

from schemas import Alert, AlertKind, Topics
from schemas.asyncapi import examples
from tests.deploy.tools import ROOT
from wirewatch.bus import topic_specs
from wirewatch.bus.kafka import KafkaBus
from wirewatch.runner import headers_for
from wirewatch.settings import KafkaSettings


def example_consumer() -> ModuleType:
    """examples/consumer.py, loaded as a downstream service would run it (not a package of ours)."""
    spec = importlib.util.spec_from_file_location(
        "wirewatch_example_consumer", ROOT / "examples" / "consumer.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
async def test_the_example_consumer_reads_what_wirewatch_publishes(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    consumer = example_consumer()
    topics = Topics(topic_prefix)
    samples = examples()
    enriched, alert = samples["enrichedStory"], samples["alert"]
    assert isinstance(alert, Alert)
    later = alert.model_copy(update={"key": "s-border:c-4f2a9e:2", "kind": AlertKind.UPDATE})
    async with KafkaBus(KafkaSettings(bootstrap=kafka_bootstrap)) as bus:
        await bus.ensure_topics(topic_specs(topics, partitions=2))
        await bus.publish(
            topics.enriched, enriched.to_bytes(), key=b"c-4f2a9e", headers=headers_for(enriched)
        )
        for a in (alert, alert, later):  # the first one twice: a redelivery
            await bus.publish(topics.alerts, a.to_bytes(), key=b"s-border", headers=headers_for(a))
        # What the consumer must set aside: a broken message, and one of a major version it does not know.
        await bus.publish(topics.alerts, b'{"kind": "new"}', key=b"x", headers=headers_for(alert))
        v2 = tuple((k, b"2" if k == "wirewatch-schema-version" else v) for k, v in headers_for(alert))
        await bus.publish(topics.alerts, alert.to_bytes(), key=b"y", headers=v2)
        # A later minor version's message, with a field this consumer does not know: accepted.
        newer = enriched.model_dump(mode="json") | {"sentiment": 0.2}
        await bus.publish(
            topics.enriched,
            json.dumps(newer).encode(),
            key=b"c-4f2a9e",
            headers=headers_for(enriched),
        )

    tally = await consumer.consume(
        kafka_bootstrap,
        prefix=topic_prefix,
        group=f"{topic_prefix}-example",
        until=lambda t: len(t.items) + len(t.rejected) >= 6,
        timeout_s=90,
    )
    kinds = sorted(i.kind for i in tally.items)
    assert kinds == ["alert", "alert", "enriched-story", "enriched-story"]
    assert {i.body["key"] for i in tally.items if i.kind == "alert"} == {alert.key, later.key}
    reasons = sorted(why for _, why in tally.rejected)
    assert len(reasons) == 2
    assert reasons[0].startswith("invalid alert at (message): 'key' is a required property")
    assert reasons[1] == "schema version 2; this consumer reads 1"
    # The offsets were committed: the same group starts where it stopped and finds nothing new.
    again = await consumer.consume(
        kafka_bootstrap,
        prefix=topic_prefix,
        group=f"{topic_prefix}-example",
        until=lambda t: t.polls >= 4 or bool(t.items),  # a few polls with partitions assigned
        timeout_s=90,
    )
    assert again.polls >= 4
    assert again.items == []
    assert again.rejected == []
