"""Geo tagging against TR-News (gold GeoNames toponyms with their countries).

Reads the evaluation data from ../shared/data/tr-news (never copied into the project).

- story level: predicted ``Tags.countries`` vs the set of gold countries of the story;
  micro precision / recall over (story, country) pairs;
- mention level: for each gold toponym with a country that overlaps one of our place
  mentions, is our country the gold one? (accuracy), and how many gold toponyms we found
  at all (coverage). Mentions of a country through a person's nationality are not places
  in Wirewatch and so are not counted as found.

Run: .venv/bin/python benchmarks/eval_geo.py [--errors]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from processors import KnowledgeBase, Tagger
from schemas.models import Story

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tr-news"
OUT = ROOT / "benchmarks" / "results" / "geo_eval.json"


def _load_corpus() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("tr_news_load", DATA / "load.py")
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {DATA / 'load.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    docs: list[dict[str, Any]] = module.load()
    return docs


def evaluate(*, show_errors: bool) -> dict[str, Any]:
    docs = _load_corpus()
    t0 = time.perf_counter()
    tagger = Tagger(KnowledgeBase.load())
    build_s = time.perf_counter() - t0
    now = datetime(2017, 1, 1, tzinfo=UTC)
    tp = fp = fn = 0
    m_found = m_correct = m_gold = 0
    errors: list[str] = []
    t1 = time.perf_counter()
    for doc in docs:
        # TR-News gives no title field inside the text; the whole article is the body.
        story = Story(
            id=doc["doc_id"],
            title="",
            body=doc["text"],
            source="tr-news",
            content_hash=doc["doc_id"],
            ingested_at=now,
        )
        tags = tagger.tag(story)
        gold = {t["country"] for t in doc["toponyms"] if t["country"]}
        pred = set(tags.countries)
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if show_errors and pred != gold:
            errors.append(f"{doc['doc_id']}: +{sorted(pred - gold)} -{sorted(gold - pred)}")
        spans = [(m.start, m.end, t.country) for t in tags.places for m in t.mentions if m.field == "body"]
        for top in doc["toponyms"]:
            if not top["country"]:
                continue
            m_gold += 1
            hits = [c for s, e, c in spans if s < top["end"] and top["start"] < e]
            if not hits:
                continue
            m_found += 1
            if top["country"] in hits:
                m_correct += 1
            elif show_errors:
                errors.append(f"  {doc['doc_id']} {top['surface']!r}: gold {top['country']} got {hits}")
    tag_s = time.perf_counter() - t1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "corpus": "TR-News (118 articles)",
        "stories": len(docs),
        "story_country_precision": round(precision, 4),
        "story_country_recall": round(recall, 4),
        "story_country_f1": round(2 * precision * recall / (precision + recall), 4)
        if precision + recall
        else 0.0,
        "mention_country_accuracy": round(m_correct / m_found, 4) if m_found else 0.0,
        "mention_coverage": round(m_found / m_gold, 4) if m_gold else 0.0,
        "gold_toponyms_with_country": m_gold,
        "kb_load_and_build_seconds": round(build_s, 2),
        "tagging_seconds": round(tag_s, 3),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="print the stories and mentions we got wrong")
    args = parser.parse_args()
    result = evaluate(show_errors=args.errors)
    console = Console()
    table = Table(title="Geo tagging on TR-News")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    targets = {
        "story_country_precision": 0.90,
        "story_country_recall": 0.90,
        "mention_country_accuracy": 0.93,
    }
    for key in (
        "story_country_precision",
        "story_country_recall",
        "story_country_f1",
        "mention_country_accuracy",
        "mention_coverage",
        "gold_toponyms_with_country",
        "kb_load_and_build_seconds",
        "tagging_seconds",
    ):
        target = targets.get(key)
        table.add_row(key, str(result[key]), f"≥ {target}" if target else "")
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
