"""The Operations page against real Kafka: ``wirewatch run --kafka`` serves the console as on the embedded default."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.console.support import Running, screenshot, sign_in, wirewatch_run
from tests.console.test_console_browser import AIR_DEFENCE, AIR_DEFENCE_TITLE
from tests.helpers import webhook_receiver

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
async def on_kafka(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> AsyncIterator[Running]:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    env = {
        "WIREWATCH_TOPIC_PREFIX": prefix,
        "WIREWATCH_KAFKA__CLIENT_ID": prefix,
        "WIREWATCH_KAFKA__PARTITIONS": "2",
        "WIREWATCH_KAFKA__SESSION_TIMEOUT_MS": "6000",
    }
    tmp: Path = tmp_path_factory.mktemp("console-kafka")
    with webhook_receiver() as hook:
        async with wirewatch_run(tmp, hook, "--kafka", kafka_bootstrap, env=env) as run:
            yield run


class TestOperationsOnKafka:
    async def test_stages_and_the_kafka_connection_are_live(
        self, browser: Browser, on_kafka: Running
    ) -> None:
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        page = await context.new_page()
        try:
            await sign_in(page, on_kafka.base, "ops", "#ops")
            on_kafka.drop("air-defence.txt", AIR_DEFENCE)
            bus = page.locator('#connections tr[data-conn="bus"] td')
            await expect(bus.nth(1)).to_have_text("kafka", timeout=20_000)
            await expect(bus.nth(3)).to_have_text("connected", timeout=30_000)
            for stage in ("process", "alert"):
                row = page.locator(f'#stages tr[data-stage="{stage}"]')
                await expect(row).to_be_visible(timeout=60_000)
            await expect(page.locator("#sub-counts")).to_contain_text("3 subscriptions")
            await page.goto(f"{on_kafka.base}/console/#stories")
            await page.locator("#stories tbody tr", has_text=AIR_DEFENCE_TITLE).first.wait_for(timeout=30_000)
            await page.goto(f"{on_kafka.base}/console/#ops")
            await expect(page.locator('#stages tr[data-stage="process"]')).to_be_visible()
            await screenshot(page, "operations-kafka")
        finally:
            await context.close()
