"""Language detection: how much of a story to read, and which detector reads it.

Real text: the main text of the web pages in ``../shared/data/web-pages`` (trafilatura's
evaluation pages, extracted with trafilatura; pages under 400 characters left out).

1. Sample length: lingua (the reference, ingest's mode) on the first N characters against lingua
   on the first 5,000.
2. Detectors on ingest's sample (the first ``SAMPLE_CHARS``), against lingua on the same sample:
   lingua alone; ingest's ``detect_language`` (CLD2 decides when sure, lingua the rest); CLD2
   alone (pycld2, its answer whatever it is); py3langid restricted to our languages, when it is
   installed (``uv pip install py3langid``; not a dependency).

CPU time per story (``time.process_time``), best of ``--repeats``, one core.

Run: .venv/bin/python -m benchmarks.bench_language
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import importlib.util
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pycld2
import trafilatura
from rich.console import Console
from rich.table import Table

from ingest.normalize import DETECTED_LANGUAGES, SAMPLE_CHARS, _detector, detect_language, fast_language

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "web-pages"
OUT = Path(__file__).resolve().parent / "results" / "bench_language.json"

Detect = Callable[[str], str | None]


def _texts() -> list[str]:
    meta = json.loads((PAGES / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for item in meta.values():
        with gzip.open(PAGES / "html" / (item["file"] + ".gz"), "rb") as fh:
            text = trafilatura.extract(fh.read().decode("utf-8", errors="replace")) or ""
        if len(text) >= 400:  # shorter pages say little about a sample's length
            out.append(text)
    return out


def _lingua(text: str) -> str | None:
    lang = _detector().detect_language_of(text)
    return lang.iso_code_639_1.name.lower() if lang else None


def _cld2(text: str) -> str | None:
    try:
        code = str(pycld2.detect(text, isPlainText=True)[2][0][1])
    except (pycld2.error, UnicodeError):
        return None
    return {"zh-Hant": "zh", "un": None}.get(code, code)


def _py3langid() -> Detect | None:
    if importlib.util.find_spec("py3langid") is None:
        return None
    langid: Any = importlib.import_module("py3langid.langid")
    identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
    identifier.set_languages(list(DETECTED_LANGUAGES))

    def detect(text: str) -> str | None:
        return str(identifier.classify(text)[0])

    return detect


def _timed(detect: Detect, texts: list[str], repeats: int) -> tuple[list[str | None], float]:
    """The answers and the best CPU milliseconds per text."""
    best = float("inf")
    got: list[str | None] = []
    for _ in range(repeats):
        start = time.process_time()
        got = [detect(t) for t in texts]
        best = min(best, time.process_time() - start)
    return got, best / len(texts) * 1000


def _agreement(got: list[str | None], reference: list[str | None]) -> float:
    return sum(a == b for a, b in zip(got, reference, strict=True)) / len(reference)


def sample_rows(texts: list[str], repeats: int) -> list[dict[str, Any]]:
    """Lingua on the first N characters against lingua on the first 5,000."""
    reference, _ = _timed(_lingua, [t[:5000] for t in texts], 1)
    rows = []
    for n in (1500, 800, 600, 400, 250):
        got, ms = _timed(_lingua, [t[:n] for t in texts], repeats)
        rows.append(
            {"chars": n, "ms_per_story": round(ms, 3), "agreement": round(_agreement(got, reference), 4)}
        )
    return rows


def detector_rows(texts: list[str], repeats: int) -> list[dict[str, Any]]:
    """Each detector on ingest's sample, against lingua on the same sample."""
    samples = [t[:SAMPLE_CHARS] for t in texts]
    reference, lingua_ms = _timed(_lingua, samples, repeats)
    detectors: list[tuple[str, Detect | None]] = [
        ("ingest: CLD2 when sure, else lingua", detect_language),
        ("CLD2 alone (pycld2)", _cld2),
        ("py3langid (our languages)", _py3langid()),
    ]
    rows = [{"detector": "lingua alone (reference)", "ms_per_story": round(lingua_ms, 3), "agreement": 1.0}]
    for name, detect in detectors:
        if detect is None:
            rows.append({"detector": name, "ms_per_story": None, "agreement": None})
            continue
        got, ms = _timed(detect, samples, repeats)
        rows.append(
            {
                "detector": name,
                "ms_per_story": round(ms, 3),
                "agreement": round(_agreement(got, reference), 4),
            }
        )
    fast = sum(fast_language(s) is not None for s in samples) / len(samples)
    rows[1]["decided_by_cld2"] = round(fast, 4)
    return rows


def _pct(value: float | None) -> str:
    return "not installed" if value is None else f"{value:.2%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = _texts()
    console = Console()

    rows = sample_rows(texts, args.repeats)
    table = Table(title=f"Lingua on {len(texts)} real pages (reference: first 5,000 chars)")
    for col in ("first N chars", "ms/story", "agrees with reference"):
        table.add_column(col, justify="right")
    for r in rows:
        mark = " (ingest)" if r["chars"] == SAMPLE_CHARS else ""
        table.add_row(f"{r['chars']}{mark}", f"{r['ms_per_story']:.3f}", f"{r['agreement']:.2%}")
    console.print(table)

    detectors = detector_rows(texts, args.repeats)
    table = Table(title=f"Detectors on the first {SAMPLE_CHARS} chars (reference: lingua on the same)")
    for col in ("detector", "ms/story", "agrees with lingua"):
        table.add_column(col, justify="right")
    for r in detectors:
        ms = "—" if r["ms_per_story"] is None else f"{r['ms_per_story']:.3f}"
        table.add_row(r["detector"], ms, _pct(r["agreement"]))
    console.print(table)
    console.print(f"CLD2 decided {detectors[1]['decided_by_cld2']:.1%} of the pages; lingua the rest")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "pages": len(texts),
        "sample_chars": SAMPLE_CHARS,
        "rows": rows,
        "detectors": detectors,
        "load_average": os.getloadavg()[0],
    }
    OUT.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
