"""``wirewatch run --process-workers``: the workers' environment, and their end with their parent."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from wirewatch.cli.services import (
    PARENT_PID_ENV,
    READY_FILE_ENV,
    _child_env,
    _stop_with_parent,
)
from wirewatch.settings import Settings


def test_a_worker_serves_no_api_and_knows_its_parent_and_ready_file(tmp_path: Path) -> None:
    env = _child_env(Settings(), 0, tmp_path / "w.ready")
    assert env["WIREWATCH_API__ENABLED"] == "false"  # one API per run: the parent's port
    assert env[PARENT_PID_ENV] == str(os.getpid())
    assert env[READY_FILE_ENV] == str(tmp_path / "w.ready")


async def test_a_worker_stops_once_its_parent_is_gone() -> None:
    stop = asyncio.Event()
    async with asyncio.timeout(5):
        # Not our parent: as if it had died and we had been adopted.
        await _stop_with_parent(stop, os.getppid() + 1, every_s=0.01)
    assert stop.is_set()
    alive = asyncio.Event()
    watcher = asyncio.create_task(_stop_with_parent(alive, os.getppid(), every_s=0.01))
    await asyncio.sleep(0.05)
    assert not alive.is_set()
    watcher.cancel()
