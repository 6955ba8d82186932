"""Bad input (issue 18): each case is refused with a clear reason and loses nothing else.

- bytes that fit no text encoding with confidence go to the DLQ (charset-normalizer decides);
- every rejected body is dead-lettered with its true ``raw_size`` and ``raw_truncated``;
- a second drop-folder watcher on one folder is refused;
- the exact-duplicate memory survives a restart (its changelog topic);
- consumer group ids carry the topic prefix.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ingest import FolderInUseError, Ingestor, MemorySink, RawInput, UndecodableError, parse
from ingest.dedup import ExactDeduplicator
from ingest.service import IngestService
from ingest.sources import DropFolder, StdinSource, create_ingest_app, open_stdin_reader
from schemas import Story, Topics
from tests.factories import make_story
from wirewatch.bus import Bus, EmbeddedBus, open_bus, topic_specs
from wirewatch.bus.base import pending_acks
from wirewatch.bus.kafka import KafkaBus
from wirewatch.errors import BusError, StateError
from wirewatch.settings import KafkaSettings, Settings

REPO = str(Path(__file__).resolve().parents[2])
NOW = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
TOKEN = "bad-input-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GOOD = b"Ministers meet in Brussels\n\nNATO ministers met in Brussels on Thursday to discuss the border."
FRENCH = (
    "Les ministres de l'OTAN se sont réunis à Bruxelles jeudi pour discuter de la frontière orientale. "
    "Le secrétaire général a déclaré que l'alliance était prête à répondre."
)


def _clock() -> datetime:
    return NOW


def _random_high_bytes(n: int, seed: int) -> bytes:
    """High bytes and spaces: no text, but a Cyrillic code page reads it as 'words' (it was alerted on)."""
    rng = random.Random(seed)
    return bytes(rng.choice([rng.randrange(0x80, 0x100), 0x20]) for _ in range(n))


def _broken_utf8() -> bytes:
    """UTF-8 French with stray bytes: read as a single-byte charset it is mojibake."""
    data = bytearray(FRENCH.encode())
    for at, byte in ((40, 0xFF), (90, 0xFE), (120, 0x9D)):
        data[at:at] = bytes([byte])
    return bytes(data)


# --- text that fits no encoding ---------------------------------------------------------------


class TestUndecodableText:
    @pytest.mark.parametrize(
        "data",
        [_random_high_bytes(400, 1), _random_high_bytes(2000, 2), _broken_utf8()],
        ids=["high-bytes", "more-high-bytes", "broken-utf8"],
    )
    def test_is_a_parse_error_with_the_reason(self, data: bytes) -> None:
        with pytest.raises(UndecodableError, match=r"fits? no text encoding"):
            parse(data, origin="wire.txt", now=NOW)

    def test_a_stray_byte_in_long_utf8_is_kept_as_a_replacement_character(self) -> None:
        long_text = " ".join([FRENCH] * 12)  # ~170 accented characters
        data = long_text.encode()
        data = data[:300] + b"\xff" + data[300:]
        (story,) = parse(b"Title\n\n" + data, origin="wire.txt", now=NOW)
        assert "\ufffd" in story.body
        assert "réunis à Bruxelles" in story.body

    @pytest.mark.parametrize(
        ("text", "encoding"),
        [
            (FRENCH, "cp1252"),
            (FRENCH, "latin-1"),
            ("Министры НАТО встретились в Брюсселе в четверг.", "cp1251"),
        ],
    )
    def test_legacy_encodings_still_pass(self, text: str, encoding: str) -> None:
        (story,) = parse(f"Title\n\n{text}\n\n{text}".encode(encoding), origin="wire.txt", now=NOW)
        assert text in story.body

    async def test_goes_to_the_dlq_and_the_rest_of_the_batch_goes_on(self) -> None:
        sink = MemorySink()
        ingestor = Ingestor(sink=sink, now=_clock)
        outcomes = await ingestor.ingest_many(
            [
                RawInput(GOOD, origin="a.txt"),
                RawInput(_random_high_bytes(600, 3), origin="b.txt"),
                RawInput(GOOD.replace(b"Brussels", b"Vilnius"), origin="c.txt"),
            ]
        )
        assert [o.rejected for o in outcomes] == [False, True, False]
        (letter,) = sink.rejects
        assert letter.error_type == "UndecodableError"
        assert "fit no text encoding" in letter.reason
        assert letter.source == "b.txt"
        assert letter.raw_size == 600
        assert len(sink.stories) == 2


# --- true raw_size / raw_truncated ----------------------------------------------------------------


@pytest.fixture
async def http() -> AsyncIterator[tuple[httpx.AsyncClient, MemorySink]]:
    sink = MemorySink()
    app = create_ingest_app(Ingestor(sink=sink, now=_clock), TOKEN)  # the default limit: 5 MB
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as c:
        yield c, sink


class TestDeadLetterSizes:
    async def test_empty_http_body_is_400_and_dead_lettered(
        self, http: tuple[httpx.AsyncClient, MemorySink]
    ) -> None:
        c, sink = http
        response = await c.post("/stories", content=b"", headers=AUTH)
        assert response.status_code == 400
        assert "empty body" in response.json()["detail"]
        (letter,) = sink.rejects
        assert letter.reason.startswith("empty body")
        assert (letter.raw_size, letter.raw_truncated) == (0, False)
        # Nothing else lost: the next story goes through.
        assert (await c.post("/stories", content=GOOD, headers=AUTH)).status_code == 202
        assert len(sink.stories) == 1

    async def test_six_megabyte_http_body_says_its_size(
        self, http: tuple[httpx.AsyncClient, MemorySink]
    ) -> None:
        c, sink = http
        response = await c.post("/stories", content=b"y" * 6_000_000, headers=AUTH)
        assert response.status_code == 413
        (letter,) = sink.rejects
        assert (letter.raw_size, letter.raw_truncated) == (6_000_000, True)
        assert letter.raw == b"y" * 64 * 1024
        assert (await c.post("/stories", content=GOOD, headers=AUTH)).status_code == 202

    async def test_six_megabyte_chunked_body_says_its_size(
        self, http: tuple[httpx.AsyncClient, MemorySink]
    ) -> None:
        c, sink = http

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(60):
                yield b"z" * 100_000

        response = await c.post("/stories", content=chunks(), headers=AUTH)
        assert response.status_code == 413
        (letter,) = sink.rejects
        assert (letter.raw_size, letter.raw_truncated) == (6_000_000, True)

    async def test_fifty_megabyte_file_says_its_size(self, tmp_path: Path) -> None:
        with (tmp_path / "huge.txt").open("wb") as handle:
            handle.truncate(50_000_000)  # sparse: the test writes no 50 MB
        (tmp_path / "good.txt").write_bytes(GOOD)
        sink = MemorySink()
        folder = DropFolder(path=tmp_path, ingestor=Ingestor(sink=sink, now=_clock), settle_s=0)
        folder.make_dirs()
        assert await folder.scan() == 2
        (letter,) = sink.rejects
        assert letter.error_type == "InputTooLargeError"
        assert (letter.raw_size, letter.raw_truncated) == (50_000_000, True)
        assert len(letter.raw) == 64 * 1024
        assert len(sink.stories) == 1

    async def test_oversized_stdin_says_its_size(self) -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(b"Headline\n\n" + b"w" * 300_000)
        reader.feed_eof()
        sink = MemorySink()
        await StdinSource(reader=reader, ingestor=Ingestor(sink=sink, now=_clock, max_bytes=100_000)).run()
        (letter,) = sink.rejects
        assert (letter.raw_size, letter.raw_truncated) == (300_010, True)

    async def test_an_oversized_stdin_line_says_its_size_and_the_next_line_is_read(self) -> None:
        """Issue 18: the dead letter of an over-long JSON line carries its true size (it said 0).

        Through a real pipe, written in pieces as a producer would: the line is longer than the
        pipe's buffer, so it is never seen whole, and its tail must not come back as a line.
        """
        big = json.dumps({"id": "big", "body": "w" * 300_000}).encode()
        lines = [json.dumps({"id": "before", "body": GOOD.decode()}).encode(), big]
        lines.append(json.dumps({"id": "after", "body": FRENCH}).encode())
        data = b"\n".join(lines) + b"\n"
        read_fd, write_fd = os.pipe()

        def write() -> None:
            with os.fdopen(write_fd, "wb", buffering=0) as out:
                for k in range(0, len(data), 4096):
                    out.write(data[k : k + 4096])

        writer = asyncio.create_task(asyncio.to_thread(write))
        sink = MemorySink()
        with os.fdopen(read_fd, "rb", buffering=0) as stream:
            reader = await open_stdin_reader(limit=100_000, stream=stream)
            ingestor = Ingestor(sink=sink, now=_clock, max_bytes=100_000)
            assert await StdinSource(reader=reader, ingestor=ingestor).run() == 2
            await writer
            await asyncio.sleep(0)  # at EOF the pipe transport closes itself
        (letter,) = sink.rejects
        assert letter.error_type == "InputTooLargeError"
        assert letter.source == "stdin:2"
        assert (letter.raw_size, letter.raw_truncated) == (len(big), True)
        assert letter.raw == big[: len(letter.raw)]  # the line's head
        assert [s.id for s in sink.stories] == ["before", "after"]


# --- one watcher per folder -------------------------------------------------------------------------


class TestOneWatcherPerFolder:
    async def test_a_second_watcher_is_refused_and_the_first_goes_on(self, tmp_path: Path) -> None:
        first_sink, second_sink = MemorySink(), MemorySink()
        first = DropFolder(path=tmp_path, ingestor=Ingestor(sink=first_sink, now=_clock), settle_s=0.05)
        second = DropFolder(path=tmp_path, ingestor=Ingestor(sink=second_sink, now=_clock), settle_s=0.05)
        stop = asyncio.Event()
        running = asyncio.create_task(first.run(stop_event=stop))
        try:
            async with asyncio.timeout(10):
                while not (tmp_path / ".wirewatch-folder.lock").exists():
                    await asyncio.sleep(0.02)
            with pytest.raises(FolderInUseError, match="another watcher already ingests") as caught:
                await second.run()
            assert caught.value.holder == f"pid {os.getpid()}"
            (tmp_path / "story.txt").write_bytes(GOOD)
            async with asyncio.timeout(20):
                while not first_sink.stories:
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await running
        assert second_sink.stories == []
        assert second_sink.rejects == []
        # Once the first has stopped, the folder can be watched again.
        again = asyncio.Event()
        again.set()
        await second.run(stop_event=again)

    async def test_a_watcher_in_another_process_is_refused(self, tmp_path: Path) -> None:
        script = (
            "import asyncio, sys\n"
            "from pathlib import Path\n"
            "from ingest import Ingestor, MemorySink\n"
            "from ingest.sources import DropFolder\n"
            "from datetime import UTC, datetime\n"
            "folder = DropFolder(path=Path(sys.argv[1]), ingestor=Ingestor(sink=MemorySink(), "
            "now=lambda: datetime.now(UTC)))\n"
            "asyncio.run(folder.run())\n"
        )
        first = DropFolder(path=tmp_path, ingestor=Ingestor(sink=MemorySink(), now=_clock))
        stop = asyncio.Event()
        running = asyncio.create_task(first.run(stop_event=stop))
        try:
            async with asyncio.timeout(10):
                while not (tmp_path / ".wirewatch-folder.lock").exists():
                    await asyncio.sleep(0.02)
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                script,
                str(tmp_path),
                stderr=asyncio.subprocess.PIPE,
                cwd=REPO,
            )
            async with asyncio.timeout(60):
                _, err = await child.communicate()
        finally:
            stop.set()
            await running
        assert child.returncode != 0
        assert b"FolderInUseError" in err
        assert b"another watcher already ingests" in err


# --- exact duplicates across restarts -----------------------------------------------------------------


BusFactory = Callable[[], Bus]


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.integration)])
def new_bus(request: pytest.FixtureRequest, tmp_path: Path) -> BusFactory:
    """A factory of buses over one log: the embedded SQLite log, or the session's Kafka 4.1."""
    if request.param == "embedded":
        return lambda: EmbeddedBus(tmp_path)
    bootstrap: str = request.getfixturevalue("kafka_bootstrap")
    client = f"dedup-{uuid.uuid4().hex[:6]}"
    return lambda: KafkaBus(KafkaSettings(bootstrap=bootstrap, client_id=client, partitions=2))


async def _service(bus: Bus, topics: Topics) -> IngestService:
    await bus.ensure_topics(topic_specs(topics, partitions=2))
    return IngestService(bus=bus, topics=topics, clock=_clock)


class TestDedupSurvivesRestarts:
    async def test_a_story_seen_before_a_restart_is_a_duplicate_after_it(self, new_bus: BusFactory) -> None:
        topics = Topics(f"t{uuid.uuid4().hex[:8]}")
        async with new_bus() as bus:
            service = await _service(bus, topics)
            ingestor = service.ingestor(await service.restore_dedup())
            first = await ingestor.ingest(GOOD, origin="a.txt")
            embargoed = await ingestor.ingest(
                b'{"id": "e1", "title": "Held", "body": "Under embargo until tomorrow.", '
                b'"embargoed_until": "2026-11-29T16:00:00Z"}',
                origin="e.json",
            )
        assert len(first.emitted) == 1
        assert len(embargoed.held) == 1

        async with new_bus() as bus:  # "restart": a new bus and a new ingestor
            service = await _service(bus, topics)
            ingestor = service.ingestor(await service.restore_dedup())
            again = await ingestor.ingest(GOOD, origin="a-again.txt")
            mirror = await ingestor.ingest(GOOD, origin="elsewhere.txt")  # same text, same hash
            held_again = await ingestor.ingest(
                b'{"id": "e1", "title": "Held", "body": "Under embargo until tomorrow.", '
                b'"embargoed_until": "2026-11-29T16:00:00Z"}',
                origin="e.json",
            )
            fresh = await ingestor.ingest(GOOD.replace(b"Brussels", b"Riga"), origin="b.txt")
        assert len(again.duplicates) == 1
        assert len(mirror.duplicates) == 1
        # The hold was not durable, so the held story was not remembered durably: it is held again.
        assert len(held_again.held) == 1
        assert len(fresh.emitted) == 1

    def test_the_changelog_round_trips_and_forgets_what_the_memory_forgot(self) -> None:
        dedup = ExactDeduplicator(max_keys=2, changelog=True)
        stories = [make_story(id=f"s{i}", content_hash=f"h{i}") for i in range(3)]
        for s in stories:
            assert dedup.reserve(s)
            dedup.confirm(s)
            dedup.published(s)
        changes = dict(dedup.changes())
        assert dedup.changes() == []
        # s0's keys were evicted by s2: tombstones, so the compacted topic stays bounded too.
        assert {k for k, v in changes.items() if v is None} == {
            '["v", "s0", 1, "usable"]',
            '["i", "s0"]',
            '["h", "h0", "usable"]',
        }
        restored = ExactDeduplicator(max_keys=2, changelog=True)
        for key, value in changes.items():
            restored.apply(key, value)
        assert restored.seen(stories[1])
        assert restored.seen(stories[2])
        assert not restored.seen(stories[0])

    async def test_keys_are_written_only_after_the_publish_was_acknowledged(self) -> None:
        """A story whose publish failed must not be remembered durably (after a restart it would be lost)."""

        class AckFailsFor(MemorySink):
            async def emit(self, story: Story) -> None:
                await super().emit(story)

                async def ack() -> None:
                    if story.id == "bad":
                        raise BusError("publish failed", topic="raw")

                acks = pending_acks()
                if acks is None:
                    await ack()
                else:
                    acks.add(ack)

        dedup = ExactDeduplicator(changelog=True)
        written: list[str] = []

        async def remember() -> None:
            written.extend(key for key, _ in dedup.changes())

        ingestor = Ingestor(sink=AckFailsFor(), now=_clock, dedup=dedup, remember=remember)
        docs = [
            json.dumps({"id": i, "title": f"Story {i}", "body": f"Text of story {i}."}).encode()
            for i in ("good", "bad", "later")
        ]
        with pytest.raises(BusError, match="publish failed"):
            await ingestor.ingest_many([RawInput(d, origin=f"stdin:{n}") for n, d in enumerate(docs)])
        assert '["i", "good"]' in written
        assert '["i", "bad"]' not in written
        assert '["i", "later"]' not in written  # its acknowledgement was never waited for

    def test_a_corrupt_changelog_key_is_a_state_error(self) -> None:
        with pytest.raises(StateError, match="corrupt deduplication changelog key"):
            ExactDeduplicator().apply("not json", b"1")


# --- consumer groups per deployment -------------------------------------------------------------------


class TestGroupIds:
    def test_the_default_prefix_keeps_the_bare_names(self) -> None:
        assert Topics().group("wirewatch-process") == "wirewatch-process"

    def test_another_prefix_is_carried(self) -> None:
        assert Topics("staging").group("wirewatch-process") == "staging.wirewatch-process"

    def test_the_kafka_bus_asks_for_the_prefixed_group(self) -> None:
        settings = Settings(bus="kafka", topic_prefix="staging", kafka=KafkaSettings(bootstrap="127.0.0.1:1"))
        bus = open_bus(settings)
        assert isinstance(bus, KafkaBus)
        assert bus.group_id("wirewatch-process") == "staging.wirewatch-process"
        default = open_bus(settings.model_copy(update={"topic_prefix": "wirewatch"}))
        assert isinstance(default, KafkaBus)
        assert default.group_id("wirewatch-process") == "wirewatch-process"


class TestStartedMeansReady:
    async def test_the_inbox_exists_once_the_stage_says_it_started(self, tmp_path: Path) -> None:
        # A file dropped as soon as the pipeline says it runs must find its folder (the watch task
        # used to create it only once scheduled: a test that wrote at once got FileNotFoundError).
        topics = Topics(f"t{uuid.uuid4().hex[:8]}")
        inbox = tmp_path / "data" / "inbox"
        seen_at_start: list[bool] = []

        class Started(asyncio.Event):
            def set(self) -> None:
                seen_at_start.append(inbox.is_dir() and (inbox / "processed").is_dir())  # at that moment
                super().set()

        async with EmbeddedBus(tmp_path / "log") as bus:
            await bus.ensure_topics(topic_specs(topics, partitions=2))
            service = IngestService(bus=bus, topics=topics, clock=_clock, inbox=inbox)
            stop, started = asyncio.Event(), Started()
            task = asyncio.create_task(service.run(stop, started=started))
            try:
                async with asyncio.timeout(30):
                    await started.wait()
            finally:
                stop.set()
                async with asyncio.timeout(30):
                    await task
        assert seen_at_start == [True]
