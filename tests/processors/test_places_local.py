"""Places on local news (issue 14, part 4): no false places from words, names and small towns.

Each class of error fixed, on sentences of our own: an alternate name or a small town's name
that is a common word, a given name or an organisation is no place without support; small
towns back each other only within their state; a qualifier, a dateline or a place named next
to a town ("X, south of Y") settles which town it is; capitalised nouns before a place
(German "Kanton Bern", possessives, acronyms) do not make it a person's name.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from processors import KnowledgeBase, Tagger
from processors.kb_build import wordlike
from processors.kb_build.forms import stopwords
from schemas.models import Story, Tag

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _tag(body: str, title: str = "", dateline: str | None = None) -> tuple[set[str], dict[str, Tag]]:
    story = Story(
        id="t", title=title, body=body, dateline=dateline, source="test", content_hash="h", ingested_at=NOW
    )
    tags = _tagger().tag(story)
    return set(tags.countries), {t.id: t for t in tags.places}


def _states(places: dict[str, Tag]) -> set[str]:
    """The first-level subdivisions of the places: their own ids and their admin paths'."""
    out: set[str] = set()
    for tag in places.values():
        if tag.type == "subdivision":
            out.add(tag.id)
        if tag.geo is not None:
            out.update(p for p in tag.geo.path if "-" in p)
    return out


def _cities(places: dict[str, Tag]) -> dict[str, Tag]:
    return {t.name: t for t in places.values() if t.type == "city"}


# --- the gazetteer build: alternate names ----------------------------------------------


class TestAlternateNames:
    """``wordlike.alternate_ok``: which GeoNames alternate names a city keeps."""

    @staticmethod
    def _ok(alias: str, name: str, country: str) -> bool:
        return wordlike.alternate_ok(
            alias,
            name,
            country,
            actors={"hamas"},
            stopwords={"perto", "siano"},
            notable={"victoria": {"CA"}},
        )

    @pytest.mark.parametrize(
        ("alias", "name", "country"),
        [
            ("Hamas", "Hamm", "DE"),  # an organisation
            ("Perto", "Perth", "AU"),  # a Portuguese word ("near")
            ("Victoria", "Hong Kong", "HK"),  # another country's city's own name
        ],
    )
    def test_dropped(self, alias: str, name: str, country: str) -> None:
        assert not self._ok(alias, name, country)

    @pytest.mark.parametrize(
        ("alias", "name", "country"),
        [
            ("Moskau", "Moscow", "RU"),  # an exonym
            ("Victoria", "Victoria", "CA"),  # its own country's notable place
        ],
    )
    def test_kept(self, alias: str, name: str, country: str) -> None:
        assert self._ok(alias, name, country)

    def test_a_spelling_of_its_own_name_is_kept(self) -> None:
        notable = {"odessa": {"US"}, "st. petersburg": {"US"}}
        for alias, name, country in (("Odessa", "Odesa", "UA"), ("St. Petersburg", "Saint Petersburg", "RU")):
            assert wordlike.alternate_ok(alias, name, country, actors=set(), stopwords=set(), notable=notable)
        assert wordlike.spelling_of("Newcastle", "Newcastle upon Tyne")
        assert not wordlike.spelling_of("Victoria", "Hong Kong")

    def test_hamm_has_no_hamas_in_the_gazetteer(self) -> None:
        kb = KnowledgeBase.load()
        senses = kb.lookup("Hamas")
        assert senses, "Hamas is an actor (PETRARCH's dictionaries)"
        assert all(kb.entities[s.entity].type != "city" for s in senses)

    def test_stoplists_are_read(self) -> None:
        words = stopwords()
        assert {"the", "und", "para"} <= words

    def test_place_words_hold_wordlike_small_towns(self) -> None:
        words = KnowledgeBase.load().place_words
        assert {"alliance", "justice", "college", "graham"} <= words
        assert "raynham" not in words


class TestWordlikeNames:
    """``wordlike.is_wordlike``: one-word names frequent in our languages, or actors' names."""

    def test_words_and_given_names(self) -> None:
        for name in ("Alliance", "Justice", "Crystal", "Graham"):
            assert wordlike.is_wordlike(name, set()), name

    def test_plain_town_names(self) -> None:
        for name in ("Raynham", "Taunton", "Decatur"):
            assert not wordlike.is_wordlike(name, set()), name

    def test_actor_names(self) -> None:
        assert wordlike.is_wordlike("Fatah Al-Islam", {"fatah al-islam"})


# --- the tagger ---------------------------------------------------------------------------


class TestWordsAreNoPlaces:
    """A name that is also a word, a given name or an organisation needs support."""

    def test_organisation_alternate_name(self) -> None:
        countries, places = _tag("Egypt hosted talks with Hamas on Monday about a truce in Gaza.")
        assert "DE" not in countries
        assert not any(t.name == "Hamm" for t in places.values())

    def test_common_word_town_alone(self) -> None:
        countries, _ = _tag("Alliance officials said the budget would pass.", title="Alliance officials said")
        assert countries == set()

    def test_common_word_town_with_country_support_only(self) -> None:
        # The United States named is not Nebraska or Ohio: "Alliance" stays a word.
        countries, places = _tag("Alliance officials in the United States said the budget would pass.")
        assert countries == {"US"}
        assert "Alliance" not in _cities(places)

    def test_common_word_town_with_its_state(self) -> None:
        _, places = _tag("Alliance, Ohio officials said the budget would pass.")
        assert _cities(places)["Alliance"].geo is not None
        assert "US-OH" in _cities(places)["Alliance"].geo.path  # type: ignore[union-attr]

    def test_given_names_and_words_in_a_foreign_story(self) -> None:
        countries, places = _tag("Det. Graham Gibson said the man lived on College Street in Toronto.")
        assert countries == {"CA"}
        assert "Toronto" in _cities(places)


class TestSmallTowns:
    """Small towns need their state, county, a qualifier, the dateline or a nearby place."""

    def test_towns_of_different_states_do_not_back_each_other(self) -> None:
        # Raynham (Mass.) and Enfield (Conn.) in a London story: no American town.
        countries, _ = _tag("Pupils from Raynham Primary cooked for judges. Enfield Council thanked them.")
        assert "US" not in countries

    def test_towns_of_one_state_back_each_other(self) -> None:
        countries, places = _tag("Raynham police said a Taunton man was arrested in Bridgewater.")
        assert countries == {"US"}
        assert {"Raynham", "Taunton"} <= set(_cities(places))
        assert _states(places) == {"US-MA"}

    def test_state_qualifier(self) -> None:
        countries, places = _tag("Police in Springfield, Ill., said a man was arrested in Decatur.")
        assert countries == {"US"}
        cities = _cities(places)
        assert "US-IL" in cities["Springfield"].geo.path  # type: ignore[union-attr]
        assert "US-IL" in cities["Decatur"].geo.path  # type: ignore[union-attr]

    def test_us_local_story_resolves_its_towns_to_the_state(self) -> None:
        body = (
            "A fire destroyed a barn in Taylorville on Friday, the Christian County sheriff said. "
            "Crews from Pana and Springfield helped. Illinois State Police are investigating."
        )
        countries, places = _tag(body)
        assert countries == {"US"}
        cities = _cities(places)
        for town in ("Taylorville", "Springfield"):
            assert "US-IL" in cities[town].geo.path, town  # type: ignore[union-attr]

    def test_dateline_backs_a_town(self) -> None:
        body = "Officials said the Raynham bridge would reopen on Monday."
        countries, places = _tag(body, dateline="TAUNTON, Mass.")
        assert countries == {"US"}
        assert "Raynham" in _cities(places)
        assert _states(places) == {"US-MA"}
        # Without the dateline, nothing backs the town.
        assert _tag(body)[0] == set()

    def test_a_county_is_not_the_city_of_its_name(self) -> None:
        # No Hamilton, Ontario, nor Wellington, New Zealand, for counties we do not know...
        assert _tag("The Hamilton County sheriff said two people were hurt.")[0] == set()
        assert _tag("Wellington County council approved the budget.")[0] == set()
        # ...but the town of that name where its country is in the story.
        countries, places = _tag("Napa County officials met in Napa, California.")
        assert countries == {"US"}
        assert _states(places) == {"US-CA"}

    def test_a_place_named_next_to_a_town_says_where_it_is(self) -> None:
        # There is an Edmonton in Queensland: not the Canadian city, whatever its size.
        countries, _ = _tag("He stabbed a man at a house in Edmonton, south of Cairns, in November.")
        assert countries == {"AU"}


class TestNamesBeforePlaces:
    """Capitalised words before a place name that do not make it a person's."""

    def test_german_nouns_and_institutions(self) -> None:
        body = (
            "Die Kantonspolizei Bern meldete einen Unfall auf der A6. Der Verstorbene stammte aus dem "
            "Kanton Bern; die Universität Bern untersucht den Fall."
        )
        countries, places = _tag(body)
        assert countries == {"CH"}
        assert "Bern" in _cities(places)
        assert "CH-BE" in _states(
            places
        )  # GeoNames' canton codes are ISO's letters  # "Kanton" is not Guangzhou here

    def test_possessive_and_acronym(self) -> None:
        countries, _ = _tag("Pallister's Costa Rica trips drew criticism, CBC Toronto reported.")
        assert {"CR", "CA"} <= countries

    def test_a_person_stays_a_person(self) -> None:
        countries, _ = _tag("Michael Jordan scored 40 points. Jordan said he was tired.")
        assert "JO" not in countries

    def test_demonym_inside_a_name(self) -> None:
        assert _tag("The furnaces are owned by the miner Anglo American.")[0] == set()
        assert _tag("Russian troops massed near the border.")[0] == {"RU"}
        assert "RU" in _tag("Tropas russas concentram-se perto da fronteira.")[0]

    def test_compass_words_are_no_regions(self) -> None:
        kb = KnowledgeBase.load()
        for word in ("Nord", "Ouest", "Est", "Sud"):
            assert all(kb.entities[s.entity].type != "subdivision" for s in kb.lookup(word)), word

    def test_continent_is_not_its_country(self) -> None:
        countries, _ = _tag("Alberta is the only place in North America without such a levy.")
        assert "US" not in countries
        assert "CA" in countries
