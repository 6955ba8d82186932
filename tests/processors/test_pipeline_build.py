"""The process stage's enriched story, put together without validating again (processors.pipeline)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest

from processors import pipeline
from processors.pipeline import Enricher, build_enriched
from processors.tagger import Tags, enrich
from schemas.models import EnrichedStory, Story
from wirewatch.cli.offline import load_tagger

if TYPE_CHECKING:
    from processors.tagger import Tagger

AT = datetime(2026, 2, 16, 9, 30, tzinfo=UTC)


def story(story_id: str, title: str, body: str, language: str) -> Story:
    return Story(
        id=story_id,
        title=title,
        body=body,
        language=language,
        source="test",
        dateline="KYIV",
        content_hash=hashlib.sha256((title + body).encode()).hexdigest(),
        published_at=AT,
        ingested_at=AT,
    )


STORIES = [
    story(
        "en-1",
        "NATO says Russia has not withdrawn troops from the border with Ukraine",
        "NATO Secretary General Mark Rutte said in Brussels on Tuesday that Russian troops remained "
        "near Kharkiv.\n\nThe Kremlin denied it; Ukraine's foreign ministry in Kyiv called for talks.",
        "en",
    ),
    story(
        "es-1",
        "La OTAN afirma que Rusia no ha retirado sus tropas de la frontera con Ucrania",
        "El secretario general de la OTAN, Mark Rutte, dijo en Bruselas que las tropas rusas seguían "
        "cerca de Járkov.\n\nEl Kremlin lo negó y el gobierno de Ucrania pidió negociaciones.",
        "es",
    ),
    story(
        "uk-1", "Київ: НАТО каже, що Росія не відвела війська", "Уряд України закликав до переговорів.", "uk"
    ),
]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def same(built: EnrichedStory, reference: EnrichedStory) -> None:
    assert type(built) is type(reference) is EnrichedStory
    assert built == reference
    assert list(built.__dict__) == list(reference.__dict__)  # field order, as pydantic makes it
    assert built.__pydantic_fields_set__ == reference.__pydantic_fields_set__
    assert built.__pydantic_extra__ is reference.__pydantic_extra__ is None
    assert built.to_bytes() == reference.to_bytes()
    assert hash(built) == hash(reference)
    merged = {"merged_clusters": ("c-other",)}
    assert built.model_copy(update=merged).to_bytes() == reference.model_copy(update=merged).to_bytes()
    assert EnrichedStory.from_bytes(built.to_bytes()) == reference


def test_the_fast_way_is_taken_with_these_models() -> None:
    assert pipeline._FAST  # neither model has a validator of its own


@pytest.mark.parametrize("s", STORIES, ids=[s.id for s in STORIES])
def test_built_as_the_tagger_builds_it_in_three_languages(tagger: Tagger, s: Story) -> None:
    tags = tagger.tag(s)
    assert tags.places or tags.actors or tags.topics  # something to carry over
    same(build_enriched(s, tags, "c-0123456789abcdef"), enrich(s, tags, cluster_id="c-0123456789abcdef"))


def test_a_story_read_from_the_wire_builds_the_same(tagger: Tagger) -> None:
    s = Story.from_bytes(STORIES[0].to_bytes())
    tags = tagger.tag(s)
    same(build_enriched(s, tags, "c-1"), enrich(s, tags, cluster_id="c-1"))


def test_unexpected_parts_take_the_validating_way(tagger: Tagger) -> None:
    s = STORIES[1]
    tags = tagger.tag(s)
    # The compiled Tags refuses a list; the source one (WIREWATCH_PURE) would not: a stand-in.
    fields = {f.name: getattr(tags, f.name) for f in dataclasses.fields(tags)}
    listed = SimpleNamespace(**fields | {"countries": list(tags.countries)})
    reference = enrich(s, tags, cluster_id="c-2")
    same(build_enriched(s, listed, "c-2"), reference)  # type: ignore[arg-type]  # validated: the list became a tuple
    enriched = enrich(s, tags, cluster_id="c-3")
    again = build_enriched(enriched, Tags(), "c-3")  # an EnrichedStory as the story: validated
    assert again == enrich(enriched, Tags(), cluster_id="c-3")


def test_the_enricher_publishes_the_same_stories(tagger: Tagger) -> None:
    ours, theirs = Enricher(tagger), Enricher(tagger)
    for s in STORIES:
        got = ours.enrich(s)
        tags = tagger.tag(s)
        decision = theirs.clusterer.assign(s, tags)
        assert got.to_bytes() == enrich(s, tags, cluster_id=decision.cluster_id).to_bytes()
