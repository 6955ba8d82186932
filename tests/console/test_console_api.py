"""The console's JSON/SSE endpoints, in process over the memory bus (no browser)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import structlog.testing
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from alerts.api import create_api
from alerts.console import (
    LOCAL_OPERATOR,
    Authority,
    Console,
    console_router,
    for_settings,
    local_operator_token,
)
from alerts.deliver.channels.sse import SseHub
from alerts.store import SubscriptionStore
from schemas import DeadLetter, Story, Topics
from tests.factories import (
    NOW,
    make_alert,
    make_enriched,
    make_mention,
    make_story,
    make_subscription,
    make_tag,
)
from tests.helpers import serve_app
from wirewatch.bus import MemoryBus, topic_specs
from wirewatch.settings import Settings

TOKENS = {"tok-alice": "alice", "tok-bob": "bob", "tok-ops": "ops"}
ALICE = {"Authorization": "Bearer tok-alice"}
BOB = {"Authorization": "Bearer tok-bob"}
OPS = {"Authorization": "Bearer tok-ops"}


@dataclass
class Rig:
    bus: MemoryBus
    topics: Topics
    console: Console
    hub: SseHub
    client: httpx.AsyncClient
    registry: CollectorRegistry
    app: FastAPI


async def _until(check: object, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():  # type: ignore[operator]
            await asyncio.sleep(0.02)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    bus = MemoryBus()
    topics = Topics("console")
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    store = SubscriptionStore(bus, topics=topics)
    await store.put(make_subscription("a-1", subscriber="alice", query="actor:NATO"))
    await store.put(make_subscription("b-1", subscriber="bob", query="country:UA", paused=True))
    registry = CollectorRegistry()
    hub = SseHub(first_id=1)
    console = Console(
        bus=bus,
        topics=topics,
        store=store,
        hub=hub,
        bus_label="memory",
        mqtt=("127.0.0.1", 1),
        registry=registry,
    )
    router = console_router(console, Authority(TOKENS, frozenset({"ops"})))
    app = create_api(store, TOKENS, hub, admins=frozenset({"ops"}), console=router)
    follow = asyncio.create_task(console.follow())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
        try:
            yield Rig(bus, topics, console, hub, client, registry, app)
        finally:
            follow.cancel()
            await asyncio.gather(follow, return_exceptions=True)
            await console.close()


async def _dead_letter(
    rig: Rig, story: Story, *, reason: str = "tagger unavailable", **extra: object
) -> DeadLetter:
    fields: dict[str, object] = {"topic": rig.topics.raw, "partition": 0, "offset": 7, "key": story.id}
    fields.update(extra)
    letter = DeadLetter.build(
        stage="process",
        error=reason,
        raw=story.to_bytes(),
        failed_at=NOW,
        **fields,  # type: ignore[arg-type]
    )
    await rig.bus.publish(rig.topics.dlq, letter.to_bytes(), key=story.id.encode())
    return letter


class TestPageAndAuth:
    async def test_root_and_dashboard_lead_to_the_console_page(self, rig: Rig) -> None:
        for path in ("/", "/dashboard", "/console"):
            res = await rig.client.get(path)
            assert res.status_code == 307
            assert res.headers["location"] == "/console/"
        page = await rig.client.get("/console/")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "/console/static/console.js" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        # nothing from the internet: every script, style and image is the package's own
        assert not re.search(r"""(src|href)=["'](https?:)?//""", page.text)
        script = (await rig.client.get("/console/static/console.js")).text
        assert not re.search(r"""["'`](https?:)?//""", script)

    async def test_assets_are_served_by_exact_name_only(self, rig: Rig) -> None:
        for name, kind in (("console.js", "javascript"), ("console.css", "css"), ("world.svg", "svg")):
            res = await rig.client.get(f"/console/static/{name}")
            assert res.status_code == 200, name
            assert kind in res.headers["content-type"]
        assert (await rig.client.get("/console/static/..%2Froutes.py")).status_code == 404
        assert (await rig.client.get("/console/static/nope.js")).status_code == 404

    async def test_every_api_call_needs_a_token_and_operators_only_reach_operations(self, rig: Rig) -> None:
        assert (await rig.client.get("/console/api/me")).status_code == 401
        assert (
            await rig.client.get("/console/api/me", headers={"Authorization": "Bearer nope"})
        ).status_code == 401
        assert (await rig.client.get("/console/api/me", headers=ALICE)).json() == {
            "who": "alice",
            "role": "analyst",
        }
        assert (await rig.client.get("/console/api/me", headers=OPS)).json() == {
            "who": "ops",
            "role": "operator",
        }
        for path in ("/console/api/ops", "/console/api/dlq", "/console/api/subscriptions"):
            assert (await rig.client.get(path, headers=ALICE)).status_code == 403, path
            assert (await rig.client.get(path, headers=OPS)).status_code == 200, path
        res = await rig.client.post("/console/api/dlq/redrive", json={"all": True}, headers=ALICE)
        assert res.status_code == 403

    async def test_the_stream_takes_a_ticket_not_the_token(self, rig: Rig) -> None:
        assert (
            await rig.client.get("/console/api/alerts/stream", params={"ticket": "tok-alice"})
        ).status_code == 401
        ticket = (await rig.client.post("/console/api/ticket", headers=ALICE)).json()["ticket"]
        forged = ticket.rsplit(".", 1)[0] + ".AAAA"
        assert (
            await rig.client.get("/console/api/alerts/stream", params={"ticket": forged})
        ).status_code == 401


async def _read_keys(client: httpx.AsyncClient, ticket: str, want: int) -> list[str]:
    """The alert keys of the first ``want`` events of the stream (the backlog first, oldest first)."""
    keys: list[str] = []
    params: dict[str, str | int] = {"ticket": ticket, "since": 0}
    async with asyncio.timeout(10), client.stream("GET", "/console/api/alerts/stream", params=params) as res:
        async for line in res.aiter_lines():
            if line.startswith("data:"):
                keys.append(json.loads(line[5:])["key"])
            if len(keys) == want:
                break
    return sorted(keys)


class TestAlertsAreOwnOnly:
    async def test_an_analyst_streams_own_alerts_and_an_operator_all(self, rig: Rig) -> None:
        # bob's before and after alice's: a leak would show as the first (or second) event
        rig.hub.publish(make_alert(key="k-b1", subscriber="bob", subscription_id="b-1"))
        rig.hub.publish(make_alert(key="k-a", subscriber="alice", subscription_id="a-1"))
        rig.hub.publish(make_alert(key="k-b2", subscriber="bob", subscription_id="b-1"))
        seen: dict[str, list[str]] = {}
        # a real server: the in-process transport would wait for the endless stream to end
        async with serve_app(rig.app) as base, httpx.AsyncClient(base_url=base) as client:
            for headers, who, want in ((ALICE, "alice", 1), (BOB, "bob", 2), (OPS, "ops", 3)):
                ticket = (await client.post("/console/api/ticket", headers=headers)).json()["ticket"]
                seen[who] = await _read_keys(client, ticket, want)
        assert seen == {"alice": ["k-a"], "bob": ["k-b1", "k-b2"], "ops": ["k-a", "k-b1", "k-b2"]}

    async def test_cluster_history_shows_only_the_callers_alerts(self, rig: Rig) -> None:
        rig.hub.publish(make_alert(key="k-a", subscriber="alice", subscription_id="a-1", cluster_id="c-1"))
        rig.hub.publish(make_alert(key="k-b", subscriber="bob", subscription_id="b-1", cluster_id="c-1"))
        alice = (await rig.client.get("/console/api/clusters/c-1", headers=ALICE)).json()
        ops = (await rig.client.get("/console/api/clusters/c-1", headers=OPS)).json()
        assert [a["key"] for a in alice["alerts"]] == ["k-a"]
        assert sorted(a["key"] for a in ops["alerts"]) == ["k-a", "k-b"]


class TestDeadLetters:
    async def test_letters_by_reason_with_a_safe_preview(self, rig: Rig) -> None:
        story = make_story(id="s-1", title="<script>alert(1)</script>\x00\x07 NATO")
        await _dead_letter(rig, story, reason="tagger unavailable")
        await _dead_letter(rig, make_story(id="s-2"), reason="tagger unavailable")
        ingest = DeadLetter.build(
            stage="ingest", error="not a story", raw=b"\xff\xfe garbage", failed_at=NOW, source="inbox/x.bin"
        )
        await rig.bus.publish(rig.topics.dlq, ingest.to_bytes())
        await _until(lambda: len(rig.console.letters) == 3)
        dlq = (await rig.client.get("/console/api/dlq", headers=OPS)).json()
        assert dlq["reasons"][0] == {
            "stage": "process",
            "error_type": "Rejected",
            "reason": "tagger unavailable",
            "count": 2,
        }
        by_source = {letter["source"] or letter["key"]: letter for letter in dlq["letters"]}
        garbage = by_source["inbox/x.bin"]
        assert garbage["not_redrivable"].startswith("came from a file")
        assert garbage["preview"].startswith("\ufffd\ufffd garbage")
        first = by_source["s-1"]
        assert first["not_redrivable"] is None
        assert "\x00" not in first["preview"]
        assert "\x07" not in first["preview"]
        only = (await rig.client.get("/console/api/dlq", params={"stage": "ingest"}, headers=OPS)).json()
        assert [letter["source"] for letter in only["letters"]] == ["inbox/x.bin"]

    async def test_redrive_one_sends_the_original_bytes_back_once(self, rig: Rig) -> None:
        story = make_story(id="s-1")
        await _dead_letter(rig, story)
        await _until(lambda: len(rig.console.letters) == 1)
        (letter_id,) = [k.id for k in rig.console.letters.select()]
        first = await rig.client.post("/console/api/dlq/redrive", json={"ids": [letter_id]}, headers=OPS)
        again = await rig.client.post(
            "/console/api/dlq/redrive", json={"ids": [letter_id, "9-9"]}, headers=OPS
        )
        assert first.json() == {"redriven": [letter_id], "skipped": []}
        assert again.json()["redriven"] == []
        assert {s["why"] for s in again.json()["skipped"]} == {"already redriven", "no such letter"}
        (sent,) = rig.bus.records(rig.topics.raw)
        assert sent.value == story.to_bytes()
        assert sent.key == b"s-1"
        assert sent.header("wirewatch-redrive-of") == f"{rig.topics.dlq}/{letter_id}".encode()
        dlq = (await rig.client.get("/console/api/dlq", headers=OPS)).json()
        assert dlq["letters"][0]["redriven_by"] == "ops"

    async def test_two_redrives_at_once_send_a_letter_once(self, rig: Rig) -> None:
        await _dead_letter(rig, make_story(id="s-1"))
        await _until(lambda: len(rig.console.letters) == 1)
        results = await asyncio.gather(
            *(rig.client.post("/console/api/dlq/redrive", json={"all": True}, headers=OPS) for _ in range(3))
        )
        assert sorted(len(r.json()["redriven"]) for r in results) == [0, 0, 1]
        assert len(rig.bus.records(rig.topics.raw)) == 1

    async def test_redrive_a_filtered_set_or_all(self, rig: Rig) -> None:
        await _dead_letter(rig, make_story(id="s-1"), reason="tagger unavailable")
        await _dead_letter(rig, make_story(id="s-2"), reason="tagger unavailable")
        await _dead_letter(rig, make_story(id="s-3"), reason="bus hiccup")
        truncated = DeadLetter.build(
            stage="process",
            error="big",
            raw=b"x" * 100,
            failed_at=NOW,
            limit=10,
            topic=rig.topics.raw,
            key="s-4",
        )
        await rig.bus.publish(rig.topics.dlq, truncated.to_bytes())
        await _until(lambda: len(rig.console.letters) == 4)
        some = await rig.client.post(
            "/console/api/dlq/redrive", json={"reason": "tagger unavailable", "stage": "process"}, headers=OPS
        )
        assert len(some.json()["redriven"]) == 2
        assert [r.key for r in rig.bus.records(rig.topics.raw)] == [b"s-2", b"s-1"]  # newest first
        rest = await rig.client.post("/console/api/dlq/redrive", json={"all": True}, headers=OPS)
        assert len(rest.json()["redriven"]) == 1
        assert [s["why"] for s in rest.json()["skipped"] if "bytes" in s["why"]] == [
            "only 10 of its 100 bytes were kept"
        ]
        assert len(rig.bus.records(rig.topics.raw)) == 3

    async def test_a_redrive_names_one_selection(self, rig: Rig) -> None:
        for body in ({}, {"all": True, "ids": ["0-1"]}, {"all": True, "reason": "x"}):
            res = await rig.client.post("/console/api/dlq/redrive", json=body, headers=OPS)
            assert res.status_code == 422, body


class TestOperations:
    async def test_stages_lag_and_counts_from_the_registry(self, rig: Rig) -> None:
        messages = Counter("wirewatch_messages_total", "m", ["stage", "outcome"], registry=rig.registry)
        handle = Histogram("wirewatch_handle_seconds", "h", ["stage"], registry=rig.registry)
        lag = Gauge("wirewatch_consumer_lag", "l", ["group", "topic", "partition"], registry=rig.registry)
        messages.labels("process", "ok").inc(9)
        messages.labels("process", "dead_letter").inc(1)
        handle.labels("process").observe(0.004)
        lag.labels("wirewatch-process", "wirewatch.stories.raw", "0").set(42)
        ops = (await rig.client.get("/console/api/ops", headers=OPS)).json()
        (stage,) = ops["stages"]
        assert stage["stage"] == "process"
        assert stage["handled"] == 10
        assert stage["errors"] == 1
        assert stage["handle_ms_mean"] == pytest.approx(4.0)
        assert ops["lag"] == [
            {
                "metric": "wirewatch_consumer_lag",
                "labels": {"group": "wirewatch-process", "topic": "wirewatch.stories.raw", "partition": "0"},
                "value": 42.0,
            }
        ]
        assert ops["subscriptions"] == {
            "total": 2,
            "paused": 1,
            "subscribers": 2,
            "by_subscriber": {"alice": 1, "bob": 1},
        }
        conns = {c["name"]: c for c in ops["connections"]}
        assert conns["mqtt"]["state"] == "unreachable"  # nothing listens on port 1
        assert conns["bus"]["state"] in {"connected", "connecting"}


class TestStoriesAndQueries:
    async def test_recent_stories_with_tags_and_country_counts(self, rig: Rig) -> None:
        title = "NATO warns Russia"
        nato = make_tag("NATO", mentions=(make_mention("NATO", within=title),))
        for i in range(3):
            story = make_enriched(
                id=f"s-{i}", title=title, actors=(nato,), countries=("RU", "UA") if i else ("RU",)
            )
            await rig.bus.publish(rig.topics.enriched, story.to_bytes(), key=story.cluster_id.encode())
        await _until(lambda: len(rig.console.stories) == 3)
        data = (await rig.client.get("/console/api/stories", headers=BOB)).json()
        assert data["countries"] == {"RU": 3, "UA": 2}
        assert [s["id"] for s in data["stories"]] == ["s-2", "s-1", "s-0"]
        assert data["stories"][0]["tags"]["actors"] == ["NATO"]
        one = (await rig.client.get("/console/api/stories/s-1", headers=BOB)).json()
        assert one["body"].startswith("Defence ministers")

    async def test_places_below_country_level_with_their_points_and_counts(self, rig: Rig) -> None:
        kharkiv = make_tag(
            "Kharkiv", id="706483", type="city", geo={"lat": 49.98, "lon": 36.25, "feature": "P"}
        )
        ukraine = make_tag("Ukraine", id="UA", type="country", geo={"lat": 49.0, "lon": 31.4, "feature": "A"})
        for i in range(2):
            places = (kharkiv, ukraine) if i else (ukraine,)
            story = make_enriched(id=f"p-{i}", places=places, countries=("UA",))
            await rig.bus.publish(rig.topics.enriched, story.to_bytes(), key=story.cluster_id.encode())
        await _until(lambda: len(rig.console.stories) == 2)
        data = (await rig.client.get("/console/api/stories", headers=BOB)).json()
        assert data["places"] == [
            {"id": "706483", "name": "Kharkiv", "lat": 49.98, "lon": 36.25, "stories": 1}
        ]

    async def test_query_check_gives_the_column_and_suggestions(self, rig: Rig) -> None:
        nato = make_tag("NATO")
        story = make_enriched(id="s-1", actors=(nato,))
        await rig.bus.publish(rig.topics.enriched, story.to_bytes(), key=b"c")
        await _until(lambda: len(rig.console.stories) == 1)
        bad = (
            await rig.client.post("/console/api/query/check", json={"query": "actor:NATO AND"}, headers=ALICE)
        ).json()
        assert bad["ok"] is False
        assert bad["error"]["column"] == 15
        hint = (
            await rig.client.post("/console/api/query/check", json={"query": "actor:NATOO"}, headers=ALICE)
        ).json()
        assert hint["ok"] is True
        assert hint["hints"][0]["suggestions"] == ["NATO"]
        fine = (
            await rig.client.post(
                "/console/api/query/check", json={"query": "actor:nato AND country:UA"}, headers=ALICE
            )
        ).json()
        assert fine == {"ok": True, "clauses": 2, "hints": []}

    async def test_backtest_progress_hits_and_owner_only(self, rig: Rig) -> None:
        nato = make_tag("NATO", mentions=(make_mention("NATO", within="NATO ministers meet in Brussels"),))
        for i in range(5):
            story = make_enriched(id=f"s-{i}", actors=(nato,) if i % 2 == 0 else (), ingested_at=NOW)
            await rig.bus.publish(rig.topics.enriched, story.to_bytes(), key=b"c")
        since = NOW.replace(year=NOW.year - 1).isoformat()
        res = await rig.client.post(
            "/console/api/backtests", json={"query": "actor:NATO", "since": since}, headers=ALICE
        )
        assert res.status_code == 202
        job_id = res.json()["id"]
        job: dict[str, object] = {}
        async with asyncio.timeout(10):
            while job.get("state") != "done":
                job = (await rig.client.get(f"/console/api/backtests/{job_id}", headers=ALICE)).json()
                await asyncio.sleep(0.05)
        assert job["read"] == job["total"] == 5
        assert job["matched"] == 3
        hits = job["hits"]
        assert isinstance(hits, list)
        assert hits[0]["explanation"][0]["clause"] == "actor:NATO"
        assert (await rig.client.get(f"/console/api/backtests/{job_id}", headers=BOB)).status_code == 404
        bad = await rig.client.post("/console/api/backtests", json={"query": "actor:"}, headers=ALICE)
        assert bad.status_code == 400


class TestFirstRun:
    async def test_with_no_token_configured_one_operator_token_is_made_and_logged(self) -> None:
        bus = MemoryBus()
        topics = Topics("console")
        await bus.ensure_topics(topic_specs(topics, partitions=1))
        store = SubscriptionStore(bus, topics=topics)
        settings = Settings(topic_prefix="console")
        with structlog.testing.capture_logs() as logs:
            tokens = local_operator_token()
        ((token, who),) = tokens.items()
        assert who == LOCAL_OPERATOR
        assert [entry["token"] for entry in logs] == [token]
        _, router = for_settings(settings, bus, store, None, tokens)
        app = create_api(store, tokens, console=router)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c") as client:
            me = await client.get("/console/api/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json() == {"who": "operator", "role": "operator"}
            assert (
                await client.get("/subscriptions", headers={"Authorization": f"Bearer {token}"})
            ).status_code == 200
