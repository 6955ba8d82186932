"""Near-duplicates: MinHash signatures and LSH clustering over content words (one language).

Today's text-only clusterer, kept as the text half of :mod:`processors.cluster.event` and as the
baseline of ``benchmarks/bench_cluster.py`` and ``benchmarks/eval_cluster.py``.

A :class:`Clusterer` gives every story a cluster id: the same story id (any
version) keeps its cluster; a story whose signature is close enough to a known
one (estimated Jaccard >= ``threshold``) joins that story's cluster; anything
else opens a new cluster ``c-<sha256(story id)[:16]>``. Candidates come from LSH
banding (21 bands of 3 rows for 64 permutations at 0.5, tuned for recall) and are
then scored on their signatures. State is in memory, bounded by ``max_entries``
(the least recently touched entry goes first; about 2 KB each).

Features are content words (stopwords, datelines and agency trailers dropped)
grouped in ``shingle``-word shingles. The default is 1, not 3: on a Reuters copy
and an AP rewrite of one event, 3-word shingles have a Jaccard of 0.27 (0.18
without stopwords), so only lightly edited copies would join; content words give
0.58 while the same kind of event elsewhere (other place, names, numbers) stays
at 0.23-0.33. Use ``shingle=3`` for strict copy detection.

Clustering across workers
-------------------------
Copies of one story may land on different partitions of ``stories.raw`` and so
on different processor copies. Every processor copy therefore follows a compacted
``signatures`` topic (key: story id; value: :func:`encode_entry` of the cluster id
and the 257-byte signature) from the beginning, and applies each record with
:meth:`Clusterer.remember` (a null value with :meth:`Clusterer.forget`). After
:meth:`Clusterer.assign` the worker publishes ``decision.entry()`` under
``decision.story_id``. Because ``stories.raw`` is keyed by story id, one worker
owns each story id, so each key of the topic has a single writer and compaction
never mixes two workers' views; a restarted or rebalanced worker rebuilds the
same state by reading the topic. Remaining race: two copies of one event that
are assigned on two workers within the replication lag both open a cluster; the
next copy joins whichever is more similar. We accept that (the alert stage then
sends a second ``new`` alert) rather than funnel every story through one
partition. Give the topic ``cleanup.policy=compact,delete`` with a retention
of a few days so that old signatures expire, as ``max_entries`` does in memory.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from hashlib import sha1
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from processors.errors import SignatureError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.models import Story

__all__ = [
    "ClusterDecision",
    "ClusterSignature",
    "Clusterer",
    "SignatureError",
    "cluster_id_for",
    "content_words",
    "decode_entry",
    "encode_entry",
    "features",
]

# Bump when the features, the hash scheme or the byte layout change: a signature
# made one way is meaningless to a worker comparing it with signatures made another.
_FORMAT: Final = 1
_SEED: Final = 1
_VALUE: Final = np.dtype("<u4")

_STOPWORD_TEXT: Final = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our ours out over own same she should so some such than
    that the their theirs them then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours said says say told
    according"""
_STOPWORDS: Final = frozenset(_STOPWORD_TEXT.split())
# "ANKARA, March 3 (Reuters) -" or "ISTANBUL (AP) —": where, when and who, not what.
_DATELINE: Final = re.compile(r"^\s*[^\n]{0,80}?\([A-Za-z][\w .&-]{0,20}\)\s*[-\u2013\u2014]+\s*")
# "(Reporting by ...; Editing by ...)": the desk, not the story.
_TRAILER: Final = re.compile(
    r"\(\s*(?:additional\s+)?(?:reporting|writing|editing|compiled)\s+by[^()]*\)\s*$", re.IGNORECASE
)
_WORD: Final = re.compile(r"\w+")
_ASCII_RUN: Final = re.compile(r"[\x00-\x7f]+")
# In ASCII text: word bytes (what ``\w`` matches there) kept, every other byte a space.
_ASCII_WORD_BYTES: Final = bytes(
    c if c < 128 and (chr(c).isalnum() or c == ord("_")) else ord(" ") for c in range(256)
)
# What content_words drops of an ASCII text's words: stopwords, and one-letter words but digits.
_DROPPED_ASCII: Final = frozenset(
    {w.encode() for w in _STOPWORDS} | {bytes((c,)) for c in range(128) if chr(c).isalpha() or c == ord("_")}
)
_MAX_CACHED_WORDS: Final = 1 << 17  # ~15 MB of words and hashes
# numpy >= 2: a population count per element (None before: equal_counts_at counts otherwise).
_POPCOUNT: Final = getattr(np, "bitwise_count", None)


@dataclass(frozen=True, slots=True)
class ClusterSignature:
    """A story's MinHash: ``num_perm`` 32-bit hash values, packed little-endian."""

    values: bytes

    @property
    def num_perm(self) -> int:
        """How many hash values the signature holds."""
        return len(self.values) // _VALUE.itemsize

    def hashvalues(self) -> np.ndarray[tuple[int], np.dtype[np.uint32]]:
        """The hash values as a read-only array (no copy)."""
        return np.frombuffer(self.values, dtype=_VALUE)

    def similarity(self, other: ClusterSignature) -> float:
        """Estimated Jaccard similarity of the two stories' feature sets."""
        if len(other.values) != len(self.values):
            raise SignatureError("signatures of different sizes", ours=self.num_perm, theirs=other.num_perm)
        return float(np.count_nonzero(self.hashvalues() == other.hashvalues())) / self.num_perm

    def to_bytes(self) -> bytes:
        """Serialise: one format byte, then the hash values (257 bytes for 64 permutations)."""
        return bytes((_FORMAT,)) + self.values

    @classmethod
    def from_bytes(cls, data: bytes) -> ClusterSignature:
        """Parse :meth:`to_bytes` output."""
        if not data or data[0] != _FORMAT or (len(data) - 1) % _VALUE.itemsize or len(data) == 1:
            raise SignatureError("not a cluster signature", size=len(data))
        return cls(bytes(data[1:]))


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterDecision:
    """Where :meth:`Clusterer.assign` put a story, and why."""

    story_id: str
    cluster_id: str
    is_new: bool  # the story opened its cluster
    matched_story_id: str | None  # the story it was found close to (itself for a known id)
    similarity: float  # estimated Jaccard with ``matched_story_id``; 0.0 for a new cluster
    signature: ClusterSignature

    def entry(self) -> bytes:
        """The value to publish on the ``signatures`` topic under ``story_id``."""
        return encode_entry(self.cluster_id, self.signature)


def cluster_id_for(story_id: str) -> str:
    """The id of the cluster a story opens: stable across workers and restarts."""
    return "c-" + hashlib.sha256(story_id.encode()).hexdigest()[:16]


def encode_entry(cluster_id: str, signature: ClusterSignature) -> bytes:
    """Pack a cluster id and a signature for the ``signatures`` topic."""
    cid = cluster_id.encode()
    if len(cid) > 255:
        raise SignatureError("cluster id too long", cluster_id=cluster_id[:40])
    return bytes((len(cid),)) + cid + signature.to_bytes()


def decode_entry(data: bytes) -> tuple[str, ClusterSignature]:
    """Unpack :func:`encode_entry` output into ``(cluster_id, signature)``."""
    if not data or len(data) < 1 + data[0]:
        raise SignatureError("truncated signature entry", size=len(data))
    end = 1 + data[0]
    try:
        cluster_id = data[1:end].decode()
    except UnicodeDecodeError as exc:
        raise SignatureError("cluster id is not UTF-8", size=len(data)) from exc
    return cluster_id, ClusterSignature.from_bytes(data[end:])


def features(story: Story, *, shingle: int = 1) -> set[bytes]:
    """The normalized word shingles that a story's signature summarizes."""
    if shingle == 1:  # the default: a set of words
        return _content_bytes(story)
    words = [w for w in _WORD.findall(_folded(story)) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
    if len(words) <= shingle:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + shingle]).encode() for i in range(len(words) - shingle + 1)}


def content_words(story: Story) -> set[str]:
    """The story's distinct content words: :func:`features` with ``shingle=1``, not encoded."""
    # Drop repeats before filtering.
    return {w for w in set(_WORD.findall(_folded(story))) - _STOPWORDS if len(w) > 1 or w.isdigit()}


def _content_bytes(story: Story) -> set[bytes]:
    r""":func:`content_words` encoded (UTF-8), found faster in ASCII text (most, once folded).

    There ``\w`` is ``[A-Za-z0-9_]``: the other bytes become spaces and ``bytes.split`` cuts the
    same words as the pattern, a third faster; the one-letter words that are not digits go with
    the stopwords in one set difference.
    """
    folded = _folded(story)
    if folded.isascii():
        return set(folded.encode().translate(_ASCII_WORD_BYTES).split()) - _DROPPED_ASCII
    return {w.encode() for w in set(_WORD.findall(folded)) - _STOPWORDS if len(w) > 1 or w.isdigit()}


def _folded(story: Story) -> str:
    """Title, standfirst and body without dateline and trailer, case- and accent-folded."""
    body = _TRAILER.sub("", _DATELINE.sub("", story.body, count=1).strip())
    text = " ".join(part for part in (story.title, story.standfirst, body) if part)
    folded = text.casefold()
    if not folded.isascii():  # ASCII has nothing to decompose: many stories skip this entirely
        decomposed = unicodedata.normalize("NFKD", folded)
        # Drop the combining marks, looking only at the text's distinct non-ASCII characters: a
        # Python call per character cost ~1 ms per 4 KB story, and str.translate with a dict
        # looks every character up (~40 µs); a text has a few marks, each one C-level replace.
        for mark in {c for c in set(_ASCII_RUN.sub("", decomposed)) if unicodedata.combining(c)}:
            decomposed = decomposed.replace(mark, "")
        folded = decomposed
    return folded


# datasketch's MinHash and MinHashLSH are not imported here: importing datasketch imports
# scipy.integrate (for the LSH's parameters), half a second of a cold ``wirewatch tag``. The two
# functions below give exactly what they would (tests/processors/test_cluster_fast.py compares).
def affine_permutations(num_perm: int, *, seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The ``affine32`` permutations of datasketch: ``h -> a*h + b mod 2**32`` (odd ``a``) for ``seed``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a.astype(_VALUE), b.astype(_VALUE)


def lsh_bands(threshold: float, num_perm: int, *, weights: tuple[float, float]) -> tuple[int, int]:
    """(bands, rows) minimising datasketch's weighted false positive + false negative areas.

    The integrands are polynomials of degree ``bands * rows <= num_perm``, so Gauss-Legendre with
    ``num_perm // 2 + 1`` nodes integrates them exactly (to rounding), where datasketch calls
    ``scipy.integrate.quad``; the search is the same (first minimum over b, then r).
    """
    nodes, w = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def area(lo: float, hi: float, bands: int, rows: int, *, positive: bool) -> float:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        hit = 1 - (1 - s**rows) ** bands
        return float((hi - lo) / 2 * np.dot(w, hit if positive else 1 - hit))

    false_positive, false_negative = weights
    best, best_error = (0, 0), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = false_positive * area(0.0, threshold, bands, rows, positive=True)
            error += false_negative * area(threshold, 1.0, bands, rows, positive=False)
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


class _Bands:
    """LSH banding over packed signatures: stories sharing one band are candidates.

    Our own rather than datasketch's MinHashLSH (whose (bands, rows) choice we keep):
    it keeps a set per bucket and each key's band hashes, 6.1 KB per story against
    1.6 KB here (tracemalloc, 10k stories), for the same query time (~50 µs); at the
    default 200k entries that is 1.2 GB against 0.3 GB per processor copy.

    Buckets hold the stories' slots (rows of ``Clusterer._matrix``), not their ids: templated
    stories bring a thousand candidates, and slots go to numpy without a lookup per candidate.
    """

    def __init__(self, bands: int, rows: int) -> None:
        self._width = rows * _VALUE.itemsize
        # A bucket is one slot (most are) or a list of them: a set per bucket costs 200 bytes.
        self._tables: list[dict[bytes, int | list[int]]] = [{} for _ in range(bands)]

    def _keys(self, signature: ClusterSignature) -> list[bytes]:
        w, values = self._width, signature.values
        return [values[i * w : (i + 1) * w] for i in range(len(self._tables))]

    def insert(self, slot: int, signature: ClusterSignature) -> None:
        for table, key in zip(self._tables, self._keys(signature), strict=True):
            bucket = table.get(key)
            if bucket is None:
                table[key] = slot
            elif isinstance(bucket, int):
                table[key] = [bucket, slot]
            else:
                bucket.append(slot)

    def remove(self, slot: int, signature: ClusterSignature) -> None:
        for table, key in zip(self._tables, self._keys(signature), strict=True):
            bucket = table.get(key)
            if bucket == slot:
                del table[key]
            elif isinstance(bucket, list):
                bucket.remove(slot)
                if len(bucket) == 1:
                    table[key] = bucket[0]

    def query(self, signature: ClusterSignature) -> set[int]:
        found: set[int] = set()
        for table, key in zip(self._tables, self._keys(signature), strict=True):
            bucket = table.get(key)
            if isinstance(bucket, int):
                found.add(bucket)
            elif bucket is not None:
                found.update(bucket)
        return found


@dataclass(slots=True)
class _Entry:
    signature: ClusterSignature
    cluster_id: str
    slot: int  # row of ``Clusterer._matrix`` holding the hash values


_SLOT: Final = attrgetter("slot")


class Clusterer:
    """Assigns stories to clusters of near-duplicates; pure, with in-memory state."""

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        num_perm: int = 64,
        shingle: int = 1,
        max_entries: int = 200_000,
        band_threshold: float | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0 or num_perm < 8 or shingle < 1 or max_entries < 1:
            raise ValueError("threshold in (0, 1], num_perm >= 8, shingle >= 1, max_entries >= 1")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.max_entries = max_entries
        # Weights favour recall: LSH only proposes candidates, and each one is checked
        # against ``threshold``; (0.5, 0.5) would miss 40% of the pairs at exactly 0.5.
        # (64 permutations, 0.5: 21 bands of 3 rows.) ``band_threshold`` sets the banding apart
        # from ``threshold``: the event clusterer accepts text at 0.4 once anchors agree, but
        # banding at 0.4 (32 bands of 2 rows) proposes ten times as many candidates; it finds
        # those pairs through their anchors instead.
        bands_at = threshold if band_threshold is None else band_threshold
        self._bands = _Bands(*lsh_bands(bands_at, num_perm, weights=(0.1, 0.9)))
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # All signatures in one array, so that candidates are scored in one numpy
        # operation: scoring them one by one cost 6 µs each, and common words make
        # hundreds of candidates per story at 100k entries (see benchmarks/bench_cluster.py).
        self._matrix = np.zeros((min(1024, max_entries), num_perm), dtype=np.uint32)
        self._ids: list[str] = []  # slot → the story id in it ("" while free)
        self._free: list[int] = []
        self._perm_a, self._perm_b = affine_permutations(num_perm, seed=_SEED)
        self._word_hashes: dict[bytes, int] = {}  # word → _hash32 of it (see _minhash_words)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._entries

    def cluster_of(self, story_id: str) -> str | None:
        """The cluster a known story id is in, if it is remembered."""
        entry = self._entries.get(story_id)
        return entry.cluster_id if entry is not None else None

    def signature(self, story: Story) -> ClusterSignature:
        """The MinHash of the story's normalized title, standfirst and body."""
        if self.shingle == 1:
            words = _content_bytes(story)
            if words:
                return ClusterSignature(self._minhash_words(words).tobytes())
        shingles = features(story, shingle=self.shingle)
        if not shingles:
            # An empty set would match every other empty story: let it match only itself.
            shingles = {b"\x00id:" + story.id.encode()}
        return ClusterSignature(self._minhash(shingles).tobytes())

    def _minhash_words(self, words: set[bytes]) -> np.ndarray[Any, np.dtype[np.uint32]]:
        """:meth:`_minhash` of the words (encoded), with each word's hash kept from story to story.

        News reuses its words: most of a story's ~200 are known, and a dict lookup is a tenth of
        a SHA-1. The cache is bounded: cleared when full (refilled in a few stories).
        """
        cache = self._word_hashes
        missing = [w for w in words if w not in cache]
        if missing:
            if len(cache) + len(missing) > _MAX_CACHED_WORDS:
                cache.clear()
                missing = list(words)
            cache.update(zip(missing, self._hash32(missing).tolist(), strict=True))
        hv = np.fromiter(map(cache.__getitem__, words), dtype=_VALUE, count=len(words)).reshape(-1, 1)
        values: np.ndarray[Any, np.dtype[np.uint32]] = (hv * self._perm_a + self._perm_b).min(axis=0)
        return values

    @staticmethod
    def _hash32(shingles: Iterable[bytes]) -> np.ndarray[Any, np.dtype[np.uint32]]:
        """The 32-bit hash of datasketch for each shingle: its SHA-1's first four bytes, mixed."""
        digests = b"".join([sha1(s).digest()[:4] for s in shingles])  # noqa: S324 - a hash, not security
        hv: np.ndarray[Any, Any] = np.frombuffer(digests, dtype=_VALUE)
        hv = hv ^ (hv >> 16)  # the MurmurHash3 32-bit finalizer (datasketch's _fmix), wrapping
        hv = hv * np.uint32(0x85EBCA6B)
        hv = hv ^ (hv >> 13)
        hv = hv * np.uint32(0xC2B2AE35)
        out: np.ndarray[Any, np.dtype[np.uint32]] = hv ^ (hv >> 16)
        return out

    def _minhash(self, shingles: Iterable[bytes]) -> np.ndarray[Any, np.dtype[np.uint32]]:
        """The affine32 MinHash of datasketch of ``shingles``, bit for bit, without its per-call overhead.

        ``MinHash.update_batch`` is the same numpy pass, but it copies the template, calls
        ``sha1_hash32`` (``struct.unpack``) per shingle and builds the array from a list of ints;
        this keeps the first four bytes of each SHA-1 (its 32-bit hash, little-endian) in one
        buffer. ``tests/processors/test_cluster_fast.py`` checks it against ``update_batch``.
        """
        hv = self._hash32(shingles).reshape(-1, 1)
        values: np.ndarray[Any, np.dtype[np.uint32]] = (hv * self._perm_a + self._perm_b).min(axis=0)
        return values

    def assign(self, story: Story) -> ClusterDecision:
        """Put the story in a cluster and remember it (call once per story version)."""
        signature = self.signature(story)
        known = self._entries.get(story.id)
        if known is not None:
            cluster_id, is_new, match = known.cluster_id, False, story.id
            similarity = signature.similarity(known.signature)
        elif (best := self.nearest(signature)) is not None:
            similarity, match = best
            cluster_id, is_new = self._entries[match].cluster_id, False
        else:
            cluster_id, is_new, match, similarity = cluster_id_for(story.id), True, None, 0.0
        decision = ClusterDecision(
            story_id=story.id,
            cluster_id=cluster_id,
            is_new=is_new,
            matched_story_id=match,
            similarity=similarity,
            signature=signature,
        )
        self.remember(story.id, signature, decision.cluster_id)
        return decision

    def remember(self, story_id: str, signature: ClusterSignature, cluster_id: str) -> None:
        """Apply an entry (from :meth:`assign` here, or replicated from another worker)."""
        if signature.num_perm != self.num_perm:
            raise SignatureError(
                "signature does not fit this clusterer",
                story_id=story_id,
                num_perm=signature.num_perm,
                expected=self.num_perm,
            )
        if story_id in self._entries:
            self.forget(story_id)
        while len(self._entries) >= self.max_entries:
            self.forget(next(iter(self._entries)))
        slot = self._allocate()
        self._matrix[slot] = signature.hashvalues()
        self._ids[slot] = story_id
        self._entries[story_id] = _Entry(signature, cluster_id, slot)
        self._bands.insert(slot, signature)

    def forget(self, story_id: str) -> None:
        """Drop a story's entry (eviction, or a tombstone on the ``signatures`` topic)."""
        entry = self._entries.pop(story_id, None)
        if entry is not None:
            self._bands.remove(entry.slot, entry.signature)
            self._ids[entry.slot] = ""
            self._free.append(entry.slot)

    def _allocate(self) -> int:
        if self._free:
            return self._free.pop()
        slot = len(self._entries)  # no free slot: every row below len() is in use
        if slot == len(self._matrix):
            grown = np.zeros((min(2 * slot, self.max_entries), self.num_perm), dtype=np.uint32)
            grown[:slot] = self._matrix
            self._matrix = grown
        self._ids.append("")
        return slot

    @property
    def capacity(self) -> int:
        """How many slots the signature matrix has now (it grows; a slot is always below this)."""
        return len(self._matrix)

    def slot_of(self, story_id: str) -> int:
        """The slot (matrix row) of a remembered story: stable until the story is forgotten."""
        return self._entries[story_id].slot

    def story_at(self, slot: int) -> str:
        """The id of the story in a slot in use."""
        return self._ids[slot]

    @property
    def ids(self) -> list[str]:
        """Slot → the id of the story in it ("" while free): the clusterer's own list, not a copy."""
        return self._ids

    def stories_at(self, slots: Iterable[int]) -> list[str]:
        """The ids of the stories in slots in use."""
        return list(map(self._ids.__getitem__, slots))

    def candidates(self, signature: ClusterSignature, *, ordered: bool = True) -> list[str]:
        """The remembered stories sharing an LSH band with ``signature``, sorted by id (if ``ordered``).

        Unordered is for callers whose result does not depend on the order (the event clusterer
        breaks every tie by story id): sorting hundreds of ids costs as much as scoring them.
        """
        found = list(map(self._ids.__getitem__, self._bands.query(signature)))
        return sorted(found) if ordered else found  # sorted: the same order on every worker

    def candidate_slots(self, signature: ClusterSignature) -> np.ndarray[Any, np.dtype[np.intp]]:
        """The slots of :meth:`candidates`, in no particular order (for :meth:`equal_counts_at`)."""
        found = self._bands.query(signature)
        return np.fromiter(found, dtype=np.intp, count=len(found))

    def equal_counts(self, signature: ClusterSignature, story_ids: list[str]) -> np.ndarray[Any, Any]:
        """How many hash values each remembered story shares with ``signature``, in one numpy pass."""
        slots = np.fromiter(
            map(_SLOT, map(self._entries.__getitem__, story_ids)), dtype=np.intp, count=len(story_ids)
        )
        return self.equal_counts_at(signature, slots)

    def equal_counts_at(
        self, signature: ClusterSignature, slots: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any]:
        """:meth:`equal_counts` of the stories in ``slots`` (slots in use)."""
        rows = np.take(self._matrix, slots, axis=0)  # the same rows as [slots], faster
        equal = rows == signature.hashvalues()
        if _POPCOUNT is None or self.num_perm % 64:
            counts: np.ndarray[Any, Any] = np.count_nonzero(equal, axis=1)
            return counts
        # A third of the time of count_nonzero along rows: the equalities as bits, 64 to a word
        # (their order within it does not matter), counted by popcount.
        bits = _POPCOUNT(np.packbits(equal, axis=1).view(np.uint64))
        counted: np.ndarray[Any, Any] = bits[:, 0] if bits.shape[1] == 1 else bits.sum(axis=1)
        return counted.astype(np.intp)

    def nearest(self, signature: ClusterSignature) -> tuple[float, str] | None:
        """The most similar remembered story at ``threshold`` or above, as (similarity, id)."""
        candidates = self.candidates(signature)
        if not candidates:
            return None
        equal = self.equal_counts(signature, candidates)
        best = int(equal.max())
        if best / self.num_perm < self.threshold:
            return None
        # Highest similarity wins; ties go to the smallest id so every worker agrees.
        return best / self.num_perm, candidates[int(np.argmax(equal))]
