"""The async sources: HTTP clients against a scripted site (``httpx.MockTransport``), servers on real sockets.

The feed poller and the page fetcher are clients: a scripted site behind ``httpx.MockTransport``
answers them (statuses, ETags, redirects, bodies with and without Content-Length). What serves
HTTP itself (the ingest endpoint under uvicorn) and a refused connection use real sockets.

Most tests inject a small deterministic parser (``fake_parse``) so that they test the sources, not
the parsers; ``TestWithRealParser`` runs the real ``ingest.parse`` end to end.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
import uvicorn

from ingest import Ingestor, InputTooLargeError, MemorySink, ParseError, RawInput
from ingest.config import FeedSource, load_sources
from ingest.normalize import make_story
from ingest.sources import (
    USER_AGENT,
    Backoff,
    DropFolder,
    FeedPoller,
    HttpLimits,
    StdinSource,
    WebPageFetcher,
    create_ingest_app,
    is_candidate_name,
    make_http_client,
    open_stdin_reader,
)
from schemas import DeadLetter, PubStatus, Story
from tests.helpers import free_port
from wirewatch.errors import ConfigError

NOW = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
LONG = " ".join(["The harbour authority said the storm closed the port for a second day."] * 12)
TOKEN = "s3cret-token-for-tests"


# --- a parser for the sources' tests ----------------------------------------------------------


def fake_parse(
    data: bytes,
    *,
    origin: str,
    now: datetime,
    source: str | None = None,
    media_type: str | None = None,
    url: str | None = None,
    max_bytes: int = 5_000_000,
) -> list[Story]:
    """Text, JSON objects, RSS (via feedparser) and trivial HTML; ParseError on anything odd."""
    if len(data) > max_bytes:
        raise InputTooLargeError(size=len(data), limit=max_bytes, origin=origin)
    src = source or origin
    head = data.lstrip()[:100].lower()
    if (media_type or "").startswith("text/html") or head.startswith(b"<html"):
        text = data.decode()
        title = re.search(r"<title>(.*?)</title>", text)
        paras = re.findall(r"<p>(.*?)</p>", text, re.DOTALL)
        if not paras:
            raise ParseError("no article text in the page", origin=origin)
        return [
            make_story(
                title=title.group(1) if title else None,
                body_paragraphs=paras,
                now=now,
                source=src,
                fmt="html",
                url=url,
            )
        ]
    if head.startswith((b"<?xml", b"<rss")):
        feed = feedparser.parse(data)
        if feed.bozo or not feed.entries:
            raise ParseError("not a feed", origin=origin)
        return [
            make_story(
                title=e.title,
                body_paragraphs=[e.summary],
                now=now,
                source=src,
                fmt="rss",
                guid=e.id,
                url=e.link,
            )
            for e in feed.entries
        ]
    if head.startswith(b"{"):
        try:
            obj = json.loads(data)
        except ValueError as exc:
            raise ParseError(f"invalid JSON: {exc}", origin=origin) from exc
        if not isinstance(obj, dict) or "body" not in obj:
            raise ParseError("JSON without a story body", origin=origin)
        return [
            make_story(
                title=obj.get("title"),
                body_paragraphs=[obj["body"]],
                now=now,
                source=src,
                fmt="json",
                guid=obj.get("id"),
                version=obj.get("version", 1),
                pubstatus=PubStatus(obj.get("pubstatus", "usable")),
                embargoed_until=datetime.fromisoformat(obj["embargo"]) if "embargo" in obj else None,
            )
        ]
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        raise ParseError("no text", origin=origin)
    return [make_story(title=None, body_paragraphs=text.split("\n\n"), now=now, source=src, fmt="text")]


class Clock:
    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def make_ingestor(sink: MemorySink, *, clock: Clock | None = None, max_bytes: int = 100_000) -> Ingestor:
    return Ingestor(sink=sink, now=clock or Clock(), parser=fake_parse, max_bytes=max_bytes)


# --- a scripted web site (httpx.MockTransport) -------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


Route = Callable[[Seen], Reply]


class ScriptedServer:
    """A scripted web site behind ``httpx.MockTransport``: routes are functions of the request; it logs every request."""

    base = "http://wire.example.test"

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        seen = Seen(request.url.raw_path.decode(), {k.lower(): v for k, v in request.headers.items()})
        self.requests.append(seen)
        route = self.routes.get(seen.path)
        reply = route(seen) if route else Reply(404, b"not found")
        body = b"" if reply.status == 304 else reply.body
        if reply.content_length:
            return httpx.Response(reply.status, headers=reply.headers, content=body)
        return httpx.Response(reply.status, headers=reply.headers, content=_chunks(body))

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]


async def _chunks(body: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    """A body streamed without Content-Length."""
    for i in range(0, len(body), size):
        yield body[i : i + size]


@pytest.fixture
def server() -> ScriptedServer:
    return ScriptedServer()


@pytest.fixture
async def client(server: ScriptedServer) -> AsyncIterator[httpx.AsyncClient]:
    """What ``make_http_client`` builds (User-Agent, timeouts, no automatic redirects), over the site."""
    async with httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        timeout=HttpLimits(connect_timeout_s=5, read_timeout_s=5).timeout,
        follow_redirects=False,
        transport=httpx.MockTransport(server.handle),
    ) as c:
        yield c


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link><description>{text}</description></item>"
        for guid, title, link, text in ((g, f"Title {g}", link, text) for g, link, text in items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{body}</channel></rss>'.encode()
    )


def page(title: str, text: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{text}</p><p>{text}</p></body></html>".encode()


# --- feeds --------------------------------------------------------------------------------------


class TestFeedPoller:
    @pytest.fixture
    def feed_server(self, server: ScriptedServer) -> ScriptedServer:
        """Feed: 200 (ETag v1) → 304 → 500 → 500 → 200 (ETag v2, one new entry) → 304 forever."""
        v1 = rss(("a", f"{server.base}/a", LONG), ("b", f"{server.base}/article/b", "Short summary of b."))
        v2 = rss(
            ("a", f"{server.base}/a", LONG),
            ("b", f"{server.base}/article/b", "Short summary of b."),
            ("c", f"{server.base}/c", LONG + " New."),
        )
        script: Iterator[Route] = iter(
            [
                lambda s: Reply(200, v1, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}),
                lambda s: Reply(304) if s.headers.get("if-none-match") == '"v1"' else Reply(200, v1),
                lambda s: Reply(500, b"oops"),
                lambda s: Reply(500, b"oops"),
                lambda s: Reply(200, v2, {"ETag": '"v2"', "Content-Type": "application/rss+xml"}),
            ]
        )

        def feed(seen: Seen) -> Reply:
            step = next(script, None)
            if step is None:
                return Reply(304) if seen.headers.get("if-none-match") == '"v2"' else Reply(200, v2)
            return step(seen)

        server.routes["/feed.xml"] = feed
        server.routes["/article/b"] = lambda s: Reply(
            200, page("Full story b", LONG), {"Content-Type": "text/html"}
        )
        return server

    async def test_conditional_get_backoff_recovery_and_article_fetch(
        self, feed_server: ScriptedServer, client: httpx.AsyncClient
    ) -> None:
        sink = MemorySink()
        feed = FeedSource(url=f"{feed_server.base}/feed.xml", name="wire", interval_s=60)
        poller = FeedPoller(feeds=[feed], client=client, ingestor=make_ingestor(sink))

        assert await poller.poll_once(feed) == "fetched"
        assert [s.id for s in sink.stories] == ["a", "b"]
        article = sink.stories[1]
        assert article.title == "Title b"  # the feed's id and title stay...
        assert article.body.startswith("The harbour authority")  # ...the linked page gives the body
        assert article.standfirst == "Short summary of b."
        assert article.source == "wire"
        assert len(feed_server.hits("/article/b")) == 1

        assert await poller.poll_once(feed) == "not_modified"
        assert len(sink.stories) == 2
        assert feed_server.hits("/feed.xml")[1].headers["if-none-match"] == '"v1"'

        assert await poller.poll_once(feed) == "failed"
        assert await poller.poll_once(feed) == "failed"
        state = poller.state(feed)
        assert (state.failures, state.total_failures) == (2, 2)
        assert "HTTP 500" in (state.last_error or "")

        assert await poller.poll_once(feed) == "fetched"
        assert [s.id for s in sink.stories] == ["a", "b", "c"]  # each entry emitted once
        assert state.failures == 0
        assert len(feed_server.hits("/article/b")) == 1  # a known entry costs no page fetch
        assert poller._ingestor.dedup.dropped == 2
        assert sink.rejects == []
        assert all(r.headers["user-agent"] == USER_AGENT for r in feed_server.requests)

    async def test_run_backs_off_with_jitter_then_recovers(
        self, feed_server: ScriptedServer, client: httpx.AsyncClient
    ) -> None:
        sink = MemorySink()
        feed = FeedSource(url=f"{feed_server.base}/feed.xml", name="wire", interval_s=7)
        delays: list[float] = []
        six_polls = asyncio.Event()

        async def fake_sleep(seconds: float) -> None:
            delays.append(seconds)
            if len(delays) >= 6:
                six_polls.set()
            await asyncio.sleep(0)

        poller = FeedPoller(
            feeds=[feed],
            client=client,
            ingestor=make_ingestor(sink),
            backoff=Backoff(base_s=1, cap_s=10),
            sleep=fake_sleep,
            rand=lambda: 0.5,
        )
        task = asyncio.create_task(poller.run())
        try:
            async with asyncio.timeout(20):
                await six_polls.wait()
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        # ok, 304, 500 → backoff(1), 500 → backoff(2), recovered → interval, 304 → interval
        assert delays[:6] == [7, 7, 0.75, 1.5, 7, 7]
        assert [s.id for s in sink.stories] == ["a", "b", "c"]

    def test_backoff_is_capped_and_jittered(self) -> None:
        backoff = Backoff(base_s=2, cap_s=30)
        assert backoff.delay(1, lambda: 0.0) == 1.0
        assert backoff.delay(1, lambda: 1.0) == 2.0
        assert backoff.delay(3, lambda: 1.0) == 8.0
        assert backoff.delay(50, lambda: 1.0) == 30.0
        assert 15.0 <= backoff.delay(50) <= 30.0

    async def test_unreachable_article_falls_back_to_the_summary(
        self, server: ScriptedServer, client: httpx.AsyncClient
    ) -> None:
        server.routes["/feed.xml"] = lambda s: Reply(
            200, rss(("x", f"{server.base}/gone", "Only a summary."))
        )
        sink = MemorySink()
        feed = FeedSource(url=f"{server.base}/feed.xml")
        poller = FeedPoller(feeds=[feed], client=client, ingestor=make_ingestor(sink))
        assert await poller.poll_once(feed) == "fetched"
        assert [s.body for s in sink.stories] == ["Only a summary."]
        assert [r.source for r in sink.rejects] == [f"{server.base}/gone"]
        assert "HTTP 404" in sink.rejects[0].reason

    async def test_unreachable_feed_is_a_failure_not_a_dead_letter(self) -> None:
        sink = MemorySink()
        feed = FeedSource(url=f"http://127.0.0.1:{free_port()}/feed.xml")  # a real socket: refused
        async with make_http_client(HttpLimits(connect_timeout_s=5, read_timeout_s=5)) as client:
            poller = FeedPoller(feeds=[feed], client=client, ingestor=make_ingestor(sink))
            assert await poller.poll_once(feed) == "failed"
        assert poller.state(feed).failures == 1
        assert sink.rejects == []


# --- web pages ----------------------------------------------------------------------------------


class TestWebPageFetcher:
    async def test_redirect_is_followed_and_the_final_url_kept(
        self, server: ScriptedServer, client: httpx.AsyncClient
    ) -> None:
        server.routes["/old"] = lambda s: Reply(301, headers={"Location": "/new?utm_source=x"})
        server.routes["/new?utm_source=x"] = lambda s: Reply(
            200, page("Moved story", LONG), {"Content-Type": "text/html"}
        )
        sink = MemorySink()
        outcome = await WebPageFetcher(client=client, ingestor=make_ingestor(sink)).ingest(
            f"{server.base}/old"
        )
        assert not outcome.rejected
        assert [s.title for s in sink.stories] == ["Moved story"]
        assert sink.stories[0].url == f"{server.base}/new"  # canonical: tracking parameter dropped
        assert server.hits("/old")[0].headers["user-agent"] == USER_AGENT

    async def test_redirect_loop_is_bounded(self, server: ScriptedServer, client: httpx.AsyncClient) -> None:
        server.routes["/loop"] = lambda s: Reply(302, headers={"Location": "/loop"})
        sink = MemorySink()
        fetcher = WebPageFetcher(
            client=client, ingestor=make_ingestor(sink), limits=HttpLimits(max_redirects=3)
        )
        outcome = await fetcher.ingest(f"{server.base}/loop")
        assert outcome.rejected
        assert len(server.hits("/loop")) == 4
        assert "more than 3 redirects" in sink.rejects[0].reason

    @pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
    async def test_size_limit_goes_to_the_dlq_with_a_clear_reason(
        self, server: ScriptedServer, client: httpx.AsyncClient, content_length: bool
    ) -> None:
        big = page("Big", "x" * 200_000)
        server.routes["/big"] = lambda s: Reply(
            200, big, {"Content-Type": "text/html"}, content_length=content_length
        )
        sink = MemorySink()
        fetcher = WebPageFetcher(
            client=client, ingestor=make_ingestor(sink), limits=HttpLimits(max_bytes=10_000)
        )
        outcome = await fetcher.ingest(f"{server.base}/big")
        assert isinstance(outcome.error, InputTooLargeError)
        assert sink.stories == []
        [letter] = sink.rejects
        assert letter.error_type == "InputTooLargeError"
        assert "exceeds the limit of 10000 bytes" in letter.reason
        assert letter.source == f"{server.base}/big"

    async def test_page_without_text_is_dead_lettered(
        self, server: ScriptedServer, client: httpx.AsyncClient
    ) -> None:
        server.routes["/empty"] = lambda s: Reply(
            200, b"<html><body></body></html>", {"Content-Type": "text/html"}
        )
        sink = MemorySink()
        await WebPageFetcher(client=client, ingestor=make_ingestor(sink)).ingest(f"{server.base}/empty")
        assert [r.reason for r in sink.rejects] == [
            "no article text in the page (origin=" + f"{server.base}/empty)"
        ]

    async def test_non_http_urls_are_refused(self, client: httpx.AsyncClient) -> None:
        sink = MemorySink()
        await WebPageFetcher(client=client, ingestor=make_ingestor(sink)).ingest("file:///etc/passwd")
        assert "only http and https" in sink.rejects[0].reason


# --- the ingestor ------------------------------------------------------------------------------


class TestIngestor:
    async def test_bad_input_is_dead_lettered_and_ingestion_goes_on(self) -> None:
        sink = MemorySink()
        ingestor = make_ingestor(sink)
        bad = await ingestor.ingest(b"{not json", origin="test")
        good = await ingestor.ingest(b'{"id": "s1", "title": "T", "body": "B"}', origin="test")
        assert bad.rejected
        assert not good.rejected
        [letter] = sink.rejects
        assert (letter.stage, letter.source, letter.raw) == ("ingest", "test", b"{not json")
        assert letter.reason.startswith("invalid JSON")
        assert [s.id for s in sink.stories] == ["s1"]

    async def test_a_parser_bug_is_dead_lettered_not_raised(self) -> None:
        def buggy(data: bytes, **kwargs: Any) -> list[Story]:
            raise KeyError("oops")

        sink = MemorySink()
        outcome = await Ingestor(sink=sink, now=Clock(), parser=buggy).ingest(b"x", origin="test")
        assert outcome.rejected
        assert sink.rejects[0].error_type == "KeyError"

    async def test_duplicates_are_dropped(self) -> None:
        sink = MemorySink()
        ingestor = make_ingestor(sink)
        doc = b'{"id": "s1", "title": "T", "body": "B"}'
        await ingestor.ingest(doc, origin="a")
        outcome = await ingestor.ingest(doc, origin="b")
        assert [s.id for s in outcome.duplicates] == ["s1"]
        assert len(sink.stories) == 1
        assert ingestor.dedup.dropped == 1

    async def test_concurrent_copies_are_emitted_once_and_a_failed_emit_can_be_retried(self) -> None:
        class SlowFlakySink(MemorySink):
            fail = True

            async def emit(self, story: Story) -> None:
                await asyncio.sleep(0.01)
                if self.fail:
                    self.fail = False
                    raise ConnectionError("bus down")
                await super().emit(story)

        sink = SlowFlakySink()
        ingestor = make_ingestor(sink)
        doc = b'{"id": "s1", "title": "T", "body": "B"}'
        with pytest.raises(ConnectionError):
            await ingestor.ingest(doc, origin="a")  # infrastructure errors propagate
        outcomes = await asyncio.gather(*(ingestor.ingest(doc, origin=f"c{n}") for n in range(3)))
        assert sorted(len(o.emitted) for o in outcomes) == [0, 0, 1]
        assert [s.id for s in sink.stories] == ["s1"]

    async def test_embargo_is_held_until_due(self) -> None:
        clock = Clock()
        sink = MemorySink()
        ingestor = make_ingestor(sink, clock=clock)
        lift = (NOW + timedelta(minutes=5)).isoformat()
        outcome = await ingestor.ingest(
            json.dumps({"id": "e", "body": "B", "embargo": lift}).encode(), origin="t"
        )
        assert [s.id for s in outcome.held] == ["e"]
        assert await ingestor.release_due() == []
        assert sink.stories == []
        clock.now = NOW + timedelta(minutes=5)
        assert [s.id for s in await ingestor.release_due()] == ["e"]
        assert [s.id for s in sink.stories] == ["e"]
        assert ingestor.held == ()

    async def test_run_releases_embargoes_in_the_background(self) -> None:
        clock = Clock()
        sink = MemorySink()
        ingestor = make_ingestor(sink, clock=clock)
        lift = (NOW + timedelta(seconds=1)).isoformat()
        await ingestor.ingest(json.dumps({"id": "e", "body": "B", "embargo": lift}).encode(), origin="t")
        async with asyncio.timeout(5), asyncio.TaskGroup() as group:
            task = group.create_task(ingestor.run(interval_s=0.01))
            clock.now = NOW + timedelta(seconds=2)
            while not sink.stories:
                await asyncio.sleep(0.01)
            task.cancel()
        assert [s.id for s in sink.stories] == ["e"]

    async def test_a_retraction_replaces_a_held_story(self) -> None:
        sink = MemorySink()
        ingestor = make_ingestor(sink)
        lift = (NOW + timedelta(hours=1)).isoformat()
        await ingestor.ingest(json.dumps({"id": "e", "body": "B", "embargo": lift}).encode(), origin="t")
        await ingestor.ingest(
            json.dumps({"id": "e", "body": "B", "pubstatus": "canceled"}).encode(), origin="t"
        )
        assert ingestor.held == ()
        assert [s.pubstatus for s in sink.stories] == [PubStatus.CANCELED]


# --- drop folder -------------------------------------------------------------------------------


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_file())


class TestDropFolder:
    async def test_files_before_and_after_start_broken_ones_fail_and_the_watcher_goes_on(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "early.txt").write_text("Early story\n\nIt was there before the watcher started.")
        (tmp_path / ".hidden.txt").write_text("never read")
        sink = MemorySink()
        folder = DropFolder(
            path=tmp_path, ingestor=make_ingestor(sink), settle_s=0.05, rescan_s=0.5, debounce_ms=20
        )
        async with asyncio.TaskGroup() as group:
            task = group.create_task(folder.run())
            await wait_for(lambda: len(sink.stories) == 1)
            # A writer that writes under a temporary name and renames when done.
            (tmp_path / "late.json.tmp").write_text(
                '{"id": "late", "title": "Late", "body": "Dropped later."}'
            )
            (tmp_path / "late.json.tmp").rename(tmp_path / "late.json")
            (tmp_path / "broken.json").write_text('{"id": "broken", "title": ')
            await wait_for(lambda: len(sink.stories) == 2 and len(sink.rejects) == 1)
            (tmp_path / "after.txt").write_text("After the failure\n\nThe watcher carried on.")
            await wait_for(lambda: len(sink.stories) == 3)
            await wait_for(lambda: len(names(folder.processed_dir)) == 3)
            task.cancel()
        assert names(folder.processed_dir) == ["after.txt", "early.txt", "late.json"]
        assert names(folder.failed_dir) == ["broken.json"]
        assert names(tmp_path) == [".hidden.txt", ".wirewatch-folder.lock"]
        assert sink.rejects[0].source == str(tmp_path / "broken.json")
        assert sink.rejects[0].reason.startswith("invalid JSON")

    async def test_an_oversized_file_fails_without_being_read_whole(self, tmp_path: Path) -> None:
        (tmp_path / "huge.txt").write_bytes(b"x" * 200_001)
        sink = MemorySink()
        folder = DropFolder(path=tmp_path, ingestor=make_ingestor(sink, max_bytes=100_000), settle_s=0)
        folder.make_dirs()
        assert await folder.scan() == 1
        assert sink.rejects[0].error_type == "InputTooLargeError"
        # The whole file's size, and that only its head was kept (was: the head's size, not truncated).
        assert sink.rejects[0].raw_size == 200_001
        assert sink.rejects[0].raw_truncated
        assert len(sink.rejects[0].raw) == 64 * 1024
        assert names(folder.failed_dir) == ["huge.txt"]

    async def test_a_file_still_being_written_waits(self, tmp_path: Path) -> None:
        sink = MemorySink()
        folder = DropFolder(path=tmp_path, ingestor=make_ingestor(sink), settle_s=0.2)
        folder.make_dirs()
        target = tmp_path / "growing.txt"
        target.write_text("Part one")

        async def keep_writing() -> None:
            for _ in range(3):
                await asyncio.sleep(0.05)
                with target.open("a") as handle:
                    handle.write(" and more")

        async with asyncio.TaskGroup() as group:
            group.create_task(keep_writing())
            assert await folder.scan() == 0
        assert await folder.scan() == 1
        assert sink.stories[0].title.endswith("and more")

    def test_candidate_names(self) -> None:
        assert is_candidate_name("story.xml")
        for name in (".x.txt", "x.tmp", "x.part", "x.txt~", "~$x.docx", "x.crdownload"):
            assert not is_candidate_name(name)


# --- stdin -------------------------------------------------------------------------------------


def reader_of(data: bytes, limit: int = 2**16) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=limit)
    reader.feed_data(data)
    reader.feed_eof()
    return reader


class TestStdinSource:
    async def test_json_lines_with_a_bad_line(self) -> None:
        sink = MemorySink()
        data = b'\n{"id": "1", "body": "One"}\n{broken\n\n{"id": "2", "body": "Two"}'
        count = await StdinSource(reader=reader_of(data), ingestor=make_ingestor(sink)).run()
        assert count == 3
        assert [s.id for s in sink.stories] == ["1", "2"]
        assert [r.source for r in sink.rejects] == ["stdin:3"]

    async def test_plain_text_is_one_story(self) -> None:
        sink = MemorySink()
        data = b"Storm closes port\n\nThe harbour authority said.\nMore text.\n"
        assert await StdinSource(reader=reader_of(data), ingestor=make_ingestor(sink)).run() == 1
        [story] = sink.stories
        assert story.format == "text"
        assert "harbour" in story.body

    async def test_an_over_long_line_is_dead_lettered(self) -> None:
        sink = MemorySink()
        data = b'{"id": "1", "body": "One"}\n' + b"x" * 300 + b'\n{"id": "2", "body": "Two"}\n'
        await StdinSource(reader=reader_of(data), ingestor=make_ingestor(sink), max_line=100).run()
        assert [s.id for s in sink.stories] == ["1", "2"]
        (letter,) = sink.rejects
        assert letter.error_type == "InputTooLargeError"
        # Its true size; kept whole (300 bytes fit the 64 KiB head), so not truncated.
        assert (letter.source, letter.raw_size, letter.raw_truncated) == ("stdin:2", 300, False)

    async def test_empty_input(self) -> None:
        sink = MemorySink()
        assert await StdinSource(reader=reader_of(b"\n\n"), ingestor=make_ingestor(sink)).run() == 0


class TestOpenStdinReader:
    async def test_a_pipe(self) -> None:
        read_fd, write_fd = os.pipe()
        os.write(write_fd, b'{"id": "p1", "body": "Piped"}\n')
        os.close(write_fd)
        with os.fdopen(read_fd, "rb", buffering=0) as stream:
            reader = await open_stdin_reader(stream=stream)
            sink = MemorySink()
            assert await StdinSource(reader=reader, ingestor=make_ingestor(sink)).run() == 1
            await asyncio.sleep(0)  # at EOF the pipe transport closes itself
        assert [s.id for s in sink.stories] == ["p1"]

    async def test_a_regular_file(self, tmp_path: Path) -> None:
        path = tmp_path / "in.txt"
        path.write_bytes(b"Storm closes port\n\nThe harbour authority said.")
        with path.open("rb") as stream:
            reader = await open_stdin_reader(stream=stream)
        sink = MemorySink()
        assert await StdinSource(reader=reader, ingestor=make_ingestor(sink)).run() == 1


# --- HTTP endpoint -----------------------------------------------------------------------------


@pytest.fixture
async def http() -> AsyncIterator[tuple[httpx.AsyncClient, MemorySink]]:
    sink = MemorySink()
    app = create_ingest_app(make_ingestor(sink, max_bytes=1_000), TOKEN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as c:
        yield c, sink


AUTH = {"Authorization": f"Bearer {TOKEN}"}


class TestHttpIngestApp:
    async def test_auth(self, http: tuple[httpx.AsyncClient, MemorySink]) -> None:
        c, sink = http
        missing = await c.post("/stories", content=b"x")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = await c.post("/stories", content=b"x", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        assert sink.stories == []
        assert sink.rejects == []

    async def test_good_story_is_accepted(self, http: tuple[httpx.AsyncClient, MemorySink]) -> None:
        c, sink = http
        doc = {"id": "h1", "title": "T", "body": "B"}
        first = await c.post("/stories", json=doc, headers=AUTH)
        assert first.status_code == 202
        assert first.json() == {"accepted": ["h1"], "duplicates": [], "held": []}
        again = await c.post("/stories", json=doc, headers=AUTH)
        assert again.json() == {"accepted": [], "duplicates": ["h1"], "held": []}
        assert [s.id for s in sink.stories] == ["h1"]
        text = await c.post(
            "/stories", content=b"A plain story\n\nBody.", headers=AUTH | {"Content-Type": "text/plain"}
        )
        assert text.status_code == 202

    async def test_bad_input_is_422_with_the_reason_and_dead_lettered(
        self, http: tuple[httpx.AsyncClient, MemorySink]
    ) -> None:
        c, sink = http
        response = await c.post("/stories", content=b'{"title": "no body"}', headers=AUTH)
        assert response.status_code == 422
        assert response.json()["detail"].startswith("JSON without a story body")
        assert [r.reason for r in sink.rejects] == [response.json()["detail"]]

    async def test_empty_body_is_400(self, http: tuple[httpx.AsyncClient, MemorySink]) -> None:
        c, _ = http
        response = await c.post("/stories", content=b"  ", headers=AUTH)
        assert response.status_code == 400
        assert "empty body" in response.json()["detail"]

    async def test_oversize_is_413_with_a_clear_message(
        self, http: tuple[httpx.AsyncClient, MemorySink]
    ) -> None:
        c, sink = http
        response = await c.post("/stories", content=b"x" * 5_000, headers=AUTH)
        assert response.status_code == 413
        assert response.json()["limit_bytes"] == 1_000
        assert "exceeds the limit of 1000 bytes" in response.json()["detail"]
        assert sink.rejects[0].error_type == "InputTooLargeError"

    async def test_oversize_streamed_without_length(self, http: tuple[httpx.AsyncClient, MemorySink]) -> None:
        c, sink = http

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 500

        response = await c.post("/stories", content=chunks(), headers=AUTH)
        assert response.status_code == 413
        assert sink.rejects[0].raw_size > 1_000

    def test_an_empty_token_is_refused(self) -> None:
        with pytest.raises(ValueError, match="token"):
            create_ingest_app(make_ingestor(MemorySink()), "")


class TestHttpIngestAppOverSockets:
    async def test_real_uvicorn_on_localhost(self) -> None:
        sink = MemorySink()
        app = create_ingest_app(make_ingestor(sink, max_bytes=1_000), TOKEN)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", ws="none", log_level="warning")
        server = uvicorn.Server(config)
        async with asyncio.TaskGroup() as group:
            group.create_task(server.serve())
            await wait_for(lambda: server.started)
            port = server.servers[0].sockets[0].getsockname()[1]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=AUTH) as c:
                ok = await c.post("/stories", json={"id": "u1", "title": "T", "body": "B"})
                big = await c.post("/stories", content=b"z" * 4_000)
                bad = await c.post(
                    "/stories", content=b"{broken", headers={"Content-Type": "application/json"}
                )
            server.should_exit = True
        assert (ok.status_code, ok.json()["accepted"]) == (202, ["u1"])
        assert big.status_code == 413
        assert bad.status_code == 422
        assert [r.error_type for r in sink.rejects] == ["InputTooLargeError", "ParseError"]


# --- config ------------------------------------------------------------------------------------


class TestLoadSources:
    def test_yaml(self, tmp_path: Path) -> None:
        path = tmp_path / "sources.yaml"
        path.write_text(
            "feeds:\n  - {url: 'https://example.org/a.rss', name: a, interval_s: 60}\n"
            "pages:\n  - {url: 'https://example.org/p'}\n"
            "drop_folder: {path: inbox}\n"
            f"http: {{port: 9000, token: {TOKEN}}}\n"
            "limits: {max_bytes: 1000}\n"
        )
        config = load_sources(path)
        assert config.feeds[0].label == "a"
        assert config.drop_folder is not None
        assert config.drop_folder.path == tmp_path / "inbox"
        assert config.http is not None
        assert config.http.token.get_secret_value() == TOKEN
        assert config.limits.max_bytes == 1000

    def test_toml(self, tmp_path: Path) -> None:
        path = tmp_path / "sources.toml"
        path.write_text('[[feeds]]\nurl = "https://example.org/a.rss"\n[limits]\nread_timeout_s = 5\n')
        config = load_sources(path)
        assert config.feeds[0].interval_s == 300
        assert config.limits.read_timeout_s == 5

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("feeds: [{url: 'ftp://x'}]", "http:// or https://"),
            ("feeds: [{url: 'https://x', interval_s: 0}]", "greater than 0"),
            ("nope: 1", "Extra inputs"),
            ("- a list", "mapping"),
            ("feeds: [", "not valid yaml"),
        ],
    )
    def test_invalid_files_say_why(self, tmp_path: Path, text: str, reason: str) -> None:
        path = tmp_path / "sources.yaml"
        path.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(reason)):
            load_sources(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="cannot read"):
            load_sources(tmp_path / "absent.yaml")


# --- with the real parser ----------------------------------------------------------------------


class TestWithRealParser:
    async def test_text_through_http_and_garbage_to_the_dlq(self) -> None:
        sink = MemorySink()
        app = create_ingest_app(Ingestor(sink=sink, now=Clock()), TOKEN)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as c:
            ok = await c.post(
                "/stories",
                content=b"Storm closes port\n\nThe harbour authority said on Friday.",
                headers=AUTH | {"Content-Type": "text/plain"},
            )
            bad = await c.post("/stories", content=b"\n\n \n", headers=AUTH | {"Content-Type": "text/plain"})
        assert ok.status_code == 202
        assert [s.title for s in sink.stories] == ["Storm closes port"]
        assert bad.status_code in {400, 422}

    def test_dead_letters_carry_the_raw_bytes(self) -> None:
        letter = DeadLetter.build(
            stage="ingest", error=ParseError("bad", origin="o"), raw=b"raw", failed_at=NOW, source="o"
        )
        assert letter.raw == b"raw"

    async def test_feed_teaser_is_completed_from_the_linked_page(
        self, server: ScriptedServer, client: httpx.AsyncClient
    ) -> None:
        paragraphs = [
            "The harbour authority closed the port of Valletta on Friday after a storm damaged two piers.",
            "Ferries to Gozo were cancelled and some three hundred passengers were stranded overnight.",
            "Engineers said repairs would take at least a week, and that cargo would be diverted meanwhile.",
            "The transport minister told reporters the government would compensate affected businesses.",
        ]
        article = (
            "<html><head><title>Storm shuts Valletta port | Example News</title></head><body>"
            "<nav>Home | World | Sport</nav><article><h1>Storm shuts Valletta port</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs)
            + "</article><footer>Copyright Example News</footer></body></html>"
        ).encode()
        server.routes["/feed.rss"] = lambda s: Reply(
            200,
            rss(("urn:story:1", f"{server.base}/story/1", "Storm shuts Valletta port.")),
            {"Content-Type": "application/rss+xml", "ETag": '"e1"'},
        )
        server.routes["/story/1"] = lambda s: Reply(
            200, article, {"Content-Type": "text/html; charset=utf-8"}
        )
        sink = MemorySink()
        feed = FeedSource(url=f"{server.base}/feed.rss", name="example")
        poller = FeedPoller(feeds=[feed], client=client, ingestor=Ingestor(sink=sink, now=Clock()))
        assert await poller.poll_once(feed) == "fetched"
        assert sink.rejects == []
        [story] = sink.stories
        assert story.id == "urn:story:1"
        assert story.format == "rss"
        assert "three hundred passengers" in story.body
        assert len(server.hits("/story/1")) == 1

    async def test_drop_folder_with_real_formats(self, tmp_path: Path) -> None:
        (tmp_path / "wire.txt").write_text(
            "Storm closes port\n\nVALLETTA (Reuters) - The harbour authority said."
        )
        (tmp_path / "story.json").write_text(
            json.dumps({"id": "j1", "title": "Talks resume", "body": "In Geneva."})
        )
        (tmp_path / "broken.json").write_text('{"title": "cut')
        (tmp_path / "feed.xml").write_bytes(b"<?xml version='1.0'?><rss><channel><item><title>T")
        sink = MemorySink()
        folder = DropFolder(path=tmp_path, ingestor=Ingestor(sink=sink, now=Clock()), settle_s=0)
        folder.make_dirs()
        assert await folder.scan() == 4
        assert sorted(s.format for s in sink.stories) == ["json", "text"]
        assert names(folder.processed_dir) == ["story.json", "wire.txt"]
        assert names(folder.failed_dir) == ["broken.json", "feed.xml"]
        assert all(r.reason for r in sink.rejects)


class TestIngestMany:
    async def test_inputs_keep_their_order_and_a_bad_one_is_dead_lettered_alone(self) -> None:
        sink = MemorySink()
        ingestor = make_ingestor(sink)
        inputs = [
            RawInput(json.dumps({"id": "s1", "title": "One", "body": LONG}).encode(), origin="in:1"),
            RawInput(b"{not json", origin="in:2"),
            RawInput(
                json.dumps({"id": "s1", "version": 2, "title": "One", "body": LONG}).encode(), origin="in:3"
            ),
            RawInput(json.dumps({"id": "s2", "title": "Two", "body": LONG}).encode(), origin="in:4"),
        ]
        outcomes = await ingestor.ingest_many(inputs)
        assert [o.rejected for o in outcomes] == [False, True, False, False]
        assert [(s.id, s.version) for s in sink.stories] == [("s1", 1), ("s1", 2), ("s2", 1)]
        assert [r.source for r in sink.rejects] == ["in:2"]
        assert ingestor.counts == {"emitted": 3, "duplicates": 0, "held": 0, "rejected": 1}

    async def test_stdin_lines_arriving_together_are_ingested_in_batches_in_order(self) -> None:
        sink = MemorySink()
        ingestor = make_ingestor(sink)
        calls: list[int] = []
        many = ingestor.ingest_many

        async def spy(inputs: list[Any]) -> list[Any]:
            calls.append(len(inputs))
            return await many(inputs)

        ingestor.ingest_many = spy  # type: ignore[method-assign,assignment]
        lines = b"".join(
            json.dumps({"id": f"s{i}", "title": f"Story {i}", "body": LONG}).encode() + b"\n"
            for i in range(600)
        )
        assert await StdinSource(reader=reader_of(lines), ingestor=ingestor, batch=256).run() == 600
        assert [s.id for s in sink.stories] == [f"s{i}" for i in range(600)]
        assert max(calls) > 1  # a flood goes in batches, not a round trip per line
        assert max(calls) <= 256
