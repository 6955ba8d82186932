"""The one path from raw bytes to the sink: parse, drop exact duplicates, hold embargoes, emit.

Every source hands its bytes to :class:`Ingestor`. Bad input never raises: the parser's error (or,
defensively, any exception a parser bug lets out) becomes a dead letter and the caller carries on.
Only the sink's own errors (the bus is down) propagate, because they are infrastructure failures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import structlog

from ingest.dedup import ExactDeduplicator
from ingest.errors import IngestError, InputTooLargeError
from ingest.parsers import parse
from schemas import DeadLetter, Story
from wirewatch.bus.base import deferred_acks, pending_acks
from wirewatch.metrics import INGESTED

if TYPE_CHECKING:
    from datetime import datetime

    from ingest.sink import Clock, StorySink

__all__ = ["IngestOutcome", "Ingestor", "ParseFn", "RawInput", "source_kind"]

log = structlog.get_logger("wirewatch.ingest")

Disposition = Literal["emitted", "duplicate", "held"]


def source_kind(origin: str) -> str:
    """The kind of source an origin names, a metric label of few values: folder, stdin, http or web.

    Origins themselves (file paths, URLs, client addresses) are unbounded: never a label.
    """
    if origin.startswith(("http://", "https://")):
        return "web"  # feeds, their entries and watched pages
    if origin.startswith("http:"):
        return "http"  # the ingest endpoint: ``http:<client>``
    if origin.startswith("stdin"):
        return "stdin"
    return "folder"


class ParseFn(Protocol):
    """The signature of :func:`ingest.parse` (injectable for tests)."""

    def __call__(
        self,
        data: bytes,
        *,
        origin: str,
        now: datetime,
        source: str | None = None,
        media_type: str | None = None,
        url: str | None = None,
        max_bytes: int = ...,
    ) -> list[Story]:
        """Parse ``data`` into stories (IngestError for bad input)."""
        ...


@dataclass(frozen=True, slots=True)
class RawInput:
    """One input as a source hands it over: its bytes and where they came from."""

    data: bytes
    origin: str
    media_type: str | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of one input: the stories emitted, dropped as duplicates or held, or the error."""

    emitted: tuple[Story, ...] = ()
    duplicates: tuple[Story, ...] = ()
    held: tuple[Story, ...] = ()
    error: Exception | None = None
    letter: DeadLetter | None = None

    @property
    def rejected(self) -> bool:
        """True when the input went to the dead-letter sink."""
        return self.letter is not None

    @property
    def stories(self) -> tuple[Story, ...]:
        """Every story parsed from the input, whatever became of it."""
        return self.emitted + self.duplicates + self.held


class Ingestor:
    """Parses inputs and feeds the sink, through an exact-duplicate filter and an embargo hold.

    Embargoed stories (``embargoed_until`` in the future) are held in memory and emitted by
    ``release_due``, which ``run`` calls every ``interval_s``. The hold is not durable: a restart
    forgets held stories (the source must deliver them again).
    """

    def __init__(
        self,
        *,
        sink: StorySink,
        now: Clock,
        dedup: ExactDeduplicator | None = None,
        max_bytes: int = 5_000_000,
        parser: ParseFn = parse,
        stage: str = "ingest",
        remember: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._sink = sink
        # Writes the dedup memory's changes (the ingest service: to its changelog) after a publish.
        self._remember = remember
        self._now = now
        self.dedup = dedup if dedup is not None else ExactDeduplicator()
        self.max_bytes = max_bytes
        self._parse = parser
        self._stage = stage
        self._held: dict[str, Story] = {}
        #: What became of the stories so far (a summary is logged now and then, not a line per input).
        self.counts: dict[str, int] = {"emitted": 0, "duplicates": 0, "held": 0, "rejected": 0}

    @property
    def now(self) -> Clock:
        """The clock this ingestor reads (sources share it)."""
        return self._now

    @property
    def held(self) -> tuple[Story, ...]:
        """Stories held until their embargo lifts, soonest first."""
        return tuple(sorted(self._held.values(), key=_embargo))

    async def ingest(
        self,
        data: bytes,
        *,
        origin: str,
        media_type: str | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> IngestOutcome:
        """Parse ``data`` and submit each story; on bad input send a dead letter. Never raises for input.

        Returns once the bus acknowledged what was emitted: a source may then let go of its input
        (move the file, answer the HTTP client).
        """
        stories = await self.parse(data, origin=origin, media_type=media_type, url=url, source=source)
        if isinstance(stories, IngestOutcome):
            return stories
        return await self._submit_all(stories, origin=origin)

    async def ingest_many(self, inputs: Sequence[RawInput]) -> list[IngestOutcome]:
        """Ingest several inputs in order, with one wait for the bus's acknowledgements.

        One hop to a worker thread parses them all; the stories are published without waiting for
        each acknowledgement, then all of them are waited for. A stream of inputs (stdin) goes at
        the bus's pace instead of one round trip per story; the order of the inputs, and so of
        every story id's versions, is kept.
        """
        if not inputs:
            return []
        parsed = await asyncio.to_thread(self._parse_each, inputs, self._now())
        outcomes: list[IngestOutcome] = []
        async with deferred_acks():
            for item, result in zip(inputs, parsed, strict=True):
                if isinstance(result, BaseException):
                    if not isinstance(result, IngestError):
                        log.error("parser_bug", origin=item.origin, exc_info=result)
                    letter = await self.reject(result, raw=item.data, origin=item.origin)
                    outcomes.append(IngestOutcome(error=result, letter=letter))
                else:
                    outcomes.append(await self._submit_all(result, origin=item.origin))
        return outcomes

    def _parse_each(self, inputs: Sequence[RawInput], now: datetime) -> list[list[Story] | Exception]:
        """Parse every input (in a worker thread); an input's error is its result, not raised."""
        out: list[list[Story] | Exception] = []
        for item in inputs:
            try:
                out.append(
                    self._parse(
                        item.data,
                        origin=item.origin,
                        now=now,
                        source=item.source,
                        media_type=item.media_type,
                        url=item.url,
                        max_bytes=self.max_bytes,
                    )
                )
            except Exception as exc:  # the per-input policy: a parser bug dead-letters this input only
                out.append(exc)
        return out

    async def _submit_all(self, stories: list[Story], *, origin: str) -> IngestOutcome:
        emitted: list[Story] = []
        duplicates: list[Story] = []
        held: list[Story] = []
        for story in stories:
            fate = await self.submit(story)
            {"emitted": emitted, "duplicate": duplicates, "held": held}[fate].append(story)
        outcome = IngestOutcome(emitted=tuple(emitted), duplicates=tuple(duplicates), held=tuple(held))
        self.counts["emitted"] += len(emitted)
        self.counts["duplicates"] += len(duplicates)
        self.counts["held"] += len(held)
        kind = source_kind(origin)
        for fate, n in (("emitted", emitted), ("duplicate", duplicates), ("held", held)):
            if n:
                INGESTED.labels(kind, fate).inc(len(n))
        log.debug(
            "ingested",
            origin=origin,
            emitted=len(emitted),
            duplicates=len(duplicates),
            held=len(held),
            ids=[s.id for s in stories][:20],
        )
        return outcome

    async def parse(
        self,
        data: bytes,
        *,
        origin: str,
        media_type: str | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> list[Story] | IngestOutcome:
        """Parse without submitting: the stories, or the rejected outcome (already dead-lettered)."""
        now = self._now()
        try:
            # Parsing is CPU work (HTML extraction, language detection): keep the loop responsive.
            return await asyncio.to_thread(
                self._parse,
                data,
                origin=origin,
                now=now,
                source=source,
                media_type=media_type,
                url=url,
                max_bytes=self.max_bytes,
            )
        except IngestError as exc:
            letter = await self.reject(exc, raw=data, origin=origin)
            return IngestOutcome(error=exc, letter=letter)
        except Exception as exc:
            # A parser bug on one input must not stop the source: dead-letter it like bad input,
            # but log it loudly with its traceback so it gets fixed.
            log.exception("parser_bug", origin=origin)
            letter = await self.reject(exc, raw=data, origin=origin)
            return IngestOutcome(error=exc, letter=letter)

    async def submit(self, story: Story) -> Disposition:
        """Emit a parsed story unless it is an exact duplicate or still under embargo."""
        if not self.dedup.reserve(story):
            return "duplicate"
        if story.embargoed_until is not None and story.embargoed_until > self._now():
            self._held[story.id] = story  # a newer version replaces the held one
            # Remembered, not written: the hold is lost on restart, so the story must pass again then.
            self.dedup.confirm(story)
            return "held"
        try:
            await self._sink.emit(story)
        except BaseException:
            self.dedup.cancel(story)  # not published: a retry must not look like a duplicate
            raise
        self.dedup.confirm(story)
        self._held.pop(story.id, None)  # a newer, releasable version (or a retraction) supersedes it
        await self._write_memory([story])
        return "emitted"

    async def _write_memory(self, stories: Sequence[Story]) -> None:
        """Write the stories' dedup keys to the changelog once their publish is acknowledged.

        Never before: a key written for a story whose publish then failed would drop that story as
        a duplicate after a restart. Inside ``ingest_many`` the acknowledgements are owed, so the
        write is owed too, after them (a waiter that runs once theirs have been waited for).
        """
        if self._remember is None:
            return
        remember = self._remember

        async def write() -> None:
            for story in stories:
                self.dedup.published(story)
            await remember()

        acks = pending_acks()
        if acks is not None:
            acks.add(write)
            return
        async with deferred_acks():  # one wait for the stories' keys, not a round trip per key
            await write()

    async def reject(
        self, error: BaseException | str, *, raw: bytes, origin: str, size: int | None = None
    ) -> DeadLetter:
        """Send a dead letter for ``raw`` from ``origin`` and return it.

        ``size`` is the whole input's size when ``raw`` is only its head (an oversized input is
        never read whole): the letter then says that size and that the bytes kept are truncated.
        """
        letter = DeadLetter.build(
            stage=self._stage, error=error, raw=raw, failed_at=self._now(), source=origin
        )
        if size is None and isinstance(error, InputTooLargeError):
            size = error.size  # the input's size, told by its sender or its file, not the head kept
        if size is not None and size > letter.raw_size:
            letter = letter.model_copy(update={"raw_size": size, "raw_truncated": True})
        await self._sink.reject(letter)
        self.counts["rejected"] += 1
        INGESTED.labels(source_kind(origin), "rejected").inc()
        log.warning("rejected", origin=origin, reason=letter.reason, error_type=letter.error_type)
        return letter

    async def release_due(self) -> list[Story]:
        """Emit the held stories whose embargo has lifted; return them."""
        now = self._now()
        due = [s for s in self.held if s.embargoed_until is None or s.embargoed_until <= now]
        for story in due:
            await self._sink.emit(story)
            del self._held[story.id]
            INGESTED.labels("embargo", "released").inc()
            log.info("embargo_released", story_id=story.id)
        if due:
            await self._write_memory(due)
        return due

    async def run(self, *, interval_s: float = 1.0, summary_every_s: float = 10.0) -> None:
        """Release embargoed stories every ``interval_s`` until cancelled; log a summary now and then."""
        last, logged = time.monotonic(), dict(self.counts)
        while True:
            await self.release_due()
            await asyncio.sleep(interval_s)
            if time.monotonic() - last >= summary_every_s and self.counts != logged:
                log.info("ingest progress", **self.counts)
                last, logged = time.monotonic(), dict(self.counts)


def _embargo(story: Story) -> datetime:
    assert story.embargoed_until is not None  # only embargoed stories are held
    return story.embargoed_until
