"""The process stage's own CPU per story, in one process: tagging, clustering, and everything else.

``bench_e2e`` says what the whole pipeline costs per story; this says where the process stage's
share goes without brokers or neighbours' noise: :class:`processors.service.ProcessService` run by
its stage loop (:meth:`wirewatch.runner.Stage.handle_batch`, batches of 100, then its signatures
written) on the in-memory bus over ``bench_e2e``'s stream of raw stories, as ingest publishes them.
The stage's time is split into tagging, clustering and the rest (decode the raw story, build the
enriched one, serialise it, publish, log, the loop itself). Beside it, what the Kafka producer then
spends on the enriched stories outside the bus: building and compressing record batches (aiokafka's
C builder, ``--per-batch`` stories a batch) at the level Wirewatch uses and at aiokafka's own.

Figures are CPU ms per story (``process_time``), best of ``--repeats`` runs, each a fresh stage after
``--warm`` stories. A digest of every enriched story published lets two commits be compared for
byte-identical output.

    .venv/bin/python -m benchmarks.bench_process_stage [--stories 2000] [--warm 300]

Writes ``benchmarks/results/bench_process_stage.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import structlog
from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from rich.console import Console
from rich.table import Table

from benchmarks import write_rows
from benchmarks.bench_e2e import SOURCE, make_story_lines
from ingest import parse
from processors.pipeline import Enricher
from processors.service import ProcessService
from processors.tagger import Tagger
from schemas import Topics
from wirewatch.bus import topic_specs
from wirewatch.bus.base import HEADER_TRACE_ID, Record
from wirewatch.bus.kafka_codec import LZ4_LEVEL, builder_modules, use_lz4_level
from wirewatch.bus.memory import MemoryBus
from wirewatch.cli.offline import load_tagger
from wirewatch.runner import service_gc

OUT = Path(__file__).resolve().parent / "results" / "bench_process_stage.json"
_INGESTED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
_T0_MS = 1_700_000_000_000
_BATCH = 100  # the stage loop's batch size
_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Clock:
    """CPU seconds spent inside a wrapped callable (one ``process_time`` pair per call)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Callable[_P, _R]) -> Callable[_P, _R]:
        """``fn``, its time counted."""

        def timed(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        return timed


def raw_stream(n: int) -> list[bytes]:
    """``n`` of bench_e2e's stories as ingest publishes them to ``stories.raw``."""
    return [
        s.to_bytes()
        for line in make_story_lines(n)
        for s in parse(line, origin="stdin", now=_INGESTED_AT, source=SOURCE, media_type="text/plain")
    ]


async def run_stage(tagger: Tagger, raw: list[bytes], warm: int) -> dict[str, Any]:
    """One fresh process stage over the stream: CPU ms per story (stage, tag, cluster), the outputs."""
    bus = MemoryBus(default_partitions=1)
    topics = Topics()
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    enricher = Enricher(tagger)
    tag, cluster = _Clock(), _Clock()
    # Instance attributes shadow the methods: the stage calls the wrapped ones.
    enricher.tagger = type("TimedTagger", (), {"tag": staticmethod(tag.wrap(tagger.tag))})()
    enricher.clusterer.assign = cluster.wrap(enricher.clusterer.assign)  # type: ignore[method-assign]
    service = ProcessService(bus=bus, topics=topics, enricher=enricher)
    stage = service.stage()
    records = [
        Record(topics.raw, 0, i, None, value, ((HEADER_TRACE_ID, f"{i:032x}".encode()),), _T0_MS + 10 * i)
        for i, value in enumerate(raw)
    ]

    async def feed(batch: Sequence[Record]) -> None:
        await stage.handle_batch(batch)
        await service.signatures.write()

    for start in range(0, warm, _BATCH):
        await feed(records[start : min(start + _BATCH, warm)])
    gc.collect()
    gc.freeze()  # as the service does once its state is built
    seen = len(bus.records(topics.enriched))
    tag.seconds = cluster.seconds = 0.0
    started = time.process_time()
    for start in range(warm, len(records), _BATCH):
        await feed(records[start : start + _BATCH])
    spent = time.process_time() - started
    gc.unfreeze()
    measured = len(records) - warm
    out = bus.records(topics.enriched)[seen:]
    digest = hashlib.sha256()
    for record in out:
        digest.update(record.key or b"")
        digest.update(record.value or b"")
    return {
        "stage_ms": 1000 * spent / measured,
        "tag_ms": 1000 * tag.seconds / measured,
        "cluster_ms": 1000 * cluster.seconds / measured,
        "digest": digest.hexdigest()[:16],
        "outputs": [(r.key, r.value, r.headers) for r in out],
    }


def kafka_batches_ms(outputs: list[tuple[bytes | None, bytes | None, Any]], per_batch: int) -> float:
    """CPU ms per story of building the enriched stories into lz4 record batches (aiokafka's builder)."""
    started = time.process_time()
    for start in range(0, len(outputs), per_batch):
        builder = DefaultRecordBatchBuilder(
            magic=2,
            compression_type=DefaultRecordBatch.CODEC_LZ4,
            is_transactional=0,
            producer_id=1,
            producer_epoch=0,
            base_sequence=start,
            batch_size=1024 * 1024,
        )
        for offset, (key, value, headers) in enumerate(outputs[start : start + per_batch]):
            builder.append(offset, timestamp=None, key=key, value=value, headers=list(headers))
        builder.build()
    return 1000 * (time.process_time() - started) / len(outputs)


def measure(tagger: Tagger, raw: list[bytes], warm: int, repeats: int, per_batch: int) -> dict[str, Any]:
    """Best of ``repeats`` fresh stages, and the Kafka batches of their output at two lz4 levels."""
    runs = [asyncio.run(run_stage(tagger, raw, warm)) for _ in range(repeats)]
    if len({r["digest"] for r in runs}) != 1:
        raise SystemExit("runs published different enriched stories")
    best = {k: min(r[k] for r in runs) for k in ("stage_ms", "tag_ms", "cluster_ms")}
    # The rest is taken per run (a run's own stage minus its own tagging and clustering).
    rest = min(r["stage_ms"] - r["tag_ms"] - r["cluster_ms"] for r in runs)
    outputs = runs[0]["outputs"]
    saved = [(m, getattr(m, "lz4_encode")) for m in builder_modules()]  # noqa: B009
    try:
        use_lz4_level(LZ4_LEVEL)
        ours = min(kafka_batches_ms(outputs, per_batch) for _ in range(repeats))
        use_lz4_level(9)  # aiokafka's own level
        theirs = min(kafka_batches_ms(outputs, per_batch) for _ in range(repeats))
    finally:
        for module, encode in saved:
            setattr(module, "lz4_encode", encode)  # noqa: B010 - put aiokafka's own back
    size = sum(len(v or b"") for _, v, _ in outputs) // len(outputs)
    return {
        "stage_ms": round(best["stage_ms"], 3),
        "tag_ms": round(best["tag_ms"], 3),
        "cluster_ms": round(best["cluster_ms"], 3),
        "rest_ms": round(rest, 3),
        "kafka_batch_ms": round(ours, 3),
        "kafka_batch_ms_aiokafka_level": round(theirs, 3),
        "lz4_level": LZ4_LEVEL,
        "enriched_bytes": size,
        "digest": runs[0]["digest"],
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--stories", type=int, default=2000)
    ap.add_argument("--warm", type=int, default=300, help="stories handled before measuring")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--per-batch", type=int, default=10, help="enriched stories per Kafka record batch")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not 0 <= args.warm < args.stories:
        raise SystemExit("--warm must be below --stories")
    # The services' logging and collector policy: debug lines off, young collections every 10k.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    service_gc()
    console = Console()
    t0 = time.perf_counter()
    raw = raw_stream(args.stories)
    tagger = load_tagger()
    console.print(f"{len(raw):,} raw stories, tagger loaded ({time.perf_counter() - t0:.0f}s)")
    row = measure(tagger, raw, args.warm, args.repeats, args.per_batch)
    console.log(row)
    table = Table(
        title=f"Process stage, CPU ms per story (best of {args.repeats}; {len(raw) - args.warm} measured)"
    )
    for col in ("stage", "tagging", "clustering", "rest", "kafka batches", "(aiokafka lz4 level)", "digest"):
        table.add_column(col, justify="right")
    table.add_row(
        f"{row['stage_ms']:.3f}",
        f"{row['tag_ms']:.3f}",
        f"{row['cluster_ms']:.3f}",
        f"{row['rest_ms']:.3f}",
        f"{row['kafka_batch_ms']:.3f}",
        f"{row['kafka_batch_ms_aiokafka_level']:.3f}",
        row["digest"],
    )
    console.print(table)
    write_rows(args, [row])
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
