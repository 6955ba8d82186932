"""Knowledge of one's own: entries applied over the packaged knowledge base, looked up, checked, live."""

from __future__ import annotations

import asyncio
import functools

import pytest

from alerts.query import tag_values
from alerts.text import norm_value
from processors import KnowledgeBase, KnowledgeBaseError, Tagger
from processors.knowledge import Additions, Vocabulary, check_entry, overlay, resolve
from processors.pipeline import Enricher
from processors.service import LiveKnowledge, ProcessService
from schemas import EnrichedStory, KnowledgeEntry, KnowledgeRole, Topics
from tests.factories import make_story
from wirewatch.bus import MemoryBus, topic_specs

ACME = KnowledgeEntry(
    id="user:acme-drones",
    kind="actor",
    name="Zorvex Drones",
    type="company",
    country="UA",
    aliases=("Zorvex",),
    roles=(KnowledgeRole(role="drone maker", start="2019"),),
)
NATO_ALIAS = KnowledgeEntry(id="Q7184", kind="actor", aliases=("Atlantic Shield Alliance",))
REGION = KnowledgeEntry(
    id="user:baltic-trio",
    kind="region",
    name="Baltic trio",
    aliases=("the three Baltic republics",),
    members=("EE", "LV", "LT"),
    min_members=2,
)
TOPIC = KnowledgeEntry(
    id="user:grain-corridor",
    kind="topic",
    name="grain corridor",
    aliases=("Black Sea grain deal",),
    triggers=("grain corridor", "korytarz zbożowy", "corridor céréalier"),
)
ENTRIES = (ACME, NATO_ALIAS, REGION, TOPIC)


@functools.cache
def _base() -> KnowledgeBase:
    return KnowledgeBase.load()


@functools.cache
def _tagger_with_entries() -> Tagger:
    kb, rejected = overlay(_base(), ENTRIES)
    assert rejected == []
    return Tagger(kb)


def _ids(tags: object, kind: str) -> set[str]:
    return {t.id for t in getattr(tags, kind)}


class TestOverlay:
    def test_a_new_actor_is_tagged_by_name_and_alias(self) -> None:
        tagger = _tagger_with_entries()
        tags = tagger.tag(make_story(title="Zorvex ships 500 drones", body="Zorvex Drones said on Monday..."))
        (acme,) = [t for t in tags.actors if t.id == ACME.id]
        assert acme.name == "Zorvex Drones"
        assert "Zorvex" in acme.aliases

    def test_an_alias_added_to_a_packaged_actor_tags_it(self) -> None:
        tags = _tagger_with_entries().tag(make_story(body="The Atlantic Shield Alliance met in Brussels."))
        nato = [t for t in tags.actors if t.id == "Q7184"]
        assert nato
        assert "Atlantic Shield Alliance" in nato[0].aliases

    def test_a_new_region_by_members_and_phrase(self) -> None:
        tagger = _tagger_with_entries()
        by_members = tagger.tag(make_story(body="Troops moved through Tallinn and Riga on Monday."))
        assert REGION.id in _ids(by_members, "regions")
        by_phrase = tagger.tag(make_story(body="Leaders of the three Baltic republics met."))
        assert REGION.id in _ids(by_phrase, "regions")

    def test_a_new_topic_by_its_triggers_in_several_languages(self) -> None:
        tagger = _tagger_with_entries()
        for text in ("Talks on the grain corridor resumed.", "Rozmowy o korytarz zbożowy trwają."):
            assert TOPIC.id in _ids(tagger.tag(make_story(body=text)), "topics"), text

    def test_the_packaged_base_is_left_as_it_was(self) -> None:
        _tagger_with_entries()
        base = _base()
        assert ACME.id not in base.entities
        assert "Atlantic Shield Alliance" not in base.entities["Q7184"].aliases
        assert all(s.entity != "Q7184" for s in base.lookup("Atlantic Shield Alliance"))

    def test_entries_that_cannot_apply_are_reported_and_the_others_applied(self) -> None:
        bad = KnowledgeEntry(id="Q7184", kind="topic", aliases=("x",))
        kb, rejected = overlay(_base(), [bad, ACME])
        assert [entry_id for entry_id, _ in rejected] == ["Q7184"]
        assert ACME.id in kb.entities


class TestCheckEntry:
    @pytest.mark.parametrize(
        ("entry", "why"),
        [
            (KnowledgeEntry(id="Q7184", kind="region", aliases=("x",)), "is a actor"),
            (KnowledgeEntry(id="user:town", kind="place", name="Nowhere"), "places come from the gazetteer"),
            (KnowledgeEntry(id="user:x", kind="actor"), "needs a name"),
            (
                KnowledgeEntry(id="user:r", kind="region", name="R", members=("ZZ-nowhere",)),
                "unknown: ZZ-nowhere",
            ),
            (
                KnowledgeEntry(id="user:r", kind="region", name="R", members=("EE",), min_members=2),
                "min_members",
            ),
            (KnowledgeEntry(id="user:t", kind="topic", name="T"), "needs triggers"),
        ],
    )
    def test_refused_with_a_reason(self, entry: KnowledgeEntry, why: str) -> None:
        with pytest.raises(KnowledgeBaseError, match=why):
            check_entry(_base(), entry)

    def test_aliases_for_an_existing_place_are_accepted(self) -> None:
        kharkiv = next(
            s.entity for s in _base().lookup("Kharkiv") if _base().entities[s.entity].kind.value == "place"
        )
        check_entry(_base(), KnowledgeEntry(id=kharkiv, kind="place", aliases=("Charkiw-Stadt",)))


class TestAdditions:
    def test_apply_put_replace_delete_and_version(self) -> None:
        store = Additions()
        store.apply(ACME.id, ACME.to_bytes())
        store.apply(ACME.id, ACME.to_bytes())  # the same entry again: no change
        assert store.version == 1
        store.apply(ACME.id, None)
        assert store.version == 2
        assert len(store) == 0
        assert store.changes() == []

    def test_a_corrupt_record_is_refused_with_its_key(self) -> None:
        with pytest.raises(KnowledgeBaseError, match="not a KnowledgeEntry"):
            Additions().apply("k", b"{not json")
        with pytest.raises(KnowledgeBaseError, match="key is not"):
            Additions().apply("other", ACME.to_bytes())


class TestLookupAndVocabulary:
    def test_lookup_shows_id_type_roles_and_aliases(self) -> None:
        (lavrov, *_) = resolve(_base(), "Sergei Lavrov")
        assert lavrov.type == "person"
        assert any("Foreign Affairs" in r.role for r in lavrov.roles)
        assert "Lavrov" in lavrov.aliases
        kb, _ = overlay(_base(), [ACME])
        (own,) = resolve(kb, "Zorvex", added={ACME.id})
        assert (own.id, own.added) == (ACME.id, True)

    def test_unknown_values_get_warnings_with_close_names(self) -> None:
        vocabulary = Vocabulary(_base(), norm_value)
        query = 'actor:NATOO AND topic:diplomcy AND region:"Russia–Ukraine border" AND country:UA'
        warnings = vocabulary.check(tag_values(query))
        assert [(w.field, w.value) for w in warnings] == [("actor", "NATOO"), ("topic", "diplomcy")]
        assert warnings[0].suggestions[0] == "NATO"
        assert "did you mean 'NATO'" in warnings[0].message
        assert warnings[1].suggestions[0] == "diplomacy"

    def test_an_added_actor_is_known_to_the_vocabulary(self) -> None:
        kb, _ = overlay(_base(), [ACME])
        assert Vocabulary(kb, norm_value).check([("actor", "Zorvex")]) == []
        assert Vocabulary(_base(), norm_value).check([("actor", "Zorvex")])


class TestLive:
    async def test_a_running_processor_picks_up_an_added_actor_without_a_restart(self) -> None:
        bus, topics = MemoryBus(), Topics("t")
        await bus.ensure_topics(topic_specs(topics, partitions=1))
        tagger = Tagger(_base())
        live = LiveKnowledge(_base(), settle_s=0.05, poll_s=0.05)
        service = ProcessService(bus=bus, topics=topics, enricher=Enricher(tagger), knowledge=live)
        stop = asyncio.Event()
        started = asyncio.Event()
        task = asyncio.create_task(service.run(stop, started=started))
        await asyncio.wait_for(started.wait(), 60)

        async def tagged(story_id: str) -> EnrichedStory:
            async with bus.consumer([topics.enriched], group=None, from_beginning=True) as consumer:
                for _ in range(600):
                    for record in await consumer.getmany(timeout_s=0.1):
                        enriched = EnrichedStory.from_bytes(record.value or b"")
                        if enriched.id == story_id:
                            return enriched
            raise AssertionError(f"{story_id} never enriched")

        body = "Zorvex Drones opened a plant near Lviv, the company said."
        await bus.publish(topics.raw, make_story(id="before", body=body).to_bytes(), key=b"before")
        assert ACME.id not in {t.id for t in (await tagged("before")).actors}

        await bus.publish(topics.knowledge, ACME.to_bytes(), key=ACME.id.encode())
        for _ in range(1200):  # the rebuild takes seconds on a loaded machine
            if live.built == 1:
                break
            await asyncio.sleep(0.05)
        assert live.built == 1
        await bus.publish(topics.raw, make_story(id="after", body=body).to_bytes(), key=b"after")
        assert ACME.id in {t.id for t in (await tagged("after")).actors}

        stop.set()
        await asyncio.wait_for(task, 30)
