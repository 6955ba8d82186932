"""The tagger on the seed story, on text in six languages, and on the disambiguation rules."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import processors
from processors import KnowledgeBase, KnowledgeBaseError, ProcessError, Tagger, Tags, enrich
from schemas.models import EnrichedStory, Story
from tests.helpers import tagger_source_module

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "nato-russia-border-scraped.txt"
NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)
SEED_TITLE = "NATO insists that Russia has not withdrawn troops from the border with Ukraine"

MakeStory = Callable[..., Story]


@functools.cache
def _shared_tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return _shared_tagger()


@pytest.fixture
def make_story() -> MakeStory:
    def make(body: str, title: str = "", standfirst: str | None = None, dateline: str | None = None) -> Story:
        return Story(
            id="t",
            title=title,
            standfirst=standfirst,
            body=body,
            dateline=dateline,
            source="test",
            content_hash="h",
            ingested_at=NOW,
        )

    return make


def _ids(tags: Tags, kind: str) -> set[str]:
    return {t.id for t in getattr(tags, kind)}


def _assert_mentions_index_story(story: Story, tags: Tags) -> None:
    for kind in ("places", "regions", "actors", "topics"):
        for tag in getattr(tags, kind):
            for m in tag.mentions:
                assert getattr(story, m.field)[m.start : m.end] == m.text, (tag.id, m)
    for m in tags.unresolved:
        assert getattr(story, m.field)[m.start : m.end] == m.text


def seed_story() -> Story:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    i = lines.index(SEED_TITLE)
    standfirst = next(line for line in lines[i + 1 :] if line.strip())
    j = lines.index(standfirst)
    end = lines.index("Related Articles")
    body = "\n\n".join(line.strip() for line in lines[j + 1 : end] if line.strip())
    return Story(
        id="seed",
        title=SEED_TITLE,
        standfirst=standfirst,
        body=body,
        source="seed",
        content_hash="seed",
        ingested_at=NOW,
    )


@pytest.fixture(scope="module")
def story() -> Story:
    return seed_story()


@pytest.fixture(scope="module")
def tags(story: Story, tagger: Tagger) -> Tags:
    return tagger.tag(story)


class TestSeedStory:
    def test_countries_are_the_places_of_events(self, tags: Tags) -> None:
        assert tags.countries == ("BE", "BY", "RU", "UA", "US")

    def test_norway_is_a_nationality_not_a_place(self, tags: Tags) -> None:
        assert "NO" not in tags.countries
        assert all(t.country != "NO" for t in tags.places)

    def test_places(self, tags: Tags) -> None:
        names = {t.name for t in tags.places}
        assert {"Russia", "Ukraine", "Belarus", "Brussels", "United States"} <= names
        brussels = next(t for t in tags.places if t.name == "Brussels")
        assert brussels.country == "BE"

    def test_regions(self, tags: Tags) -> None:
        assert {"region:ru-ua-border", "region:eastern-europe"} <= _ids(tags, "regions")
        border = next(t for t in tags.regions if t.id == "region:ru-ua-border")
        assert border.mentions[0].field == "title"
        assert border.mentions[0].text == "border with Ukraine"

    def test_actors(self, tags: Tags) -> None:
        assert {"Q7184", "Q57614", "Q29540", "Q159", "Q30"} <= _ids(tags, "actors")

    def test_people_carry_their_roles_and_aliases(self, tags: Tags) -> None:
        stoltenberg = next(t for t in tags.actors if t.id == "Q57614")
        assert any(e.startswith("NATO Secretary General") for e in stoltenberg.evidence)
        assert "Stoltenberg" in stoltenberg.aliases
        # "The Secretary General of NATO, Jens Stoltenberg, ...": the title names him too (in 2022).
        assert {m.text for m in stoltenberg.mentions} == {
            "Jens Stoltenberg",
            "Stoltenberg",
            "Secretary General of NATO",
        }

    def test_russia_acts_through_moscow_and_the_kremlin(self, tags: Tags) -> None:
        russia = next(t for t in tags.actors if t.id == "Q159")
        texts = {m.text for m in russia.mentions}
        assert {"Moscow", "Russia"} <= texts
        assert {"the Kremlin", "The Kremlin"} & texts
        # Moscow only ever acts in this story: it is not a place of events.
        assert "Moscow" not in {t.name for t in tags.places}

    def test_topics(self, tags: Tags) -> None:
        topics = _ids(tags, "topics")
        assert {"topic:troop-movement", "topic:de-escalation", "topic:diplomacy"} <= topics
        deesc = next(t for t in tags.topics if t.id == "topic:de-escalation")
        assert {"withdrawn", "de-escalation"} <= {m.text for m in deesc.mentions}

    def test_every_mention_indexes_the_story(self, story: Story, tags: Tags) -> None:
        _assert_mentions_index_story(story, tags)

    def test_enrich(self, story: Story, tags: Tags) -> None:
        enriched = enrich(story, tags, cluster_id="c1")
        assert isinstance(enriched, EnrichedStory)
        assert enriched.countries == tags.countries
        assert enriched.cluster_id == "c1"
        assert enriched.title == story.title
        assert EnrichedStory.from_bytes(enriched.to_bytes()) == enriched


LANGUAGE_CASES = [
    pytest.param(
        "Россия не отвела войска от границы с Украиной, заявил генсек НАТО Йенс Столтенберг в Брюсселе. "
        "Кремль потребовал гарантий. Обстрелы в Белгородской области и Харьковской области продолжаются.",
        {"RU", "UA", "BE"},
        {"Q7184", "Q57614", "Q159"},
        {"topic:de-escalation", "topic:attack"},
        {"region:ru-ua-border"},
        id="ru",
    ),
    pytest.param(
        "Росія стягує війська до кордону з Україною, повідомили в Києві. Генсек НАТО Єнс Столтенберг "
        "закликав до діалогу. Обстріли Харківщини та Сумщини тривають.",
        {"RU", "UA"},
        {"Q7184", "Q57614"},
        {"topic:troop-movement", "topic:diplomacy", "topic:attack"},
        {"region:ru-ua-border"},
        id="uk",
    ),
    pytest.param(
        "La OTAN insiste en que Rusia no ha retirado sus tropas de la frontera con Ucrania. El secretario "
        "general, Jens Stoltenberg, habló en Bruselas sobre las negociaciones con Moscú y las sanciones.",
        {"RU", "UA", "BE"},
        {"Q7184", "Q57614"},
        {"topic:de-escalation", "topic:diplomacy", "topic:sanctions"},
        {"region:ru-ua-border"},
        id="es",
    ),
    pytest.param(
        "L'OTAN affirme que la Russie n'a pas retiré ses troupes de la frontière ukrainienne. Jens Stoltenberg "
        "a appelé au dialogue à Bruxelles, tandis que le Kremlin exige des garanties.",
        {"RU", "UA", "BE"},
        {"Q7184", "Q57614", "Q159"},
        {"topic:troop-movement", "topic:diplomacy"},
        {"region:ru-ua-border"},
        id="fr",
    ),
    pytest.param(
        "Die NATO sieht keinen Rückzug russischer Truppen von der Grenze zur Ukraine. Generalsekretär Jens "
        "Stoltenberg sagte in Brüssel, Russland müsse den Dialog wählen. Neue Sanktionen seien möglich.",
        {"RU", "UA", "BE"},
        {"Q7184", "Q57614"},
        {"topic:de-escalation", "topic:diplomacy", "topic:sanctions"},
        {"region:ru-ua-border"},
        id="de",
    ),
    pytest.param(
        "NATO says Russia has moved more troops towards Ukraine, and shelling hit Belgorod and Kharkiv. "
        "Moscow denied it.",
        {"RU", "UA"},
        {"Q7184", "Q159"},
        {"topic:troop-movement", "topic:attack"},
        {"region:ru-ua-border"},
        id="en",
    ),
]


class TestLanguages:
    @pytest.mark.parametrize(("body", "countries", "actors", "topics", "regions"), LANGUAGE_CASES)
    def test_tags_in_language(
        self,
        tagger: Tagger,
        make_story: MakeStory,
        *,
        body: str,
        countries: set[str],
        actors: set[str],
        topics: set[str],
        regions: set[str],
    ) -> None:
        story = make_story(body)
        tags = tagger.tag(story)
        assert countries <= set(tags.countries)
        assert actors <= _ids(tags, "actors")
        assert topics <= _ids(tags, "topics")
        assert regions <= _ids(tags, "regions")
        _assert_mentions_index_story(story, tags)


class TestInflectedNames:
    @pytest.mark.parametrize(
        ("body", "place_id"),
        [
            ("Губернатор Курска заявил о разрушениях.", "538560"),  # genitive after a capitalised noun
            ("У Сумах пролунали вибухи.", "692194"),  # locative plural, curated
            ("Вибухи пролунали в Харкові та Києві.", "706483"),
            ("Беспилотник сбит над Белгородской областью.", "RU-BEL"),
            ("Делегация прибыла в Брюссель из Москвы.", "2800866"),
        ],
    )
    def test_case_forms(self, tagger: Tagger, make_story: MakeStory, body: str, place_id: str) -> None:
        story = make_story(body)
        tags = tagger.tag(story)
        assert place_id in _ids(tags, "places")
        _assert_mentions_index_story(story, tags)


class TestDisambiguation:
    @pytest.mark.parametrize(
        ("body", "surface", "expected_country", "expected_type"),
        [
            (
                "Storms hit Atlanta and Savannah in Georgia on Monday, the governor said.",
                "Georgia",
                "US",
                "subdivision",
            ),
            (
                "Russia and Georgia fought a war in 2008 over South Ossetia; Tbilisi wants talks.",
                "Georgia",
                "GE",
                "country",
            ),
            (
                "Police in Moscow, Idaho, are investigating the killings near the university.",
                "Moscow",
                "US",
                "city",
            ),
            ("A fire broke out in Paris, Texas, late on Friday.", "Paris", "US", "city"),
            ("Tourists flocked to Paris and Lyon as France reopened museums.", "Paris", "FR", "city"),
            ("Heavy rain flooded London and Manchester, the Met Office said.", "London", "GB", "city"),
            ("Residents of London, Ontario, and Toronto lost power.", "London", "CA", "city"),
            (
                "Refugees crossed from Syria into Jordan, where camps near Amman are full.",
                "Jordan",
                "JO",
                "country",
            ),
            ("Turkey closed its airspace, Ankara said.", "Turkey", "TR", "country"),
        ],
    )
    def test_reading(
        self,
        tagger: Tagger,
        make_story: MakeStory,
        *,
        body: str,
        surface: str,
        expected_country: str,
        expected_type: str,
    ) -> None:
        tags = tagger.tag(make_story(body))
        tag = next(t for t in tags.places if any(m.text == surface for m in t.mentions))
        assert (tag.country, tag.type) == (expected_country, expected_type)

    @pytest.mark.parametrize(
        ("body", "not_country"),
        [
            ("Michael Jordan said he would return to basketball.", "JO"),
            ("We ate turkey and cranberry sauce at Thanksgiving.", "TR"),
            ("Mr Paris told the court he was innocent.", "FR"),
            ('"I love skating," said Georgia. Georgia herself trains every morning.', "GE"),
            ("Police said the suspect fled on foot.", "PL"),
            ("Let us know what you think.", "US"),
        ],
    )
    def test_not_a_place(self, tagger: Tagger, make_story: MakeStory, body: str, not_country: str) -> None:
        assert not_country not in tagger.tag(make_story(body)).countries

    def test_dateline_breaks_a_tie(self, tagger: Tagger, make_story: MakeStory) -> None:
        body = "The mayor of Paris met farmers on Tuesday."
        plain = tagger.tag(make_story(body))
        dated = tagger.tag(make_story(body + " Officials in Lamar County agreed.", dateline="DALLAS"))
        assert "FR" in plain.countries
        assert "US" in dated.countries
        assert any("dateline" in e for t in dated.places for e in t.evidence)

    def test_demonym_alone_supports_a_country_with_low_confidence(
        self, tagger: Tagger, make_story: MakeStory
    ) -> None:
        tags = tagger.tag(make_story("Russian tanks were seen on the road."))
        russia = next(t for t in tags.places if t.id == "RU")
        assert russia.confidence <= 0.6
        assert "demonym" in russia.evidence

    @pytest.mark.parametrize(
        "body",
        [
            "The former Norwegian prime minister spoke on Monday.",
            "El primer ministro noruego habló el lunes.",
            "Le président russe a parlé lundi.",
        ],
    )
    def test_nationality_of_a_person_is_not_a_place(
        self, tagger: Tagger, make_story: MakeStory, body: str
    ) -> None:
        assert tagger.tag(make_story(body)).countries == ()


class TestMetonymy:
    @pytest.mark.parametrize(
        ("body", "actor", "place_absent"),
        [
            ("Moscow has not responded to the letter.", "Q159", "524901"),
            ("NATO sent a letter to Moscow at the end of January.", "Q159", "524901"),
            ("The Kremlin demanded guarantees.", "Q159", None),
            ("Washington said the sanctions would stay.", "Q30", "4140963"),
            ("Kyiv rejected the proposal.", "Q212", "703448"),
            ("Brussels warned Budapest over the rule of law.", "Q458", "2800866"),
            ("The White House denied the report.", "Q30", None),
            ("Кремль заявил, что Москва ответит.", "Q159", None),
        ],
    )
    def test_acting_capital_is_its_state(
        self, tagger: Tagger, make_story: MakeStory, body: str, actor: str, place_absent: str | None
    ) -> None:
        tags = tagger.tag(make_story(body))
        assert actor in _ids(tags, "actors")
        if place_absent:
            assert place_absent not in _ids(tags, "places")

    def test_capital_as_location_stays_a_place(self, tagger: Tagger, make_story: MakeStory) -> None:
        tags = tagger.tag(make_story("Thousands marched in Moscow on Saturday."))
        assert "524901" in _ids(tags, "places")
        assert "Q159" not in _ids(tags, "actors")

    def test_country_as_subject_is_its_state(self, tagger: Tagger, make_story: MakeStory) -> None:
        tags = tagger.tag(make_story("Russia has increased the number of troops."))
        assert "Q159" in _ids(tags, "actors")
        assert "RU" in tags.countries

    @pytest.mark.parametrize(
        ("body", "actor", "country"),
        [
            ("Israel attacked Hezbollah positions overnight.", "Q801", "IL"),
            ("Iran condemned the strike.", "Q794", "IR"),
            ("Russia invaded Ukraine in February 2022.", "Q159", "RU"),
            ("Francia condenó el ataque.", "Q142", "FR"),
        ],
    )
    def test_a_country_doing_something_is_its_state(
        self, tagger: Tagger, make_story: MakeStory, body: str, actor: str, country: str
    ) -> None:
        # Stance and speech verbs made a country an actor; verbs of action do too (issue 12).
        tags = tagger.tag(make_story(body))
        assert actor in _ids(tags, "actors")
        assert country in tags.countries  # still a place of the story as well


class TestArticles:
    def test_a_name_with_its_article_matches_after_a_lower_case_the(
        self, tagger: Tagger, make_story: MakeStory
    ) -> None:
        # Aliases such as "The Aspen Times" (a newspaper) are written with their article.
        tags = tagger.tag(make_story("The mayor resigned on Monday, said the Aspen Times."))
        names = {t.name: [m.text for m in t.mentions] for t in tags.actors}
        assert names.get("The Aspen Times") == ["the Aspen Times"]

    def test_one_word_after_a_lower_case_the_is_no_name_with_its_article(
        self, tagger: Tagger, make_story: MakeStory
    ) -> None:
        # Parties named "The River" (Greece), "The Right" (Italy), "The Republicans" (Germany).
        body = "We walked down to the River, then the Right bank. In Iowa the Republicans won."
        tags = tagger.tag(make_story(body))
        assert not [t for t in tags.actors if t.name in {"The River", "The Right", "The Republicans"}]


class TestRegionsByMembers:
    def test_border_oblasts_make_the_border_region(self, tagger: Tagger, make_story: MakeStory) -> None:
        tags = tagger.tag(
            make_story("Shelling hit villages in the Belgorod region and in Kharkiv Oblast overnight.")
        )
        border = next(t for t in tags.regions if t.id == "region:ru-ua-border")
        assert border.mentions == ()
        assert any("Belgorod" in e and "Kharkiv" in e for e in border.evidence)

    def test_one_member_is_not_enough(self, tagger: Tagger, make_story: MakeStory) -> None:
        tags = tagger.tag(make_story("A festival opened in Kharkiv Oblast."))
        assert "region:ru-ua-border" not in _ids(tags, "regions")


class TestUnresolved:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ("Fighting continued near Zzyzxville on Sunday.", "Zzyzxville"),
            ("He was born in Upper Qwertyton and moved to Kyiv.", "Upper Qwertyton"),
            ("Бои идут под Кшфрвуком.", "Кшфрвуком"),
        ],
    )
    def test_unknown_place_is_kept(
        self, tagger: Tagger, make_story: MakeStory, body: str, expected: str
    ) -> None:
        story = make_story(body)
        tags = tagger.tag(story)
        assert expected in {m.text for m in tags.unresolved}
        _assert_mentions_index_story(story, tags)

    @pytest.mark.parametrize("body", ["Talks resumed in Brussels.", "It happened in March.", "in The Hague"])
    def test_known_places_and_months_are_not_unresolved(
        self, tagger: Tagger, make_story: MakeStory, body: str
    ) -> None:
        assert tagger.tag(make_story(body)).unresolved == ()


class TestPurity:
    def test_same_story_same_tags(self, tagger: Tagger) -> None:
        story = seed_story()
        assert tagger.tag(story) == tagger.tag(story)

    def test_empty_story(self, tagger: Tagger, make_story: MakeStory) -> None:
        assert tagger.tag(make_story("")) == Tags()


class TestNamesakes:
    def test_qualifier_naming_another_country_leaves_the_name_unresolved(
        self, tagger: Tagger, make_story: MakeStory
    ) -> None:
        # Our gazetteer has no Glasgow in Montana: the qualifier rules out Scotland's.
        story = make_story("The fair in Glasgow, Mont., drew farmers from across Montana.")
        tags = tagger.tag(story)
        assert "GB" not in tags.countries
        assert "Glasgow" in {m.text for m in tags.unresolved}

    def test_context_picks_the_local_namesake(self, tagger: Tagger, make_story: MakeStory) -> None:
        body = (
            "Queensland police said a man from Edmonton was arrested in Cairns. Officers in Townsville "
            "and Brisbane joined the search across Queensland, Australia."
        )
        tags = tagger.tag(make_story(body))
        assert tags.countries == ("AU",)
        edmonton = next(t for t in tags.places if t.name == "Edmonton")
        assert edmonton.country == "AU"

    def test_foreign_town_in_a_story_anchored_elsewhere_is_unresolved(
        self, tagger: Tagger, make_story: MakeStory
    ) -> None:
        body = (
            "Police in Louisville, Lexington and Bowling Green, Kentucky, said a man from Edmonton "
            "was arrested on Friday."
        )
        tags = tagger.tag(make_story(body))
        assert tags.countries == ("US",)
        assert "Edmonton" in {m.text for m in tags.unresolved}


class TestErrors:
    def test_missing_data_dir_raises_with_context(self, tmp_path: Path) -> None:
        with pytest.raises(KnowledgeBaseError) as info:
            KnowledgeBase.load(tmp_path)
        assert str(info.value.context["path"]).endswith("places.tsv")
        assert isinstance(info.value, ProcessError)

    def test_unknown_entity(self) -> None:
        with pytest.raises(KnowledgeBaseError, match="unknown entity"):
            KnowledgeBase.load().get("Q0")


WORDS = [
    "Russia",
    "Moscow",
    "the Kremlin",
    "Kyiv",
    "Україні",
    "России",
    "U.S.",
    "US",
    "us",
    "NATO",
    "Georgia",
    "Paris",
    "Texas",
    "London",
    "Ontario",
    "said",
    "in",
    "near",
    "Zzyx",
    "troops",
    "withdrawal",
    "Mr",
    "Jordan",
    "ß",
    "İ",
    "—",
    "’s",
    ",",
    ".",
    "\n\n",
    "Stoltenberg",
    "border",
    "with",
    "Ukraine",
    "Ky.",
]


class TestProperties:
    @given(st.lists(st.sampled_from(WORDS), max_size=40), st.sampled_from([" ", "", "  "]))
    # A name with only line breaks after it (an IndexError in names.supported once).
    @example(words=["Russia", "the Kremlin", "Russia", "\n\n"], sep="")
    @settings(max_examples=150, deadline=None)
    def test_any_text_tags_without_error_and_mentions_index_it(self, words: list[str], sep: str) -> None:
        tagger = _shared_tagger()
        body = sep.join(words)
        story = Story(id="p", title=body[:60], body=body, source="test", content_hash="h", ingested_at=NOW)
        tags = tagger.tag(story)
        _assert_mentions_index_story(story, tags)
        assert list(tags.countries) == sorted(set(tags.countries))


class TestRolesByDate:
    @pytest.mark.parametrize(
        ("published", "role"),
        [
            (datetime(2022, 2, 16, tzinfo=UTC), "NATO Secretary General"),
            (datetime(2010, 5, 1, tzinfo=UTC), "Prime Minister of Norway"),
        ],
    )
    def test_role_held_on_the_story_date(self, tagger: Tagger, published: datetime, role: str) -> None:
        story = Story(
            id="r",
            title="",
            body="Jens Stoltenberg spoke.",
            published_at=published,
            source="t",
            content_hash="h",
            ingested_at=NOW,
        )
        actor = next(t for t in tagger.tag(story).actors if t.id == "Q57614")
        assert [e.split(" (")[0] for e in actor.evidence] == [role]


@functools.cache
def _source_tagger() -> Tagger:
    """The tagger built from its source (``processors/tagger.py``, ``tagging/``...), beside the build."""
    source = tagger_source_module()
    source_tagger: Tagger = source.Tagger(source.KnowledgeBase.load())
    return source_tagger


def _fields(tags: Tags) -> tuple[object, ...]:
    return (tags.countries, tags.places, tags.regions, tags.actors, tags.topics, tags.unresolved)


class TestCompiledBuild:
    """mypyc compiles the tagger (setup.py): the compiled build must tag exactly as its source."""

    def test_the_build_is_compiled_where_required(self) -> None:
        # `make test` (hence CI) requires it: a benchmark of the source would mislead.
        if os.environ.get("WIREWATCH_REQUIRE_COMPILED") == "1":
            assert processors.COMPILED, "the tagger is not compiled: run `make setup`"
        assert processors.tagger.__file__ is not None
        assert processors.tagger.__file__.endswith(".py") is not processors.COMPILED

    # Where the build runs from its source (WIREWATCH_PURE=1), these compare two taggers built
    # from the same source: still a check that tagging depends on nothing but the story.
    @given(st.lists(st.sampled_from(WORDS), max_size=60), st.sampled_from([" ", "  "]))
    @settings(max_examples=60, deadline=None)
    def test_compiled_and_source_tag_alike(self, words: list[str], sep: str) -> None:
        body = sep.join(words)
        story = Story(id="p", title=body[:60], body=body, source="test", content_hash="h", ingested_at=NOW)
        assert _fields(_shared_tagger().tag(story)) == _fields(_source_tagger().tag(story))

    def test_compiled_and_source_tag_the_seed_and_samples_alike(self) -> None:
        samples = [case.values[0] for case in LANGUAGE_CASES]
        stories = [
            seed_story(),
            *(
                Story(id=str(i), title="", body=str(text), source="test", content_hash="h", ingested_at=NOW)
                for i, text in enumerate(samples)
            ),
        ]
        for story in stories:
            assert _fields(_shared_tagger().tag(story)) == _fields(_source_tagger().tag(story)), story.id
