"""Football clubs (issue 12): openfootball's lists read, their names tagged, no country from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors import Tags
from processors.kb_build.clubs import parse, read_clubs, short_names
from tests.helpers import tag_body

# openfootball's format, written here for the test (not copied from the source).
SAMPLE = """\
=====================
= Exampleland

== North ==

Sportclub Nordstadt, 1904,   @ Nordstadion,   Nordstadt   ## the old club
  | SC Nordstadt | Nordstadt
  | Sportclub Northtown [en]
  | Spc. Nordstadt
 Hauptstraße 1 // 12345 Nordstadt
ii) Sportclub Nordstadt II
  | SC Nordstadt II

Ülkerspor Südhafen,  Südhafen (Altstadt)
  | Ülkerspor   # short
"""


class TestParse:
    def test_clubs_names_and_cities(self) -> None:
        clubs = list(parse(SAMPLE))
        assert [(name, city) for name, city, _ in clubs] == [
            ("Sportclub Nordstadt", "Nordstadt"),
            ("Ülkerspor Südhafen", "Südhafen"),
        ]
        names = dict(clubs[0][2])
        # Other names with their language; an abbreviated one ("Spc.") is how tables write, not news.
        assert names == {
            "Sportclub Nordstadt": "native",
            "SC Nordstadt": "native",
            "Nordstadt": "native",
            "Sportclub Northtown": "en",
        }

    def test_reserve_teams_addresses_and_comments_are_skipped(self) -> None:
        every = [n for _, _, names in parse(SAMPLE) for n, _ in names]
        assert not any("II" in n or "Hauptstraße" in n or "#" in n or "old club" in n for n in every)

    def test_short_name_and_accentless_spelling(self, tmp_path: Path) -> None:
        folder = tmp_path / "europe" / "xx"
        folder.mkdir(parents=True)
        (folder / "de.clubs.txt").write_text(SAMPLE, encoding="utf-8")
        orgs = {o.name: o for o in read_clubs(tmp_path)}
        assert orgs["Ülkerspor Südhafen"].id == "club:ulkerspor-sudhafen"
        assert orgs["Ülkerspor Südhafen"].country == "DE"
        names = {n for n, _ in orgs["Ülkerspor Südhafen"].names}
        # English pages drop the accents; the name less its city is how the club is called.
        assert {"Ulkerspor Sudhafen", "Ulkerspor"} <= names
        shorts = short_names(tmp_path)
        assert shorts["ülkerspor"] == {"DE"}
        assert "ulkerspor" not in shorts  # the accentless spelling may be a city's own elsewhere
        assert "sportclub nordstadt" not in shorts  # one-word names only


def _tag(body: str, language: str) -> Tags:
    return tag_body(body, language)


class TestTagged:
    @pytest.mark.parametrize(
        ("body", "language", "club"),
        [
            ("Werder Bremen gewann am Samstag gegen den Tabellenführer.", "de", "Werder Bremen"),
            ("Legia Warszawa zremisowała w sobotę.", "pl", "Legia Warszawa"),
            ("Atletico Madrid signed the striker on Friday.", "en", "Atlético Madrid"),
            ("El Real Madrid ganó el domingo.", "es", "Real Madrid"),
        ],
    )
    def test_a_club_is_an_actor_and_its_city_no_place(self, body: str, language: str, club: str) -> None:
        tags = _tag(body, language)
        assert [(t.name, t.type) for t in tags.actors] == [(club, "club")]
        assert not tags.places  # the city in a club's name is not where the story happens

    def test_a_clubs_short_name_is_no_city_abroad(self) -> None:
        # GeoNames gave Warder (Ethiopia) the alternate "Werder" and Armenia (Colombia) "Arminia".
        tags = _tag("Werder spielte stark, Arminia verlor in der Nachspielzeit.", "de")
        assert not {"ET", "CO"} & set(tags.countries)

    def test_the_city_itself_is_still_a_place(self) -> None:
        tags = _tag("Der Bürgermeister von Bremen eröffnete die Messe in Bremen.", "de")
        assert {t.name for t in tags.places} == {"Bremen"}

    def test_la_liga_is_no_armed_group(self) -> None:
        tags = _tag("Real Madrid lead La Liga by six points.", "en")
        assert {t.type for t in tags.actors} == {"club"}
