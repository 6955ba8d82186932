"""Standard topics (issue 12): event types and IPTC subjects, queryable by id, name or alias."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime

import pytest

from alerts.index import SubscriptionIndex
from alerts.query import compile_query, prepare
from processors import KnowledgeBase, Tagger, enrich
from processors.kb import DATA_DIR, Kind
from processors.kb_build.topics import top_level
from schemas.models import EnrichedStory, Story
from tests.factories import make_subscription

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pl", "ru", "uk")
IPTC_TOP = {
    "medtop:01000000": "arts, culture, entertainment and media",
    "medtop:02000000": "crime, law and justice",
    "medtop:03000000": "disaster, accident and emergency incident",
    "medtop:04000000": "economy, business and finance",
    "medtop:05000000": "education",
    "medtop:06000000": "environment",
    "medtop:07000000": "health",
    "medtop:08000000": "human interest",
    "medtop:09000000": "labour",
    "medtop:10000000": "lifestyle and leisure",
    "medtop:11000000": "politics",
    "medtop:12000000": "religion and belief",
    "medtop:13000000": "science and technology",
    "medtop:14000000": "society",
    "medtop:15000000": "sport",
    "medtop:16000000": "conflict, war and peace",
    "medtop:17000000": "weather",
}


@functools.cache
def _tagger() -> Tagger:
    return Tagger(KnowledgeBase.load())


def _enriched(body: str, title: str = "") -> EnrichedStory:
    story = Story(id="t", title=title, body=body, source="test", content_hash="h", ingested_at=NOW)
    return enrich(story, _tagger().tag(story), cluster_id="c1")


def _matches(query: str, story: EnrichedStory) -> bool:
    """The query compiled alone and through the subscription index agree; returns the verdict."""
    alone = compile_query(query).match(prepare(story)) is not None
    index = SubscriptionIndex()
    index.add(make_subscription("q", query=query))
    assert [m.subscription.id for m in index.match(story)] == (["q"] if alone else [])
    return alone


class TestTaxonomy:
    def test_every_topic_has_aliases_and_triggers_in_nine_languages(self) -> None:
        data = json.loads((DATA_DIR / "topics.json").read_text(encoding="utf-8"))
        ids = [t["id"] for t in data["topics"]]
        assert len(ids) == len(set(ids))
        for topic in data["topics"]:
            for lang in LANGUAGES:
                assert topic["triggers"].get(lang), (topic["id"], lang, "triggers")
                if topic["type"] == "topic" or lang in {"it", "pl", "ru", "uk"}:
                    assert topic["aliases"].get(lang), (topic["id"], lang, "aliases")

    def test_iptc_top_level_with_official_names(self) -> None:
        kb = KnowledgeBase.load()
        subjects = {e.id: e for e in kb.entities.values() if e.kind is Kind.TOPIC and e.type == "subject"}
        assert {k: e.name for k, e in subjects.items()} == IPTC_TOP
        conflict = subjects["medtop:16000000"]
        # Official labels (es/fr/de/pt from the IPTC export) and ours (it/pl/ru/uk) are aliases.
        assert {
            "Conflicto, guerra y paz",
            "Krise, Krieg, Konflikte",
            "conflitto, guerra e pace",
            "война",
        } <= set(conflict.aliases)

    def test_event_types(self) -> None:
        kb = KnowledgeBase.load()
        events = {e.id for e in kb.entities.values() if e.kind is Kind.TOPIC and e.type == "topic"}
        assert {
            "topic:troop-movement",
            "topic:attack",
            "topic:sanctions",
            "topic:diplomacy",
            "topic:protest",
            "topic:election",
            "topic:disaster",
            "topic:cyberattack",
            "topic:de-escalation",
            "topic:ceasefire",
        } <= events

    def test_top_level_of_an_export(self) -> None:
        export = {
            "conceptSet": [
                {"qcode": "medtop:1", "prefLabel": {"en-GB": "a", "de": "A", "pt-PT": "á", "pt-BR": "à"}},
                {"qcode": "medtop:2", "prefLabel": {"en-GB": "b"}, "broader": ["medtop:1"]},
                {"qcode": "medtop:3", "prefLabel": {"en-GB": "c"}, "retired": "2020-01-01"},
            ]
        }
        assert top_level(export) == [
            {
                "id": "medtop:1",
                "name": "a",
                "labels": {"en": ["a"], "de": ["A"], "pt": ["á", "à"]},
                "definition": "",
            }
        ]


TALKS = [
    pytest.param("Diplomats from both sides resumed talks in Geneva on Monday.", id="en"),
    pytest.param("Los diplomáticos reanudaron las negociaciones en Ginebra.", id="es"),
    pytest.param("Les diplomates ont repris les pourparlers à Genève.", id="fr"),
    pytest.param("Die Verhandlungen in Genf wurden am Montag fortgesetzt.", id="de"),
    pytest.param("I negoziati sono ripresi a Ginevra, secondo fonti diplomatiche.", id="it"),
    pytest.param("As negociações foram retomadas em Genebra, disseram diplomatas.", id="pt"),
    pytest.param("Negocjacje w Genewie zostały wznowione, poinformowali dyplomaci.", id="pl"),
    pytest.param("Переговоры в Женеве возобновились в понедельник.", id="ru"),
    pytest.param("Переговори в Женеві відновилися в понеділок.", id="uk"),
]

TROOPS = [
    pytest.param("Russia is massing troops and tanks near the border.", id="en"),
    pytest.param("Rusia concentra tropas cerca de la frontera.", id="es"),
    pytest.param("La Russie masse des troupes près de la frontière.", id="fr"),
    pytest.param("Russland verlegt Truppen an die Grenze.", id="de"),
    pytest.param("La Russia ammassa truppe vicino al confine.", id="it"),
    pytest.param("A Rússia concentra tropas perto da fronteira.", id="pt"),
    pytest.param("Rosja gromadzi wojska przy granicy.", id="pl"),
    pytest.param("Россия стягивает войска к границе.", id="ru"),
    pytest.param("Росія стягує війська до кордону.", id="uk"),
]


class TestQueries:
    @pytest.mark.parametrize("body", TALKS)
    def test_topic_diplomacy(self, body: str) -> None:
        story = _enriched(body)
        for query in ("topic:diplomacy", "topic:negotiations", "topic:Diplomacy", "topic:politics"):
            assert _matches(query, story), query
        assert not _matches('topic:"troop movement"', story)

    @pytest.mark.parametrize("body", TROOPS)
    def test_topic_troop_movement(self, body: str) -> None:
        story = _enriched(body)
        for query in (
            'topic:"troop movement"',
            "topic:troop-movement",
            'topic:"TROOP MOVEMENTS"',
            "topic:war",
        ):
            assert _matches(query, story), query
        assert not _matches("topic:diplomacy", story)

    @pytest.mark.parametrize(
        ("query", "body"),
        [
            ("topic:sanciones", "La UE aprobó nuevas sanciones contra Rusia."),
            ("topic:sankcje", "Unia Europejska nałożyła nowe sankcje na Rosję."),
            ("topic:санкции", "ЕС ввел новые санкции против России."),
            (
                'topic:"economy, business and finance"',
                "Inflation rose as the central bank held interest rates.",
            ),
            ("topic:medtop\\:15000000", "The football championship ended in a draw."),
            ("topic:sport", "Il campionato di calcio riprende domenica."),
            ("topic:protest", "Thousands of protesters rallied in the capital."),
            ("topic:election", "Wybory prezydenckie odbędą się w maju; frekwencja wyborcza może być niska."),
            ("topic:cyberattack", "Hakerzy przeprowadzili cyberatak na ministerstwo."),
            ("topic:disaster", "Um terramoto atingiu a região e provocou inundações."),
        ],
    )
    def test_aliases_in_every_language(self, query: str, body: str) -> None:
        assert _matches(query, _enriched(body)), query

    def test_example_subscriptions_match(self) -> None:
        story = _enriched(
            "Russia is moving troops into Kaliningrad, officials said, as new sanctions loom.",
            title="Troop build-up in Kaliningrad",
        )
        assert _matches('place:Kaliningrad AND topic:"troop movement"', story)
        assert _matches("topic:sanctions AND country:RU", story)

    def test_topic_tags_carry_their_aliases(self) -> None:
        story = _enriched("Talks resumed.")
        tag = next(t for t in story.topics if t.id == "topic:diplomacy")
        assert {"diplomacy", "negotiations", "переговоры", "negocjacje", "negoziati"} <= set(tag.aliases)
