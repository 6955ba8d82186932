"""deploy/helm/wirewatch: linted, rendered, every manifest valid, and the names the code's.

helm is built from the Go module proxy by .ci/install.sh (no network here); Kubernetes' kinds are
validated against the schemas that the PyPI package kubernetes-validate ships, the CRDs (KEDA,
Strimzi) against tests/deploy/crds.py.
"""

from __future__ import annotations

import subprocess
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from schemas import CHANNELS, Topics
from tests.deploy.crds import CRDS
from tests.deploy.tools import ROOT, STAGE_COMMANDS, cli_accepts, helm, known_setting
from wirewatch.cli.topology import STAGES

CHART = ROOT / "deploy" / "helm" / "wirewatch"
K8S_VERSION = "1.27.0"  # Chart.yaml's kubeVersion floor; the newest kubernetes-validate knows is checked too
VARIANTS = {
    "default": [],  # external Kafka over SASL_SSL, KEDA
    "strimzi-hpa": ["--set", "strimzi.enabled=true", "--set", "autoscaling.mode=hpa"],
    "prefixed": ["--set", "topicPrefix=staging", "--set", "strimzi.enabled=true"],
    "plain": [
        "--set", "autoscaling.mode=none",
        "--set", "networkPolicy.enabled=false",
        "--set", "kafka.securityProtocol=PLAINTEXT",
        "--set", "secrets.existingSecret=wirewatch-credentials",
        "--set", "podDisruptionBudget.enabled=false",
    ],
}  # fmt: skip


def values() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return data


@cache
def render(variant: str) -> tuple[dict[str, Any], ...]:
    """``helm template`` of the chart with one set of values: its manifests."""
    done = subprocess.run(
        [str(helm()), "template", "ww", str(CHART), "--namespace", "news", *VARIANTS[variant]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def of_kind(variant: str, kind: str) -> list[dict[str, Any]]:
    return [d for d in render(variant) if d["kind"] == kind]


def test_helm_lint_passes_strict() -> None:
    done = subprocess.run(
        [str(helm()), "lint", "--strict", str(CHART)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("variant", sorted(VARIANTS))
class TestManifests:
    def test_every_manifest_is_valid(self, variant: str) -> None:
        kinds = set()
        for doc in render(variant):
            kinds.add(doc["kind"])
            if doc["kind"] in CRDS:
                jsonschema.validate(doc, CRDS[doc["kind"]])
                continue
            for version in (K8S_VERSION, kubernetes_validate.latest_version()):
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    pytest.fail(
                        f"{doc['kind']} {doc['metadata']['name']} (Kubernetes {version}): {exc.message}"
                    )
        assert {"Deployment", "ConfigMap", "Service"} <= kinds

    def test_every_stage_is_a_deployment_ready_on_readyz(self, variant: str) -> None:
        deployments = {
            d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in of_kind(variant, "Deployment")
        }
        env = of_kind(variant, "ConfigMap")[0]["data"]
        port = int(env["WIREWATCH_METRICS_PORT"])
        commands = []
        for d in deployments.values():
            (container,) = d["spec"]["template"]["spec"]["containers"]
            commands.append(container["command"] + container["args"])
            probe = container["readinessProbe"]["httpGet"]
            assert probe["path"] == "/readyz"
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert ports[probe["port"]] == port
        assert [problem for c in commands if (problem := cli_accepts(c))] == []
        for stage in STAGES:
            if stage.stage == "api":
                assert "WIREWATCH_API__ENABLED" in str(deployments["api"])
                continue
            want = STAGE_COMMANDS[stage.stage]
            assert any(c[: len(want)] == want for c in commands), stage.stage

    def test_every_setting_is_a_real_one(self, variant: str) -> None:
        names = set(of_kind(variant, "ConfigMap")[0]["data"])
        for d in of_kind(variant, "Deployment"):
            names |= {e["name"] for e in d["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert sorted(n for n in names if not known_setting(n)) == []

    def test_secrets_referenced_exist(self, variant: str) -> None:
        secrets = {s["metadata"]["name"]: set(s.get("stringData", {})) for s in of_kind(variant, "Secret")}
        strimzi_user = values()["kafka"]["username"]
        for d in of_kind(variant, "Deployment"):
            for e in d["spec"]["template"]["spec"]["containers"][0]["env"]:
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref is None:
                    continue
                if ref["name"] == "wirewatch-credentials" or ref["name"] == strimzi_user:
                    continue  # the operator's Secret (existingSecret), or Strimzi's for its KafkaUser
                assert ref["key"] in secrets[ref["name"]], ref

    def test_every_deployment_has_a_disruption_budget_and_a_network_policy(self, variant: str) -> None:
        pdbs = of_kind(variant, "PodDisruptionBudget")
        policies = of_kind(variant, "NetworkPolicy")
        for d in of_kind(variant, "Deployment"):
            labels = d["spec"]["template"]["metadata"]["labels"]
            if variant != "plain":
                assert any(_selects(p["spec"]["selector"]["matchLabels"], labels) for p in pdbs)
                assert any(_selects(p["spec"]["podSelector"]["matchLabels"], labels) for p in policies)


class TestTheChecksBite:
    """The validators are not vacuous: a broken manifest fails them."""

    def test_values_outside_the_charts_schema_are_refused(self) -> None:
        done = subprocess.run(
            [str(helm()), "template", "ww", str(CHART), "--set", "autoscaling.mode=sometimes"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode != 0
        assert "/autoscaling/mode" in done.stderr

    def test_a_misspelt_field_of_a_deployment(self) -> None:
        (d, *_) = of_kind("default", "Deployment")
        broken = {**d, "spec": {**d["spec"], "replica": 2}}
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, K8S_VERSION, strict=True)

    def test_a_misspelt_field_of_a_scaled_object(self) -> None:
        (so, *_) = of_kind("default", "ScaledObject")
        broken = {**so, "spec": {**so["spec"], "maxReplicas": 3}}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, CRDS["ScaledObject"])

    def test_a_number_where_keda_wants_a_string(self) -> None:
        (so, *_) = of_kind("default", "ScaledObject")
        trigger = so["spec"]["triggers"][0]
        broken_trigger = {**trigger, "metadata": {**trigger["metadata"], "lagThreshold": 500}}
        broken = {**so, "spec": {**so["spec"], "triggers": [broken_trigger]}}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, CRDS["ScaledObject"])


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


class TestNamesAreTheCodes:
    def lag_pairs(self, prefix: str | None = None) -> set[tuple[str, str]]:
        """(group, topic) of every stage that reads with a group, from wirewatch/cli/topology.py."""
        topics = Topics(prefix or values()["topicPrefix"])
        out = set()
        assert "mqtt" in CHANNELS
        for s in STAGES:
            if s.group is None:
                continue
            out.add((topics.group(s.group.replace("<channel>", "mqtt")), s.topics(topics)[0][0]))
        return out

    def test_another_prefix_renames_topics_and_groups_as_the_code_does(self) -> None:
        triggers = {
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"])
            for so in of_kind("prefixed", "ScaledObject")
            for t in so["spec"]["triggers"]
        }
        assert triggers == self.lag_pairs("staging")
        names = {t["spec"]["topicName"] for t in of_kind("prefixed", "KafkaTopic")}
        assert names == set(Topics("staging").all())
        (user,) = of_kind("prefixed", "KafkaUser")
        acl_prefixes = {a["resource"].get("name") for a in user["spec"]["authorization"]["acls"]}
        assert {"staging.", Topics("staging").group("wirewatch-")} <= acl_prefixes

    def test_keda_scales_on_the_groups_and_topics_of_the_topology(self) -> None:
        triggers = {
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"])
            for so in of_kind("default", "ScaledObject")
            for t in so["spec"]["triggers"]
        }
        assert triggers == self.lag_pairs()
        for so in of_kind("default", "ScaledObject"):
            assert so["spec"]["maxReplicaCount"] <= values()["partitions"]  # more would sit idle

    def test_the_hpa_reads_the_lag_metric_the_stages_export(self) -> None:
        metrics_py = (ROOT / "wirewatch" / "metrics.py").read_text()
        pairs = set()
        for hpa in of_kind("strimzi-hpa", "HorizontalPodAutoscaler"):
            for m in hpa["spec"]["metrics"]:
                assert f'"{m["external"]["metric"]["name"]}"' in metrics_py
                labels = m["external"]["metric"]["selector"]["matchLabels"]
                pairs.add((labels["group"], labels["topic"]))
        assert pairs == self.lag_pairs()

    def test_strimzi_topics_are_the_topic_table(self) -> None:
        v = values()
        r = v["retention"]
        topics = Topics(
            v["topicPrefix"],
            retention_hours=r["hours"],
            backtest_horizon_hours=r["backtestHorizonHours"],
            dlq_retention_hours=r["dlqHours"],
            retention_bytes=r["bytesPerPartition"],
        )
        rendered = {t["spec"]["topicName"]: t for t in of_kind("strimzi-hpa", "KafkaTopic")}
        declared = {d.name: d for d in topics.declarations()}
        assert sorted(rendered) == sorted(declared), "update `topics` in deploy/helm/wirewatch/values.yaml"
        for name, d in declared.items():
            spec = rendered[name]["spec"]
            assert spec["partitions"] == (v["partitions"] if d.partitions == "n" else 1), name
            assert {k: str(x) for k, x in spec["config"].items()} == d.kafka_config(), name
            assert rendered[name]["metadata"]["labels"]["strimzi.io/cluster"] == v["strimzi"]["clusterName"]

    def test_without_strimzi_a_hook_job_runs_wirewatch_topics(self) -> None:
        (job,) = of_kind("default", "Job")
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"][:2] == ["wirewatch", "topics"]
        assert cli_accepts(container["command"]) == ""
        assert of_kind("strimzi-hpa", "Job") == []

    def test_the_environment_names_the_codes_topics(self) -> None:
        env = of_kind("default", "ConfigMap")[0]["data"]
        assert env["WIREWATCH_TOPIC_PREFIX"] == values()["topicPrefix"] == Topics().prefix
        assert env["WIREWATCH_BUS"] == "kafka"
        assert env["WIREWATCH_RETENTION__BACKTEST_HORIZON_HOURS"] == str(
            values()["retention"]["backtestHorizonHours"]
        )
