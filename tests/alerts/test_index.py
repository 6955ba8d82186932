"""The subscription index: add/remove/replace, sharing, and agreement with the plain matcher."""

from __future__ import annotations

import functools

import pytest

from alerts.errors import QueryError
from alerts.index import SubscriptionIndex, SubscriptionMatch, TermStatistics, match_all_plain
from alerts.query import compile_query
from schemas.models import EnrichedStory
from tests.factories import make_enriched, make_mention, make_subscription, make_tag

TITLE = "NATO warns of build-up on Russia–Ukraine border"


enriched = functools.partial(
    make_enriched,
    id="s1",
    title=TITLE,
    body="Troops gathered near Kharkiv.\n\nGazprom declined to comment.",
    source="Reuters",
    language="en",
    cluster_id="c1",
    countries=("RU", "UA"),
    actors=(make_tag("NATO", id="Q7184", confidence=0.9, mentions=(make_mention("NATO"),)),),
    regions=(make_tag("Russia–Ukraine border", id="russia-ukraine-border", type="region", confidence=0.7),),
    places=(make_tag("Kharkiv", id="706483", type="city", country="UA"),),
)
STORY = enriched()


def ids(matches: list[SubscriptionMatch]) -> list[str]:
    return [m.subscription.id for m in matches]


SUBS = [
    make_subscription("border", query='actor:NATO AND region:"Russia–Ukraine border"'),
    make_subscription("nato-strict", query="actor:NATO", min_confidence=0.95),
    make_subscription("eu", query="actor:EU"),
    make_subscription("gas", query="gaz* AND country:ua"),
    make_subscription("any-g", query="*prom"),  # checked against every story
    make_subscription("kharkiv-not-moscow", query="kharkiv -moscow"),
    make_subscription("a-title", query="title:kharkiv"),
    make_subscription("b-either", query="place:Kyiv OR place:Kharkiv"),
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

    @pytest.mark.parametrize(
        ("story", "expected"),
        [
            (STORY, ["any-g", "b-either", "border", "gas", "kharkiv-not-moscow"]),
            (enriched(actors=(), title="Quiet day"), ["any-g", "b-either", "gas", "kharkiv-not-moscow"]),
            (enriched(language="de", body="x"), ["b-either", "border"]),
        ],
    )
    def test_agrees_with_plain(self, story: EnrichedStory, expected: list[str]) -> None:
        index = SubscriptionIndex()
        for s in SUBS:
            index.add(s)
        plain = match_all_plain([(s, compile_query(s.query)) for s in SUBS], story)
        # The expected ids keep the comparison from passing on two empty lists.
        assert ids(plain) == expected
        assert index.match(story) == plain

    def test_add_remove_replace(self) -> None:
        index = SubscriptionIndex()
        index.add(make_subscription("x", query="actor:NATO"))
        assert len(index) == 1
        assert "x" in index
        assert ids(index.match(STORY)) == ["x"]
        index.add(make_subscription("x", query="actor:EU"))  # same id: replaces
        assert len(index) == 1
        assert index.get("x") == make_subscription("x", query="actor:EU")
        assert index.match(STORY) == []
        assert index.keys == 1
        assert index.remove("x") is True
        assert index.remove("x") is False
        assert len(index) == 0
        assert index.keys == 0
        assert index.match(STORY) == []

    def test_re_adding_the_same_subscription(self) -> None:
        index = SubscriptionIndex()
        index.add(make_subscription("x", query="actor:NATO"))
        index.add(make_subscription("x", query="actor:NATO"))
        index.add(make_subscription("x", query="actor:NATO", min_confidence=0.95))
        assert (len(index), index.distinct_queries) == (1, 1)
        assert index.match(STORY) == []
        index.add(make_subscription("x", query="actor:NATO", min_confidence=0.5))
        assert ids(index.match(STORY)) == ["x"]

    def test_always_checked_add_remove(self) -> None:
        index = SubscriptionIndex()
        index.add(make_subscription("w", query="*prom"))
        assert index.always_checked == 1
        assert ids(index.match(STORY)) == ["w"]
        index.add(make_subscription("w", query="gazprom"))
        assert index.always_checked == 0
        assert ids(index.match(STORY)) == ["w"]

    def test_bad_query_keeps_the_old_subscription(self) -> None:
        index = SubscriptionIndex()
        index.add(make_subscription("x", query="actor:NATO"))
        with pytest.raises(QueryError) as info:
            index.add(make_subscription("x", query="actor:NATO AND nope:1"))
        assert info.value.subscription_id == "x"
        assert info.value.position == 15
        assert "subscription_id=x" in str(info.value)
        assert ids(index.match(STORY)) == ["x"]

    def test_identical_queries_share_one_compiled_query(self) -> None:
        index = SubscriptionIndex()
        for i in range(5):
            index.add(make_subscription(f"s{i}", query="actor:NATO"))
        index.add(make_subscription("other", query="actor:EU"))
        assert index.distinct_queries == 2
        index.remove("s0")
        index.add(make_subscription("s1", query="actor:EU"))
        assert index.distinct_queries == 2
        for i in range(2, 5):
            index.remove(f"s{i}")
        assert index.distinct_queries == 1
        assert ids(index.match(STORY)) == []

    def test_min_confidence_per_subscription(self) -> None:
        index = SubscriptionIndex()
        index.add(make_subscription("loose", query="actor:NATO", min_confidence=0.5))
        index.add(make_subscription("strict", query="actor:NATO", min_confidence=0.95))
        assert ids(index.match(STORY)) == ["loose"]

    def test_presearch_skips_unrelated_subscriptions(self) -> None:
        index = SubscriptionIndex()
        for i in range(100):
            index.add(make_subscription(f"u{i}", query=f"actor:unrelated{i} OR topic:t{i}"))
        index.add(make_subscription("hit", query="actor:NATO"))
        assert index.candidates(STORY) == 1

    def test_second_clause_filters_candidates(self) -> None:
        # An AND query is verified only if the story carries a key of two of its clauses.
        index = SubscriptionIndex()
        index.add(make_subscription("miss", query="actor:NATO AND place:Moscow"))
        index.add(make_subscription("hit", query="actor:NATO AND place:Kharkiv"))
        index.add(make_subscription("or", query="actor:NATO AND (place:Moscow OR country:UA)"))
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
        index.add(make_subscription("a", query="actor:NATO AND place:Kharkiv"))
        index.add(make_subscription("b", query="gazprom AND place:Kharkiv"))
        assert ids(index.match(STORY)) == ["a", "b"]
        index.remove("a")
        assert ids(index.match(STORY)) == ["b"]
        index.remove("b")
        assert index.keys == 0
        index.add(make_subscription("c", query="actor:NATO AND troops"))
        assert ids(index.match(STORY)) == ["c"]


class TestTermStatistics:
    # NATO and Kharkiv in every story seen; "sanctions" in none.
    QUERY = "actor:NATO AND place:Kharkiv AND sanctions"

    @staticmethod
    def seen(n: int = 10) -> TermStatistics:
        stats = TermStatistics()
        for i in range(n):
            stats.observe(enriched(id=f"seen{i}"))
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
        static.add(make_subscription("q", query=self.QUERY))
        assert static.candidates(STORY) == 1  # filed under actor:nato, filtered by place:kharkiv
        learned = SubscriptionIndex(self.seen())
        learned.add(make_subscription("q", query=self.QUERY))
        assert learned.candidates(STORY) == 0
        hit = enriched(body="New sanctions near Kharkiv.")
        assert ids(static.match(hit)) == ids(learned.match(hit)) == ["q"]

    def test_statistics_learned_later_refile_queries_a_few_at_a_time(self) -> None:
        index = SubscriptionIndex()
        for i in range(5):
            index.add(make_subscription(f"q{i}", query=f"{self.QUERY} AND topic:t{i // 2}"))
        assert index.candidates(STORY) == 3  # three distinct queries
        assert index.use_statistics(self.seen()) == 3
        assert index.refile(2) == 1
        index.remove("q4")  # its group is still queued: skipped when its turn comes
        assert index.refile() == 0
        assert index.candidates(STORY) == 0
        assert index.keys == 1  # the two queries left are both filed under text:sanctions
        hit = enriched(body="New sanctions near Kharkiv.", topics=(make_tag("t1", type="topic"),))
        assert ids(index.match(hit)) == ["q2", "q3"]


class TestLazyExplanations:
    def test_explanation_built_once_and_shared_by_a_query(self) -> None:
        index = SubscriptionIndex()
        for i in range(3):
            index.add(make_subscription(f"s{i}", query="actor:NATO AND kharkiv"))
        index.add(make_subscription("strict", query="actor:NATO AND kharkiv", min_confidence=0.5))
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
        index.add(make_subscription("x", query="title:nato"))
        (found,) = index.match(STORY)
        eager = SubscriptionMatch(make_subscription("x", query="title:nato"), found.explanation)
        assert found == eager
        assert hash(found) == hash(eager)
        assert found != SubscriptionMatch(make_subscription("x", query="title:nato"), ())
        assert "title:nato" in repr(found)

    def test_leading_wildcards_match_whole_tokens(self) -> None:
        # Checked against every story with one scan of its tokens.
        index = SubscriptionIndex()
        index.add(make_subscription("prom", query="*prom"))
        index.add(make_subscription("mid", query="*zpro*"))
        index.add(make_subscription("part", query="*pro"))  # "gazprom" does not end in "pro"
        index.add(make_subscription("one", query="?roops"))
        index.add(make_subscription("title", query="title:*ato"))
        assert ids(index.match(STORY)) == ["mid", "one", "prom", "title"]
        (prom,) = (m for m in index.match(STORY) if m.subscription.id == "prom")
        assert [m.text for m in prom.explanation[0].mentions] == ["Gazprom"]

    def test_group_grows_and_shrinks_with_confidences(self) -> None:
        # One subscription per query is stored bare; more are grouped by min_confidence.
        index = SubscriptionIndex()
        index.add(make_subscription("a", query="actor:NATO"))
        index.add(make_subscription("b", query="actor:NATO", min_confidence=0.95))
        index.add(make_subscription("c", query="actor:NATO", min_confidence=0.5))
        assert (index.distinct_queries, ids(index.match(STORY))) == (1, ["a", "c"])
        index.remove("a")
        assert ids(index.match(STORY)) == ["c"]
        index.remove("c")
        assert ids(index.match(STORY)) == []
        index.add(make_subscription("b", query="actor:NATO"))  # replaces the strict one
        assert ids(index.match(STORY)) == ["b"]
        index.remove("b")
        assert (len(index), index.distinct_queries, index.keys) == (0, 0, 0)
