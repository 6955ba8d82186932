"""The embedded log under a soak: 100,000 stories through topics bounded by ``retention.bytes``.

Every story (an EnrichedStory as the process stage writes it, ~2 KB of JSON) goes to the enriched
topic in batches of 500 (one durable transaction each, as a stage's batch), with the retention the
topic table declares plus a size bound per partition. The log must stay within its bound however
much goes through it: the table shows the bytes held against the bound, the file on disk (database
plus write-ahead log) at its peak and at the end, and the write rate beside the same run without
any bound (what enforcing retention costs).

    .venv/bin/python -m benchmarks.bench_embedded_retention [--stories 100000] [--bound-mib 8] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from schemas import Topics
from schemas.asyncapi import examples
from wirewatch.bus import EmbeddedBus, topic_specs

RESULTS = Path(__file__).parent / "results" / "embedded_retention.json"
BATCH = 500
PARTITIONS = 3


@dataclass
class Run:
    """One soak: what went through, what stayed, how fast."""

    bound_bytes_per_partition: int | None
    stories: int
    written_mib: float
    held_mib: float
    held_records: int
    peak_file_mib: float
    final_file_mib: float
    seconds: float
    stories_per_s: float


def file_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.glob("wirewatch.db*"))


async def soak(stories: int, bound: int | None, check_s: float) -> Run:
    """Write ``stories`` enriched stories through a fresh log; sample its file after each batch."""
    story = examples()["enrichedStory"]
    topics = Topics("bench", retention_bytes=bound)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        async with EmbeddedBus(directory, retention_check_s=check_s) as bus:
            await bus.ensure_topics(topic_specs(topics, partitions=PARTITIONS))
            written, peak = 0, 0
            start = time.perf_counter()
            for first in range(0, stories, BATCH):
                batch = []
                for i in range(first, min(first + BATCH, stories)):
                    value = story.model_copy(update={"id": f"story-{i}", "cluster_id": f"c-{i}"}).to_bytes()
                    batch.append((f"c-{i}".encode(), value, ()))
                    written += len(value)
                await bus.publish_many(topics.enriched, batch)
                peak = max(peak, file_bytes(directory))
            seconds = time.perf_counter() - start
            await bus.enforce_retention()
            records, held = await bus.size()
        final = file_bytes(directory)
    mib = 2**20
    return Run(
        bound_bytes_per_partition=bound,
        stories=stories,
        written_mib=round(written / mib, 1),
        held_mib=round(held / mib, 2),
        held_records=records,
        peak_file_mib=round(peak / mib, 1),
        final_file_mib=round(final / mib, 1),
        seconds=round(seconds, 2),
        stories_per_s=round(stories / seconds),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--bound-mib", type=float, default=8.0, help="retention.bytes per partition")
    parser.add_argument("--check-s", type=float, default=1.0, help="how often writers enforce retention")
    parser.add_argument("--quick", action="store_true", help="20,000 stories")
    args = parser.parse_args()
    stories = 20_000 if args.quick else args.stories
    bound = int(args.bound_mib * 2**20)
    bounded = asyncio.run(soak(stories, bound, args.check_s))
    unbounded = asyncio.run(soak(stories, None, args.check_s))

    table = Table(title=f"Embedded log: {stories:,} stories, {PARTITIONS} partitions, batches of {BATCH}")
    for column in (
        "bound / partition",
        "written",
        "held",
        "records held",
        "file peak",
        "file end",
        "stories/s",
    ):
        table.add_column(column, justify="right")
    for r in (bounded, unbounded):
        b = r.bound_bytes_per_partition
        table.add_row(
            f"{b / 2**20:.1f} MiB" if b else "none",
            f"{r.written_mib} MiB",
            f"{r.held_mib} MiB",
            f"{r.held_records:,}",
            f"{r.peak_file_mib} MiB",
            f"{r.final_file_mib} MiB",
            f"{r.stories_per_s:,}",
        )
    Console().print(table)
    within = bounded.held_mib * 2**20 <= PARTITIONS * bound
    Console().print(
        f"held within the bound: {within}; the cost of enforcing it: "
        f"{bounded.stories_per_s / unbounded.stories_per_s:.2f}x the unbounded write rate"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": platform.platform(),
                "check_interval_s": args.check_s,
                "bounded": asdict(bounded),
                "unbounded": asdict(unbounded),
                "held_within_bound": within,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
