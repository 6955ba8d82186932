"""Actors derived from the PETRARCH2/Phoenix dictionaries (issue 12), merged with the curated ones."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors import KnowledgeBase, Tagger, Tags
from processors.kb import DATA_DIR, Kind
from processors.kb_build.petrarch import SOURCE, _title, build_actors, parse
from schemas.models import Story

NOW = datetime(2012, 6, 1, 12, 0, tzinfo=UTC)


@functools.cache
def _kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@functools.cache
def _tagger() -> Tagger:
    return Tagger(_kb())


def _tag(body: str, published: datetime = NOW) -> Tags:
    story = Story(
        id="t", title="", body=body, source="test", content_hash="h", ingested_at=NOW, published_at=published
    )
    return _tagger().tag(story)


def _shipped() -> list[dict[str, object]]:
    data = json.loads((DATA_DIR / "actors_petrarch.json").read_text(encoding="utf-8"))
    actors: list[dict[str, object]] = data["actors"]
    return actors


class TestShippedData:
    def test_size_and_kinds(self) -> None:
        actors = _shipped()
        assert len(actors) >= 20_000
        kinds = {a["type"] for a in actors}
        assert {"person", "organization", "company", "armed group", "armed forces"} <= kinds
        ids = [a["id"] for a in actors]
        assert len(ids) == len(set(ids))
        assert all(str(i).startswith("petrarch:") for i in ids)

    def test_curated_actors_keep_their_qids(self) -> None:
        kb = _kb()
        # NATO, Putin and the EU are curated (QIDs): no PETRARCH duplicate of them.
        for alias in ("NATO", "Vladimir Putin", "European Union"):
            ids = {s.entity for s in kb.lookup(alias) if s.layer == 1}
            assert ids, alias
            assert all(i.startswith("Q") for i in ids), (alias, ids)

    def test_loaded_into_the_knowledge_base(self) -> None:
        kb = _kb()
        actors = [e for e in kb.entities.values() if e.kind is Kind.ACTOR]
        assert len(actors) >= 20_000


class TestTagging:
    @pytest.mark.parametrize(
        ("body", "actor"),
        [
            ("The International Atomic Energy Agency sent inspectors.", "petrarch:iaea"),
            ("IAEA inspectors arrived.", "petrarch:iaea"),
            ("Hezbollah fighters crossed the line.", "petrarch:hezbollah"),
            ("The Taliban announced a new offensive.", "petrarch:taliban"),
            ("Shares of Petrobras fell on Monday.", "petrarch:petrobras"),
        ],
    )
    def test_new_kinds_of_actor(self, body: str, actor: str) -> None:
        # An organisation of actors_orgs.json replaces its PETRARCH entry and keeps the old id.
        assert any(actor in (t.id, *t.aliases) for t in _tag(body).actors)

    def test_dated_role_as_evidence(self) -> None:
        tags = _tag("Hamid Karzai met tribal elders in Kandahar.")
        karzai = next(t for t in tags.actors if "petrarch:hamid-karzai" in (t.id, *t.aliases))  # now its QID
        assert karzai.type == "person"
        assert karzai.country == "AF"
        assert any("Government of Afghanistan" in e for e in karzai.evidence)


class TestParsing:
    def test_title_case(self) -> None:
        assert _title("VLADIMIR V. PUTIN") == "Vladimir V. Putin"
        assert _title("URSULA VON DER LEYEN") == "Ursula von der Leyen"
        assert _title("US SECRETARY OF STATE") == "US Secretary of State"

    def test_records(self, tmp_path: Path) -> None:
        path = tmp_path / "x.actors.txt"
        path.write_text(
            "# comment\nHAMID_KARZAI_  # CountryInfo.txt\n+KARZAI_\n+PRESIDENT_KARZAI_\n"
            "\t[AFGELI 750101-000101]\n\t[AFGGOV >011222]\nAFGHAN_ARMY [AFGMIL]\n",
            encoding="latin-1",
        )
        records = parse(path)
        assert [r["head"] for r in records] == ["HAMID KARZAI", "AFGHAN ARMY"]
        assert records[0]["synonyms"] == ["KARZAI", "PRESIDENT KARZAI"]
        assert records[0]["codes"] == [("AFGELI", "750101-000101"), ("AFGGOV", ">011222")]
        assert records[1]["codes"] == [("AFGMIL", "")]

    def test_build_is_reproducible(self) -> None:
        assert SOURCE.is_dir(), f"{SOURCE} missing: shared/ must sit beside the repository"
        assert build_actors(set()) == build_actors(set())
