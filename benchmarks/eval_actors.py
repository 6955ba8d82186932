"""Actor tagging against hand annotations: people and organisations in 200 real stories.

The annotations (``benchmarks/data/actors_eval.jsonl``, guidelines beside it) name each story
by its source and file name (web pages) or document id (TR-News), never by its text: the
stories are read from ``../shared/data`` at run time and parsed as the service parses them.

Per story, a gold actor is FOUND when some predicted actor tag matches it: the tag's name or
one of its aliases equals (normalized) the gold name or one of its surface forms, or one of the
tag's mention texts equals a gold surface form. A predicted actor tag is CORRECT when it matches
some gold actor the same way. Precision, recall and F1 are micro-averaged over actors, per
language and overall. The team tunes on the ``tune`` split and reports ``report``.

    .venv/bin/python -m benchmarks.eval_actors [--split report|tune|all] [--errors] [--select]

Prints a table and writes ``benchmarks/results/eval_actors.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest import IngestError, parse
from processors import Tagger, enrich, kb_cache
from schemas.models import Story, Tag

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
GOLD = ROOT / "benchmarks" / "data" / "actors_eval.jsonl"
OUT = ROOT / "benchmarks" / "results" / "eval_actors.json"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# The selection rule (see actors_eval_guidelines.md): news words per language, a fixed seed.
SEED = 12
QUOTAS = {"en": 35, "de": 72, "es": 28, "fr": 16, "pl": 10, "pt": 4}  # in this order: one generator
TR_NEWS_QUOTA = 35
MIN_CHARS, MAX_CHARS, MIN_HITS = 300, 7000, 2
KEYWORDS = {
    "en": r"government|minister|president|election|parliament|party|police|army|military|court|company|econom|troops|war|sanction|senator|congress|officials?|spokes",
    "de": r"regierung|minister|präsident|wahl|parlament|partei|polizei|armee|militär|gericht|unternehmen|wirtschaft|krieg|bundestag|kanzler|sprecher|konzern|behörde",
    "pl": r"rząd|minist|prezydent|wybor|sejm|parti|policj|wojsk|sąd|spółk|gospodar|wojn|premier|rzecznik",
    "es": r"gobierno|ministr|president|eleccion|parlament|partido|policía|ejército|militar|tribunal|empresa|econom|guerra|congreso|portavoz",
    "fr": r"gouvernement|ministr|présid|élection|parlement|parti|police|armée|militaire|tribunal|entreprise|économ|guerre|porte-parole",
    "pt": r"governo|ministr|president|eleiç|parlament|partido|polícia|exército|militar|tribunal|empresa|econom|guerra",
}


def load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def web_story(doc: dict[str, Any]) -> Story | None:
    """The Story the service makes of a web page (None if it rejects the page)."""
    try:
        stories = parse(
            doc["html"].encode("utf-8"), origin=doc["url"], now=NOW, media_type="text/html", url=doc["url"]
        )
    except IngestError:
        return None
    return stories[0] if stories else None


def tr_news_story(doc: dict[str, Any]) -> Story:
    # TR-News has a title and a plain text; the text is the body, as in benchmarks/eval_geo.py.
    return Story(
        id=doc["doc_id"],
        title=doc["title"],
        body=doc["text"],
        language="en",
        source="tr-news",
        content_hash=doc["doc_id"],
        ingested_at=NOW,
    )


def load_stories(refs: set[tuple[str, str]]) -> dict[tuple[str, str], Story]:
    """The referenced stories, keyed by (source, ref), read from ../shared/data."""
    stories: dict[tuple[str, str], Story] = {}
    if any(source == "web-pages" for source, _ in refs):
        for doc in load_module(DATA / "web-pages" / "load.py", "webpages_load").load():
            if ("web-pages", doc["file"]) in refs and (story := web_story(doc)) is not None:
                stories["web-pages", doc["file"]] = story
    if any(source == "tr-news" for source, _ in refs):
        for doc in load_module(DATA / "tr-news" / "load.py", "tr_news_load").load():
            if ("tr-news", doc["doc_id"]) in refs:
                stories["tr-news", doc["doc_id"]] = tr_news_story(doc)
    return stories


def norm(text: str) -> str:
    """Compare names without case, accents, curly quotes, outer punctuation or extra spaces."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split()).strip(".,;:!?\"'()[]«»„“”")


@dataclass
class GoldActor:
    name: str
    type: str
    forms: frozenset[str]

    @property
    def names(self) -> frozenset[str]:
        return self.forms | {norm(self.name)}


@dataclass
class Counts:
    tp_gold: int = 0
    gold: int = 0
    tp_pred: int = 0
    pred: int = 0
    stories: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        self.tp_gold += other.tp_gold
        self.gold += other.gold
        self.tp_pred += other.tp_pred
        self.pred += other.pred
        self.stories += other.stories
        for kind, (found, total) in other.by_type.items():
            row = self.by_type.setdefault(kind, [0, 0])
            row[0] += found
            row[1] += total

    def scores(self) -> dict[str, Any]:
        precision = self.tp_pred / self.pred if self.pred else 0.0
        recall = self.tp_gold / self.gold if self.gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "stories": self.stories,
            "gold_actors": self.gold,
            "predicted_actors": self.pred,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "recall_by_type": {
                k: round(f / t, 4) if t else 0.0 for k, (f, t) in sorted(self.by_type.items())
            },
        }


def matches(tag: Tag, gold: GoldActor) -> bool:
    keys = {norm(tag.name), *(norm(alias) for alias in tag.aliases)}
    return bool(keys & gold.names) or any(norm(m.text) in gold.forms for m in tag.mentions)


def score_story(gold: list[GoldActor], predicted: tuple[Tag, ...]) -> tuple[Counts, list[str]]:
    counts = Counts(gold=len(gold), pred=len(predicted), stories=1)
    errors: list[str] = []
    for actor in gold:
        found = any(matches(tag, actor) for tag in predicted)
        counts.tp_gold += found
        row = counts.by_type.setdefault(actor.type, [0, 0])
        row[0] += found
        row[1] += 1
        if not found:
            errors.append(f"  - missed {actor.type} {actor.name!r}")
    for tag in predicted:
        correct = any(matches(tag, actor) for actor in gold)
        counts.tp_pred += correct
        if not correct:
            said = sorted({m.text for m in tag.mentions})
            errors.append(f"  + wrong {tag.type} {tag.name!r} ({tag.id}) from {said}")
    return counts, errors


def read_gold(split: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in records if split == "all" or r["split"] == split]


def evaluate(split: str, *, show_errors: bool) -> dict[str, Any]:
    records = read_gold(split)
    stories = load_stories({(r["source"], r["ref"]) for r in records})
    t0 = time.perf_counter()
    prebuilt = kb_cache.load()  # the packaged knowledge base, prebuilt (built and cached if stale)
    tagger = Tagger(prebuilt.kb, tables=prebuilt.tables)
    build_s = time.perf_counter() - t0
    per_lang: dict[str, Counts] = {}
    missing: list[str] = []
    errors: list[str] = []
    for record in records:
        story = stories.get((record["source"], record["ref"]))
        if story is None:
            missing.append(f"{record['source']}:{record['ref']}")
            continue
        enriched = enrich(story, tagger.tag(story), cluster_id="x")
        gold = [
            GoldActor(a["name"], a["type"], frozenset(norm(f) for f in a["forms"])) for a in record["actors"]
        ]
        counts, story_errors = score_story(gold, enriched.actors)
        per_lang.setdefault(record["lang"], Counts()).add(counts)
        if show_errors and story_errors:
            errors.append(f"[{record['lang']}] {record['source']}:{record['ref']}")
            errors.extend(story_errors)
    total = Counts()
    for counts in per_lang.values():
        total.add(counts)
    return {
        "set": "benchmarks/data/actors_eval.jsonl",
        "split": split,
        "languages": {lang: per_lang[lang].scores() for lang in sorted(per_lang)},
        "overall": total.scores(),
        "missing_stories": missing,
        "kb_load_and_build_seconds": round(build_s, 2),
        "errors": errors,
    }


def select() -> list[str]:
    """The stories the selection rule picks today (to check that the set is reproducible)."""
    rng = random.Random(SEED)
    picked: list[str] = []
    docs = sorted(
        load_module(DATA / "web-pages" / "load.py", "webpages_load").load(), key=lambda d: d["file"]
    )
    parsed = [(doc["file"], story) for doc in docs if (story := web_story(doc)) is not None]
    for lang, quota in QUOTAS.items():
        candidates = [
            name
            for name, story in parsed
            if story.language == lang
            and MIN_CHARS <= len(story.body) <= MAX_CHARS
            and len(re.findall(KEYWORDS[lang], f"{story.title}\n{story.body}", re.IGNORECASE)) >= MIN_HITS
        ]
        rng.shuffle(candidates)
        picked += [
            f"web-pages\t{name}\t{lang}\t{'tune' if i % 2 == 0 else 'report'}"
            for i, name in enumerate(candidates[:quota])
        ]
    tr_news = [
        d
        for d in load_module(DATA / "tr-news" / "load.py", "tr_news_load").load()
        if MIN_CHARS <= len(d["text"]) <= MAX_CHARS
    ]
    rng.shuffle(tr_news)
    picked += [
        f"tr-news\t{d['doc_id']}\ten\t{'tune' if i % 2 == 0 else 'report'}"
        for i, d in enumerate(tr_news[:TR_NEWS_QUOTA])
    ]
    return picked


def print_table(result: dict[str, Any]) -> None:
    table = Table(title=f"Actor tagging, split {result['split']!r} ({result['overall']['stories']} stories)")
    for column in ("lang", "stories", "gold", "predicted", "P", "R", "F1", "R person", "R org"):
        table.add_column(column, justify="left" if column == "lang" else "right")
    rows = [*result["languages"].items(), ("all", result["overall"])]
    for lang, s in rows:
        by_type = s["recall_by_type"]
        table.add_row(
            lang,
            str(s["stories"]),
            str(s["gold_actors"]),
            str(s["predicted_actors"]),
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['f1']:.3f}",
            f"{by_type.get('person', 0.0):.3f}",
            f"{by_type.get('organization', 0.0):.3f}",
        )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=("report", "tune", "all"), default="report")
    parser.add_argument(
        "--errors", action="store_true", help="print the actors missed and the wrong tags, per story"
    )
    parser.add_argument(
        "--select", action="store_true", help="print the stories the selection rule picks and stop"
    )
    args = parser.parse_args()
    if args.select:
        print("\n".join(select()))
        return
    result = evaluate(args.split, show_errors=args.errors)
    print_table(result)
    if result["missing_stories"]:
        print(f"stories not found or rejected by the parser: {result['missing_stories']}")
    if args.errors:
        print("\n".join(result["errors"]))
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
