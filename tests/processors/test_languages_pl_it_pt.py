"""Polish, Italian and Portuguese stories tagged as well as English ones (issue 12)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from alerts.query import compile_query, prepare
from processors import KnowledgeBase, Tagger, Tags, enrich
from processors.kb_build.actor_forms import person_forms
from schemas.models import Story

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)
EU, RUSSIA_STATE, NATO, PUTIN, ZELENSKY = "Q458", "Q159", "Q7184", "Q7747", "Q3874799"


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _story(body: str, title: str = "") -> Story:
    return Story(id="t", title=title, body=body, source="test", content_hash="h", ingested_at=NOW)


def _tag(body: str, title: str = "") -> Tags:
    return _tagger().tag(_story(body, title))


def _ids(tags: Tags, kind: str) -> set[str]:
    return {t.id for t in getattr(tags, kind)}


CASES = [
    pytest.param(
        "Sankcje UE wobec Rosji",
        "Unia Europejska nałożyła nowe sankcje na Rosję. Polska poparła decyzję Brukseli, a polski premier "
        "zapowiedział rozmowy z partnerami w Unii Europejskiej.",
        {"PL", "RU"},
        {EU},
        {"topic:sanctions"},
        id="pl-sanctions",
    ),
    pytest.param(
        "",
        "Władimir Putin spotkał się z Aleksandrem Łukaszenką w Moskwie. Rosyjskie wojska prowadzą ćwiczenia "
        "przy granicy z Ukrainą, a Wołodymyr Zełenski ostrzega przed inwazją.",
        {"RU", "UA"},
        {PUTIN, "Q468387", ZELENSKY, "Q842479"},
        {"topic:troop-movement", "topic:invasion-threat"},
        id="pl-troops",
    ),
    pytest.param(
        "",
        "L'Unione europea ha approvato nuove sanzioni contro la Russia. L'Italia e la Polonia hanno sostenuto "
        "la decisione, mentre il Cremlino ha respinto le misure.",
        {"IT", "PL", "RU"},
        {EU, RUSSIA_STATE},
        {"topic:sanctions"},
        id="it-sanctions",
    ),
    pytest.param(
        "",
        "Le truppe russe si sono ammassate vicino al confine con l'Ucraina, secondo la NATO. A Roma il governo "
        "chiede negoziati.",
        {"RU", "UA", "IT"},
        {NATO, "Q842479"},
        {"topic:troop-movement", "topic:diplomacy"},
        id="it-troops",
    ),
    pytest.param(
        "",
        "A União Europeia aprovou novas sanções contra a Rússia. Portugal e a Espanha apoiaram a decisão, e o "
        "Kremlin rejeitou as medidas.",
        {"PT", "ES", "RU"},
        {EU, RUSSIA_STATE},
        {"topic:sanctions"},
        id="pt-sanctions",
    ),
    pytest.param(
        "",
        "Tropas russas concentram-se perto da fronteira com a Ucrânia, disse a OTAN em Lisboa. O Brasil pediu "
        "negociações.",
        {"RU", "UA", "PT", "BR"},
        {NATO, "Q842479"},
        {"topic:troop-movement", "topic:diplomacy"},
        id="pt-troops",
    ),
]


class TestStories:
    @pytest.mark.parametrize(("title", "body", "countries", "actors", "topics"), CASES)
    def test_story(
        self, title: str, body: str, countries: set[str], actors: set[str], topics: set[str]
    ) -> None:
        tags = _tag(body, title)
        assert countries <= set(tags.countries), tags.countries
        assert actors <= _ids(tags, "actors"), _ids(tags, "actors")
        assert topics <= _ids(tags, "topics"), _ids(tags, "topics")
        for kind in ("places", "actors", "topics"):
            for tag in getattr(tags, kind):
                for m in tag.mentions:
                    text = body if m.field == "body" else title
                    assert text[m.start : m.end] == m.text

    def test_polish_story_answers_the_queries(self) -> None:
        story = _story("Unia Europejska nałożyła nowe sankcje na Rosję. Polska poparła decyzję.")
        enriched = prepare(enrich(story, _tagger().tag(story), cluster_id="c"))
        for query in ("actor:EU AND country:RU AND topic:sanctions", "country:PL", 'actor:"European Union"'):
            assert compile_query(query).match(enriched) is not None, query

    @pytest.mark.parametrize(
        ("text", "country"),
        [
            ("Rozmowy odbyły się w Stanach Zjednoczonych.", "US"),
            ("Delegacja przyjechała do Niemiec.", "DE"),
            ("W Wielkiej Brytanii trwa debata.", "GB"),
            ("Spotkanie w Warszawie i w Kijowie.", "UA"),
            ("Spotkanie w Warszawie.", "PL"),
            ("O presidente visitou a Alemanha e o Reino Unido.", "DE"),
            ("Il vertice si è svolto in Germania.", "DE"),
        ],
    )
    def test_inflected_and_translated_country_names(self, text: str, country: str) -> None:
        assert country in _tag(text).countries

    @pytest.mark.parametrize(
        "text",
        [
            "Rosyjscy żołnierze wkroczyli do wsi.",
            "I soldati russi sono entrati nel villaggio.",
            "Os soldados russos entraram na aldeia.",
        ],
    )
    def test_demonyms_support_their_country(self, text: str) -> None:
        tags = _tag(text)
        assert "RU" in tags.countries
        russia = next(t for t in tags.places if t.id == "RU")
        assert "demonym" in russia.evidence

    def test_nationality_is_no_place(self) -> None:
        tags = _tag("Rosyjski minister spraw zagranicznych przyjechał do Paryża.")
        assert "RU" not in tags.countries
        assert "FR" in tags.countries


class TestPolishForms:
    def test_person_forms(self) -> None:
        assert person_forms("Władimir Putin") == {
            "Władimira Putina",
            "Władimirowi Putinowi",
            "Władimirem Putinem",
        }
        assert person_forms("Zełenski") == {"Zełenskiego", "Zełenskiemu", "Zełenskim"}
        assert person_forms("Łukaszenka") == {"Łukaszenki", "Łukaszence", "Łukaszenką", "Łukaszenkę"}
        assert person_forms("Szojgu") == set()

    def test_place_forms_from_the_dictionary(self) -> None:
        from processors.kb_build.polish import pl_forms  # noqa: PLC0415

        assert pl_forms("Rosja") == {"Rosji", "Rosję", "Rosją"}
        assert {"Stanów Zjednoczonych", "Stanach Zjednoczonych"} <= pl_forms("Stany Zjednoczone")
        assert pl_forms("Unia Europejska", known_polish=True) == {
            "Unii Europejskiej",
            "Unię Europejską",
            "Unią Europejską",
        }
        assert {"Rady Bezpieczeństwa", "Radzie Bezpieczeństwa"} <= pl_forms(
            "Rada Bezpieczeństwa", known_polish=True
        )
        assert pl_forms("Russia") == set()  # not a Polish name
