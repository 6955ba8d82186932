"""The clusterer's fast paths (issue 19) decide exactly as the plain code they replace.

- the MinHash is datasketch's ``update_batch``, bit for bit, and the candidates' equal values are
  counted by popcount as ``count_nonzero`` counts them;
- the content words found in ASCII text by ``bytes.split`` are the pattern's, and the accents are
  dropped as the one ``str.translate`` pass dropped them;
- the weighted Dice of anchors is the exact quotient of the weights, one pair at a time
  (:func:`dice`) and for many candidates in numpy (:class:`SharedUnits`);
- ``EventClusterer._best`` (numpy over the candidates, by slot) picks what the one-by-one loop it
  replaced picks, on streams with many near candidates, closed windows and merges; the loop finds
  its candidates story by story too (LSH ids, then the anchors' postings counted in a Counter).
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import numpy as np
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.cluster import Clusterer, EventClusterer, features, minhash
from processors.cluster.anchors import _NUMBER, _SCALE, _UNITS, _WEIGHTS, INDEXED, dice, specific, total_units
from processors.cluster.event import _Scored
from processors.cluster.minhash import ClusterSignature, lsh_bands
from processors.cluster.shared import SharedUnits, packed
from schemas.models import Story, Tag

T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
# Wide keys, and keys that often share a hash slot (the high 16 bits) to take SharedUnits' fallback.
KEYS = st.frozensets(
    st.integers(min_value=0, max_value=2**32 - 1)
    | st.integers(min_value=0, max_value=63).map(lambda k: k | (k % 4) << 16),
    max_size=40,
)


def exact_dice(ours: frozenset[int], theirs: frozenset[int]) -> Fraction:
    """The definition: twice the shared weight over both sets' weight (weights as decimals)."""
    weight = [Fraction(str(w)) for w in _WEIGHTS]
    total = sum((weight[k & 0xF] for k in ours), Fraction(0)) + sum(
        (weight[k & 0xF] for k in theirs), Fraction(0)
    )
    return 2 * sum((weight[k & 0xF] for k in ours & theirs), Fraction(0)) / total if total else Fraction(0)


class TestMinHash:
    @given(
        st.sets(st.binary(min_size=1, max_size=12), min_size=1, max_size=300), st.sampled_from([16, 64, 128])
    )
    @settings(max_examples=60, deadline=None)
    def test_same_values_as_datasketch_update_batch(self, shingles: set[bytes], num_perm: int) -> None:
        reference = MinHash(num_perm=num_perm, seed=1, scheme="affine32")
        reference.update_batch(list(shingles))
        ours = Clusterer(num_perm=num_perm)._minhash(shingles)
        assert ours.dtype.str == "<u4"
        assert ours.tolist() == reference.hashvalues.tolist()

    def test_signatures_from_cached_word_hashes_are_the_plain_minhash(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Clusterer.signature keeps each word's hash from story to story: the same values as
        # hashing every feature afresh, also across a cache cleared when full.
        monkeypatch.setattr(minhash, "_MAX_CACHED_WORDS", 40)
        rng = random.Random(3)
        vocab = [f"word{i}" for i in range(60)] + ["Çığ", "quake", "12", "x"]
        clusterer, plain = Clusterer(), Clusterer()
        for i in range(30):
            text = " ".join(rng.choices(vocab, k=rng.randint(0, 25)))
            story = Story(id=f"s{i}", title=text, body="", source="t", content_hash="h", ingested_at=T0)
            shingles = features(story) or {b"\x00id:" + story.id.encode()}
            assert clusterer.signature(story).values == plain._minhash(shingles).tobytes()
            assert len(clusterer._word_hashes) <= 40

    @given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from([8, 16, 64, 128, 192]))
    @settings(max_examples=40, deadline=None)
    def test_equal_counts_are_count_nonzeros(self, seed: int, num_perm: int) -> None:
        # Few distinct values, so that rows share many with the signature: every count occurs.
        rng = np.random.default_rng(seed)
        clusterer = Clusterer(num_perm=num_perm, max_entries=50)
        rows = rng.integers(0, 3, size=(50, num_perm), dtype=np.uint32)
        rows[:3] = 0
        for slot, row in enumerate(rows):
            clusterer.remember(f"s{slot}", ClusterSignature(row.tobytes()), "c")
        signature = ClusterSignature(np.zeros(num_perm, dtype=np.uint32).tobytes())
        slots = rng.permutation(50)[: rng.integers(0, 51)]
        counts = clusterer.equal_counts_at(signature, slots)
        assert counts.dtype == np.intp
        assert counts.tolist() == np.count_nonzero(rows[slots] == 0, axis=1).tolist()

    def test_lsh_bands_are_datasketchs_without_scipy(self) -> None:
        # Ours integrates exactly (Gauss-Legendre); datasketch calls scipy's quad: same choice.
        checked = 0
        for num_perm in (16, 32, 64, 128):
            for step in range(2, 19):
                threshold = step / 20
                for weights in ((0.1, 0.9), (0.5, 0.5)):
                    # MinHashLSH's own search (its constructor refuses b < 2 at high thresholds).
                    reference = _optimal_param(threshold, num_perm, *weights)
                    assert lsh_bands(threshold, num_perm, weights=weights) == reference
                    checked += 1
        assert checked == 136


def _plain_folded(story: Story) -> str:
    """minhash._folded before its marks were dropped one ``str.replace`` each."""
    body = minhash._TRAILER.sub("", minhash._DATELINE.sub("", story.body, count=1).strip())
    folded = " ".join(p for p in (story.title, story.standfirst, body) if p).casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        marks = {ord(c): None for c in set(decomposed) if unicodedata.combining(c)}
        folded = decomposed.translate(marks) if marks else decomposed
    return folded


# ASCII letters, digits, "_", punctuation and controls, stopwords, one-letter words, accented and
# non-Latin letters, compatibility forms (ﬁ, ², ½), lone combining marks and non-ASCII digits.
_TEXT = st.lists(
    st.sampled_from(["the", "a", "I", "x", "_", "7", "12", "Quake", "said", "van", "co_op", "ﬁre"])
    | st.sampled_from([" ", "  ", ".", ",", "-", "\t", "\n", "\x1c", "\x7f", "'", "(", ")"])
    | st.sampled_from(
        ["Çığ", "Łódź", "é", "e\u0301", "\u0308", "ß", "²", "½", "…", "Київ", "й", "٣", "日本"]
    ),
    max_size=40,
).map("".join)


class TestFeatures:
    @given(_TEXT, _TEXT)
    @settings(max_examples=300)
    def test_content_bytes_are_the_content_words_encoded(self, title: str, body: str) -> None:
        s = Story(id="s", title=title or "t", body=body, source="t", content_hash="h", ingested_at=T0)
        assert minhash._folded(s) == _plain_folded(s)
        words = set(minhash._WORD.findall(_plain_folded(s))) - minhash._STOPWORDS
        plain = {w.encode() for w in words if len(w) > 1 or w.isdigit()}
        assert minhash._content_bytes(s) == plain == features(s)
        assert {w.encode() for w in minhash.content_words(s)} == plain

    @given(
        st.lists(
            st.sampled_from(["the", "a", "x", "7", "Quake", "quake", "Çığ", "said", "12", "van"]), max_size=40
        )
    )
    def test_single_words_are_the_shingles_of_one(self, words: list[str]) -> None:
        s = Story(id="s", title=" ".join(words), body="", source="t", content_hash="h", ingested_at=T0)
        bigrams = features(s, shingle=2)
        singles = features(s)
        # Every word of a bigram is a single feature, and every single feature is in a bigram (or alone).
        assert {w for b in bigrams for w in b.split(b" ")} == singles


# The figures' pattern before it was made to start with a digit (see anchors._NUMBER).
_PLAIN_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])")


class TestNumbers:
    @given(st.text(alphabet="0123456789 .,\u00a0\u202fa-x\u0663", max_size=60))
    @settings(max_examples=300)
    def test_the_same_matches_as_the_plain_pattern(self, text: str) -> None:
        def spans(pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
            return [(m.start(), m.end(), m.group(1)) for m in pattern.finditer(text)]

        assert spans(_NUMBER) == spans(_PLAIN_NUMBER)


class TestDice:
    def test_weights_are_whole_twentieths(self) -> None:
        # A weight that is not would be rounded silently by the integer sums.
        assert [u / _SCALE for u in _UNITS] == list(_WEIGHTS)

    @given(KEYS, KEYS)
    @settings(max_examples=200)
    def test_pairwise_and_vectorised_are_the_exact_quotient(
        self, ours: frozenset[int], theirs: frozenset[int]
    ) -> None:
        exact = exact_dice(ours, theirs)
        assert dice(ours, theirs) == float(exact)
        shared = SharedUnits()(ours, [packed(theirs), packed(ours), packed(frozenset())])
        total = total_units(ours) + total_units(theirs)
        assert (2 * int(shared[0]) / total if total else 0.0) == float(exact)
        assert int(shared[1]) == total_units(ours)
        assert int(shared[2]) == 0

    def test_colliding_slots_fall_back_and_the_table_is_left_clean(self) -> None:
        lookup = SharedUnits()
        ours = frozenset({0x10, 0x21, 0x23 | 1 << 16})  # the first two share slot 0
        theirs = frozenset({0x21, 0x23 | 1 << 16, 0x30 | 2 << 16})
        assert int(lookup(ours, [packed(theirs)])[0]) == total_units({0x21, 0x23 | 1 << 16})
        assert int(lookup(frozenset({0x30}), [packed(ours)])[0]) == 0  # nothing of ``ours`` remains
        assert (lookup._table == lookup._empty).all()


@dataclass(frozen=True, slots=True)
class FakeTags:
    places: tuple[Tag, ...]
    actors: tuple[Tag, ...]
    topics: tuple[Tag, ...]
    regions: tuple[Tag, ...] = ()
    countries: tuple[str, ...] = ()


class LoopClusterer(EventClusterer):
    """The one-by-one loop that ``_best`` replaced, with the exact :func:`dice`."""

    def _loop_pool(self, signature: ClusterSignature, keys: frozenset[int]) -> dict[str, float]:
        """The candidates by id: LSH ones that pass the text threshold, and the anchored ones."""
        pool: dict[str, float] = {}
        for sid in self._text.candidates(signature):
            text = signature.similarity(self._entries[sid].signature)
            if text >= self.text_threshold:
                pool[sid] = text
        indexed = [k for k in keys if k & 0xF in INDEXED]
        shared = Counter(sid for k in indexed for sid in self._text.stories_at(self._postings.get(k, ())))
        found = sorted((-n, sid) for sid, n in shared.items() if n >= min(2, len(indexed)))
        for _, sid in found[: self._max_candidates]:
            pool[sid] = signature.similarity(self._entries[sid].signature)
        return pool

    def _best(
        self, signature: ClusterSignature, keys: frozenset[int], at: int
    ) -> tuple[_Scored | None, tuple[str, ...]]:
        pool = self._loop_pool(signature, keys)
        where = specific(keys)
        per_cluster: dict[str, _Scored] = {}
        for sid, text in pool.items():
            entry = self._entries[sid]
            cluster = self.resolve(entry.cluster_id)
            if not self.is_open(cluster, at):
                continue
            anc = dice(keys, entry.anchors)
            theirs = specific(entry.anchors)
            apart = bool(where and theirs and not where & theirs)
            joins = (
                anc >= self.threshold
                or (text >= self.text_threshold and anc >= self.min_anchors and not apart)
                or text >= self.copy_threshold
            )
            if not joins:
                continue
            scored = _Scored(anc + self.text_weight * text, text, anc, sid, cluster)
            held = per_cluster.get(cluster)
            if held is None or (scored.score, held.story_id) > (held.score, sid):
                per_cluster[cluster] = scored
        if not per_cluster:
            return None, ()
        return self._choose(per_cluster)


def _stream(seed: int, count: int) -> list[tuple[Story, FakeTags]]:
    """Templated stories from a small vocabulary and small tag pools: many near candidates."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(120)]
    out: list[tuple[Story, FakeTags]] = []
    for i in range(count):
        words = rng.choices(vocab, k=60) + [str(rng.randint(2, 40)) for _ in range(4)]
        if out and rng.random() < 0.3:  # a rewrite of an earlier story
            words = out[rng.randrange(len(out))][0].title.split()
            words = [rng.choice(vocab) if rng.random() < 0.2 else w for w in words]
        at = T0 + timedelta(hours=rng.uniform(0, 30) + i * 0.05)  # out of order, windows close
        text = " ".join(words)
        story = Story(
            id=f"s{i:04d}" if rng.random() < 0.95 else f"s{rng.randrange(i + 1):04d}",  # some versions
            title=text,
            body=f"VAN (Reuters) - {text}" if rng.random() < 0.3 else text,
            source="t",
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            published_at=at,
            ingested_at=at,
        )
        tags = FakeTags(
            places=tuple(
                Tag(id=f"p{rng.randrange(6)}", name="p", type="city") for _ in range(rng.randint(0, 2))
            ),
            actors=tuple(
                Tag(id=f"a{rng.randrange(8)}", name="a", type="person") for _ in range(rng.randint(0, 2))
            ),
            topics=tuple(Tag(id=f"t{rng.randrange(4)}", name="t", type="topic") for _ in range(2)),
        )
        out.append((story, tags))
    return out


class TestBestIsTheLoop:
    @given(st.integers(min_value=0, max_value=10_000))
    @settings(max_examples=12, deadline=None)
    def test_same_decisions_as_the_loop(self, seed: int) -> None:
        fast, loop = EventClusterer(max_entries=150), LoopClusterer(max_entries=150)
        joined = merged = 0
        for story, tags in _stream(seed, 200):
            a, b = fast.assign(story, tags), loop.assign(story, tags)
            assert a == b
            joined += not a.is_new
            merged += bool(a.merged)
        assert joined > 20  # the stream does exercise the joins

    @given(st.integers(min_value=0, max_value=10_000))
    @settings(max_examples=6, deadline=None)
    def test_same_anchored_cut_as_the_loop(self, seed: int) -> None:
        # Few anchored candidates kept and short postings: the cut and its ties by id decide.
        fast = EventClusterer(max_entries=120, max_candidates=3, postings=6)
        loop = LoopClusterer(max_entries=120, max_candidates=3, postings=6)
        for story, tags in _stream(seed, 200):
            assert fast.assign(story, tags) == loop.assign(story, tags)

    def test_merges_are_exercised(self) -> None:
        merged = 0
        fast, loop = EventClusterer(), LoopClusterer()
        for seed in range(3):
            for story, tags in _stream(seed, 300):
                a, b = fast.assign(story, tags), loop.assign(story, tags)
                assert a == b
                merged += bool(a.merged)
        assert merged > 0
