"""Clusterer.assign throughput with N remembered stories, next to exact-hash dedup.

Synthetic stories: 250 words drawn from a Zipf-like vocabulary of 30,000 words,
in two corpora: "typical" (weights 1/(rank+150): unrelated stories share 3% of
their words, like wire copy once stopwords are gone) and "dense" (1/(rank+10):
they share 8%, so LSH proposes hundreds of candidates per story at 100k entries).
A quarter of the measured stories are rewrites of a remembered one (25% of the
words replaced: a true Jaccard near 0.6, like the Reuters/AP pair of the tests),
the rest are fresh. The reference is what ingest already does:
a sha256 of the normalized text looked up in a dict (it catches exact copies only).

    .venv/bin/python -m benchmarks.bench_cluster [--sizes 1000 10000 100000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from processors.cluster import Clusterer, features
from schemas.models import Story

NOW = datetime(2026, 3, 3, tzinfo=UTC)
RESULTS = Path(__file__).parent / "results" / "cluster.json"


CORPORA = {"typical": 150, "dense": 10}


def make_vocabulary(rng: random.Random, head: int, size: int = 30_000) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted({"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(size)})
    weights = [1.0 / (rank + head) for rank in range(len(words))]
    return words, weights


def make_story(story_id: str, words: list[str]) -> Story:
    title = " ".join(words[:10])
    body = "\n\n".join(" ".join(words[i : i + 50]) for i in range(10, len(words), 50))
    return Story(
        id=story_id,
        title=title,
        body=body,
        source="bench",
        content_hash=hashlib.sha256(" ".join(words).encode()).hexdigest(),
        ingested_at=NOW,
    )


def rewrite(rng: random.Random, words: list[str], vocab: list[str], share: float = 0.25) -> list[str]:
    return [rng.choice(vocab) if rng.random() < share else w for w in words]


def exact_key(story: Story) -> str:
    text = " ".join((story.title, story.standfirst or "", story.body)).casefold().split()
    return hashlib.sha256(" ".join(text).encode()).hexdigest()


def run(corpus: str, size: int, queries: int, seed: int) -> dict[str, float | int | str]:
    rng = random.Random(seed)
    vocab, weights = make_vocabulary(rng, CORPORA[corpus])
    texts = [rng.choices(vocab, weights, k=250) for _ in range(size)]
    stored = [make_story(f"s{i}", t) for i, t in enumerate(texts)]
    batch: list[tuple[Story, str | None]] = []
    jaccards: list[float] = []
    for i in range(queries):
        if i % 4 == 0:
            j = rng.randrange(size)
            batch.append((make_story(f"q{i}", rewrite(rng, texts[j], vocab)), f"s{j}"))
            a, b = features(stored[j]), features(batch[-1][0])
            jaccards.append(len(a & b) / len(a | b))
        else:
            batch.append((make_story(f"q{i}", rng.choices(vocab, weights, k=250)), None))

    clusterer = Clusterer(max_entries=size + queries)
    started = time.perf_counter()
    signatures = [clusterer.signature(s) for s in stored]
    signature_s = time.perf_counter() - started
    for s, sig in zip(stored, signatures, strict=True):
        clusterer.remember(s.id, sig, f"c-{s.id}")

    started = time.perf_counter()
    decisions = [clusterer.assign(s) for s, _ in batch]
    assign_s = time.perf_counter() - started

    seen = {exact_key(s): s.id for s in stored}
    started = time.perf_counter()
    exact_hits = 0
    for s, _ in batch:
        key = exact_key(s)
        exact_hits += key in seen
        seen.setdefault(key, s.id)
    exact_s = time.perf_counter() - started

    expected = [(d, want) for d, (_, want) in zip(decisions, batch, strict=True)]
    rewrites = [d for d, want in expected if want is not None]
    joined = sum(d.cluster_id == f"c-{want}" for d, want in expected if want is not None)
    false_joins = sum(not d.is_new for d, want in expected if want is None)
    return {
        "corpus": corpus,
        "entries": size,
        "queries": queries,
        "assign_per_s": queries / assign_s,
        "assign_us": assign_s / queries * 1e6,
        "signature_us": signature_s / size * 1e6,
        "exact_per_s": queries / exact_s,
        "exact_us": exact_s / queries * 1e6,
        "rewrite_jaccard": sum(jaccards) / len(jaccards),
        "rewrite_recall": joined / len(rewrites),
        "false_join_rate": false_joins / (queries - len(rewrites)),
        "exact_rewrite_recall": exact_hits / len(rewrites),
        "mean_features": sum(len(features(s)) for s, _ in batch[:200]) / 200,
    }


def memory_per_entry(entries: int, seed: int) -> float:
    rng = random.Random(seed)
    vocab, weights = make_vocabulary(rng, CORPORA["typical"])
    clusterer = Clusterer(max_entries=entries)
    signatures = [
        (f"s{i}", clusterer.signature(make_story(f"s{i}", rng.choices(vocab, weights, k=250))))
        for i in range(entries)
    ]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for story_id, sig in signatures:
        clusterer.remember(story_id, sig, f"c-{story_id}")
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rows = [run(corpus, size, args.queries, args.seed) for corpus in CORPORA for size in args.sizes]
    bytes_per_entry = memory_per_entry(10_000, args.seed)

    table = Table(title="Clusterer.assign vs exact-hash dedup (stories/s)")
    for column in (
        "corpus",
        "entries",
        "assign/s",
        "µs/assign",
        "(signature µs)",
        "exact/s",
        "µs/exact",
        "rewrite J",
        "rewrite recall",
        "false joins",
        "exact recall",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            str(r["corpus"]),
            f"{r['entries']:,}",
            f"{r['assign_per_s']:,.0f}",
            f"{r['assign_us']:,.0f}",
            f"{r['signature_us']:,.0f}",
            f"{r['exact_per_s']:,.0f}",
            f"{r['exact_us']:,.1f}",
            f"{r['rewrite_jaccard']:.2f}",
            f"{r['rewrite_recall']:.1%}",
            f"{r['false_join_rate']:.1%}",
            f"{r['exact_rewrite_recall']:.1%}",
        )
    console = Console(width=150)
    console.print(table)
    console.print(f"memory: ~{bytes_per_entry:,.0f} bytes per remembered story (10k entries, tracemalloc)")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "cluster",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "bytes_per_entry": bytes_per_entry,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
