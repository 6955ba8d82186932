"""Clusterer cost per story with N remembered stories: the event clusterer beside today's text-only one.

``EventClusterer.assign`` (text + anchors, issue 15) is timed beside ``Clusterer.assign`` (MinHash
only, kept for this comparison) and exact-hash dedup, on the same stories. Each synthetic story
also gets tags (3 places of 5,000, 4 actors of 20,000, 4 topics of 60, Zipf-like) and 6 figures in
its text, and every remembered story is within the window: the event clusterer's worst case, as
every candidate's cluster is open. Tagging is not counted (the tagger runs before either).

Synthetic stories: 250 words drawn from a Zipf-like vocabulary of 30,000 words,
in two corpora: "typical" (weights 1/(rank+150): unrelated stories share 3% of
their words, like wire copy once stopwords are gone) and "dense" (1/(rank+10):
they share 8%, so LSH proposes hundreds of candidates per story at 100k entries).
A quarter of the measured stories are rewrites of a remembered one (25% of the
words replaced: a true Jaccard near 0.6, like the Reuters/AP pair of the tests),
the rest are fresh. The reference is what ingest already does:
a sha256 of the normalized text looked up in a dict (it catches exact copies only).

Streams (issue 19): ms of CPU per story of ``EventClusterer.assign`` on (a) the stories
``benchmarks/bench_e2e.py`` generates (~4.4 KB from a few dozen sentence templates: many near
candidates) and (b) the real-text set of ``benchmarks/eval_cluster.py`` (its wire copies and the
TR-News articles from ``../shared/data/tr-news``), both tagged by the packaged tagger (not
counted), beside the text-only ``Clusterer`` and datasketch alone (``MinHash.update_batch`` of
the same features, then ``MinHashLSH`` query and insert at 0.5 with 64 permutations). CPU time
(``time.process_time``), best of ``--rounds``, so that other work on the machine weighs less.

    .venv/bin/python -m benchmarks.bench_cluster [--sizes 1000 10000 100000] [--queries 2000] [--quick]
    .venv/bin/python -m benchmarks.bench_cluster --streams-only [--e2e-stories 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datasketch import MinHash, MinHashLSH
from rich.console import Console
from rich.table import Table

from processors.cluster import Clusterer, EventClusterer, EventEntry, anchors, features
from schemas.models import Story, Tag

if TYPE_CHECKING:
    from collections.abc import Callable

    from processors.cluster import TagSource

NOW = datetime(2026, 3, 3, tzinfo=UTC)
RESULTS = Path(__file__).parent / "results" / "cluster.json"


CORPORA = {"typical": 150, "dense": 10}


@dataclass(frozen=True, slots=True)
class SyntheticTags:
    """What the tagger would have given (ids only: the clusterer reads no more)."""

    places: tuple[Tag, ...]
    actors: tuple[Tag, ...]
    topics: tuple[Tag, ...]
    regions: tuple[Tag, ...] = ()
    countries: tuple[str, ...] = ()


def _tags(rng: random.Random, kind: str, count: int, pool: int) -> tuple[Tag, ...]:
    # Zipf-like over the pool (weight 1/(rank+20)): a few ids are common (a capital, a president).
    ids = {int(pool ** rng.random()) + rng.randrange(20) for _ in range(count)}
    return tuple(Tag(id=f"{kind}:{i}", name=f"{kind} {i}", type="city" if kind == "p" else kind) for i in ids)


def make_tags(rng: random.Random) -> SyntheticTags:
    return SyntheticTags(
        places=_tags(rng, "p", 3, 5_000), actors=_tags(rng, "a", 4, 20_000), topics=_tags(rng, "t", 4, 60)
    )


def make_vocabulary(rng: random.Random, head: int, size: int = 30_000) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted({"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(size)})
    weights = [1.0 / (rank + head) for rank in range(len(words))]
    return words, weights


def make_story(story_id: str, words: list[str], figures: tuple[int, ...] = ()) -> Story:
    words = [*words[:40], *map(str, figures), *words[40:]]
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
    figures = [tuple(rng.randint(2, 5000) for _ in range(6)) for _ in range(size)]
    stored = [make_story(f"s{i}", t, f) for i, (t, f) in enumerate(zip(texts, figures, strict=True))]
    stored_tags = [make_tags(rng) for _ in range(size)]
    batch: list[tuple[Story, SyntheticTags, str | None]] = []
    jaccards: list[float] = []
    for i in range(queries):
        if i % 4 == 0:
            j = rng.randrange(size)
            source = stored_tags[j]
            kept = SyntheticTags(places=source.places, actors=source.actors[1:], topics=source.topics)
            batch.append((make_story(f"q{i}", rewrite(rng, texts[j], vocab), figures[j]), kept, f"s{j}"))
            a, b = features(stored[j]), features(batch[-1][0])
            jaccards.append(len(a & b) / len(a | b))
        else:
            fresh = tuple(rng.randint(2, 5000) for _ in range(6))
            batch.append(
                (make_story(f"q{i}", rng.choices(vocab, weights, k=250), fresh), make_tags(rng), None)
            )

    clusterer = Clusterer(max_entries=size + queries)
    events = EventClusterer(max_entries=size + queries)
    started = time.perf_counter()
    signatures = [clusterer.signature(s) for s in stored]
    signature_s = time.perf_counter() - started
    at = int(NOW.timestamp())
    for s, sig, tags in zip(stored, signatures, stored_tags, strict=True):
        clusterer.remember(s.id, sig, f"c-{s.id}")
        events.remember(s.id, EventEntry(f"c-{s.id}", sig, anchors(s, tags), at))

    # Chunks of 50 stories alternate between the two so that a busy machine slows both alike.
    decisions, event_decisions = [], []
    assign_s = event_s = 0.0
    for start in range(0, len(batch), 50):
        chunk = batch[start : start + 50]
        started = time.perf_counter()
        decisions += [clusterer.assign(s) for s, _, _ in chunk]
        assign_s += time.perf_counter() - started
        started = time.perf_counter()
        event_decisions += [events.assign(s, tags) for s, tags, _ in chunk]
        event_s += time.perf_counter() - started

    seen = {exact_key(s): s.id for s in stored}
    started = time.perf_counter()
    exact_hits = 0
    for s, _, _ in batch:
        key = exact_key(s)
        exact_hits += key in seen
        seen.setdefault(key, s.id)
    exact_s = time.perf_counter() - started

    wants = [want for _, _, want in batch]
    rewrites = sum(want is not None for want in wants)
    return {
        "corpus": corpus,
        "entries": size,
        "queries": queries,
        "assign_per_s": queries / assign_s,
        "assign_us": assign_s / queries * 1e6,
        "event_assign_us": event_s / queries * 1e6,
        "event_vs_text": event_s / assign_s,
        "signature_us": signature_s / size * 1e6,
        "exact_per_s": queries / exact_s,
        "exact_us": exact_s / queries * 1e6,
        "rewrite_jaccard": sum(jaccards) / len(jaccards),
        "rewrite_recall": sum(d.cluster_id == f"c-{w}" for d, w in zip(decisions, wants, strict=True) if w)
        / rewrites,
        "false_join_rate": sum(not d.is_new for d, w in zip(decisions, wants, strict=True) if w is None)
        / (queries - rewrites),
        "event_rewrite_recall": sum(
            d.cluster_id == f"c-{w}" for d, w in zip(event_decisions, wants, strict=True) if w
        )
        / rewrites,
        "event_false_join_rate": sum(
            not d.is_new for d, w in zip(event_decisions, wants, strict=True) if w is None
        )
        / (queries - rewrites),
        "exact_rewrite_recall": exact_hits / rewrites,
        "mean_features": sum(len(features(s)) for s, _, _ in batch[:200]) / 200,
    }


def memory_per_entry(entries: int, seed: int) -> tuple[float, float]:
    """Bytes per remembered story: text-only, event (tracemalloc)."""
    rng = random.Random(seed)
    vocab, weights = make_vocabulary(rng, CORPORA["typical"])
    stories = [
        make_story(f"s{i}", rng.choices(vocab, weights, k=250), (12, 345, 6789)) for i in range(entries)
    ]
    clusterer, events = Clusterer(max_entries=entries), EventClusterer(max_entries=entries)
    at = int(NOW.timestamp())
    entries_of = [
        (s.id, EventEntry(f"c-{s.id}", clusterer.signature(s), anchors(s, make_tags(rng)), at))
        for s in stories
    ]
    out: list[float] = []
    for remember in (
        lambda sid, e: clusterer.remember(sid, e.signature, e.cluster_id),
        events.remember,
    ):
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for story_id, entry in entries_of:
            remember(story_id, entry)
        out.append((tracemalloc.get_traced_memory()[0] - before) / entries)
        tracemalloc.stop()
    return out[0], out[1]


def stream_e2e(count: int) -> list[Story]:
    """The stories ``bench_e2e.py`` writes to ``wirewatch run --stdin``, one second apart."""
    from benchmarks.bench_e2e import make_story_lines  # noqa: PLC0415 - only for this part

    out: list[Story] = []
    for i, line in enumerate(make_story_lines(count)):
        raw = json.loads(line)
        out.append(
            Story(
                id=raw["id"],
                title=raw["title"],
                body=raw["body"],
                source=raw["source"],
                content_hash=hashlib.sha256(line).hexdigest(),
                ingested_at=NOW + timedelta(seconds=i),
            )
        )
    return out


def stream_real() -> list[Story]:
    """The stories of ``eval_cluster.py`` (wire copies, TR-News articles and copies), in time order."""
    from benchmarks.eval_cluster import SHARED, load_items  # noqa: PLC0415 - only for this part

    return [item.story for item in load_items(SHARED)]


def _event_pass(rows: list[tuple[Story, TagSource]]) -> Callable[[], None]:
    def go() -> None:
        clusterer = EventClusterer()
        for story, tags in rows:
            clusterer.assign(story, tags)

    return go


def _text_pass(rows: list[tuple[Story, TagSource]]) -> Callable[[], None]:
    def go() -> None:
        clusterer = Clusterer()
        for story, _ in rows:
            clusterer.assign(story)

    return go


def _datasketch_pass(rows: list[tuple[Story, TagSource]]) -> Callable[[], None]:
    """The reference: datasketch alone, on the same features (no window, anchors nor scoring)."""

    def go() -> None:
        lsh = MinHashLSH(threshold=0.5, num_perm=64)
        for story, _ in rows:
            minhash = MinHash(num_perm=64, seed=1, scheme="affine32")
            minhash.update_batch(list(features(story)))
            lsh.query(minhash)
            lsh.insert(story.id, minhash)

    return go


def run_streams(e2e_count: int, rounds: int) -> list[dict[str, Any]]:
    """ms of CPU per story for each stream and clusterer (best of ``rounds``)."""
    from wirewatch.cli.offline import load_tagger  # noqa: PLC0415 - seconds to build

    tagger = load_tagger()
    streams = {"e2e (templated)": stream_e2e(e2e_count), "real (eval_cluster)": stream_real()}
    rows: list[dict[str, Any]] = []
    for name, stories in streams.items():
        tagged: list[tuple[Story, TagSource]] = [(s, tagger.tag(s)) for s in stories]
        passes = {
            "event": _event_pass(tagged),
            "text": _text_pass(tagged),
            "datasketch": _datasketch_pass(tagged),
        }
        best = dict.fromkeys(passes, float("inf"))
        for _ in range(rounds):  # the three alternate, so that a busy spell slows all of them
            for key, go in passes.items():
                started = time.process_time()
                go()
                best[key] = min(best[key], (time.process_time() - started) / len(tagged) * 1e3)
        rows.append({"stream": name, "stories": len(tagged), **{f"{k}_ms": v for k, v in best.items()}})
    return rows


def streams_table(rows: list[dict[str, Any]]) -> Table:
    """The streams part as a table."""
    table = Table(title="CPU ms per story on story streams (best of rounds; tagging not counted)")
    for column in ("stream", "stories", "event ms", "text-only ms", "datasketch ms", "event/datasketch"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            r["stream"],
            f"{r['stories']:,}",
            f"{r['event_ms']:.3f}",
            f"{r['text_ms']:.3f}",
            f"{r['datasketch_ms']:.3f}",
            f"{r['event_ms'] / r['datasketch_ms']:.2f}×",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--quick", action="store_true", help="1k and 10k entries, 600 queries, 500 e2e stories"
    )
    parser.add_argument("--e2e-stories", type=int, default=None, help="stories in the e2e stream (2,000)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over each stream (the best counts)")
    parser.add_argument("--streams-only", action="store_true", help="only the story streams")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.queries = [1_000, 10_000], 600
    if args.e2e_stories is None:
        args.e2e_stories = 500 if args.quick else 2_000
    console = Console(width=170)
    streams = run_streams(args.e2e_stories, args.rounds)
    console.print(streams_table(streams))
    console.print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.streams_only:
        _write({"streams": streams, "loadavg": os.getloadavg()}, console)
        return

    rows = [run(corpus, size, args.queries, args.seed) for corpus in CORPORA for size in args.sizes]
    text_bytes, event_bytes = memory_per_entry(10_000, args.seed)

    table = Table(
        title="Cost per story: event clusterer beside text-only Clusterer.assign and exact-hash dedup"
    )
    for column in (
        "corpus",
        "entries",
        "µs/assign text",
        "µs/assign event",
        "event/text",
        "(signature µs)",
        "µs/exact",
        "rewrite J",
        "recall text",
        "recall event",
        "false joins text",
        "false joins event",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            str(r["corpus"]),
            f"{r['entries']:,}",
            f"{r['assign_us']:,.0f}",
            f"{r['event_assign_us']:,.0f}",
            f"{r['event_vs_text']:.2f}×",
            f"{r['signature_us']:,.0f}",
            f"{r['exact_us']:,.1f}",
            f"{r['rewrite_jaccard']:.2f}",
            f"{r['rewrite_recall']:.1%}",
            f"{r['event_rewrite_recall']:.1%}",
            f"{r['false_join_rate']:.1%}",
            f"{r['event_false_join_rate']:.1%}",
        )
    console.print(table)
    console.print(
        f"memory per remembered story (10k entries, tracemalloc): text-only ~{text_bytes:,.0f} bytes, "
        f"event ~{event_bytes:,.0f} bytes"
    )

    _write(
        {
            "bytes_per_entry": text_bytes,
            "event_bytes_per_entry": event_bytes,
            "rows": rows,
            "streams": streams,
            "loadavg": os.getloadavg(),
        },
        console,
    )


def _write(figures: dict[str, Any], console: Console) -> None:
    """Write the figures to ``RESULTS``; a streams-only run keeps the synthetic rows already there."""
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    meta = {"benchmark": "cluster", "python": platform.python_version(), "machine": platform.machine()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**old, **meta, **figures}, indent=2) + "\n")
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
