"""The console in a real browser (Debian's chromium, headless) against ``wirewatch run`` on the embedded default.

One ``wirewatch run --api`` serves the module: analysts alice, bob and carol (carol's alerts go to
a webhook that refuses the first one), and the operator ops.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.console.support import Running, screenshot, sign_in
from tests.helpers import seed_text

# Each module starts a `wirewatch run` (the knowledge base loads in tens of seconds on a busy machine).
pytestmark = pytest.mark.timeout(300)

SEED_TITLE = "NATO insists that Russia has not withdrawn troops from the border with Ukraine"

# A NATO / Russia–Ukraine border story of this module's own (every subscription of the module matches it).
AIR_DEFENCE = b"""NATO moves air defence units closer to the border with Ukraine

Alliance officials said on Monday that NATO would station two more air defence batteries in Poland \
and Romania, after satellite pictures showed new Russian depots along the Russia-Ukraine border.

The deployment will last until the build-up around Belgorod ends, a NATO spokesperson said in Brussels.
"""
AIR_DEFENCE_TITLE = "NATO moves air defence units closer to the border with Ukraine"


@pytest.fixture(scope="module")
async def story_in(running: Running) -> str:
    """The module's own story, dropped in the inbox once; tests wait for what it causes."""
    running.drop("air-defence.txt", AIR_DEFENCE)
    return AIR_DEFENCE_TITLE


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


class TestConsoleLoads:
    async def test_root_leads_to_the_console_which_asks_for_a_token(
        self, page: Page, running: Running
    ) -> None:
        await page.goto(f"{running.base}/")
        assert page.url == f"{running.base}/console/"
        await expect(page.locator("#login")).to_be_visible()
        await page.fill("#token", "not-a-token")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#login-error")).to_contain_text("refused")
        await sign_in(page, running.base, "ops")
        await expect(page.locator("#role")).to_have_text("operator")
        await expect(page.locator("#page-ops")).to_be_visible()


class TestAlertsPage:
    async def test_an_alert_appears_within_a_second_of_a_story_in_the_inbox(
        self, page: Page, running: Running
    ) -> None:
        await sign_in(page, running.base, "alice", "#alerts")
        await expect(page.locator("#alerts-live")).to_have_text("live", timeout=10_000)
        card = page.locator("li.alert", has_text="NATO insists")
        t0 = time.monotonic()
        running.drop("nato-russia-border-scraped.txt", seed_text())
        await card.first.wait_for(timeout=15_000)
        latency = time.monotonic() - t0
        assert latency < 1.0, f"the alert took {latency:.2f}s to appear on the page"
        await expect(card.first).to_have_attribute("data-subscription", "nato-border")
        # the explanation's words are marked in the title, and named by their clause
        await expect(card.first.locator(".title")).to_have_text(SEED_TITLE)
        marks = card.first.locator(".title mark")
        await expect(marks.first).to_have_text("NATO")
        assert await marks.first.get_attribute("title") == "actor:NATO"
        await expect(card.first.locator(".badge.kind")).to_have_text("new")
        # the story text with its marked words, and the cluster's history
        await card.first.locator("button.more").click()
        detail = page.locator("#alert-detail")
        await expect(detail.locator(".body mark").first).to_be_visible(timeout=10_000)
        await expect(detail.locator("h4")).to_contain_text("Cluster")
        await expect(detail.locator("ol.history li").first).to_contain_text("new")
        await screenshot(page, "alerts")

    async def test_an_analyst_sees_only_their_own_alerts_and_an_operator_all(
        self, browser: Browser, running: Running, story_in: str
    ) -> None:
        pages = {}
        for who in ("alice", "bob", "ops"):
            context = await browser.new_context()
            pages[who] = await context.new_page()
            await sign_in(pages[who], running.base, who, "#alerts")
        own = {"alice": "nato-border", "bob": "bob-nato"}
        for who, sub in own.items():
            await (
                pages[who]
                .locator(f'li.alert[data-subscription="{sub}"]', has_text=story_in)
                .first.wait_for(timeout=30_000)
            )
        for sub in ("nato-border", "bob-nato", "carol-hook"):
            await pages["ops"].locator(f'li.alert[data-subscription="{sub}"]').first.wait_for(timeout=30_000)
        await asyncio.sleep(1.0)  # anything that should not be there has had time to come
        for who, sub in own.items():
            shown = (
                await pages[who]
                .locator("li.alert")
                .evaluate_all("els => els.map(e => e.dataset.subscription)")
            )
            assert set(shown) == {sub}, (who, shown)
        # the Operations tab is not offered to analysts, and their calls to it are refused
        await expect(pages["alice"].locator('#nav a[data-page="ops"]')).to_be_hidden()
        async with running.client("alice") as alice:
            assert (await alice.get("/console/api/ops")).status_code == 403
            assert (await alice.get("/subscriptions/bob-nato")).status_code == 404
        for p in pages.values():
            await p.context.close()


class TestSubscriptionsPage:
    async def test_own_subscriptions_only(self, browser: Browser, running: Running) -> None:
        for who, sub in (("alice", "nato-border"), ("bob", "bob-nato")):
            context = await browser.new_context()
            page = await context.new_page()
            await sign_in(page, running.base, who, "#subs")
            await page.locator(f'#subs tr[data-id="{sub}"]').wait_for()
            ids = await page.locator("#subs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
            assert sub in ids
            assert not {"nato-border", "bob-nato", "carol-hook"} - {sub} & set(ids), (who, ids)
            await expect(page.locator("#all-subs-box")).to_be_hidden()
            await context.close()

    async def test_check_as_typed_create_pause_and_backtest(
        self, page: Page, running: Running, story_in: str
    ) -> None:
        await sign_in(page, running.base, "alice", "#subs")
        # wait until the module's story is among the recent ones (its tags feed the hints)
        async with running.client("alice") as alice:
            async with asyncio.timeout(30):
                while story_in not in str((await alice.get("/console/api/stories")).json()):
                    await asyncio.sleep(0.2)
        query = page.locator("#sub-query")
        await query.fill("actor:NATO AND")
        await expect(page.locator("#query-check")).to_contain_text("column 15")
        await expect(page.locator("#query-check")).to_have_class("check bad")
        await query.fill("actor:NATOO AND country:PL")
        suggestion = page.locator("#query-hints").get_by_role("button", name="NATO", exact=True)
        await suggestion.first.click()
        await expect(query).to_have_value("actor:NATO AND country:PL")
        await expect(page.locator("#query-check")).to_have_text("valid query, 2 clauses")
        await page.click("#sub-save")
        # The first knowledge check (as typed) loads the knowledge base in a worker thread; a save
        # meanwhile may wait a second or two for the interpreter.
        await expect(page.locator("#sub-result")).to_contain_text("saved", timeout=15_000)
        new_id = (await page.locator("#sub-result").inner_text()).removeprefix("saved ").strip()
        row = page.locator(f'#subs tr[data-id="{new_id}"]')
        await expect(row).to_contain_text("active")
        await row.locator("button.pause").click()
        await expect(row).to_contain_text("paused")
        await page.fill("#bt-since", "30d")
        await page.click("#bt-run")
        await expect(page.locator("#bt-status")).to_contain_text("done", timeout=30_000)
        await expect(page.locator("#bt-hits li").first).to_be_visible()
        await expect(page.locator("#bt-hits li mark").first).to_have_text("NATO")
        await screenshot(page, "subscriptions")


class TestOperationsPage:
    async def test_live_stages_connections_and_counts(
        self, page: Page, running: Running, story_in: str
    ) -> None:
        await sign_in(page, running.base, "ops", "#ops")
        await expect(page.locator('#stages tr[data-stage="process"]')).to_be_visible(timeout=30_000)
        await expect(page.locator('#connections tr[data-conn="bus"] td').nth(3)).to_have_text(
            "connected", timeout=20_000
        )
        await expect(page.locator('#connections tr[data-conn="mqtt"] td').nth(3)).to_have_text("reachable")
        await expect(page.locator("#sub-counts")).to_contain_text("subscriptions")
        first = await page.locator("#ops-live").inner_text()
        await expect(page.locator("#ops-live")).not_to_have_text(first, timeout=10_000)  # it refreshes itself

    async def test_a_dead_letter_is_redriven_from_the_page_and_then_delivered(
        self, page: Page, running: Running, story_in: str
    ) -> None:
        hook = running.hook
        await sign_in(page, running.base, "ops", "#ops")
        letter = page.locator(".letter", has_text="key carol-hook")
        await letter.first.wait_for(timeout=30_000)
        refused = [h for h in hook.hits if h.status == 400]
        assert len(refused) == 1, hook.hits
        key = refused[0].headers["Wirewatch-Idempotency-Key"]
        await expect(letter.first.locator(".reason")).to_contain_text("400")
        await expect(letter.first.locator("pre.preview")).to_contain_text(key)
        await screenshot(page, "operations")
        await letter.first.locator("button.redrive-one").click()
        await expect(page.locator("#redrive-result")).to_have_text("redriven: 1, skipped: 0")
        await expect(letter.first).to_contain_text("redriven by ops")
        async with asyncio.timeout(30):
            while not [
                h for h in hook.hits if h.status == 200 and h.headers["Wirewatch-Idempotency-Key"] == key
            ]:
                await asyncio.sleep(0.1)
        # once only: the same letter again is skipped
        async with running.client("ops") as ops:
            dlq = (await ops.get("/console/api/dlq", params={"stage": "deliver"})).json()
            ids = [x["id"] for x in dlq["letters"] if x["key"] == "carol-hook"]
            again = (await ops.post("/console/api/dlq/redrive", json={"ids": ids})).json()
        assert again["redriven"] == []
        assert {s["why"] for s in again["skipped"]} == {"already redriven"}


class TestStoriesPage:
    async def test_recent_stories_with_tags_and_a_map_of_countries(
        self, page: Page, running: Running, story_in: str
    ) -> None:
        await sign_in(page, running.base, "bob", "#stories")
        row = page.locator("#stories tbody tr", has_text=story_in)
        await row.first.wait_for(timeout=30_000)
        await expect(row.first.locator(".tag.actors", has_text="NATO")).to_be_visible()
        await expect(page.locator('#countries li[data-country="PL"]')).to_be_visible()
        # coloured by its story count (the module's story happens in Poland among others; none in Iceland)
        await expect(page.locator("#map path#pl")).to_have_attribute(
            "style", re.compile(r"fill: rgba?\(200, 60, 40")
        )
        await expect(page.locator("#map path#is")).not_to_have_attribute("style", re.compile("rgba"))
        # Places by their coordinates: Belgorod's dot lies on Russia, east of Ukraine's western edge.
        dot = page.locator("#place-dots circle", has_text="Belgorod")
        await dot.first.wait_for(state="attached", timeout=30_000)
        where = await page.evaluate(
            """() => {
                const dot = [...document.querySelectorAll('#place-dots circle')]
                    .find((c) => c.textContent.startsWith('Belgorod'));
                const box = (id) => {
                    const r = document.querySelector(`#map path#${id}`).getBBox();
                    return { x: r.x, y: r.y, width: r.width, height: r.height };
                };
                const ru = box('ru');
                const ua = box('ua');
                return { x: +dot.getAttribute('cx'), y: +dot.getAttribute('cy'), ru, ua };
            }"""
        )
        assert where["ua"]["x"] < where["x"] < where["ua"]["x"] + where["ua"]["width"] + 15
        assert where["ua"]["y"] - 10 < where["y"] < where["ua"]["y"] + where["ua"]["height"]
        assert where["ru"]["x"] < where["x"]
        await screenshot(page, "stories")
