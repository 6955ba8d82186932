"""Benchmark: subscription index vs checking every query, at 1k / 100k / 1M subscriptions.

    .venv/bin/python benchmarks/bench_matching.py                 # broad and scaled, 1k,100k,1M
    .venv/bin/python benchmarks/bench_matching.py --sizes 1000,100000 --stories 1000 --mix scaled

Two workloads (seeded, synthetic), reported side by side; the query shapes are the same:

* ``broad``: a fixed vocabulary of 5,000 tags (2,000 actors, 1,800 places of which 200
  countries, 700 regions, 500 topics; ids, names and aliases) and 20,000 text words, whatever
  the number of subscriptions. It models many analysts piling onto the same few thousand
  entities: every new subscription is as likely to match a story as the previous ones, so
  matches per story grow linearly with N (≈0.8 per 1,000 subscriptions). That cost is not
  the presearch's: it is the number of alerts, each verified, explained and returned. This
  is the worst case for the index and was the only workload before.
* ``scaled``: the entity vocabulary grows with the number of subscriptions (N/1,000 times
  the broad one: 5k tags at 1k subscriptions, 5M at 1M; the extra entities form the long
  tail of the same Zipf laws). It models a user base that grows by covering more actors,
  places and topics (more desks, more regions), as real ones do: matches per story stay
  roughly flat, so this workload shows the cost of the presearch itself as N grows. Bare
  text queries are ANDed with a tag here (a bare common word would again match ∝ N).

Story tags follow a Zipf-like popularity (s=0.8), subscription tags a flatter one (s=0.4).
Queries mix 1-4 clauses (10% single tag, 35% tag AND tag, ...): single tags, tag AND tag,
tag AND country/lang/source, actor:(A OR B OR C), text words and phrases with a tag, text
alone (broad only), NOT clauses, wildcards with a 3+ letter prefix, and a handful of
unindexable wildcards (1 per 100k, checked against every story). 20% use min_confidence 0.5.
Stories have ~380 words and 5-12 tags. ``--mix narrow`` (2-4 clause queries only) remains.

Columns: ``index st/s`` is stories per CPU-second for ``index.match()`` plus reading every
match's explanation, as the alert service does (story preparation included); ``unread st/s``
is ``index.match()`` alone (explanations are built lazily, on first read); ``cand/st`` is the
distinct queries the presearch hands to exact verification per story, ``match/st`` the
subscriptions matched per story; ``plain st/s`` checks every query (with explanations).

One core; each (workload, size) runs in a fresh process. The index and the plain reference
run on the same stories in the same process; the plain matcher only gets a few stories at large N (its rate is measured on
those, not extrapolated), and its matches are checked to equal the index's. The two index
timings alternate per story (which goes first too); the stories go through three times and each
rate keeps its best pass. Before indexing, the index learns term frequencies from 2,000 other
stories of the same workload (``--term-sample``), as the alert service does from the first
stories it matches, and files each AND under its rarest clause. Memory is the RSS growth while indexing
(subscriptions already built; it includes allocator fragmentation), so it is approximate.
Rates use the process's CPU time (the machine may be
shared); ``gc.freeze()`` runs after the build, as a service should do once its index is
loaded. Results: ``results/matching.json`` (both workloads).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from typing_extensions import override

from alerts.index import DEFAULT_CACHE_SIZE, SubscriptionIndex, TermStatistics, match_all_plain
from alerts.index import snapshot as snapshots
from alerts.query import CompiledQuery, PreparedStory, compile_query
from schemas.models import EnrichedStory, Geo, Subscription, SubscriptionOptions, Tag

if TYPE_CHECKING:
    from collections.abc import Callable

SEED = 20261128
SYLLABLES = [a + b for a in "bdfgklmnprstvz" for b in "aeiou"] + ["an", "or", "el", "is", "um", "ar"]
LANGS = ["en"] * 6 + ["fr", "de", "es", "ru", "ar", "zh"]
SOURCES = [f"source-{i}" for i in range(40)]


def word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


class Vocab:
    def __init__(self, rng: random.Random) -> None:
        self.words = list(dict.fromkeys(word(rng, rng.randint(2, 4)) for _ in range(26_000)))[:20_000]
        self.word_weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(self.words))))
        codes = list(
            dict.fromkeys(
                word(rng, 1)[:1].upper() + rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(2000)
            )
        )
        self.countries = codes[:200]
        self.tags: dict[str, list[Tag]] = {"actors": [], "places": [], "regions": [], "topics": []}
        for attr, count, kind in (
            ("actors", 2000, "organization"),
            ("places", 1600, "city"),
            ("regions", 700, "region"),
            ("topics", 500, "topic"),
        ):
            for i in range(count):
                name = " ".join(word(rng, rng.randint(2, 3)).title() for _ in range(rng.randint(1, 3)))
                aliases = tuple(word(rng, 2).upper() for _ in range(rng.choice([0, 0, 1, 2])))
                country = rng.choice(self.countries) if attr == "places" else None
                self.tags[attr].append(
                    Tag(id=f"{attr[0]}{i}", name=name, type=kind, aliases=aliases, country=country)
                )
        for code in self.countries:
            name = word(rng, 3).title()
            self.tags["places"].append(
                Tag(id=code, name=name, type="country", country=code, aliases=(name + "ia",))
            )
        rng.shuffle(self.tags["places"])
        # Stories mention popular tags more (Zipf s=0.8); analysts follow them too, less steeply (s=0.4).
        self.story_weights = {
            attr: list(itertools.accumulate(1 / (r + 1) ** 0.8 for r in range(len(tags))))
            for attr, tags in self.tags.items()
        }
        self.sub_weights = {
            attr: list(itertools.accumulate(1 / (r + 1) ** 0.4 for r in range(len(tags))))
            for attr, tags in self.tags.items()
        }

    def pick(self, rng: random.Random, attr: str, k: int = 1) -> list[Tag]:
        return rng.choices(self.tags[attr], cum_weights=self.sub_weights[attr], k=k)

    def pick_for_story(self, rng: random.Random, attr: str, k: int) -> list[Tag]:
        return rng.choices(self.tags[attr], cum_weights=self.story_weights[attr], k=k)

    def text(self, rng: random.Random, n: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.word_weights, k=n)


class ScaledVocab(Vocab):
    """The same vocabulary, with a long tail of entities so that it grows with N.

    Each tag field has ``scale`` times as many entities as :class:`Vocab` (``scale`` = N / 1,000:
    5,000 tags at 1k subscriptions, 5M at 1M). The first ranks are :class:`Vocab`'s tags; the
    rest are made up on demand from their rank (unique names, no aliases, places in a country).
    Ranks follow the same Zipf-like laws (stories s=0.8, subscriptions s=0.4), sampled with
    the continuous inverse CDF so that no weight table of millions of entries is needed.
    """

    def __init__(self, base: Vocab, scale: float) -> None:
        self.__dict__.update(base.__dict__)
        self.sizes = {attr: max(len(tags), round(len(tags) * scale)) for attr, tags in base.tags.items()}

    def _rank(self, rng: random.Random, attr: str, s: float) -> int:
        size = self.sizes[attr]
        e = 1 - s
        return min(size, int((1 + rng.random() * ((size + 1) ** e - 1)) ** (1 / e))) - 1

    def _tag(self, attr: str, rank: int) -> Tag:
        base = self.tags[attr]
        if rank < len(base):
            return base[rank]
        digits, k = [], rank
        while k:
            k, d = divmod(k, len(SYLLABLES))
            digits.append(SYLLABLES[d])
        name = "Xo" + "".join(digits).title() if attr != "places" else "".join(digits).title() + "ville"
        kind = {"actors": "organization", "places": "city", "regions": "region", "topics": "topic"}[attr]
        country = self.countries[rank % len(self.countries)] if attr == "places" else None
        return Tag(id=f"{attr[0]}{rank}", name=name, type=kind, country=country)

    @override
    def pick(self, rng: random.Random, attr: str, k: int = 1) -> list[Tag]:
        return [self._tag(attr, self._rank(rng, attr, 0.4)) for _ in range(k)]

    @override
    def pick_for_story(self, rng: random.Random, attr: str, k: int) -> list[Tag]:
        return [self._tag(attr, self._rank(rng, attr, 0.8)) for _ in range(k)]


FIELD = {"actors": "actor", "places": "place", "regions": "region", "topics": "topic"}


def quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def tag_clause(rng: random.Random, vocab: Vocab, attr: str | None = None) -> str:
    attr = attr or rng.choice(["actors", "actors", "places", "places", "regions", "topics"])
    tag = vocab.pick(rng, attr)[0]
    value = rng.choice([tag.name, tag.name, tag.id, *tag.aliases])
    value = rng.choice([value, value.lower(), value.replace(" ", "-")])
    return f"{FIELD[attr]}:{quoted(value)}"


def text_clause(rng: random.Random, vocab: Vocab) -> str:
    # mid-frequency words: the rare ones analysts search for
    words = [vocab.words[rng.randint(500, 15_000)] for _ in range(rng.choice([1, 1, 2]))]
    return f'"{" ".join(words)}"' if len(words) > 1 else rng.choice(["", "text:", "title:"]) + words[0]


def _single_tag(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return tag_clause(rng, vocab)


def _tag_and_tag(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"{tag_clause(rng, vocab)} AND {tag_clause(rng, vocab)}"


def _tag_and_country(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"{tag_clause(rng, vocab)} AND country:{rng.choice(vocab.countries)}"


def _actor_group_and_topic(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    actors = [quoted(t.name) for t in vocab.pick(rng, "actors", rng.randint(2, 3))]
    return f"actor:({' OR '.join(actors)}) AND topic:{quoted(vocab.pick(rng, 'topics')[0].name)}"


def _tag_and_lang(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"{tag_clause(rng, vocab)} lang:{rng.choice(LANGS)}"


def _text_and_tag(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"{text_clause(rng, vocab)} AND {tag_clause(rng, vocab)}"


def _text_alone(rng: random.Random, vocab: Vocab, mix: str) -> str:
    if mix == "scaled":
        # A bare word's audience does not shrink as the user base grows: pair it with a tag.
        return f"{text_clause(rng, vocab)} AND {tag_clause(rng, vocab)}"
    return text_clause(rng, vocab)


def _actor_places_not_topic(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"{tag_clause(rng, vocab, 'actors')} AND ({tag_clause(rng, vocab, 'places')} OR {tag_clause(rng, vocab, 'places')}) -{tag_clause(rng, vocab, 'topics')}"


def _country_and_topic(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"country:{rng.choice(vocab.countries)} AND topic:{quoted(vocab.pick(rng, 'topics')[0].name)}"


def _wildcard_and_tag(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    if rng.random() < 0.5:
        return f"actor:{vocab.pick(rng, 'actors')[0].name.split()[0][:4].lower()}* AND {tag_clause(rng, vocab, 'topics')}"
    return f"{vocab.words[rng.randint(100, 5000)][:4]}* AND {tag_clause(rng, vocab)}"


def _source_and_tag(rng: random.Random, vocab: Vocab, _mix: str) -> str:
    return f"source:{rng.choice(SOURCES)} AND {tag_clause(rng, vocab)}"


# The query shapes and their shares: a draw r in [0, 1) picks the first shape whose bound
# exceeds it (10% single tag, 35% tag AND tag, ...); the rest is source AND tag.
QUERY_SHAPES: list[tuple[float, Callable[[random.Random, Vocab, str], str]]] = [
    (0.10, _single_tag),
    (0.45, _tag_and_tag),
    (0.55, _tag_and_country),
    (0.61, _actor_group_and_topic),
    (0.66, _tag_and_lang),
    (0.76, _text_and_tag),
    (0.82, _text_alone),
    (0.90, _actor_places_not_topic),
    (0.95, _country_and_topic),
    (0.975, _wildcard_and_tag),
]


def make_query(rng: random.Random, vocab: Vocab, n: int, mix: str = "broad") -> str:
    r = rng.random()
    if mix == "narrow":
        # Only 2-4 clause queries: what the presearcher alone costs when few queries match.
        # tag AND tag (x3), tag AND country, text AND tag, tag AND (tag OR tag) -tag
        r = rng.choice([0.2, 0.3, 0.4, 0.5, 0.7, 0.85])
    if n % 100_000 == 99_999:
        return f"text:*{vocab.words[rng.randint(100, 5000)][-4:]}"  # unindexable: checked always
    build = next((shape for bound, shape in QUERY_SHAPES if r < bound), _source_and_tag)
    query = build(rng, vocab, mix)
    # --geo-fraction: this subscription's query is a geo one instead (the others stay the same).
    return _geo_query(n, vocab) if _is_geo_subscription(n) else query


# -- geo clauses (issue 14): --geo-fraction ---------------------------------------------------
# With --geo-fraction F (even 0), every city tag of the stories gets a point: a real city of the
# packaged gazetteer chosen by the tag's id, moved by up to ±0.3° (towns around it), and that
# share F of the subscriptions (every 1/F-th, the rest unchanged) gets a geo query instead:
# near:"<real city>"~R (40%), near:"lat,lon"~R (35%) or a bbox (25%), R in 10..200 km, ANDed with
# an actor or topic clause in 60% of them (all of them in the scaled workload). F=0 against F=0.1
# on the same stories: the cost of geo clauses.

#: Share of subscriptions with a geo query; None: no geo at all (stories' places have no points).
GEO_FRACTION: float | None = None
_GEO_CITIES: list[tuple[str, float, float]] = []


def _geo_cities() -> list[tuple[str, float, float]]:
    """The 3,000 most populous cities of the packaged gazetteer, one per name: (name, lat, lon)."""
    if not _GEO_CITIES:
        from alerts.query.gazetteer import _places_file  # noqa: PLC0415 - only the geo workload

        rows = []
        for line in _places_file().read_text(encoding="utf-8").splitlines()[1:]:
            f = line.split("\t")
            if len(f) > 8 and f[1] == "city" and f[7] and '"' not in f[2] and "\\" not in f[2]:
                rows.append((-int(f[5] or 0), f[2], float(f[7]), float(f[8])))
        best: dict[str, tuple[str, float, float]] = {}
        for _, name, lat, lon in sorted(rows):
            best.setdefault(name, (name, lat, lon))
        _GEO_CITIES.extend(list(best.values())[:3000])
    return _GEO_CITIES


def _city_of(tag: Tag) -> tuple[str, float, float, float, float]:
    """The real city a synthetic place stands near, and its own point: (name, lat, lon, own lat, own lon)."""
    h = zlib.crc32(tag.id.encode())
    name, lat, lon = _geo_cities()[h % len(_geo_cities())]
    dlat, dlon = ((h >> 12) % 601 - 300) / 1000, ((h >> 22) % 601 - 300) / 1000
    return name, lat, lon, max(-90.0, min(90.0, lat + dlat)), (lon + dlon + 540.0) % 360.0 - 180.0


def _with_point(tag: Tag) -> Tag:
    if tag.type != "city":
        return tag
    _, _, _, lat, lon = _city_of(tag)
    return tag.model_copy(update={"geo": Geo(lat=lat, lon=lon, feature="P")})


def _is_geo_subscription(n: int) -> bool:
    return bool(GEO_FRACTION) and int((n + 1) * GEO_FRACTION) > int(n * GEO_FRACTION)  # type: ignore[operator]


def _geo_query(n: int, vocab: Vocab) -> str:
    rng = random.Random(SEED * 31 + n)  # its own draws: the other queries stay those of the run without
    tag = vocab.pick(rng, "places")[0]
    while tag.type != "city":
        tag = vocab.pick(rng, "places")[0]
    name, _, _, own_lat, own_lon = _city_of(tag)
    radius, r = rng.choice([10, 25, 50, 100, 200]), rng.random()
    if r < 0.4:
        clause = f'near:"{name}"~{radius}km'
    elif r < 0.75:
        clause = f'near:"{own_lat:.3f},{own_lon:.3f}"~{radius}'
    else:
        half = rng.uniform(0.2, 2.0)
        south, north = max(-90.0, own_lat - half / 2), min(90.0, own_lat + half / 2)
        west, east = (own_lon - half + 540.0) % 360.0 - 180.0, (own_lon + half + 540.0) % 360.0 - 180.0
        clause = f'bbox:["{south:.3f},{west:.3f}" TO "{north:.3f},{east:.3f}"]'
    # An area's audience does not shrink as the user base grows (as a bare word's, see
    # _text_alone): in the scaled workload every geo clause is paired with a tag.
    if rng.random() < 0.6 or isinstance(vocab, ScaledVocab):
        return f"{tag_clause(rng, vocab, rng.choice(['actors', 'topics']))} AND {clause}"
    return clause


def make_subscriptions(rng: random.Random, vocab: Vocab, n: int, mix: str = "broad") -> list[Subscription]:
    loose, strict = SubscriptionOptions(), SubscriptionOptions(min_confidence=0.5)
    return [
        Subscription(
            id=f"sub-{i:07d}",
            subscriber=f"analyst-{i % 5000}",
            query=make_query(rng, vocab, i, mix),
            options=strict if rng.random() < 0.2 else loose,
        )
        for i in range(n)
    ]


def make_story(rng: random.Random, vocab: Vocab, i: int) -> EnrichedStory:
    tags: dict[str, list[Tag]] = {}
    for attr, (lo, hi) in (("actors", (2, 5)), ("places", (2, 4)), ("regions", (0, 1)), ("topics", (1, 2))):
        chosen = {t.id: t for t in vocab.pick_for_story(rng, attr, rng.randint(lo, hi))}
        tags[attr] = [
            t.model_copy(update={"confidence": rng.choice([0.3, 0.6, 0.9, 1.0])}) for t in chosen.values()
        ]
    if GEO_FRACTION is not None:  # --geo-fraction: cities carry points (no draws: the same stories)
        tags["places"] = [_with_point(t) for t in tags["places"]]
    names = [t.name for ts in tags.values() for t in ts]
    body_words = vocab.text(rng, 340) + names
    rng.shuffle(body_words)
    body = "\n\n".join(
        " ".join(body_words[p : p + 60]).capitalize() + "." for p in range(0, len(body_words), 60)
    )
    return EnrichedStory(
        id=f"story-{i}",
        title=" ".join(vocab.text(rng, 8) + names[:2]).capitalize(),
        standfirst=" ".join(vocab.text(rng, 25)).capitalize(),
        body=body,
        source=rng.choice(SOURCES),
        language=rng.choice(LANGS),
        content_hash="0" * 64,
        ingested_at=datetime(2026, 11, 28, tzinfo=UTC),
        cluster_id=f"c{i}",
        countries=tuple(sorted({t.country for t in tags["places"] if t.country})),
        **tags,
    )


def rss_bytes() -> int:
    with Path("/proc/self/statm").open() as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def run_size(
    n: int,
    vocab: Vocab,
    stories: list[EnrichedStory],
    *,
    plain_budget_s: float,
    console: Console,
    mix: str,
    sample: list[EnrichedStory],
    passes: int = 3,
    cache_size: int = DEFAULT_CACHE_SIZE,
    plain_max: int = 200_000,
) -> dict[str, Any]:
    rng = random.Random(SEED + n)
    t0 = time.perf_counter()
    subs = make_subscriptions(rng, vocab, n, mix)
    gen_s = time.perf_counter() - t0
    console.log(f"N={n:,}: {gen_s:.1f}s to build the Subscription objects; indexing…")

    stats = learn_terms(sample)
    gc.collect()
    rss0 = rss_bytes()
    t0, cpu0 = time.perf_counter(), time.process_time()
    index = build_index(subs, stats, cache_size)
    build_s, build_cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    gc.collect()
    index_bytes = rss_bytes() - rss0
    # What a service does after loading its long-lived data: keep the collector from
    # re-scanning millions of index objects on every full collection.
    gc.freeze()
    console.log(
        f"N={n:,}: built in {build_s:.1f}s, {build_cpu_s:.1f} CPU s ({index.distinct_queries:,} distinct "
        f"queries, {index_bytes / n:,.0f} B/subscription); snapshot…"
    )
    snap = time_snapshot(index, subs, stories[:20])
    console.log(
        f"N={n:,}: snapshot {snap['snapshot_mib']} MiB, loaded in {snap['snapshot_load_seconds']}s; matching…"
    )

    recompiled = index.recompiled
    timing = time_index(index, stories, passes)
    recompiled = index.recompiled - recompiled
    edits = time_edits(index, subs, rng)
    latencies = timing.latencies
    index_s = sum(latencies)
    lazy_s = sum(timing.lazy_latencies)
    plain_times = time_plain(subs, index, stories, plain_budget_s, n) if n <= plain_max else []

    prepare_s = min(_time_prepare(stories[:200]), index_s / len(stories))
    result = {
        "mix": mix,
        "subscriptions": n,
        "term_sample_stories": len(sample),
        "passes": passes,
        "distinct_queries": index.distinct_queries,
        "always_checked": index.always_checked,
        "index_keys": index.keys,
        "build_seconds": round(build_s, 2),
        "build_cpu_seconds": round(build_cpu_s, 2),
        "cache_size": cache_size,
        "cached_queries": index.cached_queries,
        **snap,
        "build_us_per_sub": round(build_s / n * 1e6, 1),
        "subscription_objects_seconds": round(gen_s, 2),
        "index_rss_mib": round(index_bytes / 2**20, 1),
        "index_bytes_per_sub": round(index_bytes / n),
        "stories_index": len(stories),
        "index_stories_per_cpu_s": round(len(stories) / index_s),
        "index_stories_per_cpu_s_explanations_unread": round(len(stories) / lazy_s),
        "index_stories_per_wall_s_incl_diagnostics": round(2 * len(stories) / timing.wall_s),
        "index_cpu_ms_mean": round(index_s / len(stories) * 1e3, 3),
        "index_cpu_ms_p50": round(statistics.median(latencies) * 1e3, 3),
        "index_cpu_ms_p99": round(sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1e3, 3),
        "prepare_ms": round(prepare_s * 1e3, 3),
        "candidates_per_story": round(statistics.mean(timing.candidates), 1),
        "recompiled_per_story": round(recompiled / (2 * passes * len(stories)), 2),
        **edits,
        "matches_per_story": round(statistics.mean(timing.matched), 1),
        "stories_plain": len(plain_times),
        "plain_stories_per_cpu_s": round(len(plain_times) / sum(plain_times), 2) if plain_times else None,
        "speedup": round((len(stories) / index_s) / (len(plain_times) / sum(plain_times)), 1)
        if plain_times
        else None,
    }
    gc.unfreeze()
    del index, subs
    gc.collect()
    return result


def learn_terms(sample: list[EnrichedStory]) -> TermStatistics | None:
    """What the alert service learns from the first stories it sees (settings.alerts.term_sample).

    How often stories carry each key, so that each AND is filed under its rarest clause. The
    sample is other stories than the measured ones, from the same generator.
    """
    if not sample:
        return None
    stats = TermStatistics()
    for story in sample:
        stats.observe(story)
    return stats


def build_index(subs: list[Subscription], stats: TermStatistics | None, cache_size: int) -> SubscriptionIndex:
    """The index of ``subs`` (it compiles each distinct query once and keeps ``cache_size`` compiled)."""
    index = SubscriptionIndex(stats, cache_size=cache_size)
    for sub in subs:
        index.add(sub)
    return index


def time_edits(index: SubscriptionIndex, subs: list[Subscription], rng: random.Random) -> dict[str, float]:
    """Microseconds (CPU) per change, delete and add of a subscription in the built index.

    1,000 of each, on subscriptions picked at random; the index ends as it began.
    """
    picked = rng.sample(subs, min(1000, len(subs)))
    changed = [s.model_copy(update={"query": f"{s.query} AND lang:en"}) for s in picked]
    out = {}
    for name, batch in (("change", changed), ("delete", picked), ("add", picked)):
        t0 = time.process_time()
        for sub in batch:
            if name == "delete":
                index.remove(sub.id)
            else:
                index.add(sub)
        out[f"{name}_us"] = round((time.process_time() - t0) / len(batch) * 1e6, 1)
    return out


def time_snapshot(
    index: SubscriptionIndex, subs: list[Subscription], check: list[EnrichedStory]
) -> dict[str, Any]:
    """Save the index as the alert worker does (encode; no disk) and load it back (decode, restore).

    The subscriptions' own JSON is left out here (the store adds ~3 µs per subscription to parse
    it back); the restored index must match like the original (checked on ``check``).
    """
    t0 = time.perf_counter()
    data = snapshots.encode("bench", {0: len(subs)}, {"index": index.export_state()})
    save_s = time.perf_counter() - t0
    by_id = {s.id: s for s in subs}
    t0, cpu0 = time.perf_counter(), time.process_time()
    state = snapshots.decode(data, topic="bench").state["index"]
    restored = SubscriptionIndex.from_state(state, subscriptions=by_id)
    load_s, load_cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    if len(restored) != len(index) or any(restored.match(st) != index.match(st) for st in check):
        raise SystemExit("the index restored from its snapshot matches differently")
    size = len(data)
    del restored, state, data, by_id
    return {
        "snapshot_mib": round(size / 2**20, 1),
        "snapshot_save_seconds": round(save_s, 2),
        "snapshot_load_seconds": round(load_s, 2),
        "snapshot_load_cpu_seconds": round(load_cpu_s, 2),
    }


@dataclass
class IndexTiming:
    """CPU seconds per story of the best pass, and what the first pass found."""

    latencies: list[float]  # match() and reading every explanation
    lazy_latencies: list[float]  # match() alone
    candidates: list[int]  # queries verified per story
    matched: list[int]  # subscriptions matched per story
    wall_s: float  # wall time of one pass (both timings, and the diagnostics of the first)


def time_index(index: SubscriptionIndex, stories: list[EnrichedStory], passes: int) -> IndexTiming:
    """Time ``index.match()`` per story, with and without reading the explanations.

    CPU time of this process (the machine is shared: wall time includes other people's work).
    Per story, side by side: match() alone (explanations stay lazy), then match() and
    reading every match's explanation, as the alert service does (the headline figure).
    The machine is shared: the stories go through ``passes`` times, and each figure keeps the
    pass with the least CPU time (as timeit keeps its best run).
    """
    best: tuple[list[float], list[float]] | None = None
    candidates: list[int] = []
    matched: list[int] = []
    wall0 = time.perf_counter()
    for pass_no in range(passes):
        latencies: list[float] = []
        lazy_latencies: list[float] = []
        for i, story in enumerate(stories):
            for lazy in (True, False) if i % 2 else (False, True):  # alternate which goes first
                s0 = time.process_time()
                prepared = PreparedStory(story)
                found = index.match(prepared)
                if not lazy:
                    for m in found:
                        m.explanation  # noqa: B018 - built on first access
                (lazy_latencies if lazy else latencies).append(time.process_time() - s0)
            if pass_no == 0:
                candidates.append(index.candidates(prepared))  # outside the timed part
                matched.append(len(found))
        if best is None:
            best = (latencies, lazy_latencies)
        else:
            best = (min(best[0], latencies, key=sum), min(best[1], lazy_latencies, key=sum))
    assert best is not None
    wall_s = (time.perf_counter() - wall0) / passes
    return IndexTiming(best[0], best[1], candidates, matched, wall_s)


def time_plain(
    subs: list[Subscription],
    index: SubscriptionIndex,
    stories: list[EnrichedStory],
    budget_s: float,
    n: int,
) -> list[float]:
    """The reference: every query against the story; as many stories as fit in the budget.

    Its matches must equal the index's (the benchmark stops otherwise). Compiled here, after
    the index's memory was measured (the index keeps only some compiled queries).
    """
    compiled: dict[str, CompiledQuery] = {}
    pairs = [
        (sub, compiled.get(sub.query) or compiled.setdefault(sub.query, compile_query(sub.query)))
        for sub in subs
    ]
    plain_times: list[float] = []
    for story in stories:
        s0 = time.process_time()
        expected = match_all_plain(pairs, PreparedStory(story))
        plain_times.append(time.process_time() - s0)
        if expected != index.match(story):
            raise SystemExit(f"index and plain disagree on {story.id} at N={n}")
        if sum(plain_times) > budget_s:
            break
    return plain_times


def _time_prepare(stories: list[EnrichedStory]) -> float:
    t0 = time.process_time()
    for story in stories:
        PreparedStory(story)
    return (time.process_time() - t0) / len(stories)


def stories_for(
    mix: str, n: int, base: Vocab, base_stories: list[EnrichedStory]
) -> tuple[Vocab, list[EnrichedStory]]:
    """The vocabulary and stories of a workload at N subscriptions (seeded)."""
    if mix == "scaled":
        vocab = ScaledVocab(base, n / 1000)
        rng = random.Random(SEED + 1)
        return vocab, [make_story(rng, vocab, i) for i in range(len(base_stories))]
    return base, base_stories


# -- the alert stage: ready from the topic, then from a snapshot ------------------------------


async def _fill_topic(directory: Path, n: int) -> float:
    """Publish ``n`` subscriptions of the scaled workload to an embedded bus in ``directory``."""
    from schemas.topics import Topics  # noqa: PLC0415 - only the stage mode needs the bus
    from wirewatch.bus import EmbeddedBus, topic_specs  # noqa: PLC0415

    rng = random.Random(SEED)
    vocab = ScaledVocab(Vocab(rng), n / 1000)
    subs = make_subscriptions(random.Random(SEED + n), vocab, n, "scaled")
    t0 = time.perf_counter()
    async with EmbeddedBus(directory) as bus:
        topics = Topics()
        await bus.ensure_topics(topic_specs(topics, partitions=1))
        for start in range(0, n, 10_000):
            batch = [(s.id.encode(), s.to_bytes(), ()) for s in subs[start : start + 10_000]]
            await bus.publish_many(topics.subscriptions, batch)
    return time.perf_counter() - t0


async def _ready(directory: Path, snapshot: Path, cache_size: int) -> dict[str, Any]:
    """Start the alert stage as ``wirewatch alert`` does; time it until both halves run."""
    import asyncio  # noqa: PLC0415

    from alerts.service import AlertService  # noqa: PLC0415
    from alerts.store import SubscriptionStore  # noqa: PLC0415
    from schemas.topics import Topics  # noqa: PLC0415
    from wirewatch.bus import EmbeddedBus  # noqa: PLC0415
    from wirewatch.runner import service_gc  # noqa: PLC0415

    service_gc()  # the collector policy `wirewatch alert` runs with (wirewatch/cli/services.py)
    had_snapshot = await asyncio.to_thread(snapshot.exists)
    async with EmbeddedBus(directory) as bus:
        topics = Topics()
        index = SubscriptionIndex(cache_size=cache_size)
        store = SubscriptionStore(bus, topics=topics, index=index)
        service = AlertService(bus=bus, topics=topics, store=store, snapshot_path=snapshot)
        stop, started = asyncio.Event(), asyncio.Event()
        t0, cpu0 = time.perf_counter(), time.process_time()
        task = asyncio.create_task(service.run(stop, started=started))
        await started.wait()
        ready_s, ready_cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
        rss = rss_bytes()
        if not had_snapshot:
            while not await asyncio.to_thread(snapshot.exists):  # saved once both halves run
                await asyncio.sleep(0.2)
        save_s = time.perf_counter() - t0 - ready_s
        stop.set()
        await task
    return {
        "from_snapshot": had_snapshot,
        "subscriptions": len(store),
        "ready_seconds": round(ready_s, 2),
        "ready_cpu_seconds": round(ready_cpu_s, 2),
        "rss_mib_when_ready": round(rss / 2**20, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "snapshot_saved_seconds": None if had_snapshot else round(save_s, 2),
        "snapshot_mib": round((await asyncio.to_thread(snapshot.stat)).st_size / 2**20, 1),
    }


def run_stage(n: int, cache_size: int, console: Console) -> dict[str, Any]:
    """Ready times and memory of the alert stage at ``n`` subscriptions, each step in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="bench-stage-") as tmp:
        directory = Path(tmp)
        steps: dict[str, Any] = {}
        for step in ("fill", "cold", "warm"):
            command = [
                sys.executable,
                __file__,
                "--stage-one",
                f"{step}:{n}:{tmp}",
                "--cache",
                str(cache_size),
            ]
            done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
            steps[step] = json.loads(done.stdout.strip().splitlines()[-1])  # the stage logs to stdout
            console.log(f"stage N={n:,} {step}: {steps[step]}")
        del directory
    return steps


def stage_one(spec: str, cache_size: int) -> dict[str, Any]:
    """One step of :func:`run_stage` in this process."""
    import asyncio  # noqa: PLC0415

    step, n, tmp = spec.split(":", 2)
    directory = Path(tmp)
    if step == "fill":
        return {"publish_seconds": round(asyncio.run(_fill_topic(directory / "bus", int(n))), 1)}
    return asyncio.run(_ready(directory / "bus", directory / "alert-index.snapshot", cache_size))


# -- side by side: Wirewatch, perq and Lucene Monitor on a text-word workload -----------------

LUCENE_DIR = Path(__file__).parent / "lucene_monitor"
LUCENE_JAR = LUCENE_DIR / "target" / "lucene-monitor-bench.jar"


def text_workload(n: int, stories: int) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """Queries (id, words all required: 2-3 mid-frequency words) and stories (id, tokens), seeded.

    The stories are the ``broad`` workload's (title, standfirst and ~380 body words drawn from
    a Zipf law over 20,000 words); each engine gets the same tokens (Wirewatch's tokenizer).
    """
    from alerts.text import tokens  # noqa: PLC0415

    rng = random.Random(SEED)
    vocab = Vocab(rng)
    docs = [make_story(rng, vocab, i) for i in range(stories)]
    story_tokens = [(d.id, tokens(f"{d.title}\n{d.standfirst}\n{d.body}")) for d in docs]
    qrng = random.Random(SEED + 7 + n)
    queries = [
        (f"q{i:07d}", [vocab.words[qrng.randint(500, 15_000)] for _ in range(qrng.choice([2, 2, 3]))])
        for i in range(n)
    ]
    return queries, story_tokens


def _compare_wirewatch(
    queries: list[tuple[str, list[str]]], docs: list[tuple[str, list[str]]]
) -> dict[str, Any]:
    subs = [Subscription(id=qid, subscriber="bench", query=" AND ".join(words)) for qid, words in queries]
    # What the alert stage learns from its first 2,000 stories (other stories than the measured ones).
    sample_rng = random.Random(SEED + 2)
    vocab = Vocab(random.Random(SEED))
    stats = learn_terms([make_story(sample_rng, vocab, -1 - i) for i in range(2000)])
    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index = SubscriptionIndex(stats)
    for sub in subs:
        index.add(sub)
    build_s = time.perf_counter() - t0
    gc.collect()
    rss = rss_bytes() - rss0
    gc.freeze()
    prepared_docs = [
        EnrichedStory(
            id=doc_id,
            title="",
            body=" ".join(toks),
            source="bench",
            content_hash="0" * 64,
            ingested_at=datetime(2026, 11, 28, tzinfo=UTC),
            cluster_id=doc_id,
        )
        for doc_id, toks in docs
    ]
    best, found = float("inf"), {}
    for _ in range(3):
        t0 = time.process_time()
        found = {st.id: [m.subscription.id for m in index.match(PreparedStory(st))] for st in prepared_docs}
        best = min(best, time.process_time() - t0)
    return {"build_seconds": build_s, "match_seconds": best, "rss_mib": rss / 2**20, "found": found}


def _compare_perq(queries: list[tuple[str, list[str]]], docs: list[tuple[str, list[str]]]) -> dict[str, Any]:
    import perq  # noqa: PLC0415 - a benchmark-only dependency (the dev extra)

    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    store = perq.MemoryStore()  # type: ignore[no-untyped-call]  # perq ships partial hints
    perq.index([perq.Query(qid, [(w,) for w in words]) for qid, words in queries], store)
    matcher = perq.QueryMatcher(store)
    build_s = time.perf_counter() - t0
    gc.collect()
    rss = rss_bytes() - rss0
    gc.freeze()
    best, found = float("inf"), {}
    for _ in range(3):
        t0 = time.process_time()  # the Document (a set of the tokens) is made in the timed part
        documents = ((doc_id, perq.Document(toks)) for doc_id, toks in docs)  # type: ignore[no-untyped-call]
        found = {doc_id: sorted(map(str, matcher.matches(doc))) for doc_id, doc in documents}
        best = min(best, time.process_time() - t0)
    return {"build_seconds": build_s, "match_seconds": best, "rss_mib": rss / 2**20, "found": found}


def _compare_lucene(
    queries: list[tuple[str, list[str]]], docs: list[tuple[str, list[str]]]
) -> dict[str, Any]:
    if not LUCENE_JAR.exists():
        raise SystemExit(f"build the Lucene Monitor harness first: mvn -q -f {LUCENE_DIR}/pom.xml package")
    with tempfile.TemporaryDirectory(prefix="bench-lucene-") as tmp:
        qpath, dpath, mpath = Path(tmp, "queries.tsv"), Path(tmp, "stories.tsv"), Path(tmp, "matches.tsv")
        qpath.write_text("".join(f"{qid}\t" + "\t".join(words) + "\n" for qid, words in queries))
        dpath.write_text("".join(f"{doc_id}\t{' '.join(toks)}\n" for doc_id, toks in docs))
        done = subprocess.run(
            ["java", "-Xmx8g", "-jar", str(LUCENE_JAR), str(qpath), str(dpath), str(mpath)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        found = {}
        for line in mpath.read_text().splitlines():
            doc_id, _, ids = line.partition("\t")
            found[doc_id] = ids.split()
    return {
        "build_seconds": figures["build_seconds"],
        "match_seconds": figures["match_seconds"],
        "rss_mib": figures["rss_mib"],
        "heap_mib": figures["heap_mib"],
        "found": found,
    }


COMPARED = {"wirewatch": _compare_wirewatch, "perq": _compare_perq, "lucene-monitor": _compare_lucene}


def compare_one(spec: str, stories: int) -> dict[str, Any]:
    """One engine at one size (``ENGINE:N``), in this process."""
    engine, n = spec.split(":")
    queries, docs = text_workload(int(n), stories)
    result = COMPARED[engine](queries, docs)
    found = result.pop("found")
    return {
        "engine": engine,
        "queries": int(n),
        "stories": len(docs),
        "stories_per_s": round(len(docs) / result["match_seconds"]),
        "matches": sum(len(v) for v in found.values()),
        "build_seconds": round(result["build_seconds"], 2),
        "rss_mib": round(result["rss_mib"], 1),
        **({"heap_mib": result["heap_mib"]} if "heap_mib" in result else {}),
        "found": {k: sorted(v) for k, v in found.items()},
    }


def compare_main(args: argparse.Namespace) -> None:
    """``--compare``: the three engines side by side, each size and engine in a fresh process."""
    if args.compare_one:
        print(json.dumps(compare_one(args.compare_one, args.stories)))
        return
    console = Console(width=190)
    engines = args.engines.split(",")
    rows: list[dict[str, Any]] = []
    for n in (int(x) for x in args.compare.split(",")):
        found_by: dict[str, dict[str, list[str]]] = {}
        for engine in engines:
            command = [
                sys.executable,
                __file__,
                "--compare-one",
                f"{engine}:{n}",
                "--stories",
                str(args.stories),
            ]
            done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            found_by[engine] = row.pop("found")
            reference = found_by[engines[0]]
            differ = [k for k in reference if reference[k] != found_by[engine].get(k, [])]
            row["stories_differing_from_" + engines[0]] = len(differ)
            rows.append(row)
            console.log(row)
    table = Table(title="Text-word workload: every engine on the same queries and stories (one core)")
    for col in ("engine", "queries", "stories/s", "matches", "differ", "build s", "RSS MiB"):
        table.add_column(col, justify="right")
    for r in rows:
        differ = next(v for k, v in r.items() if k.startswith("stories_differing"))
        table.add_row(
            r["engine"],
            f"{r['queries']:,}",
            f"{r['stories_per_s']:,}",
            f"{r['matches']:,}",
            str(differ),
            str(r["build_seconds"]),
            str(r["rss_mib"]) + (f" (heap {r['heap_mib']})" if "heap_mib" in r else ""),
        )
    console.print(table)
    console.print(
        "stories/s: CPU time of matching only (best of 3 passes) for Wirewatch and perq, wall time for Lucene "
        "Monitor (its own JVM); RSS: growth while building (Lucene: the JVM's whole RSS after building)."
    )
    path = args.out or Path(__file__).parent / "results" / "matching_compare.json"
    path.write_text(json.dumps({"benchmark": "matching side by side", "results": rows}, indent=2) + "\n")
    console.print(f"wrote {path}")


def stage_main(args: argparse.Namespace) -> None:
    """``--stage``: the alert stage's ready times and memory (``--stage-one``: one step of it)."""
    if args.stage_one:
        print(json.dumps(stage_one(args.stage_one, args.cache)))
        return
    console = Console(width=190)
    out = {int(n): run_stage(int(n), args.cache, console) for n in args.stage.split(",")}
    path = args.out or Path(__file__).parent / "results" / "matching_stage.json"
    path.write_text(
        json.dumps({"benchmark": "alert stage ready", "cpus": os.cpu_count(), "sizes": out}, indent=2) + "\n"
    )
    console.print(f"wrote {path}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000", help="comma-separated subscription counts")
    parser.add_argument("--stories", type=int, default=1000, help="stories matched by the index per size")
    parser.add_argument("--plain-budget", type=float, default=10.0, help="seconds of plain matching per size")
    parser.add_argument(
        "--mix",
        default="broad,scaled",
        help="comma-separated workloads: broad (fixed 5k-tag vocabulary), scaled (vocabulary ∝ N), narrow (2-4 clause queries only)",
    )
    parser.add_argument(
        "--term-sample",
        type=int,
        default=2000,
        help="stories the index learns term frequencies from (as the alert service does); 0: static guesses",
    )
    parser.add_argument(
        "--cache", type=int, default=DEFAULT_CACHE_SIZE, help="compiled queries the index keeps at once"
    )
    parser.add_argument(
        "--plain-max", type=int, default=200_000, help="largest size checked against plain evaluation"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default: results/matching.json (broad and scaled) or results/matching_<mix>.json",
    )
    parser.add_argument(
        "--stage",
        default=None,
        help="comma-separated sizes: time the alert stage (embedded bus) to ready from the topic, then "
        "from its snapshot, and its memory, instead of the index alone",
    )
    parser.add_argument("--stage-one", default=None, help=argparse.SUPPRESS)  # internal: STEP:N:DIR
    parser.add_argument(
        "--geo-fraction",
        type=float,
        default=None,
        help="share of subscriptions with a geo query (near:/bbox:); given at all (even 0), stories' "
        "cities carry points: compare 0 with 0.1 (issue 14)",
    )
    parser.add_argument(
        "--compare",
        default=None,
        help="comma-separated sizes: Wirewatch, perq and Lucene Monitor side by side on a text-word workload",
    )
    parser.add_argument("--engines", default="wirewatch,perq,lucene-monitor", help="for --compare")
    parser.add_argument("--compare-one", default=None, help=argparse.SUPPRESS)  # internal: ENGINE:N
    parser.add_argument(
        "--one", default=None, help=argparse.SUPPRESS
    )  # internal: MIX:N in this process, JSON on stdout
    return parser


def main() -> None:
    args = _parser().parse_args()
    if args.stage_one or args.stage:
        stage_main(args)
        return
    if args.compare_one or args.compare:
        compare_main(args)
        return
    global GEO_FRACTION  # noqa: PLW0603 - the workload generators read it
    GEO_FRACTION = args.geo_fraction
    if args.one:
        mix, n = args.one.split(":")
        rng = random.Random(SEED)
        base = Vocab(rng)
        base_stories = [make_story(rng, base, i) for i in range(args.stories)]
        vocab, stories = stories_for(mix, int(n), base, base_stories)
        sample_rng = random.Random(SEED + 2)
        sample = [make_story(sample_rng, vocab, -1 - i) for i in range(args.term_sample)]
        result = run_size(
            int(n),
            vocab,
            stories,
            plain_budget_s=args.plain_budget,
            console=Console(stderr=True, width=150),
            mix=mix,
            sample=sample,
            cache_size=args.cache,
            plain_max=args.plain_max,
        )
        print(json.dumps(result))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    mixes = args.mix.split(",")

    console = Console(width=190)
    load_before = os.getloadavg()
    workloads: dict[str, Any] = {}
    for mix in mixes:
        results = []
        for n in sizes:
            # A fresh process per size: memory figures are not skewed by memory a previous
            # size freed (or fragmented), and no size inherits another's heap.
            command = [
                sys.executable,
                __file__,
                "--one",
                f"{mix}:{n}",
                "--stories",
                str(args.stories),
                "--plain-budget",
                str(args.plain_budget),
                "--term-sample",
                str(args.term_sample),
                "--cache",
                str(args.cache),
                "--plain-max",
                str(args.plain_max),
                *(["--geo-fraction", str(args.geo_fraction)] if args.geo_fraction is not None else []),
            ]
            done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
            results.append(json.loads(done.stdout))
        first, last = results[0], results[-1]
        workloads[mix] = {
            "slowdown_largest_vs_smallest": round(
                first["index_stories_per_cpu_s"] / last["index_stories_per_cpu_s"], 2
            ),
            "results": results,
        }

    table = Table(
        title="Subscription matching: index vs plain evaluation of every query (one core, CPU time)"
    )
    columns = (
        "mix",
        "subs",
        "build s",
        "CPU s",
        "MiB",
        "B/sub",
        "index st/s",
        "unread st/s",
        "ms mean",
        "ms p99",
        "cand/st",
        "match/st",
        "plain st/s (n)",
        "speedup",
        "snap MiB",
        "load s",
    )
    for col in columns:
        table.add_column(col, justify="right")
    for mix, w in workloads.items():
        for r in w["results"]:
            table.add_row(
                mix,
                f"{r['subscriptions']:,}",
                f"{r['build_seconds']}",
                f"{r['build_cpu_seconds']}",
                f"{r['index_rss_mib']}",
                f"{r['index_bytes_per_sub']}",
                f"{r['index_stories_per_cpu_s']:,}",
                f"{r['index_stories_per_cpu_s_explanations_unread']:,}",
                f"{r['index_cpu_ms_mean']}",
                f"{r['index_cpu_ms_p99']}",
                f"{r['candidates_per_story']}",
                f"{r['matches_per_story']}",
                f"{r['plain_stories_per_cpu_s']} ({r['stories_plain']})",
                f"{r['speedup']}×",
                f"{r['snapshot_mib']}",
                f"{r['snapshot_load_seconds']}",
            )
        table.add_section()
    console.print(table)
    for mix, w in workloads.items():
        first, last = w["results"][0], w["results"][-1]
        console.print(
            f"{mix}: {last['subscriptions']:,} vs {first['subscriptions']:,} subscriptions: the index is "
            f"{w['slowdown_largest_vs_smallest']}× slower per story "
            f"({first['matches_per_story']} → {last['matches_per_story']} matches per story, "
            f"{first['candidates_per_story']} → {last['candidates_per_story']} candidates)."
        )
    console.print(
        "index st/s: match() and every match's explanation read (what the alert service does); unread st/s: match() "
        "alone (explanations are built lazily). Story preparation is included. Rates are per CPU-second of this "
        "process; plain rates are measured on the first (n) stories only (not extrapolated). Load average: "
        f"{load_before[0]:.1f} → {os.getloadavg()[0]:.1f} (a shared machine: absolute rates are noisy)."
    )
    out = {
        "benchmark": "matching",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in load_before],
        "mixes": mixes,
        "geo_fraction": args.geo_fraction,
        "stories": args.stories,
        "workloads": workloads,
    }
    default = "matching.json" if set(mixes) >= {"broad", "scaled"} else f"matching_{'_'.join(mixes)}.json"
    if args.geo_fraction is not None:
        default = f"matching_{'_'.join(mixes)}_geo{args.geo_fraction:g}.json"
    path = args.out or Path(__file__).parent / "results" / default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
