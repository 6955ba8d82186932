"""JSON Schemas of the custom resources the chart renders, for the fields it uses.

Kubernetes' own kinds are checked against the schemas kubernetes-validate ships; the CRDs of KEDA
(2.x: ScaledObject, TriggerAuthentication) and Strimzi (0.4x, v1beta2: Kafka, KafkaNodePool,
KafkaTopic, KafkaUser) are in no registry package we can install, so these are written from their
reference docs: the required fields, the types and enums of what we set, and nothing unknown at the
levels we write (a misspelt key fails).
"""

from __future__ import annotations

from typing import Any

_STR = {"type": "string", "minLength": 1}
_INT = {"type": "integer"}


def _obj(props: dict[str, Any], required: list[str], *, closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


_METADATA = _obj(
    {"name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}},
    ["name"],
    closed=False,
)
_LISTENER = _obj(
    {
        "name": {"type": "string", "pattern": "^[a-z0-9]{1,11}$"},
        "port": {"type": "integer", "minimum": 9092},
        "type": {"enum": ["internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"]},
        "tls": {"type": "boolean"},
        "authentication": _obj({"type": {"enum": ["tls", "scram-sha-512", "oauth", "custom"]}}, ["type"]),
    },
    ["name", "port", "type", "tls"],
)
_ACL = _obj(
    {
        "resource": _obj(
            {
                "type": {"enum": ["topic", "group", "cluster", "transactionalId"]},
                "name": _STR,
                "patternType": {"enum": ["literal", "prefix"]},
            },
            ["type"],
        ),
        "operations": {
            "type": "array",
            "items": {
                "enum": [
                    "Read",
                    "Write",
                    "Create",
                    "Delete",
                    "Alter",
                    "Describe",
                    "ClusterAction",
                    "AlterConfigs",
                    "DescribeConfigs",
                    "IdempotentWrite",
                    "All",
                ]
            },
        },
    },
    ["resource", "operations"],
)


def _kind(api: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {"apiVersion": {"const": api}, "kind": {"const": kind}, "metadata": _METADATA, "spec": spec},
        ["apiVersion", "kind", "metadata", "spec"],
    )


CRDS: dict[str, dict[str, Any]] = {
    "ScaledObject": _kind(
        "keda.sh/v1alpha1",
        "ScaledObject",
        _obj(
            {
                "scaleTargetRef": _obj({"name": _STR, "kind": _STR, "apiVersion": _STR}, ["name"]),
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "pollingInterval": _INT,
                "cooldownPeriod": _INT,
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": _obj(
                        {
                            "type": {"const": "kafka"},
                            "metadata": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},  # KEDA takes strings only
                                "required": ["bootstrapServers", "consumerGroup", "topic", "lagThreshold"],
                            },
                            "authenticationRef": _obj({"name": _STR}, ["name"]),
                        },
                        ["type", "metadata"],
                    ),
                },
            },
            ["scaleTargetRef", "triggers"],
        ),
    ),
    "TriggerAuthentication": _kind(
        "keda.sh/v1alpha1",
        "TriggerAuthentication",
        _obj(
            {
                "secretTargetRef": {
                    "type": "array",
                    "items": _obj(
                        {"parameter": _STR, "name": _STR, "key": _STR}, ["parameter", "name", "key"]
                    ),
                },
                "env": {
                    "type": "array",
                    "items": _obj(
                        {"parameter": _STR, "name": _STR, "containerName": _STR}, ["parameter", "name"]
                    ),
                },
            },
            [],
        ),
    ),
    "Kafka": _kind(
        "kafka.strimzi.io/v1beta2",
        "Kafka",
        _obj(
            {
                "kafka": _obj(
                    {
                        "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
                        "listeners": {"type": "array", "minItems": 1, "items": _LISTENER},
                        "authorization": _obj(
                            {"type": {"enum": ["simple", "opa", "keycloak", "custom"]}}, ["type"]
                        ),
                        "config": {"type": "object"},
                    },
                    ["listeners"],
                ),
                "entityOperator": _obj(
                    {"topicOperator": {"type": "object"}, "userOperator": {"type": "object"}}, []
                ),
            },
            ["kafka"],
        ),
    ),
    "KafkaNodePool": _kind(
        "kafka.strimzi.io/v1beta2",
        "KafkaNodePool",
        _obj(
            {
                "replicas": {"type": "integer", "minimum": 1},
                "roles": {"type": "array", "items": {"enum": ["controller", "broker"]}, "minItems": 1},
                "storage": _obj(
                    {
                        "type": {"enum": ["jbod", "persistent-claim", "ephemeral"]},
                        "volumes": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "id": _INT,
                                    "type": {"enum": ["persistent-claim", "ephemeral"]},
                                    "size": {"type": "string", "pattern": r"^\d+[KMGT]i$"},
                                    "kraftMetadata": {"const": "shared"},
                                    "deleteClaim": {"type": "boolean"},
                                    "class": _STR,
                                },
                                ["id", "type"],
                            ),
                        },
                    },
                    ["type"],
                ),
            },
            ["replicas", "roles", "storage"],
        ),
    ),
    "KafkaTopic": _kind(
        "kafka.strimzi.io/v1beta2",
        "KafkaTopic",
        _obj(
            {
                "topicName": _STR,
                "partitions": {"type": "integer", "minimum": 1},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
                "config": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "integer", "boolean"]},
                },
            },
            [],
        ),
    ),
    "KafkaUser": _kind(
        "kafka.strimzi.io/v1beta2",
        "KafkaUser",
        _obj(
            {
                "authentication": _obj(
                    {"type": {"enum": ["tls", "tls-external", "scram-sha-512"]}}, ["type"]
                ),
                "authorization": _obj(
                    {"type": {"const": "simple"}, "acls": {"type": "array", "items": _ACL}}, ["type", "acls"]
                ),
            },
            [],
        ),
    ),
}
