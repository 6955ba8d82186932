"""The process stage as a service: stories.raw → tag + cluster → stories.enriched.

I/O lives here; the work is :class:`processors.pipeline.Enricher`, pure. Every copy of the service
follows the compacted ``internal.signatures`` changelog as a global table
(:class:`wirewatch.state.GlobalTable`) so that copies of one story that land on different
partitions still meet (see :mod:`processors.cluster`); a batch's signatures are written after its
enriched stories were acknowledged.

Every copy also follows the compacted ``knowledge`` topic (knowledge of one's own,
:mod:`processors.knowledge`): when its entries change, :class:`LiveKnowledge` builds a new tagger
over the packaged knowledge base plus the entries in a worker thread, and swaps it in between two
stories — no restart. Stories are tagged with the old tagger until the new one is ready (seconds).
"""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from processors.knowledge import Additions, overlay
from processors.pipeline import Enricher
from processors.tagger import Tagger
from schemas import Story, Topics
from wirewatch.bus.base import Bus, Record
from wirewatch.runner import Clock, Stage, publish_message, trace_id_of, utcnow
from wirewatch.state import GlobalTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from processors.kb import KnowledgeBase

log = structlog.get_logger("wirewatch.process")

GROUP = "wirewatch-process"


@dataclass
class LiveKnowledge:
    """The packaged knowledge base plus the ``knowledge`` topic's entries, as the tagger to use."""

    base: KnowledgeBase
    additions: Additions = field(default_factory=Additions)
    #: Builds a tagger (seconds for the full knowledge base): run in a worker thread.
    build: Callable[[KnowledgeBase], Tagger] = Tagger
    #: After a change, wait this long for more before rebuilding (entries come in bursts).
    settle_s: float = 0.5
    poll_s: float = 0.2
    #: The additions' version the last tagger built reflects (0: the packaged base alone).
    built: int = 0

    async def tagger(self) -> Tagger:
        """A tagger over the base and the entries as they are now (built in a worker thread)."""
        version = self.additions.version
        entries = list(self.additions.entries.values())

        def make() -> Tagger:
            kb, rejected = overlay(self.base, entries)
            for entry_id, why in rejected:
                log.warning("knowledge entry not applied", entry=entry_id, reason=why)
            return self.build(kb)

        tagger = await asyncio.to_thread(make)
        self.built = version
        log.info("knowledge base updated", entries=len(entries), version=version)
        return tagger

    async def keep_current(self, enricher: Enricher) -> None:
        """Swap a new tagger into ``enricher`` whenever the entries change, until cancelled."""
        while True:
            if self.additions.version != self.built:
                await asyncio.sleep(self.settle_s)
                enricher.tagger = await self.tagger()
            await asyncio.sleep(self.poll_s)


@dataclass
class ProcessService:
    """Tags and clusters each raw story and publishes it enriched, keyed by cluster id."""

    bus: Bus
    topics: Topics
    enricher: Enricher
    clock: Clock = utcnow
    #: Knowledge of one's own, followed live; None: the enricher's tagger as it is, always.
    knowledge: LiveKnowledge | None = None
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
            followers = [tg.create_task(self.signatures.follow(), name="process-signatures")]
            if self.knowledge is not None:
                knowledge = GlobalTable(self.bus, self.topics.knowledge, self.knowledge.additions)
                followers.append(tg.create_task(knowledge.follow(), name="process-knowledge"))
                await knowledge.ready.wait()
                if self.knowledge.additions.version:
                    # The first story already gets the knowledge added before the start.
                    self.enricher.tagger = await self.knowledge.tagger()
                followers.append(
                    tg.create_task(self.knowledge.keep_current(self.enricher), name="process-knowledge-swap")
                )
            await self.signatures.ready.wait()
            log.info("cluster state rebuilt", entries=len(self.enricher))
            # The knowledge base and automaton are long-lived (~180k keys): keep the collector
            # from walking them on every full collection.
            gc.freeze()
            await self.stage().run(stop, started=started)
            for follower in followers:
                follower.cancel()
