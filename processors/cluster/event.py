"""Event clustering: copies, rewrites and translations of one event share one cluster id.

:class:`EventClusterer` scores a new story against remembered ones on two kinds of evidence:

- **text**: the MinHash estimate of the content-word Jaccard (:mod:`processors.cluster.minhash`,
  today's clusterer). It joins light copies and same-language rewrites;
- **anchors**: the weighted Dice coefficient of the language-independent anchors
  (:mod:`processors.cluster.anchors`: tag ids, dateline, figures, dates). It joins translations
  and heavy rewrites, whose words differ but whose places, people and figures do not.

A remembered story is a candidate when it shares an LSH band with the new story and passes
``text_threshold``, or shares at least two indexed anchors with it; and its cluster is **open**:
its last copy is less than ``window`` before the story's time (``published_at``, else
``ingested_at``: the story's own clock, so a replay decides the same). The story joins a candidate
when

- ``anchors >= threshold``: the same places, people and figures, in any language; or
- ``text >= text_threshold`` and ``anchors >= min_anchors`` and the two do not name disjoint places
  (the words say "the same kind of story", the anchors must not say "another event"); or
- ``text >= copy_threshold``: a copy, whatever its anchors.

Of several, the best ``anchors + text_weight * text`` wins (ties: the smaller story id). Else the
story opens cluster ``c-<sha256(story id)[:16]>``. A story id seen before keeps its cluster,
whatever its text (versions and retractions) and however late. The defaults were tuned on the tune
part of ``benchmarks/data/cluster_events.json`` (``python -m benchmarks.eval_cluster --tune``).

Lifecycle: a cluster stays open while copies keep coming; ``window`` after its last copy it is
closed for good, so an event on the same subject days later opens its own cluster.

Merges: when a story qualifies for two open clusters (two workers opened one each for the same
event within the replication lag, see the README), it joins the one opened first (ties: the
smaller id) and its entry names the other in ``merged``. Every worker that applies the entry
aliases the younger cluster to the elder, so later copies close to either go to the elder one,
and the enriched story carries the merged ids for the alert stage.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from processors.cluster.anchors import anchors, dice, indexed_where, post, posted, specific, total_units
from processors.cluster.minhash import Clusterer, ClusterSignature, cluster_id_for, decode_entry
from processors.cluster.shared import SharedUnits, packed
from processors.errors import SignatureError

if TYPE_CHECKING:
    from processors.cluster.anchors import TagSource
    from schemas.models import Story

__all__ = ["EventClusterer", "EventDecision", "EventEntry"]

_MAGIC: Final = b"\x00\x02"  # a format-1 entry starts with its cluster id's length, never 0
_HEAD: Final = struct.Struct("<qH")
_MAX_ALIAS_HOPS: Final = 16
_MAX_MERGED: Final = 8  # clusters one story may merge: the rest merge through later copies

_Slots = np.ndarray[Any, np.dtype[np.intp]]
_Floats = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True, slots=True)
class EventEntry:
    """What every processor copy remembers of a story (the ``internal.signatures`` value)."""

    cluster_id: str
    signature: ClusterSignature
    anchors: frozenset[int]
    at: int  # the story's time, epoch seconds (0: unknown, a format-1 entry)
    merged: tuple[str, ...] = ()  # clusters this story found to be the same event

    def to_bytes(self) -> bytes:
        """Serialise: magic, time, anchors, cluster id, merged ids, then the signature."""
        ids = (self.cluster_id, *self.merged)
        parts = [_MAGIC, _HEAD.pack(self.at, len(self.anchors))]
        parts.append(struct.pack(f"<{len(self.anchors)}I", *sorted(self.anchors)))
        parts.append(bytes((len(ids),)))
        for cid in ids:
            raw = cid.encode()
            if len(raw) > 255:
                raise SignatureError("cluster id too long", cluster_id=cid[:40])
            parts.append(bytes((len(raw),)) + raw)
        parts.append(self.signature.to_bytes())
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> EventEntry:
        """Parse :meth:`to_bytes` output, or a format-1 entry of the text-only clusterer."""
        if not data.startswith(_MAGIC):
            cluster_id, signature = decode_entry(data)
            return cls(cluster_id, signature, frozenset(), 0)
        try:
            at, count = _HEAD.unpack_from(data, 2)
            pos = 2 + _HEAD.size
            keys = frozenset(struct.unpack_from(f"<{count}I", data, pos))
            pos += 4 * count
            ids: list[str] = []
            count, pos = data[pos], pos + 1
            for _ in range(count):
                cid, pos = _text(data, pos)
                ids.append(cid)
            cluster_id, *merged = ids
        except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
            raise SignatureError("corrupt event entry", size=len(data)) from exc
        return cls(cluster_id, ClusterSignature.from_bytes(data[pos:]), keys, at, tuple(merged))


def _text(data: bytes, pos: int) -> tuple[str, int]:
    end = pos + 1 + data[pos]
    if end > len(data):
        raise IndexError(pos)
    return data[pos + 1 : end].decode(), end


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDecision:
    """Where :meth:`EventClusterer.assign` put a story, and why."""

    story_id: str
    cluster_id: str
    is_new: bool  # the story opened its cluster
    matched_story_id: str | None  # the story it was found close to (itself for a known id)
    similarity: float  # anchors + text_weight * text of the match; 0.0 for a new cluster
    text_similarity: float
    anchor_similarity: float
    merged: tuple[str, ...]  # other open clusters the story also belonged to (now aliases)
    entry: EventEntry

    def value(self) -> bytes:
        """The value to publish on the ``signatures`` topic under ``story_id``."""
        return self.entry.to_bytes()


@dataclass(frozen=True, slots=True)
class _Parts:
    indexed: list[int]  # the anchors of INDEXED kinds, in the set's order
    where: frozenset[int]  # specific(): the anchors that say where
    units: int  # total_units()


@dataclass(slots=True)
class _Span:
    opened: int
    last: int
    size: int


@dataclass(frozen=True, slots=True)
class _Scored:
    score: float
    text: float
    anchors: float
    story_id: str
    cluster_id: str


class EventClusterer:
    """Assigns stories to event clusters; pure, incremental, with in-memory state."""

    def __init__(  # each knob is tuned by benchmarks/eval_cluster.py
        self,
        *,
        window: timedelta = timedelta(hours=24),
        text_threshold: float = 0.4,
        threshold: float = 0.5,
        min_anchors: float = 0.3,
        copy_threshold: float = 0.9,
        text_weight: float = 0.5,
        num_perm: int = 64,
        max_entries: int = 200_000,
        postings: int = 24,
        max_candidates: int = 32,
    ) -> None:
        if window <= timedelta(0) or threshold <= 0.0 or postings < 1 or max_candidates < 1:
            raise ValueError("window > 0, threshold > 0, postings >= 1, max_candidates >= 1")
        self.window = window
        self.threshold = threshold
        self.min_anchors = min_anchors
        self.copy_threshold = copy_threshold
        self.text_weight = text_weight
        self.max_entries = max_entries
        # The text index never evicts on its own: eviction is decided here, for both indexes.
        self._text = Clusterer(
            threshold=text_threshold, num_perm=num_perm, max_entries=max_entries + 1, band_threshold=0.5
        )
        self._entries: OrderedDict[str, EventEntry] = OrderedDict()
        # Per entry, by its slot in the text index (a row of its signature matrix): where, anchor
        # weight (units), packed anchors and their count (see shared.SharedUnits). Templated
        # stories bring hundreds of candidates: arrays by slot feed numpy without a dict lookup
        # or a Python call per candidate.
        self._where: list[frozenset[int]] = []
        self._packed: list[bytes] = []
        self._units = np.zeros(0, dtype=np.int64)
        self._sizes = np.zeros(0, dtype=np.intp)
        # Anchor → the slots of the latest stories having it: bounded, as only recent stories can
        # be in an open cluster, and a common anchor (a capital city) must not make hundreds of
        # candidates.
        self._postings: dict[int, list[int]] = {}
        self._postings_cap = postings
        self._max_candidates = max_candidates
        self._shared_units = SharedUnits()
        self._spans: dict[str, _Span] = {}
        self._alias: dict[str, str] = {}
        self._last: tuple[frozenset[int], _Parts] | None = None  # see _parts

    @property
    def text_threshold(self) -> float:
        """The estimated Jaccard at which the text alone joins two stories."""
        return self._text.threshold

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._entries

    def cluster_of(self, story_id: str) -> str | None:
        """The cluster a known story id is in, if it is remembered."""
        entry = self._entries.get(story_id)
        return entry.cluster_id if entry is not None else None

    def entry(self, story_id: str) -> EventEntry | None:
        """What is remembered of a story, if anything."""
        return self._entries.get(story_id)

    def resolve(self, cluster_id: str) -> str:
        """The cluster that ``cluster_id`` was merged into, if any (else itself)."""
        for _ in range(_MAX_ALIAS_HOPS):
            target = self._alias.get(cluster_id)
            if target is None:
                break
            cluster_id = target
        return cluster_id

    def is_open(self, cluster_id: str, at: int) -> bool:
        """Whether a story at ``at`` (epoch seconds) may still join ``cluster_id``."""
        span = self._spans.get(cluster_id)
        window = int(self.window.total_seconds())
        return span is not None and span.last + window >= at and at + window >= span.opened

    def signature(self, story: Story) -> ClusterSignature:
        """The story's MinHash over content words."""
        return self._text.signature(story)

    def assign(self, story: Story, tags: TagSource) -> EventDecision:
        """Put the story in a cluster and remember it (call once per story version, after tagging)."""
        at = int((story.published_at or story.ingested_at).timestamp())
        signature = self._text.signature(story)
        keys = anchors(story, tags)
        known = self._entries.get(story.id)
        merged: tuple[str, ...] = ()
        best: _Scored | None
        if known is not None:
            text = signature.similarity(known.signature)
            anc = dice(keys, known.anchors, total_units(keys) + total_units(known.anchors))
            best = _Scored(anc + self.text_weight * text, text, anc, story.id, known.cluster_id)
        else:
            best, merged = self._best(signature, keys, at)
        entry = EventEntry(best.cluster_id if best else cluster_id_for(story.id), signature, keys, at, merged)
        self.remember(story.id, entry)
        return EventDecision(
            story_id=story.id,
            cluster_id=entry.cluster_id,
            is_new=best is None,
            matched_story_id=best.story_id if best else None,
            similarity=best.score if best else 0.0,
            text_similarity=best.text if best else 0.0,
            anchor_similarity=best.anchors if best else 0.0,
            merged=merged,
            entry=entry,
        )

    def _parts(self, keys: frozenset[int]) -> _Parts:
        """What assign reads of a story's anchors three times (finding, scoring, remembering)."""
        last = self._last
        if last is not None and last[0] is keys:
            return last[1]
        parts = _Parts(*indexed_where(keys), total_units(keys))
        self._last = (keys, parts)
        return parts

    def _anchored(self, keys: frozenset[int]) -> _Slots:
        """Slots of the remembered stories sharing the most indexed anchors.

        At least two (one if the story has only one); ``max_candidates`` at most, ties to the
        smaller story id.
        """
        indexed = self._parts(keys).indexed
        # A story is in a posting list once, so the repeats of a slot count its shared anchors.
        hits = np.array(posted(self._postings, indexed), dtype=np.intp)
        if not len(hits):
            return hits
        slots, shared = np.unique(hits, return_counts=True)
        enough = shared >= min(2, len(indexed))
        slots, shared = slots[enough], shared[enough]
        room = self._max_candidates
        if len(slots) <= room:
            return slots
        # Common anchors find a thousand stories: keep those sharing more than the last kept one,
        # and of those sharing exactly as many, the smaller ids (only these are sorted).
        cut = np.partition(shared, len(shared) - room)[len(shared) - room]
        above = slots[shared > cut]
        tied = slots[shared == cut].tolist()
        tied.sort(key=self._text.ids.__getitem__)
        return np.concatenate((above, np.array(tied[: room - len(above)], dtype=np.intp)))

    def _pool(self, signature: ClusterSignature, keys: frozenset[int]) -> tuple[_Slots, _Floats]:
        """Candidates worth scoring (their slots), with their text similarity.

        Close in words, or sharing anchors; in no particular order: _best breaks every tie by id.
        """
        text = self._text
        by_text = text.candidate_slots(signature)
        anchored = self._anchored(keys)
        # A slot found both ways comes twice, with the same figures: _best keeps one of them.
        slots = np.concatenate((by_text, anchored)) if len(anchored) else by_text
        texts = text.equal_counts_at(signature, slots) / text.num_perm
        # Most LSH candidates share a band by chance: keep those that pass, and the anchored ones.
        keep = texts >= text.threshold
        keep[len(by_text) :] = True
        return slots[keep], texts[keep]

    def _best(
        self, signature: ClusterSignature, keys: frozenset[int], at: int
    ) -> tuple[_Scored | None, tuple[str, ...]]:
        slots, texts = self._pool(signature, keys)
        if not len(slots):
            return None, ()
        parts = self._parts(keys)
        where, total = parts.where, parts.units
        # Templated or running stories bring a hundred candidates or more, mostly of different
        # clusters: the anchor similarities and the join rules run in numpy over all of them, and
        # only those that join are looked at one by one. The same rules and figures as dice().
        totals = self._units[slots] + total
        theirs = b"".join(map(self._packed.__getitem__, slots.tolist()))
        shared = self._shared_units.joined(keys, theirs, self._sizes[slots])
        ancs = np.divide(2 * shared, totals, out=np.zeros(len(slots)), where=totals > 0)
        sure = (ancs >= self.threshold) | (texts >= self.copy_threshold)
        maybe = ~sure & (texts >= self.text_threshold) & (ancs >= self.min_anchors)
        per_cluster: dict[str, _Scored] = {}
        opened: dict[str, str | None] = {}  # a candidate's cluster id → its open cluster, if any
        for k in np.flatnonzero(sure | maybe).tolist():
            slot = int(slots[k])
            if maybe[k]:
                apart = self._where[slot]
                if where and apart and not where & apart:  # e.g. the same event type elsewhere
                    continue
            sid = self._text.story_at(slot)
            cid = self._entries[sid].cluster_id
            if cid in opened:
                cluster = opened[cid]
            else:
                resolved = self.resolve(cid)
                cluster = opened[cid] = resolved if self.is_open(resolved, at) else None
            if cluster is None:
                continue
            text, anc = float(texts[k]), float(ancs[k])
            scored = _Scored(anc + self.text_weight * text, text, anc, sid, cluster)
            held = per_cluster.get(cluster)
            if held is None or (scored.score, held.story_id) > (held.score, sid):
                per_cluster[cluster] = scored
        if not per_cluster:
            return None, ()
        return self._choose(per_cluster)

    def _choose(self, per_cluster: dict[str, _Scored]) -> tuple[_Scored, tuple[str, ...]]:
        """The cluster to join, and the clusters it merges.

        Two open clusters are one event opened twice (two workers at once) only when their own
        stories fit each other: then join the elder and name the others, so every worker merges
        them. A story that fits two clusters that were kept apart (a rewrite of one story that
        also shares places and actors with another event) joins the one it fits best, and merges
        nothing: one bridging story must not chain two events into one.
        """
        best = min(per_cluster.values(), key=lambda s: (-s.score, s.story_id))
        group = [
            c
            for c, scored in per_cluster.items()
            if c == best.cluster_id or self.fit(scored.story_id, best.story_id)
        ]
        order = sorted(group, key=lambda c: (self._spans[c].opened, c))
        return per_cluster[order[0]], tuple(sorted(order[1:]))[:_MAX_MERGED]

    def fit(self, one: str, other: str) -> bool:
        """Whether two remembered stories join by the clusterer's rules (either way round)."""
        a, b = self._entries[one], self._entries[other]
        text = a.signature.similarity(b.signature)
        anc = dice(a.anchors, b.anchors)
        if anc >= self.threshold or text >= self.copy_threshold:
            return True
        ours, theirs = specific(a.anchors), specific(b.anchors)
        apart = bool(ours and theirs and not ours & theirs)
        return text >= self.text_threshold and anc >= self.min_anchors and not apart

    def remember(self, story_id: str, entry: EventEntry) -> None:
        """Apply an entry (from :meth:`assign` here, or replicated from another worker)."""
        if story_id in self._entries:
            self.forget(story_id)
        while len(self._entries) >= self.max_entries:
            self.forget(next(iter(self._entries)))
        self._text.remember(story_id, entry.signature, entry.cluster_id)
        self._entries[story_id] = entry
        slot = self._text.slot_of(story_id)
        if slot >= len(self._units):
            self._grow()
        parts = self._parts(entry.anchors)
        self._where[slot] = parts.where
        self._packed[slot] = packed(entry.anchors)
        self._units[slot] = parts.units
        self._sizes[slot] = len(entry.anchors)
        post(self._postings, parts.indexed, slot, self._postings_cap)
        self._widen(entry.cluster_id, entry.at, entry.at, 1)
        for other in entry.merged:
            if other != entry.cluster_id and self.resolve(entry.cluster_id) != other:
                self._alias[other] = entry.cluster_id
                span = self._spans.get(other)
                if span is not None:
                    self._widen(entry.cluster_id, span.opened, span.last, 0)

    def _grow(self) -> None:
        """Make the arrays by slot as long as the text index's matrix (it grew)."""
        size, old = self._text.capacity, len(self._units)
        self._where.extend([frozenset()] * (size - old))
        self._packed.extend([b""] * (size - old))
        self._units = np.concatenate((self._units, np.zeros(size - old, dtype=np.int64)))
        self._sizes = np.concatenate((self._sizes, np.zeros(size - old, dtype=np.intp)))

    def _widen(self, cluster_id: str, opened: int, last: int, size: int) -> None:
        span = self._spans.get(cluster_id)
        if span is None:
            self._spans[cluster_id] = _Span(opened, last, size)
        else:
            span.opened, span.last = min(span.opened, opened), max(span.last, last)
            span.size += size

    def forget(self, story_id: str) -> None:
        """Drop a story's entry (eviction, or a tombstone on the ``signatures`` topic)."""
        entry = self._entries.pop(story_id, None)
        if entry is None:
            return
        slot = self._text.slot_of(story_id)
        self._text.forget(story_id)
        self._where[slot], self._packed[slot] = frozenset(), b""
        for key in entry.anchors:
            posting = self._postings.get(key)
            if posting is not None and slot in posting:
                posting.remove(slot)
                if not posting:
                    del self._postings[key]
        span = self._spans.get(entry.cluster_id)
        if span is not None:
            span.size -= 1
            if span.size <= 0:
                del self._spans[entry.cluster_id]
                self._alias.pop(entry.cluster_id, None)
