"""The subscription index: add/remove/replace, sharing, and agreement with the plain matcher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.errors import QueryError
from alerts.index import SubscriptionIndex, SubscriptionMatch, TermStatistics, match_all_plain
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
        "regions": (
            Tag(id="russia-ukraine-border", name="Russia–Ukraine border", type="region", confidence=0.7),
        ),
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

    def test_second_keys_are_counted_per_query(self) -> None:
        # The story spells out only the values some query uses as a second key.
        index = SubscriptionIndex()
        index.add(sub("a", "actor:NATO AND place:Kharkiv"))
        index.add(sub("b", "gazprom AND place:Kharkiv"))
        assert ids(index.match(STORY)) == ["a", "b"]
        index.remove("a")
        assert ids(index.match(STORY)) == ["b"]
        index.remove("b")
        assert index.keys == 0
        index.add(sub("c", "actor:NATO AND troops"))
        assert ids(index.match(STORY)) == ["c"]


class TestTermStatistics:
    # NATO and Kharkiv in every story seen; "sanctions" in none.
    QUERY = "actor:NATO AND place:Kharkiv AND sanctions"

    @staticmethod
    def seen(n: int = 10) -> TermStatistics:
        stats = TermStatistics()
        for i in range(n):
            stats.observe(make_story(id=f"seen{i}"))
        return stats

    def test_frequencies_are_shares_of_stories_smoothed_toward_the_prior(self) -> None:
        stats = self.seen()
        assert stats.stories == 10
        assert stats.frequency("actor:nato") > 0.3  # seen in all 10, against a prior of 20 stories
        assert stats.frequency("text:sanctions") < 0.02  # never seen: the prior alone, diluted
        assert stats.frequency("lang:en") > stats.frequency("actor:nato")
        assert TermStatistics().frequency("actor:nato") == pytest.approx(0.004)  # the static prior

    def test_an_and_is_filed_under_its_rarest_clause(self) -> None:
        # A story with NATO and Kharkiv but no "sanctions" cannot match: with statistics the
        # query is filed under "sanctions" and this story never even makes it a candidate.
        static = SubscriptionIndex()
        static.add(sub("q", self.QUERY))
        assert static.candidates(STORY) == 1  # filed under actor:nato, filtered by place:kharkiv
        learned = SubscriptionIndex(self.seen())
        learned.add(sub("q", self.QUERY))
        assert learned.candidates(STORY) == 0
        hit = make_story(body="New sanctions near Kharkiv.")
        assert ids(static.match(hit)) == ids(learned.match(hit)) == ["q"]

    def test_statistics_learned_later_refile_queries_a_few_at_a_time(self) -> None:
        index = SubscriptionIndex()
        for i in range(5):
            index.add(sub(f"q{i}", f"{self.QUERY} AND topic:t{i // 2}"))
        assert index.candidates(STORY) == 3  # three distinct queries
        assert index.use_statistics(self.seen()) == 3
        assert index.refile(2) == 1
        index.remove("q4")  # its group is still queued: skipped when its turn comes
        assert index.refile() == 0
        assert index.candidates(STORY) == 0
        assert index.keys == 1  # the two queries left are both filed under text:sanctions
        hit = make_story(body="New sanctions near Kharkiv.", topics=(Tag(id="t1", name="t1", type="topic"),))
        assert ids(index.match(hit)) == ["q2", "q3"]


class TestLazyExplanations:
    def test_explanation_built_once_and_shared_by_a_query(self) -> None:
        index = SubscriptionIndex()
        for i in range(3):
            index.add(sub(f"s{i}", "actor:NATO AND kharkiv"))
        index.add(sub("strict", "actor:NATO AND kharkiv", min_confidence=0.5))
        found = index.match(STORY)
        assert ids(found) == ["s0", "s1", "s2", "strict"]
        first = found[0].explanation
        assert [(c.clause, c.tag_id) for c in first] == [("actor:NATO", "Q7184"), ("kharkiv", None)]
        assert first[1].mentions[0].text == "Kharkiv"
        assert all(m.explanation is first for m in found[1:3])  # one tuple for the query
        assert found[3].explanation == first  # another min_confidence: built separately
        expected = compile_query("actor:NATO AND kharkiv").match(STORY)
        assert expected is not None
        assert first == expected.explanation

    def test_match_is_a_value(self) -> None:
        index = SubscriptionIndex()
        index.add(sub("x", "title:nato"))
        (found,) = index.match(STORY)
        eager = SubscriptionMatch(sub("x", "title:nato"), found.explanation)
        assert found == eager
        assert hash(found) == hash(eager)
        assert found != SubscriptionMatch(sub("x", "title:nato"), ())
        assert "title:nato" in repr(found)

    def test_leading_wildcards_match_whole_tokens(self) -> None:
        # Checked against every story with one scan of its tokens.
        index = SubscriptionIndex()
        index.add(sub("prom", "*prom"))
        index.add(sub("mid", "*zpro*"))
        index.add(sub("part", "*pro"))  # "gazprom" does not end in "pro"
        index.add(sub("one", "?roops"))
        index.add(sub("title", "title:*ato"))
        assert ids(index.match(STORY)) == ["mid", "one", "prom", "title"]
        (prom,) = (m for m in index.match(STORY) if m.subscription.id == "prom")
        assert [m.text for m in prom.explanation[0].mentions] == ["Gazprom"]

    def test_group_grows_and_shrinks_with_confidences(self) -> None:
        # One subscription per query is stored bare; more are grouped by min_confidence.
        index = SubscriptionIndex()
        index.add(sub("a", "actor:NATO"))
        index.add(sub("b", "actor:NATO", 0.95))
        index.add(sub("c", "actor:NATO", 0.5))
        assert (index.distinct_queries, ids(index.match(STORY))) == (1, ["a", "c"])
        index.remove("a")
        assert ids(index.match(STORY)) == ["c"]
        index.remove("c")
        assert ids(index.match(STORY)) == []
        index.add(sub("b", "actor:NATO"))  # replaces the strict one
        assert ids(index.match(STORY)) == ["b"]
        index.remove("b")
        assert (len(index), index.distinct_queries, index.keys) == (0, 0, 0)
