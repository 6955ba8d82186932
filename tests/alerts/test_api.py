"""The HTTP API served by uvicorn on 127.0.0.1, over a SubscriptionStore on the in-memory bus."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from alerts.api import SubscriptionOut, create_api
from alerts.backtest import backtest, parse_since, topic_backtester
from alerts.errors import InvalidSinceError, QueryError
from alerts.query import compile_query
from alerts.store import SubscriptionStore
from schemas.models import EnrichedStory, Subscription
from schemas.topics import Topics
from tests.factories import make_enriched, make_tag
from tests.helpers import serve_app
from wirewatch.bus.base import TopicSpec
from wirewatch.bus.memory import MemoryBus
from wirewatch.metrics import Readiness

NOW = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)
TOKENS = {"tok-alice": "alice", "tok-bob": "bob", "tok-ops": "ops"}
BAD_QUERY = "actor:NATO AND (country:UA"


def story(story_id: str, actor: str, age: timedelta) -> EnrichedStory:
    return make_enriched(
        id=story_id,
        title=f"{actor} says something",
        body="Body.",
        source="wire",
        url=f"https://example.test/{story_id}",
        content_hash=story_id,
        published_at=NOW - age,
        ingested_at=NOW - age,
        actors=(make_tag(actor),),
    )


@dataclass
class Api:
    bus: MemoryBus
    topics: Topics
    store: SubscriptionStore
    url: str

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=10)


@contextlib.asynccontextmanager
async def running_api(name: str) -> AsyncIterator[Api]:
    topics = Topics(name)
    bus = MemoryBus()
    await bus.ensure_topics([TopicSpec(topics.subscriptions, compacted=True), TopicSpec(topics.enriched)])
    for s in (story("new", "NATO", timedelta(days=2)), story("old", "NATO", timedelta(days=10))):
        await bus.publish(topics.enriched, s.to_bytes(), key=s.cluster_id.encode())
    await bus.publish(topics.enriched, story("eu", "EU", timedelta(days=1)).to_bytes(), key=b"c-eu")
    store = SubscriptionStore(bus, topics=topics, poll_timeout_s=0.05)
    app = create_api(
        store,
        TOKENS,
        sse=None,
        backtest=topic_backtester(bus, topics=topics),
        admins=frozenset({"ops"}),
        clock=lambda: NOW,
    )
    async with serve_app(app) as url:
        yield Api(bus, topics, store, url)


class TestAuth:
    async def test_401_without_or_with_an_unknown_token(self) -> None:
        async with running_api("t-auth") as api:
            for token in (None, "nope"):
                async with api.client(token) as http:
                    for r in (
                        await http.get("/subscriptions"),
                        await http.post("/subscriptions", json={"query": "actor:NATO"}),
                        await http.get("/subscriptions/x"),
                        await http.post("/backtest", json={"query": "actor:NATO"}),
                    ):
                        assert r.status_code == 401
                        assert r.headers["www-authenticate"] == "Bearer"
            async with api.client() as http:
                health = await http.get("/healthz")
            assert health.status_code == 200
            assert health.json()["status"] == "ok"


class TestSubscriptions:
    async def test_crud(self) -> None:
        async with running_api("t-crud") as api, api.client("tok-alice") as http:
            created = await http.post(
                "/subscriptions",
                json={
                    "query": "actor:NATO",
                    "options": {"channels": ["webhook"], "webhook_url": "https://h.test"},
                },
            )
            assert created.status_code == 201
            answered = SubscriptionOut.model_validate(created.json())
            assert answered.warnings == []  # no knowledge check configured here
            sub = Subscription.model_validate(answered.model_dump(exclude={"warnings"}))
            assert (sub.subscriber, sub.query, sub.options.webhook_url) == (
                "alice",
                "actor:NATO",
                "https://h.test",
            )
            assert created.headers["location"] == f"/subscriptions/{sub.id}"

            listed = await http.get("/subscriptions")
            assert [Subscription.model_validate(s) for s in listed.json()] == [sub]
            assert Subscription.model_validate((await http.get(f"/subscriptions/{sub.id}")).json()) == sub

            replaced = await http.put(f"/subscriptions/{sub.id}", json={"query": "actor:EU"})
            assert replaced.status_code == 200
            assert replaced.json()["query"] == "actor:EU"
            assert replaced.json()["options"]["channels"] == ["mqtt"]  # PUT replaces the options too
            assert (await http.get(f"/subscriptions/{sub.id}")).json()["query"] == "actor:EU"

            assert (await http.delete(f"/subscriptions/{sub.id}")).status_code == 204
            assert (await http.get(f"/subscriptions/{sub.id}")).status_code == 404
            assert (await http.get("/subscriptions")).json() == []

            # every write went to the compacted topic: a fresh store sees the same state
            fresh = SubscriptionStore(api.bus, topics=api.topics, poll_timeout_s=0.05)
            assert await fresh.rebuild() == 0
            values = [r.value for r in api.bus.records(api.topics.subscriptions)]
            assert len(values) == 3
            assert values[-1] is None

    async def test_subscribers_are_isolated(self) -> None:
        async with (
            running_api("t-isolation") as api,
            api.client("tok-alice") as alice,
            api.client("tok-bob") as bob,
        ):
            sub_id = (await alice.post("/subscriptions", json={"query": "actor:NATO"})).json()["id"]
            await bob.post("/subscriptions", json={"query": "actor:EU"})

            assert [s["query"] for s in (await bob.get("/subscriptions")).json()] == ["actor:EU"]
            missing = await bob.get("/subscriptions/does-not-exist")
            for r in (
                await bob.get(f"/subscriptions/{sub_id}"),
                await bob.delete(f"/subscriptions/{sub_id}"),
            ):
                # exactly what a missing id answers: nothing says the subscription exists
                assert (r.status_code, r.json()) == (404, missing.json())
            # A PUT to a missing id creates it, so one to a taken id can only be refused: 409, and
            # nothing of the subscription (not whose, not what) is in the answer.
            taken = await bob.put(f"/subscriptions/{sub_id}", json={"query": "actor:UN"})
            assert taken.status_code == 409
            assert taken.json() == {
                "detail": "id not available: choose another (or POST to get one made for you)"
            }
            assert "alice" not in taken.text
            assert "NATO" not in taken.text
            mine = await alice.get(f"/subscriptions/{sub_id}")
            assert (mine.status_code, mine.json()["query"]) == (200, "actor:NATO")
            assert [s["query"] for s in (await alice.get("/subscriptions")).json()] == ["actor:NATO"]

    async def test_invalid_query_is_400_pointing_at_the_error(self) -> None:
        with pytest.raises(QueryError) as expected:
            compile_query(BAD_QUERY)
        async with running_api("t-400") as api, api.client("tok-alice") as http:
            r = await http.post("/subscriptions", json={"query": BAD_QUERY})
            assert r.status_code == 400
            detail = r.json()["detail"]
            assert detail["error"] == "invalid_query"
            assert detail["query"] == BAD_QUERY
            assert detail["message"] == expected.value.reason
            assert detail["position"] == expected.value.position
            assert detail["column"] == expected.value.position + 1
            assert (
                detail["pointer"].splitlines()[-1].index("^")
                == detail["pointer"].splitlines()[0].index("a") + (detail["position"])
            )
            sub_id = (await http.post("/subscriptions", json={"query": "actor:NATO"})).json()["id"]
            r = await http.put(f"/subscriptions/{sub_id}", json={"query": BAD_QUERY})
            assert r.status_code == 400
            assert (await http.get(f"/subscriptions/{sub_id}")).json()["query"] == "actor:NATO"
            assert len(api.bus.records(api.topics.subscriptions)) == 1  # nothing invalid was published

    async def test_malformed_bodies_are_422(self) -> None:
        async with running_api("t-422") as api, api.client("tok-alice") as http:
            assert (await http.post("/subscriptions", json={})).status_code == 422
            assert (await http.post("/subscriptions", json={"query": "x", "id": "mine"})).status_code == 422
            r = await http.post("/subscriptions", json={"query": "x", "options": {"min_confidence": 2}})
            assert r.status_code == 422
            for options, message in (
                ({"channels": ["webhook"]}, "webhook_url"),
                ({"channels": ["webhook"], "webhook_url": "file:///etc/passwd"}, "webhook_url"),
                ({"channels": ["mqtt", "apprise"]}, "apprise_urls"),
                ({"channels": ["mqtt", "pigeon"]}, "unknown channel pigeon"),
            ):
                r = await http.post("/subscriptions", json={"query": "actor:NATO", "options": options})
                assert r.status_code == 422
                assert message in r.json()["detail"][0]["msg"]
            assert api.bus.records(api.topics.subscriptions) == []


class TestBacktest:
    async def test_backtest_returns_the_matches_since_with_why(self) -> None:
        async with running_api("t-backtest") as api, api.client("tok-bob") as http:
            r = await http.post("/backtest", json={"query": "actor:NATO", "since": "7d"})
            assert r.status_code == 200
            body = r.json()
            assert body["total"] == 1
            assert [h["story_id"] for h in body["hits"]] == ["new"]
            assert body["hits"][0]["explanation"][0]["clause"] == "actor:NATO"
            r = await http.post("/backtest", json={"query": "actor:NATO", "since": "2026-11-01T00:00:00Z"})
            assert [h["story_id"] for h in r.json()["hits"]] == ["old", "new"]

    async def test_backtest_errors(self) -> None:
        async with running_api("t-backtest-errors") as api, api.client("tok-bob") as http:
            r = await http.post("/backtest", json={"query": BAD_QUERY, "since": "7d"})
            assert (r.status_code, r.json()["detail"]["error"]) == (400, "invalid_query")
            r = await http.post("/backtest", json={"query": "actor:NATO", "since": "last tuesday"})
            assert r.status_code == 400
            assert "duration" in r.json()["detail"]


class TestPutCreates:
    async def test_a_put_to_a_new_id_creates_it_under_that_id(self) -> None:
        async with running_api("t-put-create") as api, api.client("tok-alice") as http:
            created = await http.put("/subscriptions/ukraine-border", json={"query": "actor:NATO"})
            assert created.status_code == 201
            assert created.headers["location"] == "/subscriptions/ukraine-border"
            assert created.json()["id"] == "ukraine-border"
            assert created.json()["subscriber"] == "alice"
            got = await http.get("/subscriptions/ukraine-border")
            assert (got.status_code, got.json()["query"]) == (200, "actor:NATO")
            again = await http.put("/subscriptions/ukraine-border", json={"query": "actor:EU"})
            assert (again.status_code, again.json()["query"]) == (200, "actor:EU")
            assert "location" not in again.headers
            assert [s.id for s in api.store.by_subscriber("alice")] == ["ukraine-border"]

    async def test_an_id_it_cannot_take_is_422_and_nothing_is_published(self) -> None:
        async with running_api("t-put-bad-id") as api, api.client("tok-alice") as http:
            for bad in ("bad+id", "bad%20id", "x" * 129):
                r = await http.put(f"/subscriptions/{bad}", json={"query": "actor:NATO"})
                assert r.status_code == 422, bad
                assert r.json()["detail"][0]["loc"] == ["path", "sub_id"]
            assert api.bus.records(api.topics.subscriptions) == []

    async def test_a_deleted_id_can_be_taken_again(self) -> None:
        async with (
            running_api("t-put-reuse") as api,
            api.client("tok-alice") as alice,
            api.client("tok-bob") as bob,
        ):
            assert (
                await alice.put("/subscriptions/shared-name", json={"query": "actor:NATO"})
            ).status_code == 201
            assert (
                await bob.put("/subscriptions/shared-name", json={"query": "actor:EU"})
            ).status_code == 409
            assert (await alice.delete("/subscriptions/shared-name")).status_code == 204
            r = await bob.put("/subscriptions/shared-name", json={"query": "actor:EU"})
            assert (r.status_code, r.json()["subscriber"]) == (201, "bob")


class TestOpsEndpoints:
    async def test_readyz_says_which_check_fails(self) -> None:
        readiness = Readiness()
        readiness.reset("bus", "subscriptions")
        store = SubscriptionStore(MemoryBus(), topics=Topics("t-ready"))
        async with (
            serve_app(create_api(store, TOKENS, readiness=readiness)) as url,
            httpx.AsyncClient() as http,
        ):
            r = await http.get(f"{url}/readyz")  # no token: probes carry none
            assert r.status_code == 503
            assert r.json()["checks"]["bus"] == {"ok": False, "detail": "not yet"}
            readiness.mark("bus", detail="embedded: topics ready")
            readiness.mark("subscriptions")
            r = await http.get(f"{url}/readyz")
            assert (r.status_code, r.json()["ready"]) == (200, True)

    async def test_the_docs_pages_load_nothing_from_the_internet(self) -> None:
        async with running_api("t-docs") as api, api.client() as http:
            for page in ("/docs", "/redoc"):
                r = await http.get(page)
                assert r.status_code == 200
                refs = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", r.text)
                assert refs, page
                for ref in refs:
                    assert ref.startswith("/"), f"{page} loads {ref} from elsewhere"
                    assert not ref.startswith("//"), ref
                    asset = await http.get(ref)
                    assert asset.status_code == 200, ref
                    assert asset.content, ref
            assert "cdn." not in (await http.get("/docs")).text


async def test_openapi_is_published() -> None:
    async with running_api("t-openapi") as api, api.client() as http:
        r = await http.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert {"/subscriptions", "/subscriptions/{sub_id}", "/backtest", "/healthz"} <= set(doc["paths"])
    assert set(doc["paths"]["/subscriptions/{sub_id}"]) == {"get", "put", "delete"}
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    assert "QueryProblem" in doc["components"]["schemas"]


class TestBacktestFunction:
    def test_window_retractions_versions_and_limit(self) -> None:
        new, old = story("new", "NATO", timedelta(days=2)), story("old", "NATO", timedelta(days=10))
        v2 = new.model_copy(update={"version": 2})
        withdrawn = story("gone", "NATO", timedelta(days=1)).model_copy(update={"pubstatus": "canceled"})
        future = story("future", "NATO", timedelta(days=-1))
        stories = [new, old, new, v2, withdrawn, future, story("eu", "EU", timedelta(days=1))]
        hits = backtest("actor:NATO", stories, NOW - timedelta(days=7), NOW)
        assert [(h.story.id, h.story.version) for h in hits] == [("new", 1), ("new", 2)]
        assert hits[0].explanation[0].tag_name == "NATO"
        story_, explanation = hits[0]  # a hit is a (story, explanation) pair
        assert (story_, explanation) == (hits[0].story, hits[0].explanation)
        everything = backtest("actor:NATO", stories, NOW - timedelta(days=30), NOW, limit=2)
        assert [h.story.id for h in everything] == ["new", "new"]
        assert backtest("actor:NATO", stories, NOW - timedelta(days=30), NOW)[0].story.id == "old"

    def test_invalid_query(self) -> None:
        with pytest.raises(QueryError):
            backtest("actor:(", [], NOW, NOW)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("7d", NOW - timedelta(days=7)),
            ("12h", NOW - timedelta(hours=12)),
            (" 30m ", NOW - timedelta(minutes=30)),
            ("2w", NOW - timedelta(weeks=2)),
            ("2026-11-01T00:00:00+00:00", datetime(2026, 11, 1, tzinfo=UTC)),
            ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ],
    )
    def test_parse_since(self, text: str, expected: datetime) -> None:
        assert parse_since(text, NOW) == expected

    @pytest.mark.parametrize("text", ["", "7", "d7", "yesterday", "7y"])
    def test_parse_since_rejects(self, text: str) -> None:
        with pytest.raises(InvalidSinceError):
            parse_since(text, NOW)
