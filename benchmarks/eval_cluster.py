"""B-cubed precision and recall of event clustering on a labelled multilingual set (issue 15).

The set (``benchmarks/data/cluster_events.json``, described in the README) has two parts:

- **wire**: 48 events written for Wirewatch from templates in English, Spanish, French and German
  (two wordings, "agencies", per language; six kinds of event in 21 cities and 6 capitals), each
  published as 2-6 copies in several languages within hours. A third of the cities host two events
  of one kind, and 12 events come back to the same city and subject 2-4 days later: the same kind of
  event elsewhere, and the same subject later, are separate events;
- **tr-news**: the 118 real English articles of TR-News (read from ``../shared/data/tr-news`` at
  run time, never copied here), each its own event, 40 minutes apart, plus copies made from them
  here: the first half of an article (an HTML page carrying part of the text) and a rewrite
  (sentences dropped and reordered, words swapped, a new headline).

Events are split by id into a **tune** part (a third) and a **report** part. Both clusterers see the
whole stream in time order; each part is scored on its own stories. ``--same-language`` runs the
English stories only, to compare with today's text-only clusterer where it was built to work.

    .venv/bin/python -m benchmarks.eval_cluster [--tune] [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.util
import itertools
import json
import random
import re
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from processors.cluster import Clusterer, EventClusterer
from schemas.models import Story

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from processors.tagger import Tagger, Tags

DATA = Path(__file__).parent / "data" / "cluster_events.json"
RESULTS = Path(__file__).parent / "results" / "eval_cluster.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
LANGS = ("en", "es", "fr", "de")
SWAPS = {
    "said": "told reporters",
    "says": "stated",
    "people": "persons",
    "killed": "left dead",
    "police": "officers",
    "government": "authorities",
    "announced": "unveiled",
    "Monday": "on Monday",
    "about": "around",
    "more than": "over",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One story of the set, with its gold event."""

    story: Story
    event: str
    part: str  # wire or tr-news


def _part_of(event: str) -> str:
    return "tune" if zlib.crc32(event.encode()) % 3 == 0 else "report"


def _story(story_id: str, title: str, body: str, language: str, at: datetime) -> Story:
    return Story(
        id=story_id,
        title=title,
        body=body,
        language=language,
        source="eval",
        content_hash=hashlib.sha256((title + body).encode()).hexdigest(),
        published_at=at,
        ingested_at=at,
    )


def _number(value: str, lang: str) -> str:
    """Figures as each language writes them: 6.1 / 6,1; 12,500 / 12.500 / 12 500."""
    if "." in value:
        return value if lang == "en" else value.replace(".", ",")
    n = int(value)
    if n < 10_000:
        return value
    grouped = f"{n:,}"
    return {"en": grouped, "fr": grouped.replace(",", "\u202f")}.get(lang, grouped.replace(",", "."))


def wire_items(data: dict[str, Any]) -> list[Item]:
    """The templated events: each copy rendered in its language and wording."""
    names = dict(zip(LANGS, range(4), strict=True))
    out: list[Item] = []
    for ev in data["events"]:
        base = T0 + timedelta(hours=ev["hours"])
        for n, copy in enumerate(ev["copies"]):
            lang, at = copy["lang"], base + timedelta(minutes=copy["minutes"])
            i = names[lang]
            city = ev["city"][i]
            month = data["months"][lang][at.month - 1]
            date = {"en": f"{month} {at.day}", "es": f"{at.day} de {month}", "fr": f"{at.day} {month}"}.get(
                lang, f"{at.day}. {month}"
            )
            slots = {k: _number(v, lang) for k, v in ev["slots"].items()}
            slots |= {
                "city": city,
                "CITY": city.upper(),
                "country": data["countries"][ev["country"]][i],
                "person": ev["person"],
                "company": ev["company"],
                f"date_{lang}": date,
                "date_on_en": date,
            }
            template = data["templates"][ev["kind"]][lang][copy["variant"]]
            title, body = template["title"].format(**slots), template["body"].format(**slots)
            out.append(Item(_story(f"{ev['event']}-{n}-{lang}", title, body, lang, at), ev["event"], "wire"))
    return out


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\"”])\s+(?=[A-Z\"“‘'])", text) if s.strip()]


def _rewrite(title: str, paragraphs: list[str], seed: int) -> tuple[str, str]:
    """Another outlet's rewrite: a new headline, a quarter of the sentences dropped, the tail reordered."""
    rng = random.Random(seed)
    sentences = [s for p in paragraphs for s in _sentences(p)]
    lead, rest = sentences[:1], [s for s in sentences[1:] if rng.random() > 0.25]
    half = len(rest) // 2
    tail = rest[half:]
    rng.shuffle(tail)
    kept = lead + rest[:half] + tail
    body = "\n\n".join(" ".join(kept[i : i + 2]) for i in range(0, len(kept), 2))
    for old, new in SWAPS.items():
        if rng.random() < 0.7:
            body = body.replace(f" {old} ", f" {new} ")
    words = re.findall(r"\S+", lead[0] if lead else title)
    return " ".join(words[:11]).rstrip(",;:") or title, body


def tr_news_items(data: dict[str, Any], shared: Path) -> list[Item]:
    """TR-News articles (from ``shared``) and the copies the plan makes of them."""
    spec = importlib.util.spec_from_file_location("tr_news_load", shared / "tr-news" / "load.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"TR-News not found under {shared}: pass --shared")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    docs = {d["doc_id"]: d for d in module.load()}
    out: list[Item] = []
    for plan in data["tr_news"]:
        doc = docs[plan["doc_id"]]
        paragraphs = [p.strip() for p in doc["text"].split("\n") if p.strip()]
        paragraphs = [" ".join(p.split()) for p in paragraphs]
        title = doc["title"].strip()
        if plan["doc_id"] in data["title_from_text"]:  # the corpus gives it another story's title
            title = " ".join(paragraphs[0].split()[:11])
        at, event = T0 + timedelta(hours=plan["hours"]), plan["event"]
        out.append(
            Item(_story(f"tr:{plan['doc_id']}", title, "\n\n".join(paragraphs), "en", at), event, "tr-news")
        )
        for copy in plan["copies"]:
            copy_at = at + timedelta(minutes=copy["minutes"])
            if copy["op"] == "half":
                body = "\n\n".join(paragraphs[: max(1, (len(paragraphs) + 1) // 2)])
                story = _story(f"page:{plan['doc_id']}", title, body, "en", copy_at)
            else:
                new_title, body = _rewrite(title, paragraphs, copy["seed"])
                story = _story(f"gp:{plan['doc_id']}", new_title, body, "en", copy_at)
            out.append(Item(story, event, "tr-news"))
    return out


def bcubed(gold: dict[str, str], pred: dict[str, str], ids: Iterable[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over ``ids`` (clusters restricted to them)."""
    subset = list(ids)
    by_gold: dict[str, set[str]] = {}
    by_pred: dict[str, set[str]] = {}
    for i in subset:
        by_gold.setdefault(gold[i], set()).add(i)
        by_pred.setdefault(pred[i], set()).add(i)
    precision = recall = 0.0
    for i in subset:
        both = len(by_gold[gold[i]] & by_pred[pred[i]])
        precision += both / len(by_pred[pred[i]])
        recall += both / len(by_gold[gold[i]])
    p, r = precision / len(subset), recall / len(subset)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_event(items: list[Item], tags: dict[str, Tags], **params: Any) -> tuple[dict[str, str], float]:
    """Cluster the stream with the event clusterer: story id → cluster id, and µs per story."""
    clusterer = EventClusterer(**params)
    out: dict[str, str] = {}
    started = time.perf_counter()
    for item in items:
        out[item.story.id] = clusterer.assign(item.story, tags[item.story.id]).cluster_id
    return out, (time.perf_counter() - started) / len(items) * 1e6


def run_both(items: list[Item], tags: dict[str, Tags]) -> tuple[dict[str, str], dict[str, str], float, float]:
    """Both clusterers over the stream, story by story, so that a busy machine slows both alike."""
    event, text = EventClusterer(), Clusterer()
    ours: dict[str, str] = {}
    theirs: dict[str, str] = {}
    ours_s = theirs_s = 0.0
    for item in items:
        started = time.perf_counter()
        ours[item.story.id] = event.assign(item.story, tags[item.story.id]).cluster_id
        between = time.perf_counter()
        theirs[item.story.id] = text.assign(item.story).cluster_id
        ours_s, theirs_s = ours_s + between - started, theirs_s + time.perf_counter() - between
    return ours, theirs, ours_s / len(items) * 1e6, theirs_s / len(items) * 1e6


def _subsets(items: list[Item]) -> dict[str, Callable[[Item], bool]]:
    subsets: dict[str, Callable[[Item], bool]] = {
        "all": lambda _: True,
        "report": lambda i: _part_of(i.event) == "report",
        "tune": lambda i: _part_of(i.event) == "tune",
        "wire (4 languages)": lambda i: i.part == "wire",
        "tr-news (en)": lambda i: i.part == "tr-news",
    }
    for lang in sorted({i.story.language or "" for i in items}):
        subsets[f"lang={lang}"] = functools.partial(_in_language, lang)
    return subsets


def _in_language(lang: str, item: Item) -> bool:
    return item.story.language == lang


def tune(items: list[Item], tags: dict[str, Tags], gold: dict[str, str]) -> dict[str, Any]:
    """Grid search on the tune part; returns the best parameters."""
    ids = [i.story.id for i in items if _part_of(i.event) == "tune"]
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    grid = itertools.product((0.3, 0.35, 0.4, 0.45, 0.5), (0.1, 0.15, 0.2, 0.25, 0.3), (0.4, 0.5))
    for threshold, least, text in grid:
        params = {"threshold": threshold, "min_anchors": least, "text_threshold": text}
        pred, _ = run_event(items, tags, **params)
        f1 = bcubed(gold, pred, ids)[2]
        if f1 > best[0]:
            best = (f1, params)
    return {"f1": best[0], **best[1]}


def load_items(shared: Path) -> list[Item]:
    """Both parts of the set in time order."""
    data = json.loads(DATA.read_text())
    items = wire_items(data) + tr_news_items(data, shared)
    items.sort(key=lambda i: (i.story.published_at or T0, i.story.id))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (../shared/data)")
    parser.add_argument("--tune", action="store_true", help="grid-search the parameters on the tune part")
    args = parser.parse_args()
    console = Console(width=140)

    from wirewatch.cli.offline import load_tagger  # noqa: PLC0415 - seconds to build: after parsing args

    items = load_items(args.shared)
    tagger: Tagger = load_tagger()
    tags = {i.story.id: tagger.tag(i.story) for i in items}
    gold = {i.story.id: i.event for i in items}
    events = {i.event for i in items}
    langs = sorted({i.story.language or "" for i in items})
    console.print(f"{len(items)} stories, {len(events)} events, languages {', '.join(langs)}")
    if args.tune:
        console.print(f"best on the tune part: {tune(items, tags, gold)}")

    new, old, new_us, old_us = run_both(items, tags)
    english = [i for i in items if i.story.language == "en"]
    new_en, old_en, _, _ = run_both(english, tags)

    table = Table(title="Event clustering, B-cubed (precision / recall / F1)")
    for column in (
        "stories",
        "subset",
        "event P",
        "event R",
        "event F1",
        "text-only P",
        "text-only R",
        "text-only F1",
    ):
        table.add_column(column, justify="right")
    rows: list[dict[str, Any]] = []

    def add(name: str, subset: list[Item], ours: dict[str, str], theirs: dict[str, str]) -> None:
        ids = [i.story.id for i in subset]
        a, b = bcubed(gold, ours, ids), bcubed(gold, theirs, ids)
        rows.append({"subset": name, "stories": len(ids), "event": a, "text_only": b})
        table.add_row(str(len(ids)), name, *(f"{x:.3f}" for x in a), *(f"{x:.3f}" for x in b))

    for name, keep in _subsets(items).items():
        add(name, [i for i in items if keep(i)], new, old)
    add("same-language run (en only)", english, new_en, old_en)
    add("same-language run, report", [i for i in english if _part_of(i.event) == "report"], new_en, old_en)
    console.print(table)
    console.print(
        f"clustering cost in this run (interleaved): event {new_us:,.0f} µs/story, text-only {old_us:,.0f} "
        f"µs/story ({new_us / old_us:.2f}×; benchmarks/bench_cluster.py measures it at scale)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "eval_cluster",
                "stories": len(items),
                "events": len(events),
                "languages": langs,
                "rows": rows,
                "event_us_per_story": new_us,
                "text_only_us_per_story": old_us,
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
