"""The AsyncAPI 3 document: valid AsyncAPI, equal to the code's models and topic table."""

from __future__ import annotations

import copy
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from schemas import SCHEMA_VERSION, Story, Topics
from schemas.asyncapi import (
    CHANNELS,
    HEADER_MESSAGE_TYPE,
    HEADER_SCHEMA_VERSION,
    HEADER_TRACE_ID,
    examples,
)
from schemas.generate import ASYNCAPI, OUT, drift
from tests.deploy.tools import CACHE, node, npm_file
from wirewatch import bus
from wirewatch.runner import headers_for


@cache
def asyncapi_schema() -> dict[str, Any]:
    """The official AsyncAPI 3.0.0 JSON Schema, from the npm package @asyncapi/specs."""
    schema: dict[str, Any] = json.loads(
        npm_file("@asyncapi/specs", "schemas/3.0.0-without-$id.json").read_text()
    )
    return schema


def document() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text())
    return doc


def payload_validator(doc: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    """A validator of one component schema, its refs resolved inside the document."""
    resource: Resource[Any] = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:asyncapi", resource)
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:asyncapi#/components/schemas/{name}"}, registry=registry
    )


def parse_with_asyncapi_parser(path: Path) -> list[str]:
    """Errors and warnings of @asyncapi/parser (via node) on the document at ``path``."""
    npm_file("@asyncapi/parser", "package.json")
    script = Path(__file__).with_name("asyncapi_check.cjs")
    done = subprocess.run(
        [node(), str(script), str(CACHE / "npm"), str(path)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(("error", "warning"))]
    if done.returncode != 0 and not lines:
        lines = [f"error\tthe parser failed: {done.stderr.strip()[-2000:]}"]
    return lines


class TestDocument:
    def test_matches_the_models_and_the_topic_table(self) -> None:
        assert drift() == [], "run: python -m schemas.generate"

    def test_is_valid_asyncapi_3(self) -> None:
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in jsonschema.Draft7Validator(asyncapi_schema()).iter_errors(document())
        ]
        assert errors == []
        assert document()["asyncapi"] == "3.0.0"

    def test_the_official_parser_finds_no_error_or_warning(self) -> None:
        assert parse_with_asyncapi_parser(ASYNCAPI) == []

    def test_the_official_parser_catches_a_dangling_reference(self, tmp_path: Path) -> None:
        doc = copy.deepcopy(document())
        doc["components"]["messages"]["alert"]["payload"] = {"$ref": "#/components/schemas/NoSuchModel"}
        broken = tmp_path / "asyncapi.yaml"
        broken.write_text(yaml.safe_dump(doc, sort_keys=False))
        problems = parse_with_asyncapi_parser(broken)
        assert any(p.startswith("error") for p in problems), problems

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("channels", "storiesRaw", "address"), 5),
            (("operations", "sendAlerts", "action"), "publish"),  # AsyncAPI 2's verb, gone in 3
            (("channels", "alerts", "bindings", "kafka", "topicConfiguration", "retention.ms"), -5),
        ],
    )
    def test_the_validator_catches_a_broken_document(self, path: tuple[str, ...], value: object) -> None:
        doc = copy.deepcopy(document())
        node = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        assert not jsonschema.Draft7Validator(asyncapi_schema()).is_valid(doc)

    def test_every_public_topic_is_a_channel_with_its_declared_configs(self) -> None:
        doc, topics = document(), Topics()
        decls = {d.name: d for d in topics.declarations()}
        addresses = {}
        for attr, (channel_id, message_id, model) in CHANNELS.items():
            channel = doc["channels"][channel_id]
            name = channel["address"].replace("{prefix}", "wirewatch")
            addresses[name] = channel_id
            assert name == getattr(topics, attr)
            config = {
                k: (v[0] if isinstance(v, list) else str(v))
                for k, v in channel["bindings"]["kafka"]["topicConfiguration"].items()
            }
            assert config == decls[name].kafka_config()
            message = doc["components"]["messages"][message_id]
            assert message["payload"] == {"$ref": f"#/components/schemas/{model.__name__}"}
            assert message["bindings"]["kafka"]["key"]["type"] == "string"
        assert sorted(addresses) == sorted(topics.public())
        assert not any(".internal." in a for a in addresses)

    def test_headers_are_the_ones_the_stages_write(self) -> None:
        assert (HEADER_SCHEMA_VERSION, HEADER_MESSAGE_TYPE, HEADER_TRACE_ID) == (
            bus.HEADER_SCHEMA_VERSION,
            bus.HEADER_MESSAGE_TYPE,
            bus.HEADER_TRACE_ID,
        )
        doc = document()
        for message_id, sample in examples().items():
            schema = doc["components"]["messages"][message_id]["headers"]
            written = {k: v.decode() for k, v in headers_for(sample, trace_id="t-1")}
            jsonschema.validate(written, schema)
            assert written[HEADER_SCHEMA_VERSION] == str(SCHEMA_VERSION)


class TestExamples:
    def test_every_example_is_valid_against_its_schemas_and_its_model(self) -> None:
        doc = document()
        for _, message_id, model in CHANNELS.values():
            message = doc["components"]["messages"][message_id]
            (example,) = message["examples"]
            payload = example["payload"]
            payload_validator(doc, model.__name__).validate(payload)
            published = json.loads((OUT / _file(model.__name__)).read_text())
            jsonschema.validate(payload, published)
            assert model.model_validate(payload) == examples()[message_id]
            jsonschema.validate(example["headers"], message["headers"])

    def test_a_consumer_of_the_schemas_accepts_a_new_optional_field(self) -> None:
        published = json.loads((OUT / "story.json").read_text())
        story = examples()["story"].model_dump(mode="json")
        jsonschema.validate(story | {"a_field_of_a_later_release": 1}, published)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({k: v for k, v in story.items() if k != "title"}, published)
        assert isinstance(examples()["story"], Story)


def _file(model: str) -> str:
    return {
        "Story": "story.json",
        "EnrichedStory": "enriched-story.json",
        "Alert": "alert.json",
        "Subscription": "subscription.json",
        "DeadLetter": "dead-letter.json",
    }[model]
