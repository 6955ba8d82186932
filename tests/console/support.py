"""Helpers of the console's browser tests: a running Wirewatch with the console, sign-in, screenshots.

Screenshots go to ``tests/artifacts/console/`` (git-ignored); with ``WIREWATCH_CONSOLE_DOCS=1``
they are also written to ``docs/console/`` for the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page

from schemas import Subscription, SubscriptionOptions
from tests.helpers import (
    NATO_BORDER_QUERY,
    REPO,
    WebhookReceiver,
    free_port,
    write_subscriptions,
)

ARTIFACTS = REPO / "tests" / "artifacts" / "console"
DOCS = REPO / "docs" / "console"
TOKENS = {"alice": "alice-token", "bob": "bob-token", "carol": "carol-token", "ops": "ops-token"}


async def screenshot(page: Page, name: str) -> Path:
    """Write a full-page screenshot as a test artefact (and to docs/console/ when asked)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    if os.environ.get("WIREWATCH_CONSOLE_DOCS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    return path


async def sign_in(page: Page, base: str, who: str, hash_: str = "") -> None:
    """Open the console and sign in with ``who``'s token."""
    await page.goto(f"{base}/console/{hash_}")
    await page.fill("#token", TOKENS[who])
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector(f"#who:text-is('{who}')")


@dataclass
class Running:
    """A ``wirewatch run`` with the API and console: where it listens, its data, its log."""

    base: str
    data: Path
    log: Path
    hook: WebhookReceiver
    proc: asyncio.subprocess.Process
    dropped: set[str] = field(default_factory=set)

    def client(self, who: str) -> httpx.AsyncClient:
        """An HTTP client for the API as ``who``."""
        return httpx.AsyncClient(
            base_url=self.base, headers={"Authorization": f"Bearer {TOKENS[who]}"}, timeout=30
        )

    def drop(self, name: str, body: bytes) -> None:
        """Drop a file in the inbox (written beside it, then moved in, as `cp` then `mv` does)."""
        staged = self.data / f".{name}"
        staged.write_bytes(body)
        staged.replace(self.data / "inbox" / name)
        self.dropped.add(name)


def _ready(text: bytes) -> bool:
    return (
        text.count(b'"stage started"') >= 3
        and b"drop_folder_started" in text
        and b"console listening" in text
    )


@contextlib.asynccontextmanager
async def wirewatch_run(
    tmp: Path, hook: WebhookReceiver, *extra: str, env: dict[str, str] | None = None
) -> AsyncIterator[Running]:
    """``wirewatch run --api`` with analysts alice, bob and carol (webhook) and the operator ops."""
    subs = [
        Subscription(id="nato-border", subscriber="alice", query=NATO_BORDER_QUERY),
        Subscription(id="bob-nato", subscriber="bob", query="actor:NATO"),
        Subscription(
            id="carol-hook",
            subscriber="carol",
            query=NATO_BORDER_QUERY,
            options=SubscriptionOptions(channels=("webhook",), webhook_url=hook.url),
        ),
    ]
    port = free_port()
    data = tmp / "data"
    log_path = tmp / "wirewatch.log"
    environ = {
        **os.environ,
        "WIREWATCH_LOG_FORMAT": "json",
        "WIREWATCH_API__PORT": str(port),
        "WIREWATCH_API__TOKENS": json.dumps(TOKENS),
        "WIREWATCH_API__OPERATORS": json.dumps(["ops"]),
        "WIREWATCH_ALERTS__WEBHOOK_SECRETS": json.dumps({"carol": "carol-secret"}),
        **(env or {}),
    }
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wirewatch", "run", "--api", "--data-dir", str(data),
            "--subscriptions", str(write_subscriptions(tmp / "subs.json", subs)),
            "--mqtt-port", str(free_port()), *extra,
            stdout=log, stderr=log, env=environ,
        )  # fmt: skip
        try:
            async with asyncio.timeout(120):
                while not _ready(log_path.read_bytes()):
                    if proc.returncode is not None:
                        pytest.fail(f"wirewatch run exited:\n{log_path.read_text()}")
                    await asyncio.sleep(0.2)
            yield Running(f"http://127.0.0.1:{port}", data, log_path, hook, proc)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    async with asyncio.timeout(30):
                        await proc.wait()
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
