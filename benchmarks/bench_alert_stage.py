"""The alert stage's own CPU per story, in one process, beside the matching at its core.

``bench_e2e`` says what the whole pipeline costs per story; this says where the alert stage's
share goes, without brokers or neighbours' noise in the way: the match half
(:class:`alerts.service.MatchService`: read the enriched story, prepare it, match, decide
new/update, publish the candidates) and the mailbox half (:class:`alerts.service.MailboxService`:
read each candidate, route it, publish the alerts) on the in-memory bus, fed the enriched
stories of ``bench_e2e``'s stream (tagged and clustered here first, so the inputs are what the
process stage writes) and ``bench_e2e``'s subscriptions (a catch-all, five hot ones, the rest
rare). The reference, in the same run: the index's ``match`` alone over the same prepared stories.

The first ``--warm`` stories are handled before measuring: the stage learns its term statistics
from its first 2,000 stories and refiles its queries by them (a one-off after a start without a
snapshot), which is not its steady cost. Figures are CPU seconds per story (``process_time``),
best of ``--repeats`` runs, each a fresh stage. A digest of every candidate and alert published
lets two commits be compared for identical output.

    .venv/bin/python -m benchmarks.bench_alert_stage [--subscriptions 1000,100000] [--stories 3000]

Writes ``benchmarks/results/bench_alert_stage.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from rich.console import Console
from rich.table import Table

from alerts.index import SubscriptionIndex
from alerts.query import prepare
from alerts.service import MailboxService, MatchService
from alerts.store import SubscriptionStore
from benchmarks import write_rows
from benchmarks.bench_e2e import SOURCE, make_story_lines, make_subscriptions
from ingest import parse
from processors.pipeline import Enricher
from schemas import EnrichedStory, Subscription, Topics
from wirewatch.bus import topic_specs
from wirewatch.bus.base import Record
from wirewatch.bus.memory import MemoryBus
from wirewatch.cli.offline import load_tagger
from wirewatch.runner import service_gc

OUT = Path(__file__).resolve().parent / "results" / "bench_alert_stage.json"
_T0_MS = 1_700_000_000_000  # record times: 10 ms apart from here (the stage decides by them)
_INGESTED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def enriched_stream(n: int) -> list[tuple[str, bytes]]:
    """``n`` of bench_e2e's stories as the process stage publishes them: (cluster id, bytes)."""
    now = _INGESTED_AT  # fixed: the same stream, byte for byte, in every run (see the digest)
    stories = [
        s
        for line in make_story_lines(n)
        for s in parse(line, origin="stdin", now=now, source=SOURCE, media_type="text/plain")
    ]
    enricher = Enricher(load_tagger())
    return [(e.cluster_id, e.to_bytes()) for e in map(enricher.enrich, stories)]


async def run_stage(values: list[tuple[str, bytes]], n_subs: int, warm: int) -> dict[str, Any]:
    """One fresh alert stage over the stream: CPU ms per story of each half, counts and a digest."""
    bus = MemoryBus(default_partitions=1)
    topics = Topics()
    await bus.ensure_topics(topic_specs(topics, partitions=1))
    store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex())
    for sub in make_subscriptions(n_subs):
        store.apply(sub["id"], Subscription(**sub).to_bytes())
    match = MatchService(bus=bus, topics=topics, store=store)
    mailbox = MailboxService(bus=bus, topics=topics, store=store)
    await match.threads.assign(frozenset({0}))
    await mailbox.mailboxes.assign(frozenset({0}))
    records = [
        Record(topics.enriched, 0, i, key.encode(), value, (), _T0_MS + 10 * i)
        for i, (key, value) in enumerate(values)
    ]
    for record in records[:warm]:
        await match.handle(record)
    for record in bus.records(topics.matches):
        await mailbox.handle(record)
    gc.collect()
    gc.freeze()  # as the service does once its state is built
    seen_matches, seen_alerts = len(bus.records(topics.matches)), len(bus.records(topics.alerts))
    t0 = time.process_time()
    for record in records[warm:]:
        await match.handle(record)
    t1 = time.process_time()
    candidates = bus.records(topics.matches)[seen_matches:]
    for record in candidates:
        await mailbox.handle(record)
    t2 = time.process_time()
    gc.unfreeze()
    alerts = bus.records(topics.alerts)[seen_alerts:]
    digest = hashlib.sha256()
    for record in [*candidates, *alerts]:
        digest.update(record.value or b"")
    measured = len(records) - warm
    return {
        "match_ms": 1000 * (t1 - t0) / measured,
        "mailbox_ms": 1000 * (t2 - t1) / measured,
        "candidates_per_story": len(candidates) / measured,
        "alerts_per_story": len(alerts) / measured,
        "digest": digest.hexdigest()[:16],
        "index": store.index,
    }


def index_alone(index: SubscriptionIndex, values: list[tuple[str, bytes]], warm: int) -> float:
    """CPU ms per story of the index's ``match`` over the same stories, already parsed."""
    stories = [EnrichedStory.from_bytes(v) for _, v in values[warm:]]
    t0 = time.process_time()
    for story in stories:
        index.match(prepare(story))
    return 1000 * (time.process_time() - t0) / len(stories)


async def measure(values: list[tuple[str, bytes]], n_subs: int, warm: int, repeats: int) -> dict[str, Any]:
    """Best of ``repeats`` fresh stages at ``n_subs`` subscriptions, and the index alone beside them."""
    runs = [await run_stage(values, n_subs, warm) for _ in range(repeats)]
    if len({r["digest"] for r in runs}) != 1:
        msg = f"runs at {n_subs} subscriptions published different candidates or alerts"
        raise SystemExit(msg)
    reference = min(index_alone(runs[-1]["index"], values, warm) for _ in range(repeats))
    best = {k: min(r[k] for r in runs) for k in ("match_ms", "mailbox_ms")}
    return {
        "subscriptions": n_subs,
        "match_ms": round(best["match_ms"], 3),
        "mailbox_ms": round(best["mailbox_ms"], 3),
        "stage_ms": round(best["match_ms"] + best["mailbox_ms"], 3),
        "index_match_ms": round(reference, 3),
        "candidates_per_story": round(runs[0]["candidates_per_story"], 2),
        "alerts_per_story": round(runs[0]["alerts_per_story"], 2),
        "digest": runs[0]["digest"],
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--subscriptions", default="1000,100000", help="comma-separated counts")
    ap.add_argument("--stories", type=int, default=3000)
    ap.add_argument("--warm", type=int, default=2500, help="stories handled before measuring")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not 0 <= args.warm < args.stories:
        raise SystemExit("--warm must be below --stories")
    # The services' logging and collector policy: debug lines off, young collections every 10k.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    service_gc()
    console = Console()
    t0 = time.perf_counter()
    values = enriched_stream(args.stories)
    size = sum(len(v) for _, v in values) // len(values)
    console.print(
        f"{len(values):,} enriched stories, {size:,} B each on average ({time.perf_counter() - t0:.0f}s)"
    )
    rows = []
    for n in (int(x) for x in args.subscriptions.split(",")):
        rows.append(asyncio.run(measure(values, n, args.warm, args.repeats)))
        console.log(rows[-1])
    table = Table(
        title=f"Alert stage, CPU ms per story (best of {args.repeats}; {args.stories - args.warm} measured)"
    )
    for col in (
        "subscriptions",
        "match half",
        "mailbox half",
        "stage",
        "index alone",
        "candidates/story",
        "digest",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            f"{r['subscriptions']:,}",
            f"{r['match_ms']:.2f}",
            f"{r['mailbox_ms']:.2f}",
            f"{r['stage_ms']:.2f}",
            f"{r['index_match_ms']:.2f}",
            f"{r['candidates_per_story']:.1f}",
            r["digest"],
        )
    console.print(table)
    write_rows(args, rows, story_bytes=size)
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
