"""The process stage as a service: stories.raw → tag + cluster → stories.enriched.

I/O lives here; tagging and clustering stay pure. Every copy of the service
follows the compacted ``signatures`` changelog so that copies of one story that
land on different partitions still meet (see :mod:`processors.cluster`).
"""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass, field

import structlog

from processors import Tagger, enrich
from processors.cluster import Clusterer, SignatureError, decode_entry
from schemas import Story, Topics
from wirewatch.bus.base import Bus, Record
from wirewatch.runner import Clock, Stage, follow, publish_message, trace_id_of, utcnow

log = structlog.get_logger("wirewatch.process")

GROUP = "wirewatch-process"


@dataclass
class ProcessService:
    """Tags and clusters each raw story and publishes it enriched, keyed by cluster id."""

    bus: Bus
    topics: Topics
    tagger: Tagger
    clusterer: Clusterer = field(default_factory=Clusterer)
    clock: Clock = utcnow
    handled: int = 0

    async def handle(self, record: Record) -> None:
        """Handle one raw story (idempotent: the same story gets the same cluster and tags)."""
        if record.value is None:
            return  # a tombstone on stories.raw means nothing to us
        story = Story.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(story_id=story.id)
        tags = self.tagger.tag(story)
        decision = self.clusterer.assign(story)
        enriched = enrich(story, tags, cluster_id=decision.cluster_id)
        trace = trace_id_of(record)
        await publish_message(
            self.bus, self.topics.enriched, enriched, key=enriched.cluster_id, trace_id=trace
        )
        await self.bus.publish(self.topics.signatures, decision.entry(), key=story.id.encode())
        self.handled += 1
        log.info(
            "story enriched",
            cluster_id=enriched.cluster_id,
            countries=list(enriched.countries),
            actors=[t.id for t in enriched.actors],
            regions=[t.id for t in enriched.regions],
        )

    def apply_signature(self, record: Record) -> None:
        """Apply a signature published by any processor copy (including this one)."""
        if record.key is None:
            return
        story_id = record.key.decode()
        if record.value is None:
            self.clusterer.forget(story_id)
            return
        try:
            cluster_id, signature = decode_entry(record.value)
            self.clusterer.remember(story_id, signature, cluster_id)
        except SignatureError as exc:
            log.warning("bad signature entry skipped", story_id=story_id, error=str(exc))

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Rebuild cluster state from the changelog, then process until ``stop``."""
        ready = asyncio.Event()
        stage = Stage(
            name="process",
            bus=self.bus,
            source=self.topics.raw,
            group=GROUP,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
        )
        async with asyncio.TaskGroup() as tg:
            tg.create_task(follow(self.bus, self.topics.signatures, self.apply_signature, stop, ready=ready))
            await ready.wait()
            log.info("cluster state rebuilt", entries=len(self.clusterer))
            # The knowledge base and automaton are long-lived (~180k keys): keep the collector
            # from walking them on every full collection.
            gc.freeze()
            tg.create_task(stage.run(stop, started=started), name="process-stage")
