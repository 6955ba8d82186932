"""Language detection: how much of a story to read, cost against agreement with the whole text.

Real text: the main text of the web pages in ``../shared/data/web-pages`` (trafilatura's
evaluation pages, extracted with trafilatura; pages under 400 characters left out). The
reference is lingua (the detector ingest uses, same mode) on the first 5,000 characters; each
row reads the first N. Best of ``--repeats`` timings, one core.

Run: .venv/bin/python -m benchmarks.bench_language
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

import trafilatura
from rich.console import Console
from rich.table import Table

from ingest.normalize import SAMPLE_CHARS, _detector

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "web-pages"
OUT = Path(__file__).resolve().parent / "results" / "bench_language.json"


def _texts() -> list[str]:
    meta = json.loads((PAGES / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for item in meta.values():
        with gzip.open(PAGES / "html" / (item["file"] + ".gz"), "rb") as fh:
            text = trafilatura.extract(fh.read().decode("utf-8", errors="replace")) or ""
        if len(text) >= 400:  # shorter pages say little about a sample's length
            out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = _texts()
    detector = _detector()

    def detect(n: int) -> tuple[list[str | None], float]:
        best = float("inf")
        got: list[str | None] = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            found = [detector.detect_language_of(t[:n]) for t in texts]
            best = min(best, time.perf_counter() - start)
            got = [lang.iso_code_639_1.name.lower() if lang else None for lang in found]
        return got, best / len(texts) * 1000

    reference, _ = detect(5000)
    rows = []
    for n in (1500, 800, 600, 400, 250):
        got, ms = detect(n)
        agree = sum(a == b for a, b in zip(got, reference, strict=True)) / len(texts)
        rows.append({"chars": n, "ms_per_story": round(ms, 3), "agreement": round(agree, 4)})
    table = Table(title=f"Language detection on {len(texts)} real pages (reference: first 5,000 chars)")
    for col in ("first N chars", "ms/story", "agrees with reference"):
        table.add_column(col, justify="right")
    for r in rows:
        mark = " (ingest)" if r["chars"] == SAMPLE_CHARS else ""
        table.add_row(f"{r['chars']}{mark}", f"{r['ms_per_story']:.3f}", f"{r['agreement']:.2%}")
    console = Console()
    console.print(table)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "pages": len(texts),
        "sample_chars": SAMPLE_CHARS,
        "rows": rows,
        "load_average": os.getloadavg()[0],
    }
    OUT.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
