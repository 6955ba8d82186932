"""Countries that act are state actors, countries as places are not (issue 12, ``context.acts``).

Each rule has made-up sentences it must find (never an evaluation story) and a near miss it
must leave alone, in the languages the rule applies to.
"""

from __future__ import annotations

import pytest

from processors import Tags
from tests.processors.test_names_classes import _tag


def _states(tags: Tags) -> set[str]:
    return {t.name for t in tags.actors if t.type == "state"}


def _acts(body: str, language: str, state: str) -> bool:
    return state in _states(_tag(body, language))


class TestVerbsAfter:
    @pytest.mark.parametrize(
        ("body", "language", "state"),
        [
            ("Rosja próbuje dziś wybielać swoją historię.", "pl", "Russia"),
            ("Niemcy rozliczyły się z przeszłością.", "pl", "Germany"),
            ("Россия продолжает наступление на востоке.", "ru", "Russia"),
            ("Росія продовжує обстріли міст.", "uk", "Russia"),
            ("La Russia vuole la pace, ma alle sue condizioni.", "it", "Russia"),
            ("A Rússia quer a paz, mas nas suas condições.", "pt", "Russia"),
            ("Russia is hacking the election, officials fear.", "en", "Russia"),
        ],
    )
    def test_a_verb_after_the_country(self, body: str, language: str, state: str) -> None:
        assert _acts(body, language, state)

    @pytest.mark.parametrize(
        ("body", "language", "state"),
        [
            ("W Polsce działa już sto takich firm.", "pl", "Poland"),  # a declined form, a place
            ("В России нет проблем с бензином.", "ru", "Russia"),
            ("In Russia nevica molto a gennaio.", "it", "Russia"),
            ("A gas explosion at a noodle shop in China has killed two.", "en", "China"),
            ("In den USA hat die Firma drei Werke.", "de", "United States"),
            ("Japan is seeing a shortage of face masks.", "en", "Japan"),  # an economy
        ],
    )
    def test_a_place_or_an_economy_is_no_actor(self, body: str, language: str, state: str) -> None:
        assert not _acts(body, language, state)


class TestWordsBefore:
    @pytest.mark.parametrize(
        ("body", "language", "state"),
        [
            ("El gobierno de Israel anunció nuevas medidas.", "es", "Israel"),
            ("Le gouvernement d'Israël a décidé autrement.", "fr", "Israel"),
            ("Il governo di Israele ha deciso di aspettare.", "it", "Israel"),
            ("Na działania Rosji trzeba odpowiadać.", "pl", "Russia"),
            ("Правительство России объявило о мерах.", "ru", "Russia"),
            ("La invasión de Ucrania sigue sin final.", "es", "Ukraine"),
            ("Der Angriffskrieg auf die Ukraine dauert an.", "de", "Ukraine"),
            ("The invasion of Ukraine went on.", "en", "Ukraine"),
            ("The government of Israel met on Sunday.", "en", "Israel"),
        ],
    )
    def test_its_institution_or_its_conflict(self, body: str, language: str, state: str) -> None:
        assert _acts(body, language, state)

    @pytest.mark.parametrize(
        ("body", "language", "state"),
        [
            ("El clima de Israel es cálido en verano.", "es", "Israel"),
            ("The war in Ukraine went on.", "en", "Ukraine"),
            ("Der Urlaub auf Kuba war schön.", "de", "Cuba"),
            ("The beaches of Italy were full.", "en", "Italy"),
            ("Waren mit Belarus-Bezug wurden gefunden.", "de", "Belarus"),  # a compound
            ("She recently returned from Australia.", "en", "Australia"),  # an origin
        ],
    )
    def test_a_place_near_such_words_is_no_actor(self, body: str, language: str, state: str) -> None:
        assert not _acts(body, language, state)


class TestGermanVerbFirst:
    """German puts the finite verb before its subject after an adverb (no other of our languages)."""

    @pytest.mark.parametrize(
        "body",
        [
            "So entwickelt Großbritannien eine neue Drohne.",
            "Deshalb hat nun auch Großbritannien Zölle erhoben.",
        ],
    )
    def test_the_subject_after_its_verb(self, body: str) -> None:
        assert _acts(body, "de", "United Kingdom")

    @pytest.mark.parametrize(
        "body",
        [
            "Der Premier hat Großbritannien in die Krise geführt.",  # the object
            "Die Firma tagte und hat Großbritannien verlassen.",
        ],
    )
    def test_an_object_after_the_verb(self, body: str) -> None:
        assert not _acts(body, "de", "United Kingdom")


class TestRelativeClause:
    @pytest.mark.parametrize(
        ("body", "language", "state"),
        [
            ("Darunter sind die USA, die das Abkommen für verfrüht halten.", "de", "United States"),
            ("Russia, which has denied the claims, did not answer.", "en", "Russia"),
        ],
    )
    def test_a_state_that_does_something(self, body: str, language: str, state: str) -> None:
        assert _acts(body, language, state)

    @pytest.mark.parametrize(
        ("body", "language", "state"),
        [
            ("He moved to France, which he loves.", "en", "France"),  # a place
            ("Sie reisten nach Indien, die Türkei und Spanien.", "de", "India"),  # an article
            ("Darunter Indien, die Türkei und Spanien.", "de", "India"),
        ],
    )
    def test_a_place_or_a_list(self, body: str, language: str, state: str) -> None:
        assert not _acts(body, language, state)
