"""The alert stage's fast paths give what their plain definitions give (issue 19).

Term statistics counted per field, the figure pattern that starts with its digit, sentences found
by bisection, the fold cache of non-ASCII tokens, and the presearch's second-key lookups.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts import text
from alerts.index import SubscriptionIndex, TermStatistics, match_all_plain
from alerts.query import compile_query, key_cost, prepare
from alerts.query.story import COUNTRY_TAGS
from alerts.state import news
from alerts.state.news import Known, facts_of, what_is_new
from schemas.models import EnrichedStory
from tests.factories import make_enriched, make_mention, make_subscription, make_tag

BODY = (
    "Gazprom cut supplies to 3 plants near Kharkiv on Monday. Officials said 1,200 people left.\n\n"
    "NATO met in Brussels. «Nothing changed», a diplomat said; 12.5 percent fewer trucks crossed.\n"
    "Zürich-based traders saw prices rise by 7 % (reporting by Jane Doe)"
)
TAGS = {
    "actors": (
        make_tag("NATO", id="Q7184", mentions=(make_mention("NATO", field="body", within=BODY),)),
        make_tag("Gazprom", id="Q102673", aliases=("Газпром", "GAZPROM")),
    ),
    "places": (
        make_tag("Kharkiv", id="706483", type="city", country="UA", aliases=("Kharkov", "Харків")),
        make_tag("Brussels", id="2800866", type="city", country="BE"),
    ),
    "regions": (make_tag("Russia–Ukraine border", id="russia-ukraine-border", type="region"),),
}


def story(i: int = 0, body: str = BODY) -> EnrichedStory:
    return make_enriched(
        id=f"s{i}",
        title="Gazprom cuts supplies — Straße İstanbul",
        body=body,
        source="Reuters",
        language="en",
        countries=("RU", "UA"),
        **TAGS,
    )


class TestTermStatistics:
    def test_a_story_counts_each_of_its_index_keys_once(self) -> None:
        stats = TermStatistics()
        stats.observe(story(0))
        stats.observe(story(1, body="NATO met."))
        expected = Counter(prepare(story(0)).keys) + Counter(prepare(story(1, body="NATO met.")).keys)
        assert stats.counts() == dict(expected)
        assert len(stats) == len(expected)
        for key, n in expected.items():
            assert stats.frequency(key) == (n + 20 * min(1.0, key_cost(key) / 1000)) / 22

    def test_empty_values_and_short_prefixes_are_no_keys(self) -> None:
        stats = TermStatistics()
        stats.observe(
            story(0, body="An ox, a yak.")
        )  # tokens shorter than a prefix, and the "" between fields
        assert stats.counts() == dict.fromkeys(prepare(story(0, body="An ox, a yak.")).keys, 1)
        assert stats.frequency("text*:ox") == TermStatistics().frequency("text*:ox") * 20 / 21
        assert stats.frequency("text:") == TermStatistics().frequency("text:") * 20 / 21

    def test_counts_survive_a_snapshot(self) -> None:
        stats = TermStatistics()
        for i in range(3):
            stats.observe(story(i))
        restored = TermStatistics.from_counts(stats.counts(), stats.stories)
        assert restored.counts() == stats.counts()
        assert restored.stories == 3
        for key in [*stats.counts(), "text:unseen", "actor*:zzz"]:
            assert restored.frequency(key) == stats.frequency(key)


# The figure pattern as first written: the fast one must find the same figures at the same places.
PLAIN_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])")
NUMBERISH = st.text(alphabet="0123456789,. \u00a0\u202fab_-٣", max_size=40)


class TestFacts:
    @given(NUMBERISH)
    def test_the_figure_pattern_finds_what_the_plain_one_finds(self, body: str) -> None:
        found = [(m.start(), m.group(1)) for m in news._NUMBER.finditer(body)]
        assert found == [(m.start(), m.group(1)) for m in PLAIN_NUMBER.finditer(body)]

    def test_the_sentences_carrying_new_facts_are_those_that_hold_them(self) -> None:
        facts = facts_of(story())
        got = what_is_new(facts, Known())
        spots = [facts.numbers[n] for n in facts.numbers]
        spots += [m.start for t in facts.mentions.values() for m in t if m.field == "body"]
        plain = [s for s in facts.sentences if any(s.start <= p < s.end for p in spots)]
        assert got.sentences == tuple(news._shorten(s.text) for s in plain[: news.MAX_SENTENCES])
        assert got.numbers == ("3", "1200", "12.5", "7")
        assert got.actors == ("NATO", "Gazprom")

    def test_nothing_new_splits_no_sentences(self) -> None:
        facts = facts_of(story())
        known = Known()
        known.add(facts)
        assert what_is_new(facts, known).sentences == ()
        assert facts._sentences is None  # never split: nothing needed them


class TestTokens:
    @given(st.text(alphabet="aZß İıſﬁǅΣς①²_-9é\u0301", max_size=30))
    def test_non_ascii_tokens_are_the_folded_runs(self, raw: str) -> None:
        assert text.tokens(raw) == [text.fold(m.group()) for m in re.finditer(r"\w+", raw)]

    def test_the_fold_cache_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        cache = text._FOLDED
        cache.clear()
        monkeypatch.setattr(text, "_FOLD_CACHE_SIZE", 3)
        assert text.tokens("Ünë Zwëi Drëi Viër Fünf") == ["ünë", "zwëi", "drëi", "viër", "fünf"]
        assert len(cache) <= 3


class TestPresearch:
    def test_second_keys_filter_as_before(self) -> None:
        queries = [
            "gazprom AND kharkiv",
            'gazprom AND brussels AND region:"Russia–Ukraine border"',
            "actor:NATO AND place:Kharkiv",
            "actor:NATO AND sanctions",
            "text:(supplies OR pipeline) AND country:UA",
            "gaz* AND place:Brussels",
            "source:Reuters AND lang:fr",
        ]
        subs = [make_subscription(f"q{i}", query=q) for i, q in enumerate(queries)]
        index = SubscriptionIndex()
        for sub in subs:
            index.add(sub)
        plain = match_all_plain([(s, compile_query(s.query)) for s in subs], story())
        assert index.match(story()) == plain
        assert [m.subscription.id for m in plain] == ["q0", "q1", "q2", "q4", "q5"]


class TestRefile:
    def test_refiling_in_batches_files_as_a_fresh_index_would(self) -> None:
        # Many queries share the posting of "kharkiv": each batch takes them all out at once.
        subs = [make_subscription(f"q{i:02}", query=f"kharkiv AND (gazprom OR w{i})") for i in range(40)]
        subs += [
            make_subscription("t", query="gaz* AND brussels"),
            make_subscription("n", query="actor:NATO"),
        ]
        stats = TermStatistics()
        for i in range(5):
            stats.observe(story(i, body=f"Gazprom and NATO in Brussels, day {i}."))
        index = SubscriptionIndex()
        for sub in subs:
            index.add(sub)
        assert index.use_statistics(stats) == len(subs)
        index.remove("q07")  # removed while queued
        while index.refile(7):
            pass
        fresh = SubscriptionIndex(stats)
        for sub in subs:
            fresh.add(sub)
        fresh.remove("q07")
        assert index._postings == fresh._postings
        assert index._prefix_postings == fresh._prefix_postings
        plain = [(s, compile_query(s.query)) for s in subs if s.id != "q07"]
        for s in (story(), story(9, body="Kharkiv and w3."), story(8, body="Brussels gazette.")):
            assert index.match(s) == fresh.match(s) == match_all_plain(plain, s)


class TestTagForms:
    """A story's tag forms are made when a query needs them: the set for the index, the map for clauses."""

    def test_the_set_is_the_maps_keys_in_every_field(self) -> None:
        prepared = prepare(story())
        for field in ("actor", "place", "region", "topic", COUNTRY_TAGS):
            assert prepared.form_set(field) == frozenset(prepared.forms(field))
        assert {"q7184", "nato", "газпром", "kharkov"} <= prepared.form_set("actor") | prepared.form_set(
            "place"
        )

    def test_a_form_two_tags_share_lists_both_in_story_order(self) -> None:
        shared = (
            make_tag("Georgia", id="614540", type="country", country="GE"),
            make_tag("Georgia", id="4197000", type="state", country="US"),
        )
        prepared = prepare(make_enriched(id="g", title="Georgia", body="Georgia.", places=shared))
        assert [t.id for t in prepared.forms("place")["georgia"]] == ["614540", "4197000"]
        assert [t.id for t in prepared.forms(COUNTRY_TAGS)["georgia"]] == ["614540"]
        assert "georgia" in prepared.values("country")

    def test_forms_are_made_once_per_story_and_field(self) -> None:
        prepared = prepare(story())
        assert prepared.forms("actor") is prepared.forms("actor")
        assert prepared.form_set("place") is prepared.form_set("place")
