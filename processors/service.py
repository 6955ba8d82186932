"""The process stage as a service: stories.raw → tag + cluster → stories.enriched.

I/O lives here; the work is :class:`processors.pipeline.Enricher`, pure. Every copy of the service
follows the compacted ``internal.signatures`` changelog as a global table
(:class:`wirewatch.state.GlobalTable`) so that copies of one story that land on different
partitions still meet (see :mod:`processors.cluster`); a batch's signatures are written after its
enriched stories were acknowledged.
"""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass, field

import structlog

from processors.pipeline import Enricher
from schemas import Story, Topics
from wirewatch.bus.base import Bus, Record
from wirewatch.runner import Clock, Stage, publish_message, trace_id_of, utcnow
from wirewatch.state import GlobalTable

log = structlog.get_logger("wirewatch.process")

GROUP = "wirewatch-process"


@dataclass
class ProcessService:
    """Tags and clusters each raw story and publishes it enriched, keyed by cluster id."""

    bus: Bus
    topics: Topics
    enricher: Enricher
    clock: Clock = utcnow
    handled: int = 0
    signatures: GlobalTable[Enricher] = field(init=False)

    def __post_init__(self) -> None:
        self.signatures = GlobalTable(self.bus, self.topics.signatures, self.enricher)

    async def handle(self, record: Record) -> None:
        """Handle one raw story (idempotent: the same story gets the same cluster and tags)."""
        if record.value is None:
            return  # a tombstone on stories.raw means nothing to us
        story = Story.from_bytes(record.value)
        structlog.contextvars.bind_contextvars(story_id=story.id)
        enriched = self.enricher.enrich(story)
        await publish_message(
            self.bus, self.topics.enriched, enriched, key=enriched.cluster_id, trace_id=trace_id_of(record)
        )
        self.handled += 1
        log.debug(
            "story enriched",
            cluster_id=enriched.cluster_id,
            countries=list(enriched.countries),
            actors=[t.id for t in enriched.actors],
            regions=[t.id for t in enriched.regions],
        )

    def stage(self) -> Stage:
        """The stage loop."""
        return Stage(
            name="process",
            bus=self.bus,
            source=self.topics.raw,
            group=GROUP,
            handler=self.handle,
            dlq=self.topics.dlq,
            clock=self.clock,
            state=(self.signatures,),
        )

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Rebuild cluster state from the changelog, then process until ``stop``."""
        async with asyncio.TaskGroup() as tg:
            follower = tg.create_task(self.signatures.follow(), name="process-signatures")
            await self.signatures.ready.wait()
            log.info("cluster state rebuilt", entries=len(self.enricher))
            # The knowledge base and automaton are long-lived (~180k keys): keep the collector
            # from walking them on every full collection.
            gc.freeze()
            await self.stage().run(stop, started=started)
            follower.cancel()
