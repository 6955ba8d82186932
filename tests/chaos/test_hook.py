"""The runner's chaos hook kills inside the produce→commit window: outputs acknowledged, offsets not committed.

A child process runs a stage over the embedded log (a file, so what it wrote outlives it) with
``WIREWATCH_CHAOS_KILL_AT=after_produce``; it must die by SIGKILL at its first commit, leaving
its outputs on the bus and its input uncommitted: exactly the window a replay has to cover.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wirewatch.bus import Record, TopicSpec
from wirewatch.bus.embedded import EmbeddedBus
from wirewatch.runner import CHAOS_KILL_AFTER, CHAOS_KILL_AT, CHAOS_KILL_STAGE, ChaosKill

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from wirewatch.bus import TopicSpec
    from wirewatch.bus.embedded import EmbeddedBus
    from wirewatch.runner import Stage

    async def main(path: Path) -> None:
        async with EmbeddedBus(path) as bus:
            await bus.ensure_topics([TopicSpec("in"), TopicSpec("out"), TopicSpec("dlq")])
            for i in range(5):
                await bus.publish("in", b"%d" % i)

            async def handle(record):
                await bus.publish("out", record.value)

            stage = Stage(name="copy", bus=bus, source="in", group="g", handler=handle, dlq="dlq")
            stop = asyncio.Event()
            await asyncio.wait_for(stage.run(stop), 60)  # never returns: the hook kills us

    asyncio.run(main(Path(sys.argv[1])))
    """
)


async def test_the_hook_kills_after_the_outputs_and_before_the_commit(tmp_path: Path) -> None:
    env = {**os.environ, CHAOS_KILL_AT: "after_produce", CHAOS_KILL_AFTER: "1", CHAOS_KILL_STAGE: "copy"}
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", CHILD, str(tmp_path)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    async with EmbeddedBus(tmp_path) as bus:
        await bus.ensure_topics([TopicSpec("in"), TopicSpec("out"), TopicSpec("dlq")])
        async with bus.consumer(["out"], group=None) as out:
            produced = await out.getmany(timeout_s=1)
        async with bus.consumer(["in"], group="g") as again:
            # The dead member's partitions come to us once its session expired.
            replayed: list[Record] = []
            async with asyncio.timeout(60):
                while len(replayed) < 5:
                    replayed += await again.getmany(timeout_s=1)
    assert sorted(r.value or b"" for r in produced) == [b"%d" % i for i in range(5)]  # outputs on the bus…
    assert [r.value for r in replayed] == [b"%d" % i for i in range(5)]  # …and the input not committed


def test_the_hook_is_off_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHAOS_KILL_AT, raising=False)
    assert ChaosKill.from_env("copy") is None
    monkeypatch.setenv(CHAOS_KILL_AT, "after_produce")
    monkeypatch.setenv(CHAOS_KILL_STAGE, "other")
    assert ChaosKill.from_env("copy") is None  # another stage's hook
