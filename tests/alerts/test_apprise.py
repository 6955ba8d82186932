"""Apprise channel against a real JSON receiver on 127.0.0.1 (apprise's ``json://`` POSTs there)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from alerts.deliver.channels import AppriseChannel, dead_letter_for, render
from alerts.errors import DeliveryError
from schemas.models import Alert, AlertKind, Subscription
from tests.factories import NOW, make_alert, make_clause, make_mention, make_subscription

# Apprise's plugin loader imports the stdlib's deprecated imghdr on Python 3.11 (not our code).
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

QUAKE_TITLE = "Earthquake hits Kyiv region"


def quake_alert(kind: AlertKind = AlertKind.NEW) -> Alert:
    return make_alert(
        kind=kind,
        title=QUAKE_TITLE,
        url="https://example.test/quake",
        query="topic:earthquake AND country:UA",
        explanation=(
            make_clause(
                "country:UA", tag_name="Ukraine", mentions=(make_mention("Kyiv", within=QUAKE_TITLE),)
            ),
        ),
    )


def apprise_subscription(*urls: str) -> Subscription:
    return make_subscription(
        query="topic:earthquake AND country:UA", channels=("apprise",), apprise_urls=urls
    )


@dataclass
class JsonReceiver:
    """Records JSON POSTs by path; ``failures[path]`` first answers are 500s."""

    failures: dict[str, int] = field(default_factory=dict)
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    port: int = 0

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            if not request_line:
                return
            _, path, _ = request_line.decode().split(" ", 2)
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            self.hits[path] += 1
            status = 500 if self.hits[path] <= self.failures.get(path, 0) else 200
            if status == 200:
                self.posts[path].append(json.loads(body))
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def json_receiver(**failures: int) -> AsyncIterator[JsonReceiver]:
    recv = JsonReceiver({f"/{k}": v for k, v in failures.items()})
    server = await asyncio.start_server(recv.handle, "127.0.0.1", 0)
    recv.port = server.sockets[0].getsockname()[1]
    async with server:
        yield recv
        server.close()


def fast_channel(attempts: int = 3) -> AppriseChannel:
    return AppriseChannel(attempts=attempts, wait_initial_s=0.01, wait_max_s=0.05, wait_jitter_s=0.0)


class TestAppriseChannel:
    async def test_alert_arrives_at_every_url(self) -> None:
        alert = quake_alert()
        async with json_receiver() as recv:
            await fast_channel().send(alert, apprise_subscription(recv.url("/a"), recv.url("/b")))
        assert set(recv.posts) == {"/a", "/b"}
        for posts in recv.posts.values():
            assert len(posts) == 1
            assert posts[0]["title"] == alert.title
            message = posts[0]["message"]
            assert "country:UA = Ukraine (“Kyiv”)" in message
            assert "Link: https://example.test/quake" in message
            assert alert.key in message

    async def test_a_retry_only_goes_to_the_target_that_failed(self) -> None:
        async with json_receiver(b=2) as recv:
            await fast_channel().send(quake_alert(), apprise_subscription(recv.url("/a"), recv.url("/b")))
        assert dict(recv.hits) == {"/a": 1, "/b": 3}
        assert len(recv.posts["/a"]) == len(recv.posts["/b"]) == 1

    async def test_always_failing_raises_delivery_error(self) -> None:
        alert = quake_alert()
        async with json_receiver(a=99) as recv:
            with pytest.raises(DeliveryError) as info:
                await fast_channel(attempts=2).send(alert, apprise_subscription(recv.url("/a")))
        assert recv.hits["/a"] == 2
        assert (info.value.channel, info.value.target, info.value.attempts) == ("apprise", "json://…", 2)
        dead = dead_letter_for(alert, info.value, NOW)
        assert dead.source == "apprise:json://…"
        assert Alert.from_bytes(dead.raw) == alert

    async def test_an_unknown_url_is_refused_without_sending(self) -> None:
        with pytest.raises(DeliveryError, match="does not understand") as info:
            await fast_channel().send(quake_alert(), apprise_subscription("nosuchscheme://token@host"))
        assert info.value.attempts == 0
        assert "token" not in str(info.value)

    async def test_no_urls_is_a_delivery_error(self) -> None:
        with pytest.raises(DeliveryError, match="no apprise_urls"):
            await fast_channel().send(quake_alert(), apprise_subscription())


def test_render_marks_updates_and_lists_why() -> None:
    title, body = render(quake_alert(AlertKind.UPDATE))
    assert title == "[update] Earthquake hits Kyiv region"
    assert body.splitlines() == [
        "Earthquake hits Kyiv region",
        "",
        "Why:",
        "  • country:UA = Ukraine (“Kyiv”)",
        "Link: https://example.test/quake",
        "Query: topic:earthquake AND country:UA",
        "Alert: sub-1:cluster-9:new",
    ]
