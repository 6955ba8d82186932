"""Fixtures of the console's browser tests: Debian's chromium driven by Playwright, and a running Wirewatch.

Chromium comes from apt (``.ci/install.sh``), never from ``playwright install``: the tests launch
``/usr/bin/chromium`` headless.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.console.support import Running, wirewatch_run
from tests.helpers import WebhookReceiver, webhook_receiver

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian chromium for the session."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240, PTH110 - once per session, before any await
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/install.sh` (apt-get install chromium) as root")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="module")
def refusing_hook() -> Iterator[WebhookReceiver]:
    """Carol's webhook: refuses the first alert (HTTP 400, dead-lettered at once), then takes them."""
    with webhook_receiver(fail_times=1, fail_status=400) as hook:
        yield hook


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory, refusing_hook: WebhookReceiver
) -> AsyncIterator[Running]:
    """One ``wirewatch run`` on the embedded default for the module (loading the knowledge base takes seconds)."""
    async with wirewatch_run(tmp_path_factory.mktemp("console"), refusing_hook) as run:
        yield run
