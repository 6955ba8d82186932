"""``wirewatch topics``: one declaration of every topic, applied idempotently, drift reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiokafka.admin import NewTopic
from typer.testing import CliRunner

from schemas import Topics
from tests.brokers import create_topics
from wirewatch.bus import TopicSpec, topic_specs
from wirewatch.cli import app
from wirewatch.cli.topics import Drift, apply_topics, compare
from wirewatch.settings import Settings

HOUR_MS = 3600 * 1000


class TestDeclaration:
    def test_every_topic_declares_partitions_cleanup_and_retention(self) -> None:
        for d in Topics().declarations():
            config = d.kafka_config()
            assert config["cleanup.policy"] == d.cleanup
            if d.cleanup == "delete":
                assert int(config["retention.ms"]) > 0, d.name
            else:
                assert config["retention.ms"] == "-1", d.name  # a compacted topic keeps every key

    def test_the_backtest_horizon_is_the_enriched_topics_retention(self) -> None:
        s = Settings(retention={"backtest_horizon_hours": 30 * 24, "hours": 12})
        decls = {d.name: d for d in s.topics.declarations()}
        assert decls[s.topics.enriched].retention_ms == 30 * 24 * HOUR_MS
        assert decls[s.topics.raw].retention_ms == 12 * HOUR_MS

    def test_compare_reports_configs_and_partitions(self) -> None:
        want = [TopicSpec("a", partitions=3, config={"retention.ms": "10", "cleanup.policy": "delete"})]
        have = {"a": TopicSpec("a", partitions=1, config={"retention.ms": "99", "cleanup.policy": "delete"})}
        assert compare(want, have) == [
            Drift("a", "partitions", "1", "3"),
            Drift("a", "retention.ms", "99", "10"),
        ]
        assert compare(want, {}) == []  # a missing topic is created, not drift


class TestEmbedded:
    def test_the_command_is_idempotent_and_applies_a_changed_retention(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in ("WIREWATCH_KAFKA_BOOTSTRAP", "WIREWATCH_BUS"):  # the suite may point at a broker
            monkeypatch.delenv(name, raising=False)
        runner = CliRunner()
        first = runner.invoke(app, ["topics", "--data-dir", str(tmp_path)])
        assert first.exit_code == 0, first.output
        assert "created wirewatch.stories.enriched" in first.output
        again = runner.invoke(app, ["topics", "--data-dir", str(tmp_path)])
        assert again.exit_code == 0
        assert "created" not in again.output
        assert "drift" not in again.output
        monkeypatch.setenv("WIREWATCH_RETENTION__BACKTEST_HORIZON_HOURS", "720")
        changed = runner.invoke(app, ["topics", "--data-dir", str(tmp_path)])
        # The embedded log applies the declaration at once: reported, fixed, exit 0.
        assert changed.exit_code == 0
        assert (
            f"wirewatch.stories.enriched: retention.ms is {7 * 24 * HOUR_MS}, declared {720 * HOUR_MS}"
            in (changed.output)
        )
        assert "altered wirewatch.stories.enriched" in changed.output


def test_a_backtest_past_the_horizon_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIREWATCH_KAFKA_BOOTSTRAP", "WIREWATCH_BUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WIREWATCH_RETENTION__BACKTEST_HORIZON_HOURS", "48")
    runner = CliRunner()
    far = runner.invoke(app, ["backtest", "actor:NATO", "--since", "3d", "--data-dir", str(tmp_path)])
    assert far.exit_code == 0, far.output
    assert "reaches past the 48 h the enriched topic keeps" in far.output
    near = runner.invoke(app, ["backtest", "actor:NATO", "--since", "1d", "--data-dir", str(tmp_path)])
    assert near.exit_code == 0
    assert "reaches past" not in near.output


@pytest.mark.integration
class TestKafka:
    async def test_drift_on_a_cluster_is_reported_then_altered(
        self, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        settings = Settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix).resolved()
        topics = settings.topics
        # Someone created the enriched topic by hand with a day's retention and one partition.
        await create_topics(
            kafka_bootstrap,
            [NewTopic(topics.enriched, 1, 1, topic_configs={"retention.ms": str(24 * HOUR_MS)})],
        )

        first = await apply_topics(settings)
        declared = topic_specs(topics, partitions=settings.kafka.partitions)
        assert sorted(first.created) == sorted(s.name for s in declared if s.name != topics.enriched)
        assert {(d.topic, d.what) for d in first.drift} == {
            (topics.enriched, "partitions"),
            (topics.enriched, "retention.ms"),
        }
        assert first.altered == []

        fixed = await apply_topics(settings, alter=True)
        assert fixed.created == []
        assert fixed.altered == [topics.enriched]
        # Partitions are never changed (it would move keys): that drift stays, reported.
        assert [(d.topic, d.what) for d in fixed.remaining] == [(topics.enriched, "partitions")]

        last = await apply_topics(settings)
        assert [(d.what, d.have, d.want) for d in last.drift] == [("partitions", "1", "3")]
