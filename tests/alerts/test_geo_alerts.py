"""Geo subscriptions end to end (issue 14): story text → the real tagger → the alert pipeline.

``actor:NATO AND near:Kharkiv~100km`` alerts on a story about a town 60 km from Kharkiv
(Vovchansk) and not on one about a city 335 km away (Mariupol); a bounding box likewise. The
place tags carry the knowledge base's real coordinates; nothing here sets a point by hand.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from alerts.pipeline import AlertPipeline
from processors import KnowledgeBase, Tagger
from processors.tagger import enrich
from schemas.models import EnrichedStory, Story
from tests.factories import make_subscription

NOW = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _enriched(story_id: str, title: str, body: str) -> EnrichedStory:
    story = Story(id=story_id, title=title, body=body, source="test", content_hash=story_id, ingested_at=NOW)
    return enrich(story, _tagger().tag(story), cluster_id=f"c-{story_id}")


def _near_town() -> EnrichedStory:
    return _enriched(
        "vovchansk",
        "NATO condemns strike on border town",
        "NATO said on Tuesday that a Russian glide bomb hit the centre of Vovchansk, Ukraine, a town "
        "close to the Russian border, killing two people. Rescuers searched the rubble all night.",
    )


def _far_city() -> EnrichedStory:
    return _enriched(
        "mariupol",
        "NATO condemns strikes in the south",
        "NATO said on Tuesday that the occupied Ukrainian port city of Mariupol was hit by explosions "
        "overnight. Rescuers searched the rubble all night.",
    )


def _alerts(query: str, story: EnrichedStory) -> list[str]:
    pipeline = AlertPipeline([make_subscription("geo", query=query)])
    return [a.subscription_id for a in pipeline.alerts_for(story, now=NOW)]


def test_the_tagger_gives_the_towns_their_points() -> None:
    town = {p.name: p for p in _near_town().places}["Vovchansk"]
    assert town.geo is not None
    assert town.geo.lat is not None
    assert abs(town.geo.lat - 50.29) < 0.05
    assert "Mariupol" in {p.name for p in _far_city().places}


def test_near_kharkiv_alerts_on_a_town_60km_away_not_on_a_city_300km_away() -> None:
    query = "actor:NATO AND near:Kharkiv~100km"
    pipeline = AlertPipeline([make_subscription("geo", query=query)])
    alerts = pipeline.alerts_for(_near_town(), now=NOW)
    assert [a.subscription_id for a in alerts] == ["geo"]
    near = [c for c in alerts[0].explanation if c.field == "near"]
    assert [(c.tag_name, c.clause) for c in near] == [("Vovchansk", "near:Kharkiv~100")]
    assert near[0].distance_km is not None
    assert 55 < near[0].distance_km < 65
    assert near[0].mentions
    assert near[0].mentions[0].text == "Vovchansk"
    assert _alerts(query, _far_city()) == []
    # Mariupol is within a 400 km radius: the same stories, a wider circle.
    assert _alerts("actor:NATO AND near:Kharkiv~400km", _far_city()) == ["geo"]


def test_a_bounding_box_alerts_on_the_town_inside_it_only() -> None:
    query = "actor:NATO AND bbox:[49.5,35.5 TO 50.8,37.5]"  # around Kharkiv, to the Russian border
    assert _alerts(query, _near_town()) == ["geo"]
    assert _alerts(query, _far_city()) == []
    south = "actor:NATO AND bbox:[46.5,36.5 TO 47.5,38.5]"  # the Azov coast
    assert _alerts(south, _far_city()) == ["geo"]
    assert _alerts(south, _near_town()) == []


def test_inside_a_named_region_is_the_region_clause_members_from_boundary_data() -> None:
    """``region:`` answers "inside a named region": the belt's members come from boundary data."""
    query = 'actor:NATO AND region:"Russia–Ukraine border"'
    border = _enriched(
        "border", "NATO watches the border", "NATO said shelling hit Belgorod and Kharkiv overnight."
    )
    west = _enriched("west", "NATO watches the west", "NATO said drones struck Lviv and Kyiv overnight.")
    assert _alerts(query, border) == ["geo"]
    assert _alerts(query, west) == []
