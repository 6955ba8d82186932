"""The SSE hub on its own, and ``GET /alerts/stream`` served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
from sse_starlette import ServerSentEvent

from alerts.api import create_api
from alerts.deliver.channels import SseHub
from alerts.store import SubscriptionStore
from schemas.models import Alert
from tests.factories import NOW, make_alert, make_subscription
from tests.helpers import serve_app
from wirewatch.bus.memory import MemoryBus

TOKENS = {"tok-alice": "alice", "tok-bob": "bob", "tok-ops": "ops"}


def alert(n: int, subscriber: str = "alice") -> Alert:
    return make_alert(
        key=f"{subscriber}-key-{n}",
        subscription_id=f"sub-{subscriber}",
        subscriber=subscriber,
        story_id=f"story-{n}",
        cluster_id=f"cluster-{n}",
        title=f"Story {n}",
    )


async def take(stream: AsyncIterator[ServerSentEvent], n: int) -> list[ServerSentEvent]:
    async with asyncio.timeout(5):
        return [await anext(stream) for _ in range(n)]


def data(event: ServerSentEvent) -> dict[str, Any]:
    assert isinstance(event.data, str)
    decoded: dict[str, Any] = json.loads(event.data)
    return decoded


def keys(events: list[ServerSentEvent]) -> list[str]:
    return [data(e)["key"] for e in events]


async def eventually(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not check():
            await asyncio.sleep(0.01)


class TestHub:
    def test_ids_increase_and_rings_keep_per_subscriber_and_global(self) -> None:
        hub = SseHub(first_id=100)
        assert [hub.publish(alert(1)), hub.publish(alert(2, "bob")), hub.publish(alert(3))] == [100, 101, 102]
        assert hub.last_id == 102
        assert [(e.id, e.alert.key) for e in hub.replay(100, subscriber="alice")] == [(102, "alice-key-3")]
        assert [e.id for e in hub.replay(0, subscriber=None)] == [100, 101, 102]
        assert hub.replay(0, subscriber="carol") == []

    def test_default_ids_are_creation_times_so_cursors_survive_a_restart(self) -> None:
        made = [alert(n).model_copy(update={"created_at": NOW + timedelta(seconds=n)}) for n in (1, 2)]
        before = SseHub()
        first = before.publish(made[0])
        assert first == int(made[0].created_at.timestamp() * 1_000_000)
        after = SseHub()  # a restarted process numbers the same alert the same, and a later one after it
        assert after.publish(made[0]) == first
        assert after.publish(made[1]) > first
        # two alerts made in the same microsecond still get ids of their own, in order
        twin = alert(3).model_copy(update={"created_at": made[1].created_at})
        assert after.publish(twin) == after.last_id == after.replay(first, subscriber=None)[-1].id

    async def test_catch_up_from_a_cursor_then_live(self) -> None:
        hub = SseHub(first_id=1)
        for n in range(1, 5):
            hub.publish(alert(n))
        hub.publish(alert(5, "bob"))
        stream = hub.stream(subscriber="alice", since=2)
        replayed = await take(stream, 2)
        assert [e.id for e in replayed] == ["3", "4"]
        assert keys(replayed) == ["alice-key-3", "alice-key-4"]
        hub.publish(alert(6, "bob"))
        hub.publish(alert(7))
        live = await take(stream, 1)
        assert [(e.id, e.event) for e in live] == [("7", "alert")]
        assert keys(live) == ["alice-key-7"]
        await stream.aclose()  # type: ignore[attr-defined]
        assert hub.clients == 0

    async def test_without_a_cursor_only_live_events(self) -> None:
        hub = SseHub(first_id=1)
        hub.publish(alert(1))
        stream = hub.stream(subscriber=None, since=None)
        pending = asyncio.ensure_future(anext(stream))
        await eventually(lambda: hub.clients == 1)
        hub.publish(alert(2, "bob"))
        async with asyncio.timeout(5):
            event = await pending
        assert keys([event]) == ["bob-key-2"]
        await stream.aclose()  # type: ignore[attr-defined]

    async def test_a_slow_client_is_dropped_with_a_reason_and_others_carry_on(self) -> None:
        hub = SseHub(first_id=1, client_queue_size=2)
        slow = hub.stream(subscriber="alice", since=None)
        fast = hub.stream(subscriber="alice", since=None)
        fast_first = asyncio.ensure_future(anext(fast))
        slow_first = asyncio.ensure_future(anext(slow))
        await eventually(lambda: hub.clients == 2)
        received: list[ServerSentEvent] = []
        hub.publish(alert(1))
        received.append(await fast_first)
        for n in range(2, 6):  # the slow client reads nothing meanwhile
            hub.publish(alert(n))
            received += await take(fast, 1)
        assert keys(received) == [f"alice-key-{n}" for n in range(1, 6)]
        assert hub.clients == 1  # the slow one is gone; its queue no longer grows
        async with asyncio.timeout(5):
            got = [await slow_first] + [e async for e in slow]
        # it got what fitted in its queue (2) besides the one it was waiting for, then the reason
        assert [e.event for e in got] == ["alert", "alert", "alert", "dropped"]
        assert keys(got[:3]) == ["alice-key-1", "alice-key-2", "alice-key-3"]
        assert "slow client" in data(got[-1])["reason"]
        await fast.aclose()  # type: ignore[attr-defined]

    async def test_gap_when_the_cursor_is_older_than_the_buffer(self) -> None:
        hub = SseHub(first_id=1, buffer_size=3)
        for n in range(1, 7):
            hub.publish(alert(n))
        stream = hub.stream(subscriber="alice", since=1)
        got = await take(stream, 4)
        assert got[0].event == "gap"
        assert data(got[0]) == {"since": 1, "forgotten_upto": 3}
        assert [e.id for e in got[1:]] == ["4", "5", "6"]
        await stream.aclose()  # type: ignore[attr-defined]

    async def test_alerts_published_during_the_replay_come_once(self) -> None:
        hub = SseHub(first_id=1, buffer_size=2)
        for n in range(1, 4):
            hub.publish(alert(n))
        stream = hub.stream(subscriber="alice", since=0)
        first = await take(stream, 1)  # the gap notice; the backlog is already taken
        hub.publish(alert(4))
        rest = await take(stream, 3)
        assert [e.event for e in first] == ["gap"]
        assert [e.id for e in rest] == ["2", "3", "4"]
        await stream.aclose()  # type: ignore[attr-defined]

    async def test_a_cursor_from_the_future_replays_the_buffer(self) -> None:
        hub = SseHub(first_id=1)
        hub.publish(alert(1))
        stream = hub.stream(subscriber="alice", since=10_000)
        assert keys(await take(stream, 1)) == ["alice-key-1"]
        await stream.aclose()  # type: ignore[attr-defined]

    async def test_close_ends_the_streams(self) -> None:
        hub = SseHub(first_id=1)
        stream = hub.stream(subscriber="alice", since=None)
        pending = asyncio.ensure_future(anext(stream, None))
        await eventually(lambda: hub.clients == 1)
        hub.close()
        async with asyncio.timeout(5):
            assert await pending is None
        assert [e async for e in hub.stream(subscriber="alice", since=0)] == []

    async def test_the_hub_is_a_channel(self) -> None:
        hub = SseHub(first_id=1)
        await hub.send(alert(1), make_subscription("sub-alice"))
        assert [e.alert.key for e in hub.replay(0, subscriber="alice")] == ["alice-key-1"]


async def read_events(lines: AsyncIterator[str], n: int) -> list[dict[str, str]]:
    """The next ``n`` SSE events from a response's lines (comments and pings skipped)."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    async with asyncio.timeout(5):
        async for line in lines:
            if not line:
                if current:
                    events.append(current)
                    current = {}
                    if len(events) == n:
                        return events
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            current[name] = value.removeprefix(" ")
    return events


@contextlib.asynccontextmanager
async def api_with_hub(hub: SseHub) -> AsyncIterator[str]:
    store = SubscriptionStore(MemoryBus())
    async with serve_app(create_api(store, TOKENS, sse=hub, admins=frozenset({"ops"}))) as url:
        yield url
        hub.close()


def client(url: str, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=10)


class TestStreamEndpoint:
    async def test_since_catch_up_then_live_over_http(self) -> None:
        hub = SseHub(first_id=1)
        for n in range(1, 4):
            hub.publish(alert(n))
        hub.publish(alert(4, "bob"))
        async with api_with_hub(hub) as url, client(url, "tok-alice") as http:
            async with http.stream("GET", "/alerts/stream", params={"since": 1}) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                lines = response.aiter_lines()
                caught_up = await read_events(lines, 2)
                hub.publish(alert(5, "bob"))
                hub.publish(alert(6))
                live = await read_events(lines, 1)
            await eventually(lambda: hub.clients == 0)
        events = caught_up + live
        assert [(e["id"], e["event"]) for e in events] == [("2", "alert"), ("3", "alert"), ("6", "alert")]
        assert [Alert.model_validate_json(e["data"]).key for e in events] == [
            "alice-key-2",
            "alice-key-3",
            "alice-key-6",
        ]

    async def test_last_event_id_header_resumes(self) -> None:
        hub = SseHub(first_id=1)
        for n in range(1, 4):
            hub.publish(alert(n))
        async with (
            api_with_hub(hub) as url,
            client(url, "tok-alice") as http,
            http.stream("GET", "/alerts/stream", headers={"Last-Event-ID": "2"}) as response,
        ):
            events = await read_events(response.aiter_lines(), 1)
        assert [e["id"] for e in events] == ["3"]

    async def test_auth_and_the_ops_scope(self) -> None:
        hub = SseHub(first_id=1)
        hub.publish(alert(1))
        hub.publish(alert(2, "bob"))
        async with api_with_hub(hub) as url:
            async with client(url, None) as anonymous:
                assert (await anonymous.get("/alerts/stream")).status_code == 401
            async with client(url, "tok-alice") as alice:
                assert (await alice.get("/alerts/stream", params={"scope": "all"})).status_code == 403
            async with (
                client(url, "tok-ops") as ops,
                ops.stream("GET", "/alerts/stream", params={"since": 0, "scope": "all"}) as response,
            ):
                events = await read_events(response.aiter_lines(), 2)
        assert [Alert.model_validate_json(e["data"]).key for e in events] == ["alice-key-1", "bob-key-2"]


async def test_the_stream_is_in_the_openapi_document() -> None:
    async with api_with_hub(SseHub()) as url, client(url, None) as http:
        doc = (await http.get("/openapi.json")).json()
    stream = doc["paths"]["/alerts/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert {p["name"] for p in stream["parameters"]} == {"since", "scope", "last-event-id"}
