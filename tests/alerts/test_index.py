"""The subscription index: add/remove/replace, sharing, and agreement with the plain matcher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.errors import QueryError
from alerts.index import SubscriptionIndex, SubscriptionMatch, match_all_plain
from alerts.query import compile_query
from schemas.models import EnrichedStory, Mention, Subscription, SubscriptionOptions, Tag

TITLE = "NATO warns of build-up on Russia–Ukraine border"


def make_story(**changes: object) -> EnrichedStory:
    fields: dict[str, object] = {
        "id": "s1",
        "title": TITLE,
        "body": "Troops gathered near Kharkiv.\n\nGazprom declined to comment.",
        "source": "Reuters",
        "language": "en",
        "content_hash": "h",
        "ingested_at": datetime(2026, 11, 28, tzinfo=UTC),
        "cluster_id": "c1",
        "countries": ("RU", "UA"),
        "actors": (
            Tag(
                id="Q7184",
                name="NATO",
                type="organization",
                confidence=0.9,
                mentions=(Mention(field="title", start=0, end=4, text="NATO"),),
            ),
        ),
        "regions": (Tag(id="russia-ukraine-border", name="Russia–Ukraine border", type="region", confidence=0.7),),
        "places": (Tag(id="706483", name="Kharkiv", type="city", country="UA"),),
    }
    fields.update(changes)
    return EnrichedStory.model_validate(fields)


STORY = make_story()


def sub(sub_id: str, query: str, min_confidence: float = 0.0) -> Subscription:
    return Subscription(
        id=sub_id,
        subscriber="analyst",
        query=query,
        options=SubscriptionOptions(min_confidence=min_confidence),
    )


def ids(matches: list[SubscriptionMatch]) -> list[str]:
    return [m.subscription.id for m in matches]


SUBS = [
    sub("border", 'actor:NATO AND region:"Russia–Ukraine border"'),
    sub("nato-strict", "actor:NATO", min_confidence=0.95),
    sub("eu", "actor:EU"),
    sub("gas", "gaz* AND country:ua"),
    sub("any-g", "*prom"),  # checked against every story
    sub("kharkiv-not-moscow", "kharkiv -moscow"),
    sub("a-title", "title:kharkiv"),
    sub("b-either", "place:Kyiv OR place:Kharkiv"),
]


class TestIndex:
    def test_matches_sorted_by_id_with_explanations(self) -> None:
        index = SubscriptionIndex()
        for s in reversed(SUBS):
            index.add(s)
        found = index.match(STORY)
        assert ids(found) == ["any-g", "b-either", "border", "gas", "kharkiv-not-moscow"]
        border = next(m for m in found if m.subscription.id == "border")
        assert [(c.field, c.tag_id) for c in border.explanation] == [
            ("actor", "Q7184"),
            ("region", "russia-ukraine-border"),
        ]
        assert border.explanation[0].mentions[0].text == "NATO"

    def test_agrees_with_plain(self) -> None:
        index = SubscriptionIndex()
        for s in SUBS:
            index.add(s)
        plain = [(s, compile_query(s.query)) for s in SUBS]
        for story in (STORY, make_story(actors=(), title="Quiet day"), make_story(language="de", body="x")):
            assert index.match(story) == match_all_plain(plain, story)

    def test_add_remove_replace(self) -> None:
        index = SubscriptionIndex()
        index.add(sub("x", "actor:NATO"))
        assert len(index) == 1
        assert "x" in index
        assert ids(index.match(STORY)) == ["x"]
        index.add(sub("x", "actor:EU"))  # same id: replaces
        assert len(index) == 1
        assert index.get("x") == sub("x", "actor:EU")
        assert index.match(STORY) == []
        assert index.keys == 1
        assert index.remove("x") is True
        assert index.remove("x") is False
        assert len(index) == 0
        assert index.keys == 0
        assert index.match(STORY) == []

    def test_re_adding_the_same_subscription(self) -> None:
        index = SubscriptionIndex()
        index.add(sub("x", "actor:NATO"))
        index.add(sub("x", "actor:NATO"))
        index.add(sub("x", "actor:NATO", min_confidence=0.95))
        assert (len(index), index.distinct_queries) == (1, 1)
        assert index.match(STORY) == []
        index.add(sub("x", "actor:NATO", min_confidence=0.5))
        assert ids(index.match(STORY)) == ["x"]

    def test_always_checked_add_remove(self) -> None:
        index = SubscriptionIndex()
        index.add(sub("w", "*prom"))
        assert index.always_checked == 1
        assert ids(index.match(STORY)) == ["w"]
        index.add(sub("w", "gazprom"))
        assert index.always_checked == 0
        assert ids(index.match(STORY)) == ["w"]

    def test_bad_query_keeps_the_old_subscription(self) -> None:
        index = SubscriptionIndex()
        index.add(sub("x", "actor:NATO"))
        with pytest.raises(QueryError) as info:
            index.add(sub("x", "actor:NATO AND nope:1"))
        assert info.value.subscription_id == "x"
        assert info.value.position == 15
        assert "subscription_id=x" in str(info.value)
        assert ids(index.match(STORY)) == ["x"]

    def test_identical_queries_share_one_compiled_query(self) -> None:
        index = SubscriptionIndex()
        for i in range(5):
            index.add(sub(f"s{i}", "actor:NATO"))
        index.add(sub("other", "actor:EU"))
        assert index.distinct_queries == 2
        index.remove("s0")
        index.add(sub("s1", "actor:EU"))
        assert index.distinct_queries == 2
        for i in range(2, 5):
            index.remove(f"s{i}")
        assert index.distinct_queries == 1
        assert ids(index.match(STORY)) == []

    def test_min_confidence_per_subscription(self) -> None:
        index = SubscriptionIndex()
        index.add(sub("loose", "actor:NATO", 0.5))
        index.add(sub("strict", "actor:NATO", 0.95))
        assert ids(index.match(STORY)) == ["loose"]

    def test_presearch_skips_unrelated_subscriptions(self) -> None:
        index = SubscriptionIndex()
        for i in range(100):
            index.add(sub(f"u{i}", f"actor:unrelated{i} OR topic:t{i}"))
        index.add(sub("hit", "actor:NATO"))
        assert index.candidates(STORY) == 1

    def test_second_clause_filters_candidates(self) -> None:
        # An AND query is verified only if the story carries a key of two of its clauses.
        index = SubscriptionIndex()
        index.add(sub("miss", "actor:NATO AND place:Moscow"))
        index.add(sub("hit", "actor:NATO AND place:Kharkiv"))
        index.add(sub("or", "actor:NATO AND (place:Moscow OR country:UA)"))
        assert index.candidates(STORY) == 2
        assert ids(index.match(STORY)) == ["hit", "or"]
        index.remove("hit")
        index.remove("or")
        assert index.candidates(STORY) == 0
        assert index.keys == 1

    def test_iterates_subscriptions(self) -> None:
        index = SubscriptionIndex()
        for s in SUBS:
            index.add(s)
        assert sorted(s.id for s in index) == sorted(s.id for s in SUBS)
