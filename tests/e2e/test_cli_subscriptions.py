"""The first hour with the CLI: clear one-line errors instead of tracebacks, nothing done silently."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from alerts.store import SubscriptionStore
from tests.factories import make_subscription
from tests.helpers import write_subscriptions
from wirewatch.bus import EmbeddedBus, topic_specs
from wirewatch.cli import app
from wirewatch.cli.services import load_subscription_file
from wirewatch.settings import Settings


def wirewatch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def add(data: Path, *extra: str) -> tuple[int, str, str]:
    return wirewatch("subscriptions", "add", *extra, "--data-dir", str(data))


class TestSubscriptionErrors:
    def test_an_empty_query_is_one_clear_line(self, tmp_path: Path) -> None:
        code, out, err = add(tmp_path, "s1", "--subscriber", "alice", "--query", "")
        assert code == 2
        assert out == ""
        assert err.strip().count("\n") == 0, err
        assert "invalid subscription: query" in err
        assert "Traceback" not in err

    def test_an_id_with_slashes_is_one_clear_line(self, tmp_path: Path) -> None:
        code, _, err = add(tmp_path, "bad/id#+", "--subscriber", "alice", "--query", "actor:NATO")
        assert code == 2
        assert err.strip().count("\n") == 0, err
        assert "invalid subscription: id" in err

    def test_an_unknown_channel_is_refused(self, tmp_path: Path) -> None:
        code, _, err = add(
            tmp_path, "s1", "--subscriber", "alice", "--query", "actor:NATO", "--channel", "pigeon"
        )
        assert code == 2
        assert "unknown channel pigeon" in err
        assert "mqtt, webhook, apprise, sse" in err
        assert wirewatch("subscriptions", "list", "--data-dir", str(tmp_path))[1] == ""

    def test_deleting_what_does_not_exist_says_so(self, tmp_path: Path) -> None:
        code, _, err = wirewatch("subscriptions", "delete", "nope", "--data-dir", str(tmp_path))
        assert code == 2
        assert "no subscription 'nope'" in err
        assert add(tmp_path, "s1", "--subscriber", "alice", "--query", "actor:NATO")[0] == 0
        assert wirewatch("subscriptions", "delete", "s1", "--data-dir", str(tmp_path))[0] == 0
        assert wirewatch("subscriptions", "list", "--data-dir", str(tmp_path))[1] == ""


class TestRun:
    def test_a_busy_mqtt_port_is_one_clear_line(self, tmp_path: Path) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            code, _, err = wirewatch("run", "--data-dir", str(tmp_path), "--mqtt-port", str(port))
        assert code == 2
        assert f"port {port} on 127.0.0.1 is in use" in err
        assert "Traceback" not in err
        assert err.strip().count("\n") == 0, err

    def test_run_takes_a_sources_file_as_the_readme_says(self) -> None:
        code, out, _ = wirewatch("run", "--help")
        assert code == 0
        assert "--sources" in out
        assert "--process-workers" in out


class TestSubscriptionsFile:
    async def test_the_file_seeds_an_empty_topic_only_and_never_undoes_a_change(self, tmp_path: Path) -> None:

        settings = Settings(data_dir=tmp_path)
        path = write_subscriptions(
            tmp_path / "subs.json",
            [make_subscription("a", query="actor:NATO"), make_subscription("b", query="actor:EU")],
        )
        async with EmbeddedBus(tmp_path) as bus:
            await bus.ensure_topics(topic_specs(settings.topics, partitions=1))
            assert [s.id for s in await load_subscription_file(bus, settings, path)] == ["a", "b"]
            store = SubscriptionStore(bus, topics=settings.topics)
            await store.rebuild()
            await store.delete("b")  # an analyst removed it through the CLI or the API
            assert await load_subscription_file(bus, settings, path) == []  # the next start
            again = SubscriptionStore(bus, topics=settings.topics)
            await again.rebuild()
        assert [s.id for s in again.all()] == ["a"]
