"""``wirewatch kb``: knowledge of one's own from the command line, on the embedded log."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wirewatch.cli import app


def wirewatch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def kb(data: Path, *args: str) -> tuple[int, str, str]:
    return wirewatch("kb", *args, "--data-dir", str(data))


class TestKnowledgeCommands:
    def test_add_lookup_list_remove(self, tmp_path: Path) -> None:
        code, out, err = kb(
            tmp_path,
            "add",
            "user:zorvex",
            "--name",
            "Zorvex Drones",
            "--alias",
            "Zorvex",
            "--type",
            "company",
            "--role",
            "drone maker@Zorvex:2019..2024",
        )
        assert code == 0, err
        assert json.loads(out)["id"] == "user:zorvex"

        code, out, _ = kb(tmp_path, "lookup", "Zorvex")
        assert code == 0
        assert "user:zorvex  Zorvex Drones  (actor, company; by name)" in out
        assert "knowledge of one's own" in out
        assert "role: drone maker @ Zorvex  2019..2024" in out

        code, out, _ = kb(tmp_path, "list")
        (entry,) = [json.loads(line) for line in out.splitlines()]
        assert entry["added_by"] == "cli"

        assert kb(tmp_path, "remove", "user:zorvex")[0] == 0
        assert kb(tmp_path, "list")[1] == ""
        code, _, err = kb(tmp_path, "remove", "user:zorvex")
        assert code == 2
        assert "no entry 'user:zorvex'" in err

    def test_lookup_of_a_packaged_actor_as_json(self, tmp_path: Path) -> None:
        code, out, _ = kb(tmp_path, "lookup", "Sergei Lavrov", "--json")
        assert code == 0
        first = json.loads(out.splitlines()[0])
        assert first["type"] == "person"
        assert first["added"] is False
        assert any("Foreign Affairs" in r["role"] for r in first["roles"])

    def test_a_name_that_resolves_to_nothing_says_so(self, tmp_path: Path) -> None:
        code, _, err = kb(tmp_path, "lookup", "Qwxzzy Borf")
        assert code == 1
        assert "resolves to nothing" in err

    def test_an_entry_that_cannot_apply_is_one_clear_line(self, tmp_path: Path) -> None:
        code, out, err = kb(tmp_path, "add", "Q7184", "--kind", "region", "--alias", "x")
        assert code == 2
        assert out == ""
        assert err.strip().count("\n") == 0, err
        assert "entry 'Q7184' refused" in err
        code, _, err = kb(tmp_path, "add", "bad id", "--name", "X")
        assert code == 2
        assert "invalid entry: id" in err

    def test_load_a_file_all_or_nothing(self, tmp_path: Path) -> None:
        good = {"id": "user:grain", "kind": "topic", "name": "grain corridor", "triggers": ["grain corridor"]}
        bad = {"id": "user:town", "kind": "place", "name": "Nowhere"}
        path = tmp_path / "kb.json"
        path.write_text(json.dumps([good, bad]))
        code, _, err = kb(tmp_path, "load", str(path))
        assert code == 2
        assert "places come from the gazetteer" in err
        assert kb(tmp_path, "list")[1] == ""
        path.write_text(json.dumps([good]))
        assert kb(tmp_path, "load", str(path))[1].strip() == "1 entries written"
        assert json.loads(kb(tmp_path, "list")[1])["id"] == "user:grain"


class TestSubscriptionWarnings:
    def test_an_unknown_actor_is_accepted_with_did_you_mean(self, tmp_path: Path) -> None:
        code, out, err = wirewatch(
            "subscriptions",
            "add",
            "s1",
            "--subscriber",
            "alice",
            "--query",
            "actor:NATOO",
            "--data-dir",
            str(tmp_path),
        )
        assert code == 0
        assert json.loads(out)["query"] == "actor:NATOO"
        assert "warning: actor:'NATOO': no actor of that name in the knowledge base" in err
        assert "did you mean 'NATO'" in err

    def test_an_added_actor_gives_no_warning(self, tmp_path: Path) -> None:
        assert kb(tmp_path, "add", "user:zorvex", "--name", "Zorvex Drones")[0] == 0
        code, _, err = wirewatch(
            "subscriptions",
            "add",
            "s1",
            "--subscriber",
            "alice",
            "--query",
            'actor:"Zorvex Drones"',
            "--data-dir",
            str(tmp_path),
        )
        assert code == 0
        assert "warning" not in err
