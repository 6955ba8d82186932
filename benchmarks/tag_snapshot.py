"""Snapshot of the tagger's output on a fixed comparison set, to check a refactoring changes nothing.

The set is read at run time from ../shared (evaluation data, never copied into the project):
the bench stories of ``bench_tagging.py``, the first 600 web pages of ``shared/data/web-pages``
(parsed with ``ingest.parse``), every TR-News article, the seed story, and upper-cased,
lower-cased, dateline-prefixed and NFD-decomposed variants of 50 of those. One line per story:
its key, a tab, and its tags as canonical JSON (as ``EnrichedStory`` carries them).

Run: .venv/bin/python -m benchmarks.tag_snapshot OUT.jsonl   (then ``cmp`` two snapshots)
"""

from __future__ import annotations

import argparse
import gzip
import json
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench_tagging import make_stories
from ingest import IngestError, parse
from processors import COMPILED, KnowledgeBase, Tagger, enrich
from schemas.models import Story

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WEB = SHARED / "data" / "web-pages"
TR_NEWS = SHARED / "data" / "tr-news" / "TR-News.xml"
SEED = SHARED / "seeds" / "nato-russia-border-scraped.txt"
NOW = datetime(2024, 4, 18, tzinfo=UTC)
BENCH_STORIES = 40
WEB_PAGES = 600
VARIANTS = 50
TAG_FIELDS = ("countries", "places", "regions", "actors", "topics", "unresolved")


def _web_pages() -> list[tuple[str, Story]]:
    evaldata = json.loads((WEB / "evaldata.json").read_text(encoding="utf-8"))
    out: list[tuple[str, Story]] = []
    for url, meta in list(evaldata.items())[:WEB_PAGES]:
        with gzip.open(WEB / "html" / (meta["file"] + ".gz"), "rb") as fh:
            html = fh.read().decode("utf-8", errors="replace")
        try:
            stories = parse(html.encode("utf-8"), origin=url, now=NOW, source="eval", media_type="text/html")
        except IngestError:
            continue
        out.extend((f"web:{meta['file']}:{i}", story) for i, story in enumerate(stories))
    return out


def _tr_news() -> list[tuple[str, Story]]:
    import xml.etree.ElementTree as ET  # noqa: PLC0415 - only for this set

    return [
        (
            f"tr-news:{i}",
            Story(
                id=str(i),
                title="",
                body=art.findtext("text") or "",
                source="tr-news",
                content_hash=str(i),
                ingested_at=NOW,
            ),
        )
        for i, art in enumerate(ET.parse(TR_NEWS).getroot())
    ]


def _seed() -> list[tuple[str, Story]]:
    stories = parse(SEED.read_bytes(), origin=str(SEED), now=NOW, source="seed")
    return [(f"seed:{i}", story) for i, story in enumerate(stories)]


def _variants(base: list[tuple[str, Story]]) -> list[tuple[str, Story]]:
    ways: dict[str, Callable[[str], str]] = {
        "upper": str.upper,
        "lower": str.lower,
        "nfd": lambda text: unicodedata.normalize("NFD", text),
    }
    step = max(1, len(base) // VARIANTS)
    out: list[tuple[str, Story]] = []
    for key, story in base[::step][:VARIANTS]:
        for name, way in ways.items():
            update = {"title": way(story.title), "body": way(story.body)}
            if story.standfirst is not None:
                update["standfirst"] = way(story.standfirst)
            out.append((f"{name}:{key}", story.model_copy(update=update)))
        body = "MOSCOW (Reuters) - " + story.body
        out.append((f"dateline:{key}", story.model_copy(update={"body": body})))
    return out


def comparison_set() -> list[tuple[str, Story]]:
    """Every (key, story) of the comparison set, in a fixed order."""
    base = [(f"bench:{s.id}", s) for s in make_stories(BENCH_STORIES)]
    base += _web_pages() + _tr_news() + _seed()
    return base + _variants(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path, help="where to write the snapshot (one JSON line per story)")
    args = parser.parse_args()
    stories = comparison_set()
    tagger = Tagger(KnowledgeBase.load())
    with args.out.open("w", encoding="utf-8") as fh:
        for key, story in stories:
            enriched = enrich(story, tagger.tag(story), cluster_id="snapshot")
            tags = enriched.model_dump(mode="json", include=set(TAG_FIELDS))
            line = json.dumps(tags, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            fh.write(f"{key}\t{line}\n")
    print(f"{len(stories)} stories tagged (compiled: {COMPILED}) -> {args.out}")


if __name__ == "__main__":
    main()
