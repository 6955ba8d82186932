"""One event, one alert: copies after the first give updates that say what is new (offline pipeline)."""

from __future__ import annotations

from datetime import timedelta

from alerts.deliver.channels.apprise import render
from alerts.pipeline import AlertPipeline
from alerts.state.news import Known, facts_of, what_is_new
from processors.pipeline import Enricher
from schemas.models import Alert, AlertKind, PubStatus, Story, WhatIsNew
from tests.factories import make_alert, make_enriched, make_mention, make_subscription, make_tag
from tests.processors.test_cluster import REUTERS_STAND, REUTERS_TITLE, UPDATE_BODY
from tests.processors.test_cluster_event import AP, ES, REUTERS, T0, _tagger, story

TOLL = (
    "The death toll rose to 19 by Tuesday afternoon, AFAD said in an updated statement, as rescuers "
    "pulled two more survivors from a collapsed apartment block in Yesilyurt."
)
REUTERS_V2 = story(
    REUTERS.id, REUTERS_TITLE, UPDATE_BODY, REUTERS_STAND, version=2, at=T0 + timedelta(hours=3)
)
KILL = story(
    REUTERS.id, "Withdrawn", "Withdrawn.", version=3, pubstatus=PubStatus.CANCELED, at=T0 + timedelta(hours=4)
)


def run(stories: list[Story]) -> list[Alert]:
    enricher = Enricher(_tagger())
    pipeline = AlertPipeline([make_subscription("quake", query="Malatya")])
    out: list[Alert] = []
    for s in stories:
        out += pipeline.alerts_for(enricher.enrich(s), now=s.published_at or s.ingested_at)
    return out


class TestThroughThePipeline:
    def test_one_new_then_updates_that_say_what_is_new(self) -> None:
        alerts = run([REUTERS, AP, REUTERS_V2, ES])
        assert [a.kind for a in alerts] == [
            AlertKind.NEW,
            AlertKind.UPDATE,
            AlertKind.UPDATE,
            AlertKind.UPDATE,
        ]
        assert len({a.cluster_id for a in alerts}) == 1
        new, rewrite, toll, translation = alerts
        assert new.what_is_new is None
        # The AP rewrite names its dateline city, and one figure the seed lacked (Malatya, which
        # both name, is not news).
        assert rewrite.what_is_new is not None
        assert set(rewrite.what_is_new.places) == {"Istanbul"}
        assert rewrite.what_is_new.numbers == ("5.6",)
        assert rewrite.what_is_new.actors == ()
        # The second version: the toll rose. Only that sentence is new.
        assert toll.what_is_new == WhatIsNew(numbers=("19",), sentences=(TOLL,))
        # The Spanish translation carries nothing the subscriber was not told.
        assert translation.what_is_new == WhatIsNew()

    def test_a_retraction_names_the_versions_it_withdraws(self) -> None:
        alerts = run([REUTERS, REUTERS_V2, KILL])
        assert [a.kind for a in alerts] == [AlertKind.NEW, AlertKind.UPDATE, AlertKind.RETRACTION]
        assert alerts[-1].what_is_new == WhatIsNew(withdraws=(1, 2))
        assert alerts[-1].story_version == 3


class TestWhatIsNew:
    def test_trailer_names_are_not_news_and_known_facts_are_not_repeated(self) -> None:
        body = "Mayor Ana Ruiz said 40 homes burned. (Reporting by Tim Kelly; Editing by Gareth Jones)"
        ruiz = make_tag(
            "Ana Ruiz", type="person", mentions=(make_mention("Ana Ruiz", field="body", within=body),)
        )
        kelly = make_tag(
            "Tim Kelly", type="person", mentions=(make_mention("Tim Kelly", field="body", within=body),)
        )
        facts = facts_of(make_enriched(body=body, actors=(ruiz, kelly)))
        assert list(facts.actors) == ["Ana Ruiz"]
        known = Known()
        first = what_is_new(facts, known)
        assert first.actors == ("Ana Ruiz",)
        assert first.numbers == ("40",)
        assert first.sentences == ("Mayor Ana Ruiz said 40 homes burned.",)
        known.add(facts)
        assert what_is_new(facts, known) == WhatIsNew()

    def test_known_facts_are_bounded(self) -> None:
        known = Known()
        for n in range(300):
            known.add(facts_of(make_enriched(body=f"{n + 10} more.")))
        assert len(known.numbers) == 200
        assert known.numbers[-1] == "309"


class TestShown:
    def test_apprise_text_says_what_is_new_and_what_is_withdrawn(self) -> None:
        update = make_alert(kind=AlertKind.UPDATE, what_is_new=WhatIsNew(numbers=("19",), sentences=(TOLL,)))
        assert "  • Figures: 19" in render(update)[1]
        assert f"  › {TOLL}" in render(update)[1]
        kill = make_alert(kind=AlertKind.RETRACTION, what_is_new=WhatIsNew(withdraws=(1, 2)))
        assert "Withdraws versions: 1, 2" in render(kill)[1]
        assert "New:" not in render(make_alert())[1]
