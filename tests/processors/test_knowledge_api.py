"""``/knowledge`` on the API: lookup, entries, and a query's unknown values with close names."""

from __future__ import annotations

import asyncio

import httpx

from alerts.api import create_api
from alerts.query import tag_values
from alerts.store import SubscriptionStore
from alerts.text import norm_value
from processors.knowledge_service import KnowledgeService, knowledge_router
from schemas import Topics
from tests.helpers import serve_app
from wirewatch.bus import MemoryBus, topic_specs

TOKENS = {"tok-alice": "alice"}
ZORVEX = {"id": "user:zorvex", "kind": "actor", "name": "Zorvex Drones", "aliases": ["Zorvex"]}


async def test_knowledge_routes() -> None:
    bus, topics = MemoryBus(), Topics("tk")
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    service = KnowledgeService(bus, topics.knowledge, norm=norm_value, values=tag_values)
    app = create_api(
        SubscriptionStore(bus, topics=topics),
        TOKENS,
        knowledge=lambda auth: knowledge_router(service, auth),
        check_query=service.checked,
    )
    follow = asyncio.create_task(service.table.follow())
    try:
        await asyncio.wait_for(service.table.ready.wait(), 10)
        async with (
            serve_app(app) as url,
            httpx.AsyncClient(
                base_url=url, headers={"Authorization": "Bearer tok-alice"}, timeout=120
            ) as http,
        ):
            assert (
                await http.get("/knowledge/lookup", params={"name": "x"}, headers={"Authorization": ""})
            ).status_code == 401

            check = (
                await http.get("/knowledge/check", params={"query": "actor:NATOO AND country:UA"})
            ).json()
            (warning,) = check["warnings"]
            assert (warning["field"], warning["value"], warning["suggestions"][0]) == (
                "actor",
                "NATOO",
                "NATO",
            )
            assert (await http.get("/knowledge/check", params={"query": "actor:(NATO"})).status_code == 400

            created = await http.post("/subscriptions", json={"query": "actor:NATOO AND topic:diplomacy"})
            assert created.status_code == 201, created.text
            (warning,) = created.json()["warnings"]
            assert (warning["value"], warning["suggestions"][0]) == ("NATOO", "NATO")
            replaced = await http.put(f"/subscriptions/{created.json()['id']}", json={"query": "actor:NATO"})
            assert replaced.json()["warnings"] == []

            put = await http.put("/knowledge/user:zorvex", json=ZORVEX)
            assert put.status_code == 200, put.text
            assert put.json()["added_by"] == "alice"
            assert [e["id"] for e in (await http.get("/knowledge")).json()] == ["user:zorvex"]
            (found,) = (await http.get("/knowledge/lookup", params={"name": "Zorvex"})).json()
            assert (found["id"], found["added"]) == ("user:zorvex", True)
            check = (await http.get("/knowledge/check", params={"query": 'actor:"Zorvex Drones"'})).json()
            assert check["warnings"] == []

            refused = await http.put(
                "/knowledge/Q7184", json={"id": "Q7184", "kind": "topic", "aliases": ["x"]}
            )
            assert refused.status_code == 400
            assert "is a actor" in refused.json()["detail"]
            mismatch = await http.put("/knowledge/other", json=ZORVEX)
            assert mismatch.status_code == 400

            assert (await http.delete("/knowledge/user:zorvex")).status_code == 204
            assert (await http.delete("/knowledge/user:zorvex")).status_code == 404
            assert (await http.get("/knowledge")).json() == []
    finally:
        follow.cancel()
