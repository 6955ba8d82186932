"""Geo tagging on local news: countries (and states) of stories we annotated by hand.

The stories are news pages of ``../shared/data/web-pages`` (trafilatura's evaluation pages:
local and regional news from the US, Germany, Switzerland, Austria, the Caribbean, Brazil,
Guyana, Ireland, Japan...), read from there and never copied into the project. Each story is
the page's gold title and the first ``chars`` characters of trafilatura's main text; what
we annotated is in ``benchmarks/data/geo_local.jsonl``: per page, the countries of the places
that this text names (read and decided by hand, not from our tagger's output), the
first-level subdivision where the story is local to one, and a short note of our own words.

- story level: predicted ``Tags.countries`` vs the gold countries, micro precision / recall
  over (story, country) pairs, per split ("tune": the stories we may look at while changing
  the tagger; "report": the stories we only measure) and over all;
- state level: of the stories with a gold subdivision, how many have a place tag whose admin
  path holds it (or that is it).

Run: .venv/bin/python -m benchmarks.eval_geo_local [--errors]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura
from rich.console import Console
from rich.table import Table

from processors import Tagger, kb_cache
from schemas.models import Story

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT.parent / "shared" / "data" / "web-pages"
GOLD = ROOT / "benchmarks" / "data" / "geo_local.jsonl"
OUT = ROOT / "benchmarks" / "results" / "geo_local_eval.json"


def _pages() -> dict[str, dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("web_pages_load", PAGES / "load.py")
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {PAGES / 'load.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {d["file"]: d for d in module.load()}


def stories() -> list[tuple[dict[str, Any], Story]]:
    """The annotated stories: (gold row, story) in the order of the gold file."""
    pages = _pages()
    out = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        page = pages[row["file"]]
        text = (trafilatura.extract(page["html"]) or "")[: row["chars"]]
        story = Story(
            id=row["file"],
            title=page.get("title") or "",
            body=text or "-",
            source="web-pages",
            content_hash=row["file"],
            ingested_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
        out.append((row, story))
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def evaluate(*, show_errors: bool) -> dict[str, Any]:
    """Story-level country P/R/F1 per split, and state accuracy."""
    prebuilt = kb_cache.load()  # the packaged knowledge base, prebuilt (built and cached if stale)
    tagger = Tagger(prebuilt.kb, tables=prebuilt.tables)
    counts = {split: [0, 0, 0] for split in ("tune", "report", "all")}
    n_stories = dict.fromkeys(counts, 0)
    states = {split: [0, 0] for split in ("tune", "report", "all")}
    errors: list[str] = []
    for row, story in stories():
        tags = tagger.tag(story)
        gold, pred = set(row["countries"]), set(tags.countries)
        for split in (row["split"], "all"):
            n_stories[split] += 1
            c = counts[split]
            c[0] += len(gold & pred)
            c[1] += len(pred - gold)
            c[2] += len(gold - pred)
        state_ok = None
        if row["admin1"]:
            state_ok = any(
                t.id == row["admin1"] or (t.geo and row["admin1"] in t.geo.path) for t in tags.places
            )
            for split in (row["split"], "all"):
                states[split][0] += int(state_ok)
                states[split][1] += 1
        # Only the tune part's errors are shown: the report part is measured, never looked into.
        if show_errors and row["split"] == "tune" and (pred != gold or state_ok is False):
            why = [f"{t.id} {t.name} ({t.country}) {[m.text for m in t.mentions][:2]}" for t in tags.places]
            errors.append(
                f"{row['split']} {row['file']}: +{sorted(pred - gold)} -{sorted(gold - pred)}"
                f"{' state missed ' + row['admin1'] if state_ok is False else ''}\n    {why}"
            )
    result: dict[str, Any] = {"corpus": "local news pages of ../shared/data/web-pages, annotated by hand"}
    for split, (tp, fp, fn) in counts.items():
        result[split] = {
            "stories": n_stories[split],
            **_prf(tp, fp, fn),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "state_accuracy": round(states[split][0] / states[split][1], 4) if states[split][1] else None,
            "stories_with_state": states[split][1],
        }
    result["errors"] = errors
    return result


def main() -> None:
    """Print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="print the tune part's stories we got wrong")
    args = parser.parse_args()
    result = evaluate(show_errors=args.errors)
    console = Console()
    table = Table(title="Geo tagging on local news (hand-annotated)")
    for col in ("split", "stories", "precision", "recall", "f1", "tp", "fp", "fn", "state accuracy"):
        table.add_column(col, justify="right")
    for split in ("tune", "report", "all"):
        r = result[split]
        state = (
            f"{r['state_accuracy']} of {r['stories_with_state']}" if r["state_accuracy"] is not None else ""
        )
        table.add_row(
            split,
            str(r["stories"]),
            str(r["precision"]),
            str(r["recall"]),
            str(r["f1"]),
            str(r["tp"]),
            str(r["fp"]),
            str(r["fn"]),
            state,
        )
    console.print(table)
    for line in result["errors"]:
        console.print(line, markup=False, highlight=False)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({k: v for k, v in result.items() if k != "errors"}, indent=2) + "\n", encoding="utf-8"
    )
    console.print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
