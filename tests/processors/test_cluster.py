"""Clusterer: rewritten wire copies join, other events stay apart, state replicates."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.cluster import (
    Clusterer,
    ClusterSignature,
    SignatureError,
    cluster_id_for,
    decode_entry,
    encode_entry,
    features,
)
from schemas.models import PubStatus, Story

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
WORDS = [
    "central bank raises interest rates inflation",
    "volcano erupts iceland ash flights",
    "election results parliament coalition talks",
    "wildfire spreads california evacuations ordered",
    "striker signs record transfer deal",
    "analysts expect further tightening",
    "airports closed across northern europe",
    "opposition demands recount districts",
    "firefighters battle strong winds",
    "club confirms medical completed",
]

REUTERS_TITLE = "Strong earthquake kills at least 12 in eastern Turkey's Malatya province"
REUTERS_STAND = "Magnitude 6.1 quake topples buildings; rescuers search rubble in Yesilyurt"
REUTERS_BODY = """ANKARA, March 3 (Reuters) - A magnitude 6.1 earthquake struck Turkey's eastern province of Malatya early on Tuesday, killing at least 12 people and injuring more than 140, the country's disaster agency AFAD said.

The quake hit at 4:12 a.m. local time (0112 GMT) at a depth of 9 km, with its epicentre in the Yesilyurt district, AFAD said. At least 27 buildings collapsed, most of them already damaged in the February 2023 earthquakes.

"Our search and rescue teams are working at 11 sites where people are believed to be trapped," Interior Minister Ali Yerlikaya told reporters in Malatya.

Television footage showed residents in blankets gathered in the streets of the city in freezing temperatures as aftershocks continued to rattle the region.

Schools in Malatya, Adiyaman and Elazig will remain closed for two days, the Education Ministry said.

(Reporting by Ece Toksabay; Editing by Gareth Jones)"""

AP_TITLE = "Quake in eastern Turkey leaves 12 dead and dozens of buildings in ruins"
AP_STAND = None
AP_BODY = """ISTANBUL (AP) — A 6.1-magnitude earthquake shook Malatya province in eastern Turkey before dawn Tuesday, killing at least 12 people and injuring more than 140 others, Turkey's disaster management agency AFAD said.

The earthquake struck at 4:12 a.m. at a depth of 9 kilometers (5.6 miles), centered in the Yesilyurt district, according to AFAD. At least 27 buildings collapsed, most of which had already been damaged in the February 2023 earthquakes.

"Our search and rescue teams are working at 11 sites where people are believed to be trapped," Interior Minister Ali Yerlikaya told reporters in Malatya.

Residents wrapped in blankets gathered in the city's streets in freezing weather as aftershocks continued to shake the region, footage broadcast by Turkish television showed.

Schools in Malatya, Adiyaman and Elazig will stay closed for two days, the Education Ministry announced."""

UPDATE_BODY = REUTERS_BODY.replace(
    "(Reporting by",
    """The death toll rose to 19 by Tuesday afternoon, AFAD said in an updated statement, as rescuers pulled two more survivors from a collapsed apartment block in Yesilyurt.

(Reporting by""",
)

JAPAN_TITLE = "Strong earthquake kills at least 7 in central Japan's Ishikawa prefecture"
JAPAN_STAND = "Magnitude 6.4 quake collapses houses; rescuers search rubble on Noto peninsula"
JAPAN_BODY = """TOKYO, March 3 (Reuters) - A magnitude 6.4 earthquake struck Ishikawa prefecture on the Sea of Japan coast on Tuesday evening, killing at least seven people and injuring 58, the Fire and Disaster Management Agency said.

The quake hit at 6:47 p.m. local time (0947 GMT) at a depth of 12 km near the town of Wajima, the Japan Meteorological Agency said. Dozens of wooden houses collapsed and fires broke out in the old market area.

"We are doing everything we can to rescue people trapped under collapsed houses," Prime Minister Shigeru Ishiba told reporters in Tokyo.

Television footage showed residents in blankets gathered at evacuation centres in freezing temperatures as aftershocks continued to shake the region.

No tsunami warning was issued, and operators said the Shika nuclear plant reported no abnormalities.

(Reporting by Tim Kelly; Editing by Gareth Jones)"""


def story(
    story_id: str,
    title: str,
    body: str,
    standfirst: str | None = None,
    *,
    version: int = 1,
    pubstatus: PubStatus = PubStatus.USABLE,
) -> Story:
    return Story(
        id=story_id,
        version=version,
        pubstatus=pubstatus,
        title=title,
        standfirst=standfirst,
        body=body,
        source="test",
        content_hash=hashlib.sha256((title + body).encode()).hexdigest(),
        ingested_at=NOW,
    )


REUTERS = story("reuters:tr-quake", REUTERS_TITLE, REUTERS_BODY, REUTERS_STAND)
AP = story("ap:8f1c2e", AP_TITLE, AP_BODY, AP_STAND)
REUTERS_UPDATE = story("reuters:tr-quake", REUTERS_TITLE, UPDATE_BODY, REUTERS_STAND, version=2)
JAPAN = story("reuters:jp-quake", JAPAN_TITLE, JAPAN_BODY, JAPAN_STAND)


class TestAssign:
    def test_first_story_opens_a_stable_cluster(self) -> None:
        decision = Clusterer().assign(REUTERS)
        assert decision.is_new
        assert decision.cluster_id == cluster_id_for(REUTERS.id) == Clusterer().assign(REUTERS).cluster_id
        assert decision.cluster_id.startswith("c-")
        assert decision.matched_story_id is None

    def test_rewritten_wire_copy_joins(self) -> None:
        clusterer = Clusterer()
        first = clusterer.assign(REUTERS)
        second = clusterer.assign(AP)
        assert not second.is_new
        assert second.cluster_id == first.cluster_id
        assert second.matched_story_id == REUTERS.id
        assert second.similarity >= clusterer.threshold

    def test_later_update_under_another_id_joins(self) -> None:
        clusterer = Clusterer()
        first = clusterer.assign(AP)
        update = story("afp:quake-update", REUTERS_TITLE, UPDATE_BODY, REUTERS_STAND)
        assert clusterer.assign(update).cluster_id == first.cluster_id

    def test_same_topic_different_event_stays_apart(self) -> None:
        clusterer = Clusterer()
        clusterer.assign(REUTERS)
        clusterer.assign(AP)
        japan = clusterer.assign(JAPAN)
        assert japan.is_new
        assert japan.cluster_id == cluster_id_for(JAPAN.id)

    def test_versions_keep_their_cluster(self) -> None:
        clusterer = Clusterer()
        first = clusterer.assign(REUTERS)
        clusterer.assign(JAPAN)
        update = clusterer.assign(REUTERS_UPDATE)
        assert update.cluster_id == first.cluster_id
        assert update.matched_story_id == REUTERS.id
        assert not update.is_new
        # Even a version rewritten beyond recognition, or a retraction, stays.
        kill = story(
            REUTERS.id, "Withdrawn", "This story has been withdrawn.", version=3, pubstatus=PubStatus.CANCELED
        )
        assert clusterer.assign(kill).cluster_id == first.cluster_id
        assert len(clusterer) == 2

    def test_strict_three_word_shingles_only_join_copies(self) -> None:
        # Documents why the default is 1: 3-word shingles miss a genuine rewrite.
        clusterer = Clusterer(shingle=3)
        clusterer.assign(REUTERS)
        assert clusterer.assign(AP).is_new
        assert not clusterer.assign(story("copy", REUTERS_TITLE, UPDATE_BODY)).is_new

    def test_empty_stories_do_not_match_each_other(self) -> None:
        clusterer = Clusterer()
        assert clusterer.assign(story("a", "The", "of the")).is_new
        assert clusterer.assign(story("b", "A", "and a")).is_new


class TestNormalization:
    def test_dateline_and_trailer_are_ignored(self) -> None:
        words = features(REUTERS)
        assert b"reuters" not in words
        assert b"ankara" not in words
        assert b"toksabay" not in words
        assert b"malatya" in words
        assert b"6" in words

    def test_case_and_accents_fold(self) -> None:
        a = story("a", "Café in Zürich", "Élan vital")
        b = story("b", "CAFE IN ZURICH", "elan VITAL")
        assert features(a) == features(b)
        assert Clusterer().signature(a) == Clusterer().signature(b)


class TestEviction:
    def test_oldest_entry_goes_first(self) -> None:
        clusterer = Clusterer(max_entries=2)
        clusterer.assign(REUTERS)
        clusterer.assign(JAPAN)
        clusterer.assign(REUTERS_UPDATE)  # touches REUTERS: JAPAN is now the oldest
        clusterer.assign(story("other", "Central bank holds rates", "The central bank kept rates at 4.5%."))
        assert len(clusterer) == 2
        assert REUTERS.id in clusterer
        assert JAPAN.id not in clusterer
        # An evicted story can no longer attract copies; a fresh copy opens a cluster.
        assert clusterer.assign(story("copy-of-japan", JAPAN_TITLE, JAPAN_BODY, JAPAN_STAND)).is_new


class TestReplication:
    def test_two_workers_agree_through_remembered_entries(self) -> None:
        worker_a, worker_b = Clusterer(), Clusterer()
        topic: dict[str, bytes] = {}  # the compacted signatures topic
        first = worker_a.assign(REUTERS)
        topic[first.story_id] = first.entry()
        japan = worker_a.assign(JAPAN)
        topic[japan.story_id] = japan.entry()
        for key, value in topic.items():
            cluster_id, signature = decode_entry(value)
            worker_b.remember(key, signature, cluster_id)
        # The AP copy lands on worker B's partition and still meets the Reuters copy.
        on_b = worker_b.assign(AP)
        assert on_b.cluster_id == first.cluster_id
        assert on_b.matched_story_id == REUTERS.id
        assert worker_b.cluster_of(JAPAN.id) == japan.cluster_id
        # A restarted worker A replays the topic (its own entries too) and agrees again.
        topic[on_b.story_id] = on_b.entry()
        restarted = Clusterer()
        for key, value in topic.items():
            cluster_id, signature = decode_entry(value)
            restarted.remember(key, signature, cluster_id)
        assert restarted.assign(REUTERS_UPDATE).cluster_id == first.cluster_id
        assert restarted.cluster_of(AP.id) == first.cluster_id

    def test_remember_is_idempotent_and_forget_removes(self) -> None:
        clusterer = Clusterer()
        decision = clusterer.assign(REUTERS)
        clusterer.remember(REUTERS.id, decision.signature, decision.cluster_id)
        assert len(clusterer) == 1
        clusterer.forget(REUTERS.id)
        clusterer.forget(REUTERS.id)
        assert len(clusterer) == 0
        assert clusterer.assign(AP).is_new

    def test_exact_copies_share_buckets_and_survive_forgetting_one(self) -> None:
        clusterer = Clusterer()
        first = clusterer.assign(REUTERS)
        copy = clusterer.assign(story("copy-1", REUTERS_TITLE, REUTERS_BODY, REUTERS_STAND))
        assert copy.similarity == 1.0
        clusterer.forget(REUTERS.id)
        again = clusterer.assign(story("copy-2", REUTERS_TITLE, REUTERS_BODY, REUTERS_STAND))
        assert (again.matched_story_id, again.cluster_id) == ("copy-1", first.cluster_id)
        clusterer.forget("copy-1")
        clusterer.forget("copy-2")
        assert clusterer.assign(story("copy-3", REUTERS_TITLE, REUTERS_BODY, REUTERS_STAND)).is_new

    @settings(max_examples=50, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 9), st.booleans()), max_size=60), st.integers(1, 6))
    def test_index_stays_consistent_under_churn(self, ops: list[tuple[int, bool]], capacity: int) -> None:
        # Ten texts, five pairs of exact copies: every remembered text must find a remembered twin.
        texts = [f"{WORDS[i % 5]} {WORDS[(i % 5) + 5]}" for i in range(10)]
        clusterer = Clusterer(max_entries=capacity)
        for i, forget in ops:
            if forget:
                clusterer.forget(f"s{i}")
            else:
                clusterer.assign(story(f"s{i}", texts[i], texts[i]))
        assert len(clusterer) <= capacity
        present = {f"s{i}" for i in range(10) if f"s{i}" in clusterer}
        for i in range(10):
            found = clusterer.nearest(clusterer.signature(story("probe", texts[i], texts[i])))
            twins = {f"s{i % 5}", f"s{i % 5 + 5}"} & present
            if twins:
                assert found is not None
                assert found == (1.0, min(twins))
            else:
                assert found is None

    def test_signature_is_compact(self) -> None:
        signature = Clusterer().signature(REUTERS)
        assert len(signature.to_bytes()) == 1 + 64 * 4
        assert ClusterSignature.from_bytes(signature.to_bytes()) == signature
        assert len(encode_entry("c-0123456789abcdef", signature)) == 1 + 18 + 257

    def test_mismatched_signature_is_refused(self) -> None:
        small = Clusterer(num_perm=32).signature(REUTERS)
        with pytest.raises(SignatureError):
            Clusterer().remember("x", small, "c-x")
        with pytest.raises(SignatureError):
            small.similarity(Clusterer().signature(REUTERS))

    @pytest.mark.parametrize(
        "data", [b"", b"\x05abc", b"\x01a", b"\x01a\x02" + bytes(256), b"\x01\xff\x01\x00\x00\x00\x00"]
    )
    def test_bad_entries_raise_signature_error(self, data: bytes) -> None:
        with pytest.raises(SignatureError):
            decode_entry(data)

    @given(st.text(min_size=1, max_size=60), st.lists(st.integers(0, 2**32 - 1), min_size=64, max_size=64))
    def test_entry_round_trip(self, cluster_id: str, values: list[int]) -> None:
        signature = ClusterSignature(b"".join(v.to_bytes(4, "little") for v in values))
        assert decode_entry(encode_entry(cluster_id, signature)) == (cluster_id, signature)
