"""Helpers shared by the test modules (not fixtures)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.machinery
import importlib.util
import json
import os
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import aiomqtt
import pytest
import uvicorn

from schemas import Alert, Subscription
from schemas.models import Story

if TYPE_CHECKING:
    from fastapi import FastAPI

    from processors import Tagger, Tags

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "nato-russia-border-scraped.txt"
NATO_BORDER_QUERY = 'actor:NATO AND region:"Russia–Ukraine border"'


def seed_text() -> bytes:
    """The canonical scraped input (shared/ sits beside the clone, in CI too)."""
    if not SEED.exists():
        raise FileNotFoundError(f"seed story missing: {SEED} (shared/ must sit beside the repository)")
    return SEED.read_bytes()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve_app(app: FastAPI) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn on a free port of 127.0.0.1 for the block; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    with sock:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(server.serve(sockets=[sock]), name="uvicorn")
            async with asyncio.timeout(5):
                while not server.started:
                    await asyncio.sleep(0.01)
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                server.should_exit = True


@dataclass(frozen=True)
class WebhookHit:
    """One POST a ``webhook_receiver`` got: its headers, its body and the status it answered."""

    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class WebhookReceiver:
    """Where a ``webhook_receiver`` listens, and every POST it got so far, in order."""

    url: str
    hits: list[WebhookHit] = field(default_factory=list)


@contextlib.contextmanager
def webhook_receiver(*, fail_times: float = 0, fail_status: int = 500) -> Iterator[WebhookReceiver]:
    """A real HTTP server on 127.0.0.1 for the block: answers ``fail_status`` ``fail_times`` times, then 200.

    ``fail_times=math.inf`` fails every request. Every POST is recorded in ``hits``.
    """
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                status = fail_status if len(receiver.hits) < fail_times else 200
                receiver.hits.append(WebhookHit(dict(self.headers), body, status))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = WebhookReceiver(f"http://127.0.0.1:{server.server_port}/hook")
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def write_subscriptions(path: Path, subs: Sequence[Subscription]) -> Path:
    """Write a subscriptions file as ``wirewatch run --subscriptions`` reads it."""
    path.write_text(json.dumps([s.model_dump(mode="json") for s in subs]))
    return path


async def collect_alerts(client: aiomqtt.Client, *, want: int, timeout: float) -> list[tuple[str, Alert]]:
    """Read MQTT messages until ``want`` alerts arrived or ``timeout`` passed."""
    got: list[tuple[str, Alert]] = []
    try:
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                payload = message.payload
                assert isinstance(payload, bytes | bytearray)
                got.append((str(message.topic), Alert.from_bytes(bytes(payload))))
                if len(got) >= want:
                    break
    except TimeoutError:
        pass
    return got


@functools.cache
def source_module(package: str, name: str) -> ModuleType:
    """The Python source of ``<package>.<name>``, a module of a compiled group, beside the build.

    A compiled group's modules (``<package>._compiled.COMPILED``: the tagger, its steps in
    ``processors.tagging``, ``text`` and ``kb``; or the query fast path in ``alerts.query``) import
    each other, so the whole group is imported from its ``.py`` files at once, under its own
    names, then moved aside (to ``<package>._source.<name>``) and the build put back:
    ``<package>.*`` stays the build, and the source modules see only each other.
    """
    group = importlib.import_module(f"{package}._compiled").group()
    alias = f"{package}._source"
    if f"{alias}.{group.modules[0]}" not in sys.modules:
        names = [f"{package}.{n}" for n in group.modules]
        build = {n: sys.modules.pop(n) for n in names if n in sys.modules}
        finder = group.source_finder()
        sys.meta_path.insert(0, finder)
        try:
            for full in names:
                importlib.import_module(full)  # dataclasses look their module up while it executes
        finally:
            sys.meta_path.remove(finder)
            for full in names:
                module = sys.modules.pop(full, None)
                if module is not None:
                    sys.modules[f"{alias}.{full.removeprefix(package + '.')}"] = module
            sys.modules.update(build)
            for full, module in build.items():  # the import set the source on the parent package
                parent, _, child = full.rpartition(".")
                setattr(sys.modules[parent], child, module)
    return sys.modules[f"{alias}.{name}"]


def tagger_source_module(name: str = "tagger") -> ModuleType:
    """The source of ``processors.<name>`` (see :func:`source_module`).

    Build the source tagger with the source ``KnowledgeBase``
    (``tagger_source_module().KnowledgeBase``): the enums differ.
    """
    return source_module("processors", name)


# The file name suffix of a mypyc extension on our machines (CPython 3.11, x86-64 Linux).
SUFFIX = ".cpython-311-x86_64-linux-gnu.so"


def stamp(path: Path, later: float) -> None:
    """Create ``path`` (empty) with a modification time ``later`` seconds from now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    when = time.time() + later
    os.utime(path, (when, when))


def compiled_tree(tmp: Path, monkeypatch: pytest.MonkeyPatch, compiled: ModuleType, package: str) -> Path:
    """A tree with ``package``'s compiled modules' sources, written well before any build.

    ``compiled``: the package's ``_compiled`` module (its group, ``COMPILED`` and ``choose_build``).
    """
    monkeypatch.setattr(compiled, "_HERE", tmp.joinpath(*package.split(".")))
    monkeypatch.setattr(importlib.machinery, "EXTENSION_SUFFIXES", [SUFFIX])
    monkeypatch.delenv("WIREWATCH_PURE", raising=False)
    monkeypatch.setattr(sys, "meta_path", [])  # choose_build installs its finder there
    for name in compiled.COMPILED:
        stamp(compiled.group().source_path(name), -100.0)
    return tmp


def build_tree(tree: Path, compiled: ModuleType, package: str, later: float) -> None:
    """Stamp the group's library (at the top of the tree) and its modules' extensions ``later``."""
    stamp(tree / f"{compiled.GROUP}__mypyc{SUFFIX}", later)
    for name in compiled.COMPILED:
        stamp(tree.joinpath(*package.split("."), f"{name}{SUFFIX}"), later)


@functools.cache
def packaged_tagger() -> Tagger:
    """One tagger over the packaged knowledge base for a test session (a build takes seconds)."""
    # Imported here: the build tests choose between the compiled and the source tagger themselves.
    from processors import KnowledgeBase, Tagger  # noqa: PLC0415

    return Tagger(KnowledgeBase.load())


def tag_body(body: str, language: str | None, *, now: datetime | None = None) -> Tags:
    """The packaged tagger's tags of a story that is ``body`` alone (ingested ``now``: 2024-04-18)."""
    story = Story(
        id="t",
        title="",
        body=body,
        language=language,
        source="test",
        content_hash="h",
        ingested_at=now or datetime(2024, 4, 18, 12, 0, tzinfo=UTC),
    )
    return packaged_tagger().tag(story)
