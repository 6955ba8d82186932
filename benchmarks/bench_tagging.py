"""Tagging throughput with the full knowledge base, beside a raw pyahocorasick scan.

Stories are ~4 KB, built from sentences written here (no evaluation data). The reference
is the floor: one automaton over the same keys (``Tagger.keys()``: whole-word keys carry
their trailing space), iterated over the same normalized scan text, with no boundary checks,
resolution or tag building. Each figure is the best of ``--repeats`` runs, tagger and
reference interleaved.

Run: .venv/bin/python benchmarks/bench_tagging.py [--stories N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import ahocorasick
import ahocorasick_rs
from rich.console import Console
from rich.table import Table

import processors.tagger
from processors import KnowledgeBase, Tagger
from processors.text import normalize, scan_form
from schemas.models import Story

OUT = Path(__file__).resolve().parent / "results" / "bench_tagging.json"
SENTENCES = [
    "NATO says Russia has not withdrawn troops from the border with Ukraine, and Moscow has not responded.",
    "The Kremlin demanded guarantees that the alliance would not expand into Eastern Europe.",
    "Shelling hit villages in the Belgorod region and in Kharkiv Oblast overnight, officials said.",
    "Foreign Minister Sergei Lavrov met his counterpart in Geneva to discuss sanctions and diplomacy.",
    "Storms hit Atlanta and Savannah in Georgia on Monday, and the governor declared an emergency.",
    "Россия не отвела войска от границы с Украиной, заявил генсек НАТО в Брюсселе.",
    "La OTAN insiste en que Rusia no ha retirado sus tropas de la frontera con Ucrania.",
    "Die NATO sieht keinen Rückzug russischer Truppen von der Grenze zur Ukraine.",
    "Residents of London, Ontario, and Toronto lost power after the ice storm, the utility said.",
    "Washington said the measures would stay until Beijing changed course on Taiwan.",
]
# Sentences with few or no names: real stories are mostly these.
FILLER = [
    "The statement came after a week of intense meetings that produced little visible progress.",
    "Officials declined to give further details, saying the situation remained fluid.",
    "It remains to be seen whether the latest proposals will be accepted by all sides.",
    "Analysts said the move was largely symbolic but could have longer-term consequences.",
    "The decision was announced late on Tuesday and is expected to take effect next month.",
    "Several people were injured, according to local authorities, and an investigation has begun.",
]


def make_stories(n: int, size: int = 4000) -> list[Story]:
    now = datetime(2024, 4, 18, tzinfo=UTC)
    stories = []
    for i in range(n):
        parts: list[str] = []
        j = i
        while sum(len(p) + 1 for p in parts) < size:
            parts.append(SENTENCES[j % len(SENTENCES)])
            parts.append(FILLER[j % len(FILLER)])
            parts.append(FILLER[(j + 1) % len(FILLER)])
            j += 3
        body = "\n\n".join(" ".join(parts[k : k + 3]) for k in range(0, len(parts), 3))
        stories.append(
            Story(
                id=str(i),
                title=SENTENCES[i % len(SENTENCES)][:80],
                body=body,
                source="bench",
                content_hash=str(i),
                ingested_at=now,
            )
        )
    return stories


def _timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _real_stories() -> list[Story]:
    """TR-News articles, read from ../shared when it is there (evaluation data, never copied)."""
    xml = Path(__file__).resolve().parents[2] / "shared" / "data" / "tr-news" / "TR-News.xml"
    if not xml.exists():
        return []
    import xml.etree.ElementTree as ET  # noqa: PLC0415 - only when the data is there

    now = datetime(2017, 1, 1, tzinfo=UTC)
    return [
        Story(
            id=str(i),
            title="",
            body=art.findtext("text") or "",
            source="tr-news",
            content_hash=str(i),
            ingested_at=now,
        )
        for i, art in enumerate(ET.parse(xml).getroot())
    ]


def _measure(
    tagger: Tagger, stories: list[Story], repeats: int, tagger_off: Tagger
) -> tuple[dict[str, dict[str, float]], int]:
    """Stories/s and MB/s of the tagger and of the raw scans, interleaved, best of ``repeats``.

    ``tagger_off`` is the same tagger without unknown names (``unknown_names=False``, issue 12).
    """
    raw = ahocorasick.Automaton()
    for i, key in enumerate(tagger.keys()):
        raw.add_word(key, i)
    raw.make_automaton()
    raw_rs = ahocorasick_rs.AhoCorasick(list(tagger.keys()))
    mb = sum(len((s.title + s.body).encode()) for s in stories) / 1e6

    def run_tagger() -> None:
        for s in stories:
            tagger.tag(s)

    def run_tagger_off() -> None:
        for s in stories:
            tagger_off.tag(s)

    def run_raw() -> None:
        for s in stories:
            for text in (s.title, s.body):
                for _ in raw.iter(scan_form(normalize(text).text)):
                    pass

    def run_raw_rs() -> None:
        for s in stories:
            for text in (s.title, s.body):
                raw_rs.find_matches_as_indexes(scan_form(normalize(text).text), overlapping=True)

    for s in stories[:50]:
        tagger.tag(s)  # warm-up
        tagger_off.tag(s)
    # As `wirewatch process` does once its state is built: the long-lived KB leaves the
    # collector's generations, so a collection never walks it.
    gc.collect()
    gc.freeze()
    # The machine is shared: interleave the three and keep each one's best of `repeats`.
    tag_s = off_s = raw_s = rs_s = float("inf")
    for _ in range(repeats):
        tag_s = min(tag_s, _timed(run_tagger))
        off_s = min(off_s, _timed(run_tagger_off))
        raw_s = min(raw_s, _timed(run_raw))
        rs_s = min(rs_s, _timed(run_raw_rs))
    hits = sum(1 for s in stories for t in (s.title, s.body) for _ in raw.iter(scan_form(normalize(t).text)))
    rows = {
        "tagger (full KB)": {"stories_per_s": len(stories) / tag_s, "mb_per_s": mb / tag_s},
        "tagger, unknown names off": {"stories_per_s": len(stories) / off_s, "mb_per_s": mb / off_s},
        "raw pyahocorasick scan (same keys)": {"stories_per_s": len(stories) / raw_s, "mb_per_s": mb / raw_s},
        "raw ahocorasick-rs scan (same keys; the tagger's automaton)": {
            "stories_per_s": len(stories) / rs_s,
            "mb_per_s": mb / rs_s,
        },
    }
    _add_real_rows(rows, tagger, tagger_off, repeats)
    return rows, hits


def _add_real_rows(
    rows: dict[str, dict[str, float]], tagger: Tagger, tagger_off: Tagger, repeats: int
) -> None:
    """The rows of TR-News articles, unknown names on and off, when ../shared is there."""
    real = _real_row(tagger, repeats)
    if real is not None:
        rows["tagger on TR-News articles (~2 KB, real)"] = real
        off = _real_row(tagger_off, repeats)
        if off is not None:
            rows["tagger on TR-News articles, unknown names off"] = off


def _real_row(tagger: Tagger, repeats: int) -> dict[str, float] | None:
    """The tagger on TR-News articles, when ../shared is there."""
    real = _real_stories()
    if not real:
        return None
    real_mb = sum(len(s.body.encode()) for s in real) / 1e6

    def run_real() -> None:
        for s in real:
            tagger.tag(s)

    real_s = min(_timed(run_real) for _ in range(max(3, repeats)))
    return {"stories_per_s": len(real) / real_s, "mb_per_s": real_mb / real_s}


def _rss_mb() -> float:
    """This process's resident set now (Linux ``/proc``), in MB."""
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)  # best of 5, interleaved: the machine is shared
    args = parser.parse_args()

    t0 = time.perf_counter()
    kb = KnowledgeBase.load()
    t1 = time.perf_counter()
    tagger = Tagger(kb)
    t2 = time.perf_counter()
    rss_mb = _rss_mb()  # the knowledge base and one tagger, before the stories
    stories = make_stories(args.stories)
    mb = sum(len((s.title + s.body).encode()) for s in stories) / 1e6
    rows, hits = _measure(tagger, stories, args.repeats, Tagger(kb, unknown_names=False))

    table = Table(title=f"Tagging {len(stories)} stories of ~4 KB ({mb:.1f} MB), one core")
    table.add_column("what")
    table.add_column("stories/s", justify="right")
    table.add_column("MB/s", justify="right")
    for name, r in rows.items():
        table.add_row(name, f"{r['stories_per_s']:,.0f}", f"{r['mb_per_s']:.2f}")
    console = Console()
    console.print(table)
    compiled = not processors.tagger.__file__.endswith(".py")
    console.print(
        f"tagger compiled with mypyc: {'yes' if compiled else 'no (WIREWATCH_PURE=1 or not built)'}"
    )
    console.print(
        f"KB load {t1 - t0:.2f} s, automaton build {t2 - t1:.2f} s, keys {len(kb.senses):,}, raw hits {hits:,}"
    )
    console.print(f"RSS with the knowledge base and one tagger loaded: {rss_mb:,.0f} MB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "stories": len(stories),
                "megabytes": round(mb, 3),
                "kb_load_s": round(t1 - t0, 2),
                "automaton_build_s": round(t2 - t1, 2),
                "keys": len(kb.senses),
                "rss_mb_after_load": round(rss_mb),
                "tagger_compiled": compiled,
                "results": {k: {m: round(v, 2) for m, v in r.items()} for k, r in rows.items()},
                "goal_stories_per_s": 2000,
                "load_average": os.getloadavg()[0],
                "cores": os.cpu_count(),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    console.print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
