"""The build steps' shared pieces (``kb_build/sources.py``) and PETRARCH people's names of organisations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from processors.kb import DATA_DIR
from processors.kb_build.petrarch import ORG_RECORDS, PersonNames
from processors.kb_build.sources import SOURCE, SourceError, commit, source_arg, write_json

SHA = "0642e77ac8a13bcd8017b245825c3aba349d3e6a"


class TestCommit:
    def test_reads_the_commit_of_source_txt(self, tmp_path: Path) -> None:
        folder = tmp_path / "everypolitician"
        folder.mkdir()
        (folder / "SOURCE.txt").write_text(
            f"tijmenb/everypolitician-data @ {SHA}: data/*/*/ep-popolo-v1.0.json; missing from the snapshot: "
            "data/Poland/Sejm/ep-popolo-v1.0.json\n",
            encoding="utf-8",
        )
        assert commit(tmp_path, "everypolitician") == SHA

    def test_without_source_txt_says_how_to_extract(self, tmp_path: Path) -> None:
        (tmp_path / "watchman").mkdir()
        with pytest.raises(SourceError, match=r"watchman/SOURCE\.txt is missing.*deploy/kb-sources\.sh"):
            commit(tmp_path, "watchman")

    def test_without_a_folder_at_all(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match=r"deploy/kb-sources\.sh"):
            commit(tmp_path, "peppercat")

    def test_a_source_txt_without_commit_is_an_error(self, tmp_path: Path) -> None:
        (tmp_path / "peppercat").mkdir()
        (tmp_path / "peppercat" / "SOURCE.txt").write_text(
            "peppercatorg/site-build @ 8089342\n", encoding="utf-8"
        )
        with pytest.raises(SourceError, match="names no commit"):
            commit(tmp_path, "peppercat")

    @pytest.mark.parametrize(
        ("table", "repositories"),
        [
            ("actors_wikidata.json", ("peppercatorg/site-build", "tijmenb/everypolitician-data")),
            ("actors_orgs.json", ("confirmordeny/supraverden", "hdigital/partyfactsdata")),
            ("actors_groups.json", ("moov-io/watchman",)),
            ("actors_companies.json", ("osmlab/name-suggestion-index", "flairNLP/fundus")),
            ("actors_clubs.json", ("openfootball/clubs",)),
        ],
    )
    def test_the_shipped_tables_name_their_commits(self, table: str, repositories: tuple[str, ...]) -> None:
        # A table says which snapshot it was built from, so a rebuild from another one is seen as such;
        # read from the shipped table, as the open data is not extracted on every machine.
        doc = json.loads((DATA_DIR / table).read_text(encoding="utf-8"))["_doc"]
        for repository in repositories:
            assert re.search(rf"{re.escape(repository)} @ [0-9a-f]{{40}}\b", doc), (table, repository)


class TestWriteJson:
    def test_compact_utf8_with_a_final_newline(self, tmp_path: Path) -> None:
        out = tmp_path / "t.json"
        write_json({"_doc": "Łódź", "a": [1, 2]}, out)
        assert out.read_bytes() == '{\n"_doc":"Łódź",\n"a":[\n1,\n2\n]\n}\n'.encode()

    def test_indented_with_spaces_and_sorted(self, tmp_path: Path) -> None:
        out = tmp_path / "t.json"
        write_json({"b": 1, "a": {"c": "ü"}}, out, indent=1, compact=False, sort_keys=True)
        assert out.read_text(encoding="utf-8") == '{\n "a": {\n  "c": "ü"\n },\n "b": 1\n}\n'

    def test_one_line(self, tmp_path: Path) -> None:
        out = tmp_path / "t.json"
        write_json({"a": [1, {"b": None}]}, out, indent=None)
        assert out.read_text(encoding="utf-8") == '{"a":[1,{"b":null}]}\n'


class TestSourceArg:
    def test_default_and_given(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # The default is read when called: point it at a folder that exists on every machine.
        monkeypatch.setattr("processors.kb_build.sources.SOURCE", tmp_path)
        assert source_arg([], "Build something.\n\nMore.") == tmp_path
        given = tmp_path / "given"
        given.mkdir()
        assert source_arg(["--source", str(given)], None) == given

    def test_the_default_is_shared_kb_sources_beside_the_repository(self) -> None:
        assert SOURCE.parts[-2:] == ("shared", "kb-sources")

    def test_a_missing_folder_says_how_to_extract(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match=r"nowhere is missing.*deploy/kb-sources\.sh"):
            source_arg(["--source", str(tmp_path / "nowhere")], None)


def _record(head: str, *synonyms: str) -> dict[str, Any]:
    return {"head": head, "synonyms": list(synonyms), "codes": [], "info": False}


@pytest.fixture(scope="module")
def people() -> PersonNames:
    groups = [f"{name} ARMY" for name in ("FREE SYRIAN", "MAHDI", "RED", "LIBERATION")]
    assert len(groups) >= ORG_RECORDS
    records = [
        *((_record(head), "armed group") for head in groups),
        (_record("OKOT ODHIAMBO"), "person"),
        (_record("HAMID KARZAI", "PRESIDENT KARZAI"), "person"),
    ]
    given = {"khaled", "hassan", "joseph", "royal", "german", "osama", "usama", "catherine", "rigas", "anwar"}
    return PersonNames(records, given, {"vladimir putin"})


def _actor(name: str, *aliases: str) -> dict[str, Any]:
    return {"id": "petrarch:x", "name": name, "type": "armed group", "aliases": list(aliases)}


class TestPersonNamesOfOrganisations:
    def test_a_leader_named_as_the_group_is_dropped(self, people: PersonNames) -> None:
        hamas = _actor("Hamas", "Khaled Meshaal", "Islamic Resistance Movement")
        assert people.drop(hamas) == 1
        assert hamas["aliases"] == ["Islamic Resistance Movement"]

    def test_title_and_surname_of_a_dropped_name(self, people: PersonNames) -> None:
        hezbollah = _actor("Hezbollah", "Sheik Nasrallah", "Hassan Nasrallah", "Party of God")
        assert people.drop(hezbollah) == 2  # "Sheik" is no given name: the surname tells
        assert hezbollah["aliases"] == ["Party of God"]

    def test_a_person_of_the_knowledge_base_without_a_known_given_name(self, people: PersonNames) -> None:
        lra = _actor("Lord's Resistance Army", "Okot Odhiambo", "Vladimir Putin", "LRA")
        assert people.drop(lra) == 2
        assert lra["aliases"] == ["LRA"]

    def test_organisation_words_and_demonyms_are_no_names(self, people: PersonNames) -> None:
        forces = _actor("Her Majesty's Armed Forces", "Royal Army", "German Chancellor", "Anwar Al-Awlaki")
        assert people.drop(forces) == 1
        assert forces["aliases"] == ["Royal Army", "German Chancellor"]

    def test_a_spelling_of_the_actor_s_own_name_stays(self, people: PersonNames) -> None:
        rigas = _actor("Rigas Fereos", "Rigas Ferreos")
        assert people.drop(rigas) == 0
        qaeda = _actor("Al-Qaeda", "Usama bin Ladin", "Al-Qa'ida")
        assert people.drop(qaeda) == 1
        assert qaeda["aliases"] == ["Al-Qa'ida"]

    def test_a_person_filed_as_a_group_keeps_its_names(self, people: PersonNames) -> None:
        laden = _actor("Osama Bin Laden", "Usama bin Ladin", "Bin Laden")
        assert people.drop(laden) == 0
        assert laden["aliases"] == ["Usama bin Ladin", "Bin Laden"]

    def test_one_word_and_lower_case_aliases_are_left(self, people: PersonNames) -> None:
        assert not people.is_person("Nasrallah", set())
        assert not people.is_person("Khaled said", set())
        assert people.is_person("Khaled Meshaal", set())


def _aliases(file: str, actor_id: str) -> list[str]:
    actors = json.loads((DATA_DIR / file).read_text(encoding="utf-8"))["actors"]
    found: list[str] = next(a["aliases"] for a in actors if actor_id in (a["id"], *a["aliases"]))
    return found


class TestShippedData:
    def test_no_leader_is_an_alias_of_his_group(self) -> None:
        doc = json.loads((DATA_DIR / "actors_petrarch.json").read_text(encoding="utf-8"))["_doc"]
        assert "aliases of organisations that are people's names" in doc
        assert "Khaled Meshaal" not in _aliases("actors_petrarch.json", "petrarch:hamas")
        # The tables that replace a PETRARCH group take its aliases: none of these either.
        assert "Hassan Nasrallah" not in _aliases("actors_orgs.json", "petrarch:hezbollah")
        assert "Joseph Kony" not in _aliases("actors_groups.json", "petrarch:lord-s-resistance-army")
