"""Evaluate HTML extraction: our ``extract_html`` vs ``trafilatura`` alone (default settings).

Data: trafilatura's evaluation set in ``shared/data/web-pages`` (990 pages with "with"/"without"
snippets and gold title/date/author). Snippet metric as in trafilatura's own evaluation: a
"with" snippet found in the main text is a TP (missing: FN), a "without" snippet found is a FP.
Title/date/author accuracy is measured on the pages that have gold for that field. Our main
text is the Story's title and body (the headline lives in ``title``; the gold counts it as text).

    .venv/bin/python -m benchmarks.eval_extract [--limit N] [--data PATH]

Prints a table and writes ``benchmarks/results/extract_eval.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trafilatura
from rich.console import Console
from rich.table import Table

from ingest import IngestError, extract_html
from schemas import DateSource

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "web-pages"
RESULTS = ROOT / "benchmarks" / "results" / "extract_eval.json"


def load_module(data: Path) -> Any:
    spec = importlib.util.spec_from_file_location("webpages_load", data / "load.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {data / 'load.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def same_title(gold: str, got: str | None) -> bool:
    return norm(gold) == norm(got)


def same_date(gold: str, got: str | None) -> bool:
    return gold == got


def same_author(gold: str | list[str], got: str | None) -> bool:
    # Gold authors are "A; B", "A und B" or a list; compare the sets of name tokens, ignoring case.
    def tokens(value: str | list[str] | None) -> set[str]:
        text = "; ".join(value) if isinstance(value, list) else (value or "")
        return set(re.findall(r"\w+", text.casefold())) - {"und", "and", "by", "von"}

    return bool(tokens(gold)) and tokens(gold) == tokens(got)


def ours(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    try:
        story = extract_html(doc["html"].encode("utf-8"), url=doc["url"], now=now, source="eval")
    except IngestError:
        return {"text": "", "title": None, "date": None, "author": None}
    date = None
    if story.published_at is not None and story.published_at_source is not DateSource.INGEST:
        date = story.published_at.date().isoformat()
    # A Story keeps the headline in ``title``, not in ``body``; the gold counts it as main text.
    return {
        "text": f"{story.title}\n{story.body}",
        "title": story.title,
        "date": date,
        "author": story.byline,
    }


def reference(doc: dict[str, Any], *, include_comments: bool = True) -> dict[str, Any]:
    text = trafilatura.extract(doc["html"], url=doc["url"], include_comments=include_comments) or ""
    meta = trafilatura.extract_metadata(doc["html"], default_url=doc["url"])
    return {
        "text": text,
        "title": meta.title if meta else None,
        "date": meta.date if meta else None,
        "author": meta.author if meta else None,
    }


def field_accuracy(docs: list[dict[str, Any]], outputs: list[dict[str, Any]], field: str) -> dict[str, Any]:
    compare: Callable[[Any, str | None], bool] = {
        "title": same_title,
        "author": same_author,
        "date": same_date,
    }[field]
    pairs = [(d[field], o[field]) for d, o in zip(docs, outputs, strict=True) if d.get(field)]
    correct = sum(1 for gold, got in pairs if compare(gold, got))
    return {"accuracy": correct / len(pairs) if pairs else 0.0, "correct": correct, "total": len(pairs)}


def evaluate(docs: list[dict[str, Any]], run: Any, scorer: Any) -> dict[str, Any]:
    start = time.perf_counter()
    outputs = [run(doc) for doc in docs]
    elapsed = time.perf_counter() - start
    snippets = scorer([(doc, out["text"]) for doc, out in zip(docs, outputs, strict=True)])
    return {
        "snippets": snippets,
        "title": field_accuracy(docs, outputs, "title"),
        "date": field_accuracy(docs, outputs, "date"),
        "author": field_accuracy(docs, outputs, "author"),
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N pages")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="path to shared/data/web-pages")
    args = parser.parse_args()

    loader = load_module(args.data)
    docs = loader.load()[: args.limit] if args.limit else loader.load()
    now = datetime.now(UTC)
    # trafilatura's defaults keep comments in the text, and this gold counts comment snippets as
    # main text; we drop comments by design, so the no-comments run shows where that difference lies.
    results = {
        "trafilatura": evaluate(docs, reference, loader.score),
        "trafilatura_no_comments": evaluate(
            docs, lambda d: reference(d, include_comments=False), loader.score
        ),
        "wirewatch": evaluate(docs, lambda d: ours(d, now), loader.score),
    }

    table = Table(title=f"HTML extraction on {len(docs)} pages ({args.data.name})")
    table.add_column("metric")
    table.add_column("trafilatura defaults", justify="right")
    table.add_column("trafilatura, no comments", justify="right")
    table.add_column("wirewatch extract_html", justify="right")
    table.add_column("delta vs defaults", justify="right")
    rows = [
        ("precision", "snippets", "precision"),
        ("recall", "snippets", "recall"),
        ("F1", "snippets", "f1"),
    ]
    rows += [(f"{f} accuracy", f, "accuracy") for f in ("title", "date", "author")]
    for label, group, key in rows:
        ref, alt, our = (
            results[name][group][key] for name in ("trafilatura", "trafilatura_no_comments", "wirewatch")
        )
        table.add_row(label, f"{ref:.3f}", f"{alt:.3f}", f"{our:.3f}", f"{our - ref:+.3f}")
    for label, key in (("false positives", "fp"), ("false negatives", "fn")):
        ref, alt, our = (
            results[name]["snippets"][key] for name in ("trafilatura", "trafilatura_no_comments", "wirewatch")
        )
        table.add_row(label, str(ref), str(alt), str(our), f"{our - ref:+d}")
    seconds = [
        f"{results[name]['seconds']:.1f}" for name in ("trafilatura", "trafilatura_no_comments", "wirewatch")
    ]
    table.add_row("seconds (references also run extract_metadata)", *seconds, "")
    Console(width=120).print(table)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {"pages": len(docs), "data": str(args.data), "generated_at": now.isoformat(), **results}
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
