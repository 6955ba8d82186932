"""The ingest stage as a service: sources → Ingestor → stories.raw (and the DLQ).

Stories are keyed by story id, so every version of a story lands on one
partition, in order.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import structlog
import uvicorn

from ingest import Ingestor, parse
from ingest.config import SourcesConfig
from ingest.dedup import ExactDeduplicator
from ingest.sources import (
    DropFolder,
    FeedPoller,
    HttpLimits,
    StdinSource,
    WebPageFetcher,
    create_ingest_app,
    make_http_client,
    open_stdin_reader,
)
from schemas import DeadLetter, Story, Topics
from wirewatch.bus.base import Bus
from wirewatch.metrics import READINESS, STAGE_UP
from wirewatch.runner import Clock, publish_message, run_until
from wirewatch.state import GlobalTable, replay

log = structlog.get_logger("wirewatch.ingest")


@dataclass
class BusSink:
    """The StorySink of a running service: publishes to ``stories.raw`` and to the DLQ."""

    bus: Bus
    topics: Topics

    async def emit(self, story: Story) -> None:
        """Publish a story keyed by its id; returns once the bus has it."""
        await publish_message(self.bus, self.topics.raw, story, key=story.id)

    async def reject(self, letter: DeadLetter) -> None:
        """Publish a dead letter keyed by its source."""
        await publish_message(self.bus, self.topics.dlq, letter, key=letter.source)


@dataclass
class IngestService:
    """The ingest stage: a drop folder, stdin, feeds, pages and the HTTP endpoint, into one Ingestor."""

    bus: Bus
    topics: Topics
    clock: Clock
    inbox: Path | None = None
    stdin: bool = False
    sources: SourcesConfig | None = None
    max_bytes: int = 5_000_000
    settle_s: float = 0.25

    def ingestor(self, dedup: ExactDeduplicator | None = None) -> Ingestor:
        """The Ingestor over the bus sink (dedup and embargo hold included).

        The dedup memory's changes go to ``internal.ingest-seen`` after each publish (see
        :meth:`restore_dedup` for the way back).
        """
        dedup = dedup if dedup is not None else ExactDeduplicator(changelog=True)
        table = GlobalTable(self.bus, self.topics.ingest_seen, dedup)
        return Ingestor(
            sink=BusSink(self.bus, self.topics),
            now=self.clock,
            max_bytes=self.max_bytes,
            dedup=dedup,
            remember=table.write,
        )

    async def restore_dedup(self) -> ExactDeduplicator:
        """The exact-duplicate memory as the last run left it: ``internal.ingest-seen`` replayed."""
        dedup = ExactDeduplicator(changelog=True)
        count = await replay(self.bus, self.topics.ingest_seen, dedup)
        dedup.changes()  # what was replayed is not a change
        log.info("ingest dedup memory restored", records=count, keys=len(dedup))
        return dedup

    async def warm_up(self) -> None:
        """Parse a small sample once, so the first real story is not slowed by loading models.

        The language detector loads its models on first use (seconds); a story dropped into the
        inbox right after start must not wait for that.
        """
        sample = b"Warm-up\n\nNATO ministers met in Brussels on Thursday to discuss the border.\n"
        await asyncio.to_thread(parse, sample, origin="warm-up.txt", now=self.clock())

    async def run(self, stop: asyncio.Event, *, started: asyncio.Event | None = None) -> None:
        """Run every configured source until ``stop``; bad input is dead-lettered, never fatal."""
        await self.warm_up()
        ingestor = self.ingestor(await self.restore_dedup())
        cfg = self.sources
        limits = (
            HttpLimits.from_config(cfg.limits) if cfg is not None else HttpLimits(max_bytes=self.max_bytes)
        )
        async with AsyncExitStack() as stack:
            # Down (metric and readiness) once every source stopped, however the stage ends.
            READINESS.mark(_CHECK, ok=False, detail="starting")
            stack.callback(_mark_down)
            # The HTTP client is entered first so that it closes only after every task using it ended.
            needs_http = cfg is not None and bool(cfg.feeds or cfg.pages)
            client = await stack.enter_async_context(make_http_client(limits)) if needs_http else None
            tg = await stack.enter_async_context(asyncio.TaskGroup())
            tg.create_task(run_until(stop, ingestor.run()), name="ingest-embargo")
            folders = [(self.inbox, self.settle_s, 30.0)] if self.inbox is not None else []
            if cfg is not None and cfg.drop_folder is not None:
                folders.append((cfg.drop_folder.path, cfg.drop_folder.settle_s, cfg.drop_folder.rescan_s))
            for path, settle_s, rescan_s in folders:
                folder = DropFolder(
                    path=path, ingestor=ingestor, settle_s=settle_s, rescan_s=rescan_s, debounce_ms=50
                )
                # Before the stage says it started: a file dropped once "running" is logged must find
                # its folder there (the watch task would create it only when it is first scheduled).
                await asyncio.to_thread(folder.make_dirs)
                tg.create_task(folder.run(stop_event=stop), name=f"ingest-folder:{path}")
            if self.stdin or (cfg is not None and cfg.stdin):
                reader = await open_stdin_reader(limit=self.max_bytes)
                tg.create_task(StdinSource(reader=reader, ingestor=ingestor).run(), name="ingest-stdin")
            if cfg is not None and client is not None:
                if cfg.feeds:
                    poller = FeedPoller(feeds=cfg.feeds, client=client, ingestor=ingestor, limits=limits)
                    tg.create_task(run_until(stop, poller.run()), name="ingest-feeds")
                for page in cfg.pages:
                    fetcher = WebPageFetcher(client=client, ingestor=ingestor, limits=limits)
                    tg.create_task(
                        run_until(stop, fetcher.run([page.url], interval_s=page.interval_s)),
                        name=f"page:{page.url}",
                    )
            if cfg is not None and cfg.http is not None:
                app = create_ingest_app(ingestor, cfg.http.token, max_bytes=self.max_bytes)
                server = uvicorn.Server(
                    uvicorn.Config(
                        app, host=cfg.http.host, port=cfg.http.port, log_level="warning", lifespan="off"
                    )
                )
                tg.create_task(_serve(server, stop), name="ingest-http")
                log.info("listening", service="ingest-http", url=f"http://{cfg.http.host}:{cfg.http.port}")
            if started is not None:
                started.set()
            STAGE_UP.labels("ingest").set(1)
            READINESS.mark(_CHECK, detail="running")
            log.info("ingest started", folders=[str(p) for p, _, _ in folders], stdin=self.stdin)


_CHECK = "stage:ingest"


def _mark_down() -> None:
    STAGE_UP.labels("ingest").set(0)
    READINESS.mark(_CHECK, ok=False, detail="stopped")


async def _serve(server: uvicorn.Server, stop: asyncio.Event) -> None:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(server.serve())
        await stop.wait()
        server.should_exit = True
