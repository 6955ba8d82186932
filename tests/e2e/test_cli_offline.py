"""The offline commands on the seed story, as an analyst runs them.

The commands run in this process (``typer.testing.CliRunner`` on ``wirewatch.cli.app``), so the
knowledge base is loaded once per session; one test runs the installed console script itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from schemas import Alert, EnrichedStory, Story
from tests.factories import make_subscription
from tests.helpers import NATO_BORDER_QUERY, SEED, write_subscriptions
from wirewatch.cli import app

SEED_TITLE = "NATO insists that Russia has not withdrawn troops from the border with Ukraine"


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def wirewatch(*args: str) -> Outcome:
    """``wirewatch ARGS`` in this process: exit code, stdout and stderr apart."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def names(tags: tuple) -> set[str]:  # type: ignore[type-arg]
    return {t.name for t in tags}


class TestTag:
    def test_seed_story_actors_and_region_with_mentions(self) -> None:
        out = wirewatch("tag", str(SEED))
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert len(lines) == 1
        story = EnrichedStory.model_validate_json(lines[0])
        actors = names(story.actors)
        assert {"NATO", "Jens Stoltenberg", "Sergei Lavrov", "Russia"} <= actors, actors
        assert "Russia–Ukraine border" in names(story.regions)
        for tag in (*story.actors, *story.regions):
            if tag.name in {"NATO", "Jens Stoltenberg", "Sergei Lavrov", "Russia", "Russia–Ukraine border"}:
                assert tag.mentions, tag.name
                for m in tag.mentions:
                    assert getattr(story, m.field)[m.start : m.end] == m.text

    def test_inputs_in_order_one_line_each(self, tmp_path: Path) -> None:
        a = tmp_path / "a.txt"
        a.write_text(
            "Sanctions on Moscow\n\nThe EU agreed new sanctions on Russia on Monday, diplomats in Brussels said.\n"
        )
        out = wirewatch("tag", str(a), str(SEED), str(a))
        assert out.returncode == 0, out.stderr
        titles = [json.loads(line)["title"] for line in out.stdout.splitlines()]
        assert titles[0] == titles[2] == "Sanctions on Moscow"
        assert titles[1].startswith("NATO insists")

    def test_a_broken_input_is_reported_and_the_rest_go_on(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_bytes(b'{"broken": ')
        out = wirewatch("tag", str(bad), str(SEED))
        assert out.returncode == 1
        assert "bad.json" in out.stderr
        assert len(out.stdout.splitlines()) == 1


class TestExtract:
    def test_seed_story_is_clean(self) -> None:
        out = wirewatch("extract", str(SEED))
        assert out.returncode == 0, out.stderr
        story = Story.model_validate_json(out.stdout.splitlines()[0])
        assert story.title == SEED_TITLE
        for chrome in (
            "Buy now",
            "Related Articles",
            "Advertisement",
            "Latest Articles",
            "8.3 C",
            "April 18, 2024",
        ):
            assert chrome not in story.body
        assert "it will pay a high price" in story.body
        assert story.published_at_source == "ingest"


class TestMatch:
    def test_seed_story_alerts_the_nato_border_subscription(self, tmp_path: Path) -> None:
        subs = write_subscriptions(
            tmp_path / "subs.json",
            [
                make_subscription("nato-border", subscriber="analyst", query=NATO_BORDER_QUERY),
                make_subscription(
                    "nato-border-dashes",
                    subscriber="analyst",
                    query='actor:nato AND region:"russia-ukraine BORDER"',
                ),
                make_subscription("sahel", subscriber="analyst", query="region:Sahel"),
            ],
        )
        out = wirewatch("match", "--subscriptions", str(subs), str(SEED))
        assert out.returncode == 0, out.stderr
        alerts = [Alert.model_validate_json(line) for line in out.stdout.splitlines()]
        assert sorted(a.subscription_id for a in alerts) == ["nato-border", "nato-border-dashes"]
        for a in alerts:
            assert a.kind == "new"
            assert {c.field for c in a.explanation} >= {"actor", "region"}


class TestConsoleScript:
    def test_the_installed_wirewatch_command_extracts_the_seed(self) -> None:
        # The console script beside this interpreter (``pip install -e .`` put it there).
        script = Path(sys.executable).with_name("wirewatch")
        out = subprocess.run(
            [str(script), "extract", str(SEED)], capture_output=True, text=True, timeout=120, check=False
        )
        assert out.returncode == 0, out.stderr
        assert Story.model_validate_json(out.stdout.splitlines()[0]).title == SEED_TITLE
