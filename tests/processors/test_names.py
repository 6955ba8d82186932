"""Unknown names (issue 12): people and organisations the knowledge base lacks, as ``name:`` actors."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from alerts.index import SubscriptionIndex
from alerts.query import compile_query, prepare
from processors import KnowledgeBase, Tagger, Tags, enrich
from processors.tagging.names import find_names, inflects, stem
from processors.tagging.words import fold_diacritics, slug
from schemas.models import Story, Tag, TextField
from tests.factories import make_subscription

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


@functools.cache
def _tagger(*, unknown_names: bool = True) -> Tagger:
    return Tagger(KnowledgeBase.load(), unknown_names=unknown_names)


def _story(body: str, title: str = "", language: str | None = None) -> Story:
    return Story(
        id="n",
        title=title,
        body=body,
        language=language,
        source="test",
        content_hash="h",
        ingested_at=NOW,
    )


def _tag(body: str, title: str = "", language: str | None = None) -> Tags:
    return _tagger().tag(_story(body, title, language))


def _names(tags: Tags) -> dict[str, Tag]:
    return {t.id: t for t in tags.actors if t.id.startswith("name:")}


def _check_mentions(story: Story, tags: Tags) -> None:
    for tag in tags.actors:
        for m in tag.mentions:
            assert getattr(story, m.field)[m.start : m.end] == m.text


# --- the pure helpers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe", "jane-doe"),
        ("Lech Wałęsa", "lech-walesa"),
        ("Société Générale", "societe-generale"),
        ("Иван Петров", "иван-петров"),
        ("O'Neill & Partners GmbH", "oneill-partners-gmbh"),
        ("Jean-Baptiste  Lemoine", "jean-baptiste-lemoine"),
    ],
)
def test_slug_folds_case_and_diacritics(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_fold_diacritics_keeps_case() -> None:
    assert fold_diacritics("Lech Wałęsa") == "Lech Walesa"


@pytest.mark.parametrize(
    ("form", "base"),
    [
        ("tuska", "tusk"),
        ("kowalczyka", "kowalczyk"),
        ("путина", "путин"),
        ("merkels", "merkel"),
        ("tusk", "tusk"),
    ],
)
def test_inflected_surnames(form: str, base: str) -> None:
    assert inflects(form, base)


def test_stem_keeps_short_words() -> None:
    assert stem("ewa") == "ewa"
    assert not inflects("tuskowie-x", "mazur")


def test_find_names_is_pure() -> None:
    texts: dict[TextField, str] = {
        "body": "Jane Doe, the treasurer, said the Riverside Water Authority (RWA) agreed."
    }
    first = find_names(texts, set(), set(), frozenset())
    second = find_names(texts, set(), set(), frozenset())
    assert [(n.kind, n.base, list(n.spans)) for n in first] == [
        (n.kind, n.base, list(n.spans)) for n in second
    ]


# --- the tagger: unknown names in several languages -----------------------------------

CASES = [
    (
        "en",
        (
            "The council approved the budget on Monday. Jane Doe, the council's treasurer, said the plan "
            "was sound. Mr Smith of the Riverside Water Authority (RWA) objected. Doe said she would publish "
            "the accounts. The RWA declined to comment."
        ),
        {
            "name:jane-doe": ("person", "Jane Doe", {"Jane Doe", "Doe"}),
            "name:riverside-water-authority": (
                "organization",
                "Riverside Water Authority",
                {"Riverside Water Authority", "RWA"},
            ),
            "name:smith": ("person", "Smith", {"Smith"}),
        },
    ),
    (
        "de",
        (
            "Die Finanzministerin Petra Müller-Lüdenscheid sagte am Dienstag, das Bundesamt für "
            "Wasserwirtschaft werde prüfen. Müller-Lüdenscheid kritisierte die Nordwest Energie GmbH."
        ),
        {
            "name:petra-muller-ludenscheid": (
                "person",
                "Petra Müller-Lüdenscheid",
                {"Petra Müller-Lüdenscheid", "Müller-Lüdenscheid"},
            ),
            "name:bundesamt-fur-wasserwirtschaft": (
                "organization",
                "Bundesamt für Wasserwirtschaft",
                {"Bundesamt für Wasserwirtschaft"},
            ),
        },
    ),
    (
        "fr",
        (
            "Le ministre Jean-Baptiste Lemoine a rencontré mardi les dirigeants de la Société Générale de "
            "Transport. Selon Lemoine, la réforme sera votée en juin."
        ),
        {
            "name:jean-baptiste-lemoine": (
                "person",
                "Jean-Baptiste Lemoine",
                {"Jean-Baptiste Lemoine", "Lemoine"},
            ),
            "name:societe-generale-de-transport": (
                "organization",
                "Société Générale de Transport",
                {"Société Générale de Transport"},
            ),
        },
    ),
    (
        "pl",
        (
            "Prezes Jan Kowalczyk spotkał się z przedstawicielami firmy. Według Jana Kowalczyka umowa "
            "zostanie podpisana w maju. Kowalczyka poparło Ministerstwo Rozwoju Regionalnego."
        ),
        {
            # The inflected forms are mentions of the uninflected one, which gives the id.
            "name:jan-kowalczyk": (
                "person",
                "Jan Kowalczyk",
                {"Jan Kowalczyk", "Jana Kowalczyka", "Kowalczyka"},
            ),
            "name:ministerstwo-rozwoju-regionalnego": (
                "organization",
                "Ministerstwo Rozwoju Regionalnego",
                {"Ministerstwo Rozwoju Regionalnego"},
            ),
        },
    ),
    (
        "ru",
        (
            "Глава компании Иван Петров заявил во вторник, что проект одобрен. По словам Ивана Петрова, "
            "работы начнутся в мае. Петрова поддержал г-н Сидоренко."
        ),
        {
            "name:иван-петров": ("person", "Иван Петров", {"Иван Петров", "Ивана Петрова", "Петрова"}),
            "name:сидоренко": ("person", "Сидоренко", {"Сидоренко"}),
        },
    ),
    (
        "es",
        (
            "La ministra Carmen Ruiz Bermejo anunció el martes un acuerdo con la Asociación de Productores "
            "del Valle. Según Ruiz Bermejo, el plan costará diez millones."
        ),
        {
            "name:carmen-ruiz-bermejo": (
                "person",
                "Carmen Ruiz Bermejo",
                {"Carmen Ruiz Bermejo", "Ruiz Bermejo"},
            ),
        },
    ),
]


@pytest.mark.parametrize(("language", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_unknown_names_are_tagged(
    language: str, body: str, expected: dict[str, tuple[str, str, set[str]]]
) -> None:
    story = _story(body, language=language)
    tags = _tagger().tag(story)
    found = _names(tags)
    for tag_id, (kind, name, forms) in expected.items():
        assert tag_id in found, (tag_id, sorted(found))
        tag = found[tag_id]
        assert (tag.type, tag.name) == (kind, name)
        assert {m.text for m in tag.mentions} == forms
        assert 0.0 < tag.confidence < 0.9
        assert any(e.startswith("unknown name: ") for e in tag.evidence)
    _check_mentions(story, tags)


def test_the_switch_turns_unknown_names_off() -> None:
    story = _story(CASES[0][1])
    assert not _names(_tagger(unknown_names=False).tag(story))
    assert _names(_tagger().tag(story))


def test_known_actors_are_not_duplicated() -> None:
    tags = _tag(
        "Foreign Minister Sergei Lavrov said on Monday that NATO had not responded. Lavrov met Jane Doe."
    )
    ids = {t.id for t in tags.actors}
    assert "name:jane-doe" in ids
    assert not any("lavrov" in i or "nato" in i for i in ids if i.startswith("name:"))


def test_places_are_not_names() -> None:
    tags = _tag(
        "Storms hit Atlanta and Savannah in Georgia on Monday. New York and Buenos Aires were spared."
    )
    assert not _names(tags)


def test_sentence_initial_words_months_and_days_are_not_names() -> None:
    body = (
        "Officials said on Monday that the talks would resume. However, Tuesday brought new doubts. "
        "In January the Ministers met again. Several People were hurt. March And April were quiet."
    )
    assert not _names(_tag(body))


def test_single_capitalised_words_need_a_title() -> None:
    found = _names(_tag("The report was written by Smith and reviewed by Dr Alvarez last week."))
    assert set(found) == {"name:alvarez"}
    assert found["name:alvarez"].evidence == ("unknown name: title Dr",)


def test_a_title_case_headline_only_adds_mentions() -> None:
    body = "Jane Doe, the treasurer, said the accounts were sound."
    found = _names(_tag(body, title="Treasurer Jane Doe Says Accounts Are Sound After Long Review"))
    assert set(found) == {"name:jane-doe"}
    assert [m.field for m in found["name:jane-doe"].mentions] == ["title", "body"]


def test_actor_query_matches_an_unknown_name_end_to_end() -> None:
    story = _story("Jane Doe, the treasurer of the Riverside Water Authority, said the plan was sound.")
    enriched = prepare(enrich(story, _tagger().tag(story), cluster_id="c"))
    for query in ('actor:"Jane Doe"', 'actor:"jane doe"', 'actor:"Riverside Water Authority"'):
        match = compile_query(query).match(enriched)
        assert match is not None, query
    clause = compile_query('actor:"Jane Doe"').match(enriched)
    assert clause is not None
    assert clause.explanation[0].tag_id == "name:jane-doe"
    assert compile_query('actor:"John Doe"').match(enriched) is None


def test_actor_query_matches_without_diacritics() -> None:
    story = _story("Lech Wałęsa, the former president, said the union would strike.")
    enriched = prepare(enrich(story, _tagger().tag(story), cluster_id="c"))
    assert compile_query('actor:"Lech Wałęsa"').match(enriched) is not None
    assert compile_query('actor:"Lech Walesa"').match(enriched) is not None


def test_the_subscription_index_finds_an_unknown_name() -> None:
    story = _story("Jane Doe, the treasurer, said the plan was sound.")
    enriched = enrich(story, _tagger().tag(story), cluster_id="c")
    index = SubscriptionIndex()
    index.add(make_subscription("doe", query='actor:"Jane Doe"'))
    index.add(make_subscription("roe", query='actor:"Jane Roe"'))
    assert [m.subscription.id for m in index.match(enriched)] == ["doe"]


def test_a_lone_surname_of_a_known_person_is_a_mention_of_that_person() -> None:
    # The knowledge base has Cecilia Moreau (Argentina's Chamber of Deputies), not "Moreau" alone.
    story = _story(
        "La presidenta de la Cámara, Cecilia Moreau, rechazó la idea. Según Moreau, no hay apuro. "
        "La diputada Moreau lo repitió.",
        language="es",
    )
    tags = _tagger().tag(story)
    _check_mentions(story, tags)
    (moreau,) = [t for t in tags.actors if t.name == "Cecilia Moreau"]
    assert not moreau.id.startswith("name:")
    assert [m.text for m in moreau.mentions] == ["Cecilia Moreau", "Moreau", "Moreau"]
    # No name:moreau beside her ("la Cámara" is the chamber: an organisation, org_words.institution).
    assert not [t for t in _names(tags).values() if t.type == "person"]


def test_a_surname_two_people_share_links_to_neither() -> None:
    texts: dict[TextField, str] = {"body": "Cecilia Moreau met Jeanne Moreau. Later Moreau spoke."}
    found = find_names(texts, set(), set(), frozenset(), persons=[("Q1", "Cecilia Moreau")])
    assert all(not n.known for n in found)  # "Moreau" alone: whose? nobody's
    texts = {"body": "Minister Cecilia Moreau spoke. Later Mr Moreau replied."}
    spans = {(2, 9, 23)}  # the scanner's: "Cecilia Moreau" is known
    found = find_names(texts, spans, set(), frozenset({"cecilia moreau"}), persons=[("Q1", "Cecilia Moreau")])
    (proxy,) = found
    assert proxy.known == "Q1"
    assert [texts["body"][s:e] for _, s, e in proxy.spans] == ["Moreau"]


@pytest.mark.parametrize(("year", "holder"), [(2019, True), (2024, False)])
def test_a_titled_surname_is_the_office_holder_of_the_day(year: int, *, holder: bool) -> None:
    # Jean-Michel Blanquer was France's education minister 2017-2022 (a dated role in the kb).
    story = _story("Le ministre Blanquer a refusé la réforme. Les syndicats protestent.", language="fr")
    story = story.model_copy(update={"published_at": datetime(year, 3, 1, tzinfo=UTC)})
    tags = _tagger().tag(story)
    _check_mentions(story, tags)
    ids = {t.id: t for t in tags.actors}
    if holder:
        (tag,) = [t for t in tags.actors if t.name == "Jean-Michel Blanquer"]
        assert [m.text for m in tag.mentions] == ["Blanquer"]
        assert tag.evidence[0] == "surname of an office holder of the day"
        assert "name:blanquer" not in ids
    else:
        assert "name:blanquer" in ids  # after his time: a person of that name, no more
        assert not any(t.name == "Jean-Michel Blanquer" for t in tags.actors)
