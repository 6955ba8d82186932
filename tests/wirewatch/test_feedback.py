"""Feedback at start: one line per listening port, readiness on both ports, status lines for long waits."""

from __future__ import annotations

import asyncio
import io
import os
import select
import subprocess
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
import structlog
from structlog.testing import capture_logs

from schemas import Subscription
from tests.helpers import free_port, write_subscriptions
from wirewatch.bus import open_bus, topic_specs
from wirewatch.cli.progress import status
from wirewatch.cli.services import load_subscription_file, run_backtest, run_stages
from wirewatch.settings import ApiSettings, MqttSettings, Settings


def events(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [e for e in logs if e["event"] == name]


class TestListeningPorts:
    async def test_one_line_per_port_and_readyz_on_the_api_and_the_metrics_port(self, tmp_path: Path) -> None:
        api_port, mqtt_port = free_port(), free_port()
        settings = Settings(
            data_dir=tmp_path / "data",
            metrics_port=0,  # any free port: the line says which
            api=ApiSettings(enabled=True, port=api_port, tokens={"ops": "tok"}),
            mqtt=MqttSettings(url=f"mqtt://127.0.0.1:{mqtt_port}"),
        )
        stop, ready = asyncio.Event(), asyncio.Event()
        with capture_logs() as logs:
            task = asyncio.create_task(run_stages(settings, ["ingest", "deliver"], stop=stop, ready=ready))
            try:
                async with asyncio.timeout(60):
                    await ready.wait()
                listening = {e["service"]: e for e in events(logs, "listening")}
                assert sorted(listening) == ["api", "metrics", "mqtt"]
                assert listening["api"]["url"] == f"http://127.0.0.1:{api_port}"
                assert listening["api"]["docs"] == f"http://127.0.0.1:{api_port}/docs"
                assert listening["mqtt"]["url"] == f"mqtt://127.0.0.1:{mqtt_port}"
                metrics_url = listening["metrics"]["url"]
                assert metrics_url.startswith("http://127.0.0.1:")
                assert metrics_url.endswith("/metrics")
                readyz = listening["metrics"]["health"]
                async with httpx.AsyncClient(timeout=10) as http:
                    # each stage says it runs once its first poll is back: wait for that
                    async with asyncio.timeout(30):
                        while (r := await http.get(readyz)).status_code != 200:
                            await asyncio.sleep(0.1)
                    checks = r.json()["checks"]
                    assert {"bus", "subscriptions", "stage:ingest", "stage:deliver-mqtt"} <= set(checks)
                    api = await http.get(f"http://127.0.0.1:{api_port}/readyz")
                    assert (api.status_code, api.json()["checks"]) == (200, checks)
                    scraped = (await http.get(metrics_url)).text
                assert 'wirewatch_stage_up{stage="deliver-mqtt"} 1.0' in scraped
                assert 'wirewatch_stage_up{stage="ingest"} 1.0' in scraped
                assert f'wirewatch_mqtt_connected{{broker="127.0.0.1:{mqtt_port}"}} 1.0' in scraped
                assert 'wirewatch_ready{check="bus"} 1.0' in scraped
            finally:
                stop.set()
                async with asyncio.timeout(30):
                    await task
        # the metrics port is closed with the run (a second run in this process may take it again)
        assert events(logs, "wirewatch stopped")


class TestStatusLines:
    def test_off_a_terminal_a_wait_is_logged_with_its_progress_and_duration(self) -> None:
        with capture_logs() as logs, status("loading things", stream=io.StringIO(), log_every_s=0.0) as s:
            s.update(5, 10)
        assert [e["event"] for e in logs] == ["under way", "under way", "done"]
        assert logs[1] == {
            "event": "under way",
            "task": "loading things",
            "done": 5,
            "total": 10,
            "seconds": logs[1]["seconds"],
            "log_level": "info",
        }
        assert logs[2]["task"] == "loading things"
        assert logs[2]["seconds"] >= 0

    def test_on_a_terminal_a_spinner_says_what_is_under_way(self) -> None:
        leader, follower = os.openpty()
        with os.fdopen(follower, "w") as tty, capture_logs():
            with status("loading the knowledge base", stream=tty) as s:
                s.update(3, 7)
                time.sleep(0.3)  # a few of the spinner's refreshes (it draws from its own thread)
            tty.flush()
        # Read everything drawn: one read may return only the first chunk (the cursor escape).
        chunks: list[bytes] = []
        while select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other side is closed and all was read
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        drawn = b"".join(chunks).decode(errors="replace")
        assert "loading the knowledge base" in drawn

    async def test_bulk_subscription_loading_reports_progress(self, tmp_path: Path) -> None:
        subs = [Subscription(id=f"s{i}", subscriber="bulk", query="actor:NATO") for i in range(1200)]
        path = write_subscriptions(tmp_path / "subs.json", subs)
        settings = Settings(data_dir=tmp_path / "data")
        structlog.contextvars.clear_contextvars()
        async with open_bus(settings) as bus:
            await bus.ensure_topics(topic_specs(settings.topics, partitions=1))
            with capture_logs() as logs:
                seeded = await load_subscription_file(bus, settings, path)
        assert len(seeded) == 1200
        tasks = [e for e in logs if e.get("task", "").startswith("seeding 1200 subscriptions")]
        assert tasks[0]["event"] == "under way"
        assert tasks[-1]["event"] == "done"


class TestSetUpProgress:
    def test_make_says_what_each_set_up_step_does_and_lets_uv_show_its_progress(self) -> None:
        root = Path(__file__).resolve().parents[2]
        done = subprocess.run(
            ["make", "-n", "-B", "-C", str(root), ".venv/bin/wirewatch"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        lines = done.stdout.splitlines()
        steps = [i for i, line in enumerate(lines) if line.startswith('echo "setup: ')]
        install = next(i for i, line in enumerate(lines) if "uv pip install" in line)
        assert len(steps) >= 4
        venv = next(i for i, line in enumerate(lines) if "-m venv" in line)
        assert steps[0] < venv, "the first thing make says is what it is about to do"
        assert any(s < install for s in steps)
        assert " -q" not in lines[install], "uv's own progress is not silenced"


async def test_a_backtest_says_it_is_replaying_and_how_long_it_took(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with capture_logs() as logs:
        await run_backtest(settings, "actor:NATO", since="1d")
    mine = [e for e in logs if e.get("task") == "backtest: replaying the enriched topic"]
    assert [e["event"] for e in mine] == ["under way", "done"]
