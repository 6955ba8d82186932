"""Tagging throughput with the full knowledge base, beside raw automaton scans; and the cold start.

Stories are ~4 KB, built from sentences written here (no evaluation data). The reference
is the floor: one automaton over the same keys (``Tagger.keys()``: whole-word keys carry
their trailing space), iterated over the same normalized scan text, with no boundary checks,
resolution or tag building: pyahocorasick's (the tagger's since issue 12: it pickles) and
ahocorasick-rs' (the tagger's before). Each figure is the best of ``--repeats`` runs, tagger
and references interleaved, in CPU seconds (per core: the machine is shared).

Cold start (issue 12): the knowledge base and automaton loaded from the prebuilt cache
(``processors.kb_cache``) and built from the data files, RSS, and ``wirewatch tag`` on one
story in a new process, best of ``--cold`` runs (wall and CPU seconds).

Run: .venv/bin/python -m benchmarks.bench_tagging [--stories N] [--cold N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import ahocorasick
import ahocorasick_rs
from rich.console import Console
from rich.table import Table

import processors.tagger
from processors import KnowledgeBase, Tagger, kb_cache
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
    """CPU seconds of ``fn``: one core's work, whatever else the shared machine runs meanwhile."""
    start = time.process_time()
    fn()
    return time.process_time() - start


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
        "raw pyahocorasick scan (same keys; the tagger's automaton)": {
            "stories_per_s": len(stories) / raw_s,
            "mb_per_s": mb / raw_s,
        },
        "raw ahocorasick-rs scan (same keys; the automaton before)": {
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


def _cold_tag(runs: int) -> dict[str, float]:
    """``wirewatch tag`` on one ~4 KB story in a new process: best wall and CPU seconds of ``runs``."""
    story = make_stories(1)[0]
    walls: list[float] = []
    cpus: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "story.txt"
        path.write_text(f"{story.title}\n\n{story.body}\n", encoding="utf-8")
        command = [str(Path(sys.executable).with_name("wirewatch")), "tag", str(path)]
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"wall_s": min(walls), "cpu_s": min(cpus), "wall_median_s": sorted(walls)[len(walls) // 2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)  # best of 5, interleaved: the machine is shared
    parser.add_argument("--cold", type=int, default=5, help="runs of `wirewatch tag` from a cold start")
    args = parser.parse_args()

    kb_cache.ensure()  # a fresh cache file (built now if it is not there): then time its load
    t0 = time.perf_counter()
    c0 = time.process_time()
    prebuilt = kb_cache.load()
    tagger = Tagger(prebuilt.kb, tables=prebuilt.tables)
    cached_s, cached_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = _rss_mb()  # the knowledge base and one tagger, before the stories
    t1 = time.perf_counter()
    kb = KnowledgeBase.load()
    t2 = time.perf_counter()
    tagger_off = Tagger(kb, unknown_names=False)  # built from the data files: the old way
    t3 = time.perf_counter()
    stories = make_stories(args.stories)
    mb = sum(len((s.title + s.body).encode()) for s in stories) / 1e6
    rows, hits = _measure(tagger, stories, args.repeats, tagger_off)
    cold = _cold_tag(args.cold) if args.cold else None

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
        f"start-up: knowledge base and automaton from the prebuilt cache {cached_s:.2f} s "
        f"({cached_cpu:.2f} s CPU); from the data files: KB load {t2 - t1:.2f} s, automaton build "
        f"{t3 - t2:.2f} s; keys {len(kb.senses):,}, raw hits {hits:,}"
    )
    if cold is not None:
        console.print(
            f"`wirewatch tag` on one story, cold start: {cold['wall_s']:.2f} s wall "
            f"(median {cold['wall_median_s']:.2f} s), {cold['cpu_s']:.2f} s CPU, best of {args.cold}"
        )
    console.print(f"RSS with the knowledge base and one tagger loaded (from the cache): {rss_mb:,.0f} MB")
    console.print(
        f"RSS at the end (also the KB built from the data files, a second tagger): {_rss_mb():,.0f} MB"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "stories": len(stories),
                "megabytes": round(mb, 3),
                "kb_cache_load_s": round(cached_s, 2),
                "kb_cache_load_cpu_s": round(cached_cpu, 2),
                "kb_load_s": round(t2 - t1, 2),
                "automaton_build_s": round(t3 - t2, 2),
                "cold_tag": {k: round(v, 2) for k, v in cold.items()} if cold else None,
                "keys": len(kb.senses),
                "rss_mb_after_load": round(rss_mb),
                "rss_mb_end": round(_rss_mb()),
                "tagger_compiled": compiled,
                "results": {k: {m: round(v, 2) for m, v in r.items()} for k, r in rows.items()},
                "goal_stories_per_s": 1000,
                "goal_cold_tag_s": 3.0,
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
