"""Throughput of the ingest parsers, side by side with a reference in the same run.

* HTML: pages/s of our ``extract_html`` vs ``trafilatura.extract`` (defaults, and with metadata,
  which we need) on the same pages of ``shared/data/web-pages``.
* Plain text: stories/s of ``ingest.parse`` on seed-derived wire texts vs a floor that only
  decodes, splits lines and hashes (what any parser must at least do).

    .venv/bin/python -m benchmarks.bench_extract [--pages 200] [--texts 500] [--data PATH]

Prints a table and writes ``benchmarks/results/bench_extract.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trafilatura
from rich.console import Console
from rich.table import Table

from ingest import IngestError, extract_html, parse

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "web-pages"
SEED = ROOT.parent / "shared" / "seeds" / "nato-russia-border-scraped.txt"
RESULTS = ROOT / "benchmarks" / "results" / "bench_extract.json"
DATELINES = ["MOSCOW, Feb 16 (Reuters) - ", "BRUSSELS (AP) — ", "KYIV (Wirenews) - ", ""]


def load_pages(data: Path, count: int) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("webpages_load", data / "load.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {data / 'load.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    docs: list[dict[str, Any]] = module.load()
    return docs[:count]


def seed_texts(count: int) -> list[bytes]:
    """Variants of the seed: shuffled paragraphs, a dateline, chrome kept; each one different."""
    lines = SEED.read_text(encoding="utf-8").split("\n\n")
    head, body, tail = lines[:5], lines[5:-6], lines[-6:]
    rng = random.Random(7)
    texts = []
    for i in range(count):
        paras = body[:]
        rng.shuffle(paras)
        paras[0] = DATELINES[i % len(DATELINES)] + paras[0]
        texts.append("\n\n".join([*head, *paras[: rng.randint(3, len(paras))], *tail, f"Ref {i}"]).encode())
    return texts


def timed(items: list[Any], run: Callable[[Any], object], repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` wall time over all items (the best run has the least interference)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            run(item)
        runs.append(time.perf_counter() - start)
    best = min(runs)
    return {
        "items": len(items),
        "best_seconds": best,
        "median_seconds": statistics.median(runs),
        "per_second": len(items) / best,
    }


def floor_text(data: bytes) -> object:
    text = data.decode("utf-8")
    paras = [line.strip() for line in text.splitlines() if line.strip()]
    return hashlib.sha256("\n".join(paras).encode()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    now = datetime.now(UTC)

    pages = load_pages(args.data, args.pages)
    page_bytes = [(d["html"].encode("utf-8"), d["url"]) for d in pages]
    texts = seed_texts(args.texts)

    def ours_html(item: tuple[bytes, str]) -> object:
        try:
            return extract_html(item[0], url=item[1], now=now, source="bench")
        except IngestError:
            return None

    def ours_text(data: bytes) -> object:
        return parse(data, origin="bench.txt", now=now)

    # Warm-up: lingua's models, dateparser's data and trafilatura's caches load on first use.
    ours_html(page_bytes[0])
    ours_text(texts[0])
    trafilatura.extract(pages[0]["html"], url=pages[0]["url"])

    results = {
        "html": {
            "trafilatura.extract": timed(
                pages, lambda d: trafilatura.extract(d["html"], url=d["url"]), args.repeat
            ),
            # We need title/date/author too: the fair reference for our overhead extracts them as well.
            "trafilatura.extract(with_metadata=True)": timed(
                pages, lambda d: trafilatura.extract(d["html"], url=d["url"], with_metadata=True), args.repeat
            ),
            "wirewatch.extract_html": timed(page_bytes, ours_html, args.repeat),
        },
        "text": {
            "floor (decode+split+hash)": timed(texts, floor_text, args.repeat),
            "wirewatch.parse": timed(texts, ours_text, args.repeat),
        },
    }

    table = Table(title=f"Ingest parser throughput (best of {args.repeat})")
    for column in ("input", "implementation", "items", "items/s", "ms/item", "relative"):
        table.add_column(column, justify="right" if column not in {"input", "implementation"} else "left")
    for kind, impls in results.items():
        reference = next(iter(impls.values()))["per_second"]
        for name, figures in impls.items():
            table.add_row(
                kind,
                name,
                str(int(figures["items"])),
                f"{figures['per_second']:.1f}",
                f"{1000 / figures['per_second']:.2f}",
                f"{figures['per_second'] / reference:.2f}x",
            )
    Console(width=120).print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"generated_at": now.isoformat(), **results}, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
