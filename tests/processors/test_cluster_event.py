"""Event clustering: a rewrite and a translation join; the same kind of event elsewhere does not."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from processors.cluster import EventClusterer, EventEntry, SignatureError, anchors, cluster_id_for
from processors.cluster.anchors import Kind, anchor_key, numbers
from processors.pipeline import Enricher
from processors.tagger import Tagger
from schemas.models import PubStatus, Story
from tests.processors.test_cluster import (
    AP_BODY,
    AP_TITLE,
    JAPAN_BODY,
    JAPAN_STAND,
    JAPAN_TITLE,
    REUTERS_BODY,
    REUTERS_STAND,
    REUTERS_TITLE,
    UPDATE_BODY,
)
from wirewatch.cli.offline import load_tagger

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)

ES_TITLE = "Un terremoto de magnitud 6,1 mata al menos a 12 personas en la provincia turca de Malatya"
ES_BODY = """ANKARA, 3 de marzo (Reuters) - Un terremoto de magnitud 6,1 sacudió la provincia de Malatya, en el este de Turquía, en la madrugada del martes, y mató al menos a 12 personas e hirió a más de 140, informó la agencia de emergencias AFAD.

El sismo se produjo a las 4:12 hora local a una profundidad de 9 km, con epicentro en el distrito de Yesilyurt. Al menos 27 edificios se derrumbaron.

"Nuestros equipos de búsqueda y rescate trabajan en 11 lugares", dijo a los periodistas en Malatya el ministro del Interior, Ali Yerlikaya.

Las escuelas de Malatya, Adiyaman y Elazig permanecerán cerradas durante dos días."""

# The same kind of event, the same country, another province, other people and figures.
VAN_TITLE = "Strong earthquake kills at least 8 in eastern Turkey's Van province"
VAN_BODY = """VAN, March 3 (Reuters) - A magnitude 5.4 earthquake struck Turkey's eastern province of Van early on Tuesday, killing at least eight people and injuring 36, the country's disaster agency AFAD said.

The quake hit at 7:40 a.m. local time at a depth of 7 km, with its epicentre in the Ercis district. At least 15 buildings collapsed in villages near Lake Van.

"Tents and heaters are being sent to the area," Van governor Ozan Balci told reporters.

Television footage showed residents in blankets gathered in the streets in freezing temperatures as aftershocks continued to rattle the region.

(Reporting by Ece Toksabay; Editing by Gareth Jones)"""


def story(
    story_id: str,
    title: str,
    body: str,
    standfirst: str | None = None,
    *,
    at: datetime = T0,
    language: str = "en",
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
        language=language,
        source="test",
        content_hash=hashlib.sha256((title + body).encode()).hexdigest(),
        published_at=at,
        ingested_at=at,
    )


def _tagger() -> Tagger:
    return load_tagger()  # built once per process, shared with the offline pipeline's tests


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return _tagger()


REUTERS = story("reuters:tr-quake", REUTERS_TITLE, REUTERS_BODY, REUTERS_STAND)
AP = story("ap:8f1c2e", AP_TITLE, AP_BODY, at=T0 + timedelta(minutes=40))
ES = story("efe:es-quake", ES_TITLE, ES_BODY, at=T0 + timedelta(hours=2), language="es")
# An HTML page carrying the first half of the seed's text (the third case).
HALF = story("https://example.org/quake", REUTERS_TITLE, REUTERS_BODY[: len(REUTERS_BODY) // 2])
VAN = story("reuters:van-quake", VAN_TITLE, VAN_BODY, at=T0 + timedelta(hours=1))
JAPAN = story("reuters:jp-quake", JAPAN_TITLE, JAPAN_BODY, JAPAN_STAND, at=T0 + timedelta(hours=1))


def assign(clusterer: EventClusterer, tagger: Tagger, s: Story) -> str:
    return clusterer.assign(s, tagger.tag(s)).cluster_id


class TestOneEventOneCluster:
    def test_rewrite_translation_and_half_page_join_the_first_story(self, tagger: Tagger) -> None:
        clusterer = EventClusterer()
        first = clusterer.assign(REUTERS, tagger.tag(REUTERS))
        assert first.is_new
        for copy in (AP, ES, HALF):
            decision = clusterer.assign(copy, tagger.tag(copy))
            assert not decision.is_new, copy.id
            assert decision.cluster_id == first.cluster_id, copy.id
        assert len(clusterer) == 4

    def test_translation_joins_on_anchors_not_words(self, tagger: Tagger) -> None:
        clusterer = EventClusterer()
        clusterer.assign(REUTERS, tagger.tag(REUTERS))
        decision = clusterer.assign(ES, tagger.tag(ES))
        assert decision.text_similarity < clusterer.text_threshold
        assert decision.anchor_similarity > decision.text_similarity
        assert decision.matched_story_id == REUTERS.id

    def test_same_kind_of_event_in_another_place_stays_apart(self, tagger: Tagger) -> None:
        clusterer = EventClusterer()
        first = assign(clusterer, tagger, REUTERS)
        assign(clusterer, tagger, AP)
        van = clusterer.assign(VAN, tagger.tag(VAN))
        japan = clusterer.assign(JAPAN, tagger.tag(JAPAN))
        assert van.is_new
        assert japan.is_new
        assert len({first, van.cluster_id, japan.cluster_id}) == 3

    def test_versions_keep_their_cluster_even_when_retracted(self, tagger: Tagger) -> None:
        clusterer = EventClusterer()
        first = assign(clusterer, tagger, REUTERS)
        update = story(REUTERS.id, REUTERS_TITLE, UPDATE_BODY, REUTERS_STAND, version=2)
        kill = story(REUTERS.id, "Withdrawn", "Withdrawn.", version=3, pubstatus=PubStatus.CANCELED)
        assert assign(clusterer, tagger, update) == first
        assert assign(clusterer, tagger, kill) == first
        assert len(clusterer) == 1


class TestLifecycle:
    def test_a_copy_after_the_window_opens_a_new_cluster(self, tagger: Tagger) -> None:
        clusterer = EventClusterer(window=timedelta(hours=12))
        first = assign(clusterer, tagger, REUTERS)
        # Copies keep coming: each one keeps the cluster open 12 hours longer.
        late_copy = story("ap:later", AP_TITLE, AP_BODY, at=T0 + timedelta(hours=10))
        assert assign(clusterer, tagger, late_copy) == first
        later_still = story("afp:later", REUTERS_TITLE, UPDATE_BODY, at=T0 + timedelta(hours=21))
        assert assign(clusterer, tagger, later_still) == first
        assert clusterer.is_open(first, int((T0 + timedelta(hours=32)).timestamp()))
        # Days later, the same subject is another event.
        days_later = story("reuters:again", REUTERS_TITLE, REUTERS_BODY, at=T0 + timedelta(days=3))
        decision = clusterer.assign(days_later, tagger.tag(days_later))
        assert decision.is_new
        assert decision.cluster_id == cluster_id_for(days_later.id)
        assert not clusterer.is_open(first, int((T0 + timedelta(days=3)).timestamp()))

    def test_a_known_story_keeps_its_cluster_after_the_window(self, tagger: Tagger) -> None:
        clusterer = EventClusterer(window=timedelta(hours=1))
        first = assign(clusterer, tagger, REUTERS)
        kill = story(REUTERS.id, "Withdrawn", "Withdrawn.", at=T0 + timedelta(days=2), version=2)
        assert assign(clusterer, tagger, kill) == first


class TestAcrossWorkers:
    def test_entries_replicate_and_a_later_story_merges_two_clusters(self, tagger: Tagger) -> None:
        # Two workers assign copies of one event before either saw the other's entry: two clusters.
        a, b = EventClusterer(), EventClusterer()
        on_a = a.assign(REUTERS, tagger.tag(REUTERS))
        on_b = b.assign(ES, tagger.tag(ES))
        assert on_a.is_new
        assert on_b.is_new
        topic = {on_a.story_id: on_a.value(), on_b.story_id: on_b.value()}
        # A third worker sees both; the next copy belongs to both and merges them into the elder.
        c = EventClusterer()
        for key, value in topic.items():
            c.remember(key, EventEntry.from_bytes(value))
        merging = c.assign(AP, tagger.tag(AP))
        assert merging.cluster_id == on_a.cluster_id  # REUTERS opened first
        assert merging.merged == (on_b.cluster_id,)
        # Worker B applies the entry and from then on sends copies near the Spanish one to the elder.
        b.remember(on_a.story_id, EventEntry.from_bytes(on_a.value()))
        b.remember(merging.story_id, EventEntry.from_bytes(merging.value()))
        assert b.resolve(on_b.cluster_id) == on_a.cluster_id
        again = story("efe:es-quake-2", ES_TITLE, ES_BODY, at=T0 + timedelta(hours=3), language="es")
        assert assign(b, tagger, again) == on_a.cluster_id

    def test_the_enricher_tags_then_clusters_and_names_merges(self, tagger: Tagger) -> None:
        worker_a, worker_b = Enricher(tagger), Enricher(tagger)
        first = worker_a.enrich(REUTERS)
        other = worker_b.enrich(ES)
        assert first.cluster_id != other.cluster_id
        worker_c = Enricher(tagger)
        for key, value in worker_a.changes() + worker_b.changes():
            worker_c.apply(key, value)
        merged = worker_c.enrich(AP)
        assert merged.cluster_id == first.cluster_id
        assert merged.merged_clusters == (other.cluster_id,)
        assert merged.actors == tagger.tag(AP).actors  # the tags are the tagger's, unchanged
        worker_c.apply(AP.id, None)
        assert AP.id not in worker_c.clusterer

    def test_its_own_entries_coming_back_from_the_changelog_change_nothing(self, tagger: Tagger) -> None:
        # The service applies every entry of internal.signatures, its own too, some time after it
        # made them: that must not re-remember the story (moving it in the eviction order).
        worker = Enricher(tagger, EventClusterer(max_entries=2))
        worker.enrich(REUTERS)
        echo = worker.changes()
        worker.enrich(ES)
        for key, value in echo:
            worker.apply(key, value)
        worker.enrich(AP)  # evicts the oldest remembered: still REUTERS
        assert REUTERS.id not in worker.clusterer
        assert ES.id in worker.clusterer
        made = dict(worker.changes())[ES.id]
        assert made is not None
        assert worker.clusterer.entry(ES.id) == EventEntry.from_bytes(made)


class TestBridgingStories:
    def test_a_rewrite_that_also_fits_another_event_joins_its_own_and_merges_nothing(
        self, tagger: Tagger
    ) -> None:
        # A NATO statement on the Russia-Ukraine border, then a report on field hospitals at that
        # border (its own event), then the report rewritten with a paragraph naming the Kremlin:
        # close enough to the statement by places and actors, but a copy of the report.
        from ingest import parse  # noqa: PLC0415
        from tests.e2e.test_run_embedded import FIELD_HOSPITALS, FIELD_HOSPITALS_REWRITTEN  # noqa: PLC0415
        from tests.helpers import seed_text  # noqa: PLC0415

        c = EventClusterer()
        decisions = []
        for i, data in enumerate((seed_text(), FIELD_HOSPITALS, FIELD_HOSPITALS_REWRITTEN)):
            parsed = parse(data, origin=f"f{i}", now=T0 + timedelta(minutes=i), media_type="text/plain")[0]
            decisions.append(c.assign(parsed, tagger.tag(parsed)))
        statement, report, rewrite = decisions
        assert report.is_new
        assert report.cluster_id != statement.cluster_id
        assert rewrite.cluster_id == report.cluster_id
        assert rewrite.merged == ()
        assert c.resolve(report.cluster_id) == report.cluster_id  # the two events stay apart


class TestEntries:
    def test_round_trip(self, tagger: Tagger) -> None:
        decision = EventClusterer().assign(REUTERS, tagger.tag(REUTERS))
        entry = EventEntry.from_bytes(decision.value())
        assert entry == decision.entry
        merged = EventEntry(entry.cluster_id, entry.signature, entry.anchors, entry.at, ("c-x", "c-y"))
        assert EventEntry.from_bytes(merged.to_bytes()) == merged

    def test_a_text_only_entry_is_read_as_closed(self) -> None:
        from processors.cluster import Clusterer  # noqa: PLC0415 - the format-1 writer

        old = Clusterer().assign(REUTERS)
        entry = EventEntry.from_bytes(old.entry())
        assert (entry.cluster_id, entry.signature, entry.anchors, entry.at) == (
            old.cluster_id,
            old.signature,
            frozenset(),
            0,
        )

    @pytest.mark.parametrize(
        "data", [b"\x00\x02", b"\x00\x02" + bytes(10), b"\x00\x02" + bytes(12) + b"\x01\x05ab"]
    )
    def test_corrupt_entries_raise_signature_error(self, data: bytes) -> None:
        with pytest.raises(SignatureError):
            EventEntry.from_bytes(data)


class TestAnchors:
    def test_numbers_normalize_across_languages(self) -> None:
        assert numbers("magnitude 6.1, 1,200 people, 0112 GMT") == ["6.1", "1200", "112"]
        assert numbers("magnitud 6,1; 1.200 personas") == ["6.1", "1200"]

    def test_dates_in_four_languages_are_one_anchor(self, tagger: Tagger) -> None:
        want = anchor_key(Kind.DATE, "3-3")
        for text in ("on March 3 the", "el 3 de marzo", "le 3 mars", "am 3. März"):
            s = story("d", "t", text)
            assert want in anchors(s, tagger.tag(s)), text

    def test_desk_trailer_names_are_not_anchors(self, tagger: Tagger) -> None:
        keys = anchors(REUTERS, tagger.tag(REUTERS))
        assert anchor_key(Kind.ACTOR, "name:gareth-jones") not in keys
        # A name in the story's text is: Turkey's interior minister since 2023, known by his QID.
        assert anchor_key(Kind.ACTOR, "Q12808436") in keys
        assert anchor_key(Kind.DATELINE, "ankara") in keys
