"""``wirewatch run`` on the embedded default, as a user runs it: a real process, a real MQTT client."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest

from schemas import DeadLetter, Subscription, Topics
from tests.helpers import NATO_BORDER_QUERY, collect_alerts, free_port, seed_text, write_subscriptions
from wirewatch.bus import EmbeddedBus

WIREWATCH = [sys.executable, "-m", "wirewatch"]


# A NATO / Russia–Ukraine border story of the duplicate test's own: far enough from the seed (and the
# seed's variants the other tests drop) to open a cluster of its own whatever ran before.
FIELD_HOSPITALS = b"""NATO counts new Russian field hospitals near the border with Ukraine

Satellite pictures reviewed by alliance analysts show fuel depots, field hospitals and pontoon bridges \
going up along the Russia-Ukraine border, a NATO spokesperson told reporters in Brussels on Friday.

The spokesperson said the build-up around Belgorod and Kursk had grown for three weeks and that allied \
air patrols over Poland and Romania would be doubled until the columns pull back.
"""
FIELD_HOSPITALS_REWRITTEN = FIELD_HOSPITALS + (
    b"\nThe Kremlin called the report provocative and said the exercises would end on schedule.\n"
)


async def wait_for_file(path: Path, *, timeout: float) -> None:
    """Wait until ``path`` exists (the drop folder moves a file to ``processed/`` once ingested)."""
    async with asyncio.timeout(timeout):
        while not await asyncio.to_thread(path.exists):
            await asyncio.sleep(0.05)


def _ready(log: bytes) -> bool:
    """Every stage said it started, and the drop folder is watched."""
    return log.count(b'"stage started"') >= 3 and b"drop_folder_started" in log


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Path, int, asyncio.subprocess.Process]]:
    """One ``wirewatch run`` for the module (it takes seconds to load the knowledge base)."""
    tmp_path = tmp_path_factory.mktemp("run")
    port = free_port()
    subs = write_subscriptions(
        tmp_path / "subscriptions.json",
        [Subscription(id="nato-border", subscriber="analyst", query=NATO_BORDER_QUERY)],
    )
    data = tmp_path / "data"
    log = (tmp_path / "wirewatch.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        *WIREWATCH,
        "run",
        "--data-dir",
        str(data),
        "--subscriptions",
        str(subs),
        "--mqtt-port",
        str(port),
        stdout=log,
        stderr=log,
        env={**os.environ, "WIREWATCH_LOG_FORMAT": "json"},
    )
    try:
        # ready when the embedded broker accepts an MQTT session and the stages logged "stage started"
        async with asyncio.timeout(90):
            while not _ready((tmp_path / "wirewatch.log").read_bytes()):
                if proc.returncode is not None:
                    pytest.fail((tmp_path / "wirewatch.log").read_text())
                await asyncio.sleep(0.2)
        yield data, port, proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()


class TestRunEmbedded:
    async def test_seed_in_inbox_alerts_an_mqtt_client_within_a_second(
        self, running: tuple[Path, int, asyncio.subprocess.Process], tmp_path: Path
    ) -> None:
        data, port, proc = running
        async with aiomqtt.Client("127.0.0.1", port, identifier="analyst-laptop") as client:
            await client.subscribe("wirewatch/alerts/#", qos=1)
            # write elsewhere, then move: what `cp` then `mv` into a watched folder looks like
            staged = tmp_path / "seed.txt"
            staged.write_bytes(seed_text())
            t0 = time.monotonic()
            staged.replace(data / "inbox" / "nato-russia-border-scraped.txt")
            got = await collect_alerts(client, want=1, timeout=10)
            latency = time.monotonic() - t0
        assert got, "no alert arrived"
        topic, alert = got[0]
        assert topic == "wirewatch/alerts/analyst/nato-border"
        assert alert.kind == "new"
        assert alert.title == "NATO insists that Russia has not withdrawn troops from the border with Ukraine"
        assert latency < 1.0, f"alert took {latency:.2f}s"
        assert proc.returncode is None

    async def test_an_exact_duplicate_alerts_once(
        self, running: tuple[Path, int, asyncio.subprocess.Process]
    ) -> None:
        # Its own story, unlike the seed the other tests drop: this test must not depend on their
        # order (run alone, the seed "again" was the first copy and alerted as new).
        data, port, _ = running
        inbox = data / "inbox"
        async with aiomqtt.Client("127.0.0.1", port, identifier="analyst-2") as client:
            await client.subscribe("wirewatch/alerts/#", qos=1)
            (inbox / "hospitals.txt").write_bytes(FIELD_HOSPITALS)
            first = await collect_alerts(client, want=1, timeout=10)
            assert [a.kind for _, a in first] == ["new"], first
            # the same bytes under another name: an exact duplicate, dropped at ingest
            (inbox / "hospitals-again.txt").write_bytes(FIELD_HOSPITALS)
            await wait_for_file(inbox / "processed" / "hospitals-again.txt", timeout=10)
            again = await collect_alerts(client, want=1, timeout=2)
            # a rewritten copy with one more paragraph joins the cluster: an update, not a new alert
            (inbox / "hospitals-update.txt").write_bytes(FIELD_HOSPITALS_REWRITTEN)
            update = await collect_alerts(client, want=1, timeout=10)
        assert again == []
        assert [a.kind for _, a in update] == ["update"], update
        assert update[0][1].cluster_id == first[0][1].cluster_id


class TestBadInputOnTheEmbeddedDefault:
    async def test_a_broken_file_goes_to_the_dlq_and_the_pipeline_goes_on(
        self, running: tuple[Path, int, asyncio.subprocess.Process]
    ) -> None:
        data, port, proc = running
        (data / "inbox" / "broken.json").write_bytes(b'{"headline": "half a story", "body_text": ')
        async with aiomqtt.Client("127.0.0.1", port, identifier="analyst-3") as client:
            await client.subscribe("wirewatch/alerts/#", qos=1)
            other = (
                seed_text()
                .replace(b"Stoltenberg", b"Jens Stoltenberg, NATO chief,")
                .replace(b"NATO insists", b"NATO says again")
            )
            (data / "inbox" / "after-broken.txt").write_bytes(other)
            got = await collect_alerts(client, want=1, timeout=10)
        assert got, "the pipeline stopped after the broken file"
        # another process reads the same embedded log: the dead letter is there, with its reason
        async with EmbeddedBus(data) as bus, bus.consumer([Topics().dlq], group=None) as consumer:
            records = await consumer.getmany(timeout_s=1.0)
        letters = [DeadLetter.from_bytes(r.value or b"") for r in records]
        broken = [dl for dl in letters if (dl.source or "").endswith("broken.json")]
        assert broken, letters
        assert broken[0].stage == "ingest"
        assert broken[0].reason
        assert broken[0].raw.startswith(b'{"headline"')
        assert (data / "inbox" / "failed" / "broken.json").exists()
        assert proc.returncode is None


class TestProcessWorkers:
    async def test_tagging_in_a_child_process_alerts_like_in_process(self, tmp_path: Path) -> None:
        """``wirewatch run --process-workers 1``: the process stage in a child, over the same embedded log."""
        port = free_port()
        subs = write_subscriptions(
            tmp_path / "subscriptions.json",
            [Subscription(id="nato-border", subscriber="analyst", query=NATO_BORDER_QUERY)],
        )
        data = tmp_path / "data"
        log_path = tmp_path / "wirewatch.log"
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *WIREWATCH,
                "run",
                "--process-workers",
                "1",
                "--data-dir",
                str(data),
                "--subscriptions",
                str(subs),
                "--mqtt-port",
                str(port),
                stdout=log,
                stderr=log,
                env={**os.environ, "WIREWATCH_LOG_FORMAT": "json"},
            )
            try:
                async with asyncio.timeout(90):
                    while b'"stage":"process"' not in log_path.read_bytes().replace(b" ", b"") or not _ready(
                        log_path.read_bytes()
                    ):
                        assert proc.returncode is None, log_path.read_text()
                        await asyncio.sleep(0.2)
                async with aiomqtt.Client("127.0.0.1", port, identifier="analyst-workers") as client:
                    await client.subscribe("wirewatch/alerts/#", qos=1)
                    (data / "inbox" / "seed.txt").write_bytes(seed_text())
                    got = await collect_alerts(client, want=1, timeout=15)
            finally:
                proc.send_signal(signal.SIGTERM)
                async with asyncio.timeout(30):
                    await proc.wait()
        assert [(t, a.kind) for t, a in got] == [("wirewatch/alerts/analyst/nato-border", "new")]
        text = log_path.read_text()
        assert '"process workers started"' in text
        assert '"process worker exited"' not in text  # stopped with the rest, not failed
