"""deploy/: the Prometheus alert rules and the Grafana dashboard, checked with promtool and against metrics.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from wirewatch import metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "rules.test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "wirewatch.json"
#: Grafana's own variables, as Prometheus would see them once Grafana replaced them.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
#: Series Prometheus makes itself (not ours to define).
PROMETHEUS_OWN = {"up"}
PANEL_TYPES = {"row", "timeseries", "stat", "bargauge", "gauge", "table"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is missing: run `bash .ci/install.sh` as root (it installs Debian's prometheus "
            "package), or `apt-get install prometheus`"
        )
    return found


def run_promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def rule_exprs() -> list[str]:
    doc = yaml.safe_load(RULES.read_text())
    return [rule["expr"] for group in doc["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def dashboard_exprs() -> list[str]:
    exprs = [t["expr"] for p in panels() for t in p["targets"]]
    for name, value in GRAFANA_VARIABLES.items():
        exprs = [e.replace(name, value) for e in exprs]
    return exprs


def exported_names() -> dict[str, str]:
    """Every series name wirewatch/metrics.py exports, and the metric it belongs to."""
    names: dict[str, str] = {}
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        base = value._name
        if isinstance(value, Counter):
            suffixes = ["_total", "_created"]
        elif isinstance(value, Histogram):
            suffixes = ["_bucket", "_sum", "_count", "_created"]
        else:
            assert isinstance(value, Gauge), value
            suffixes = [""]
        names |= {base + s: base for s in suffixes}
    return names


def metric_names(expr: str) -> set[str]:
    """The series names an expression reads (identifiers followed by a selector, a range or nothing)."""
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "{}", without_strings)
    without_groupings = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", without_labels
    )
    idents = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", without_groupings))
    keywords = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan"}
    durations = {i for i in idents if re.fullmatch(r"\d+[smhdwy]", i)}
    return {i for i in idents - keywords - durations if not i.isdigit()}


class TestAlertRules:
    def test_promtool_checks_the_rules(self) -> None:
        done = run_promtool("check", "rules", RULES)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SUCCESS" in done.stdout

    def test_the_rules_fire_on_made_up_series(self) -> None:
        done = run_promtool("test", "rules", RULE_TESTS)
        assert done.returncode == 0, done.stdout + done.stderr

    def test_lag_dead_letters_delivery_failures_and_stage_down_are_covered(self) -> None:
        doc = yaml.safe_load(RULES.read_text())
        alerts = {rule["alert"]: rule["expr"] for group in doc["groups"] for rule in group["rules"]}
        assert "wirewatch_consumer_lag" in alerts["WirewatchConsumerLagGrowing"]
        assert "wirewatch_dead_letters_total" in alerts["WirewatchDeadLetters"]
        assert 'outcome="dead_letter"' in alerts["WirewatchDeliveryFailures"]
        assert "wirewatch_stage_up" in alerts["WirewatchStageDown"]


class TestDashboard:
    def test_its_shape_is_a_grafana_dashboard(self) -> None:
        dash = dashboard()
        assert dash["title"] == "Wirewatch"
        assert re.fullmatch(r"[a-z0-9-]{1,40}", dash["uid"])
        assert isinstance(dash["schemaVersion"], int)
        variables = {v["name"]: v for v in dash["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        ids = [p["id"] for p in dash["panels"]]
        assert len(ids) == len(set(ids)), "panel ids must be unique"
        cells: set[tuple[int, int]] = set()
        for p in dash["panels"]:
            assert p["type"] in PANEL_TYPES, p["type"]
            pos = p["gridPos"]
            assert pos["x"] >= 0
            assert pos["w"] > 0
            assert pos["h"] > 0
            assert pos["x"] + pos["w"] <= 24, p["title"]
            mine = {
                (x, y)
                for x in range(pos["x"], pos["x"] + pos["w"])
                for y in range(pos["y"], pos["y"] + pos["h"])
            }
            assert not mine & cells, f"{p['title']} overlaps another panel"
            cells |= mine
            if p["type"] == "row":
                continue
            assert p["title"]
            assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert p["targets"], p["title"]
            refs = [t["refId"] for t in p["targets"]]
            assert len(refs) == len(set(refs))

    def test_promtool_parses_every_expression(self, tmp_path: Path) -> None:
        # promtool cannot read a dashboard: each expression becomes a recording rule, which it parses.
        rules = {
            "groups": [
                {
                    "name": "dashboard",
                    "rules": [
                        {"record": f"dashboard:expr_{i}", "expr": e} for i, e in enumerate(dashboard_exprs())
                    ],
                }
            ]
        }
        path = tmp_path / "dashboard-rules.yml"
        path.write_text(yaml.safe_dump(rules))
        done = run_promtool("check", "rules", path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"SUCCESS: {len(dashboard_exprs())} rules found" in done.stdout


class TestNamesMatchMetricsPy:
    def test_the_name_extraction_sees_what_it_should(self) -> None:
        expr = 'sum by (stage, le) (rate(wirewatch_handle_seconds_bucket{outcome="x y"}[5m])) > 0 and up == 0'
        assert metric_names(expr) == {"wirewatch_handle_seconds_bucket", "up"}

    @pytest.mark.parametrize("source", ["rules", "dashboard"])
    def test_every_metric_an_expression_reads_exists_in_metrics_py(self, source: str) -> None:
        exprs = rule_exprs() if source == "rules" else dashboard_exprs()
        exported = exported_names()
        used = set().union(*(metric_names(e) for e in exprs))
        unknown = sorted(used - exported.keys() - PROMETHEUS_OWN)
        assert not unknown, f"{source} read metrics that wirewatch/metrics.py does not define: {unknown}"

    def test_the_dashboard_shows_every_metric(self) -> None:
        exported = exported_names()
        shown = {exported[n] for e in dashboard_exprs() for n in metric_names(e) if n in exported}
        assert shown == set(exported.values())
