"""Parties named by their members' word in their country's news (issue 12; tagging/parties.py)."""

from __future__ import annotations

import pytest

from processors import Tags
from tests.helpers import tag_body

DEMOCRATIC, REPUBLICAN, CONSERVATIVE, LABOUR = "Q29552", "Q29468", "Q9626", "Q9630"


def _tag(body: str, language: str = "en") -> Tags:
    return tag_body(body, language)


def _parties(tags: Tags) -> dict[str, list[str]]:
    return {t.id: [m.text for m in t.mentions] for t in tags.actors if t.type == "party"}


class TestNamed:
    @pytest.mark.parametrize(
        ("body", "language", "expected"),
        [
            (
                "The Republican challenger beat two Democratic lawmakers in the Ohio primary.",
                "en",
                {REPUBLICAN: ["Republican"], DEMOCRATIC: ["Democratic"]},
            ),
            ("Democrats said the Republican-led Senate in Ohio would act.", "en", None),
            (
                "Tory MPs rebelled in London as Labour led in the polls.",
                "en",
                {CONSERVATIVE: ["Tory"], LABOUR: ["Labour"]},
            ),
            (
                "Die Demokraten und die Republikaner stritten in Washington über den Haushalt.",
                "de",
                {DEMOCRATIC: ["Demokraten"], REPUBLICAN: ["Republikaner"]},
            ),
            (
                "Die Tories verloren in London, Labour gewann.",
                "de",
                {CONSERVATIVE: ["Tories"], LABOUR: ["Labour"]},
            ),
        ],
    )
    def test_in_its_countrys_news(
        self, body: str, language: str, expected: dict[str, list[str]] | None
    ) -> None:
        parties = _parties(_tag(body, language))
        if expected is None:
            assert parties == {DEMOCRATIC: ["Democrats"], REPUBLICAN: ["Republican"]}
        else:
            assert parties == expected

    def test_evidence_says_which_word(self) -> None:
        (tag,) = (t for t in _tag("Tory MPs rebelled in London.").actors if t.id == CONSERVATIVE)
        assert tag.evidence == ("party by its members' word: Tory",)
        assert tag.mentions[0].text == "Tory"


class TestNotNamed:
    @pytest.mark.parametrize(
        "body",
        [
            # No story in the party's country: "Democrats" may be anyone's.
            "Democrats in the parliament of Kenya walked out.",
            "Labour shortages hit farms in Kent.",  # a sentence's first word: the common noun
            "The Iraqi Republican Guard moved toward the city.",  # a longer name
            "Democratic institutions matter, the mayor of Ohio City said in Ohio.",  # no word of politics
            "Tory Lanez performed in London on Friday.",  # a person
            "The Christian Democrats of Germany met in Ohio.",  # another party's name
        ],
    )
    def test_other_readings(self, body: str) -> None:
        parties = _parties(_tag(body))
        assert DEMOCRATIC not in parties
        assert REPUBLICAN not in parties
        assert CONSERVATIVE not in parties
        assert LABOUR not in parties

    def test_the_party_named_in_full_is_context_enough(self) -> None:
        parties = _parties(_tag("The Democratic Party met. Democrats voted for the budget."))
        assert parties[DEMOCRATIC] == ["Democratic Party", "Democrats"]

    def test_a_party_of_another_country_keeps_its_name(self) -> None:
        parties = _parties(_tag("Sweden Democrats gained seats, while in Ohio turnout fell."))
        assert DEMOCRATIC not in parties
