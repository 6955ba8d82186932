"""Two processor workers in one consumer group on Kafka: they share the partitions, and copies of one
story that land on different workers still get one cluster (the signatures changelog)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from processors.pipeline import Enricher
from processors.service import ProcessService
from schemas import EnrichedStory
from tests.factories import make_story
from tests.integration.test_pipeline_kafka import kafka_settings, read_all
from wirewatch.bus import topic_specs
from wirewatch.bus.kafka import KafkaBus
from wirewatch.cli.offline import load_tagger

pytestmark = pytest.mark.integration

BODY = (
    "NATO Secretary General Jens Stoltenberg said on Wednesday that the alliance sees no withdrawal of "
    "Russian troops from the border with Ukraine. Russia has increased the number of troops near Belgorod "
    "and Kursk, he told defence ministers in Brussels, and more forces are on the way."
)

# four wires' copies of one story
COPIES = [
    make_story(id=story_id, title=title, body=body)
    for story_id, title, body in [
        ("wire-a-1", "NATO sees no Russian pullback", f"BRUSSELS (Wire A) - {BODY}"),
        ("wire-b-22", "NATO: Russian troops stay near Ukraine", f"BRUSSELS (Wire B) - {BODY} Talks go on."),
        ("wire-c-333", "No Russian withdrawal, NATO says", f"BRUSSELS (Wire C) — {BODY} Allies agree."),
        ("wire-d-4444", "Stoltenberg: Russia keeps troops at border", f"BRUSSELS (Wire D) - {BODY}"),
    ]
]


class TestTwoWorkers:
    async def test_copies_on_two_workers_share_a_cluster(
        self, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        settings = kafka_settings(kafka_bootstrap, topic_prefix, Path())
        topics = settings.topics
        tagger = await asyncio.to_thread(load_tagger)
        async with KafkaBus(settings.kafka) as bus:
            await bus.ensure_topics(topic_specs(topics, partitions=2))
            workers = [ProcessService(bus=bus, topics=topics, enricher=Enricher(tagger)) for _ in range(2)]
            stop = asyncio.Event()
            started = [asyncio.Event(), asyncio.Event()]
            tasks = [
                asyncio.create_task(w.run(stop, started=s)) for w, s in zip(workers, started, strict=True)
            ]
            try:
                async with asyncio.timeout(60):
                    await asyncio.gather(*(s.wait() for s in started))
                    # both members joined: each owns one partition of stories.raw
                    await asyncio.sleep(8)
                enriched: list[EnrichedStory] = []
                for copy in COPIES:
                    await bus.publish(topics.raw, copy.to_bytes(), key=copy.id.encode())
                    records = await read_all(bus, topics.enriched, len(enriched) + 1, timeout=30)
                    enriched = [EnrichedStory.from_bytes(r.value or b"") for r in records]
                    await asyncio.sleep(1)  # let every worker apply the new signature
            finally:
                stop.set()
                await asyncio.gather(*tasks)
        assert all(w.handled >= 1 for w in workers), [w.handled for w in workers]  # the group shared the work
        assert sum(w.handled for w in workers) == len(COPIES)
        assert all(len(w.enricher) >= len(COPIES) for w in workers)  # both followed every signature
        assert len({e.cluster_id for e in enriched}) == 1, [(e.id, e.cluster_id) for e in enriched]
