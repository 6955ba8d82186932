"""The AsyncAPI 3 document of Wirewatch's public topics, generated from the models and the topic table.

``python -m schemas.generate`` writes it to ``schemas/asyncapi.yaml`` with the JSON Schema files, and
its ``--check`` (and a test) fails when the file drifts from the code. Every public topic of
:meth:`schemas.Topics.declarations` is a channel (address ``{prefix}.…``, Kafka bindings with its
partitions, cleanup policy and retention), with its message: key, headers, payload schema and an
example built from the models themselves (so the examples are valid by construction).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import yaml
from pydantic.json_schema import models_json_schema

from schemas.compat import current_version, open_content
from schemas.models import (
    SCHEMA_VERSION,
    Alert,
    AlertKind,
    DeadLetter,
    EnrichedStory,
    MatchedClause,
    Mention,
    Message,
    Story,
    Subscription,
    SubscriptionOptions,
    Tag,
)
from schemas.topics import DEFAULT_PREFIX, TopicDecl, Topics

if TYPE_CHECKING:
    from pathlib import Path

#: The headers every message carries (``wirewatch.runner.headers_for`` writes them; a test keeps them equal).
HEADER_SCHEMA_VERSION = "wirewatch-schema-version"
HEADER_MESSAGE_TYPE = "wirewatch-type"
HEADER_TRACE_ID = "wirewatch-trace-id"
KAFKA_BINDING = "0.5.0"
#: Public topic (its :class:`Topics` attribute) → channel id, message id and model.
CHANNELS: dict[str, tuple[str, str, type[Message]]] = {
    "raw": ("storiesRaw", "story", Story),
    "enriched": ("storiesEnriched", "enrichedStory", EnrichedStory),
    "alerts": ("alerts", "alert", Alert),
    "subscriptions": ("subscriptions", "subscription", Subscription),
    "dlq": ("deadLetters", "deadLetter", DeadLetter),
}
_AT = datetime(2026, 2, 16, 9, 30, tzinfo=UTC)


def examples() -> dict[str, Message]:
    """One example message per public model (the AsyncAPI examples; tests publish them too)."""
    body = "Troops were seen moving towards the border overnight, officials said.\n\nNATO called it a drill."
    story = Story(
        id="urn:example:wire:2026-02-16:troops",
        title="NATO says troop movements near border are a drill",
        body=body,
        language="en",
        published_at=_AT,
        dateline="BRUSSELS",
        source="example-wire",
        url="https://news.example/troops",
        content_hash="3f1d" * 16,
        ingested_at=_AT,
    )
    nato = Tag(
        id="Q7184",
        name="NATO",
        type="organization",
        mentions=(Mention(field="body", start=body.index("NATO"), end=body.index("NATO") + 4, text="NATO"),),
    )
    enriched = EnrichedStory(**story.model_dump(), actors=(nato,), cluster_id="c-4f2a9e")
    clause = MatchedClause(clause="actor:NATO", field="actor", value="NATO", tag_id="Q7184", tag_name="NATO")
    return {
        "story": story,
        "enrichedStory": enriched,
        "alert": Alert(
            key="s-border:c-4f2a9e:1",
            kind=AlertKind.NEW,
            subscription_id="s-border",
            subscriber="analyst-1",
            story_id=story.id,
            cluster_id=enriched.cluster_id,
            title=story.title,
            url=story.url,
            published_at=_AT,
            query="actor:NATO",
            explanation=(clause,),
            created_at=_AT,
        ),
        "subscription": Subscription(
            id="s-border",
            subscriber="analyst-1",
            query='actor:NATO AND region:"Russia–Ukraine border"',
            options=SubscriptionOptions(channels=("mqtt", "webhook"), webhook_url="https://hooks.example/ww"),
        ),
        "deadLetter": DeadLetter.build(
            stage="ingest",
            error="not a story: no title and no body",
            raw=b"{}",
            failed_at=_AT,
            source="inbox/broken.json",
        ),
    }


def document(released: Path | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a mapping (``released``: the snapshot directory, for the version)."""
    topics = Topics()
    decls = {d.name: d for d in topics.declarations()}
    models = [(model, "serialization") for _, _, model in CHANNELS.values()]
    refs, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    del refs
    samples = examples()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for attr, (channel_id, message_id, model) in CHANNELS.items():
        decl = decls[getattr(topics, attr)]
        channels[channel_id] = _channel(decl, message_id, model)
        messages[message_id] = _message(decl, message_id, model, samples[message_id])
        ref = {"$ref": f"#/channels/{channel_id}"}
        msg = [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}]
        operations[f"send{channel_id[0].upper()}{channel_id[1:]}"] = {
            "action": "send",
            "channel": ref,
            "messages": msg,
            "summary": f"Wirewatch publishes {model.__name__} messages to {decl.name}.",
        }
        if attr == "subscriptions":  # the only public topic Wirewatch also reads (the source of truth)
            operations["receiveSubscriptions"] = {
                "action": "receive",
                "channel": ref,
                "messages": msg,
                "summary": "Every alert worker reads the whole compacted topic; other tools may write it.",
            }
    version = current_version(released) if released is not None else current_version()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Wirewatch",
            "version": version,
            "description": _DESCRIPTION.format(major=SCHEMA_VERSION),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "Your Kafka cluster: what Wirewatch's WIREWATCH_KAFKA_BOOTSTRAP names.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": open_content(_plain(defs["$defs"])),
            "parameters": {
                "prefix": {
                    "default": DEFAULT_PREFIX,
                    "description": "The deployment's topic prefix (WIREWATCH_TOPIC_PREFIX).",
                }
            },
        },
    }


def render(released: Path | None = None) -> str:
    """The document as YAML text (key order kept as built, so that it reads top-down)."""
    header = "# Generated from schemas/models.py and schemas/topics.py by python -m schemas.generate.\n"
    return header + yaml.dump(
        document(released),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
        default_flow_style=False,
    )


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (``|``), so that the description reads as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


_DESCRIPTION = """\
Wirewatch ingests news stories, tags them (places, regions, actors, topics), clusters copies and
versions of one story, matches analysts' standing queries and publishes alerts. These are its public
topics: contracts that downstream services may hold it to. Topics named `{{prefix}}.internal.*`
are not contracts.

Versioning: every message carries `schema_version` (now {major}) in its body and the
`wirewatch-schema-version` header. Within a major version changes are additive only: new optional
fields (schemas are open: consumers must ignore fields they do not know). Anything else — a field
removed or renamed, a type or constraint changed, a new required field, an enum changed — is a new
major version. Released schemas are kept under `schemas/released/<version>/`.
"""


def _channel(decl: TopicDecl, message_id: str, model: type[Message]) -> dict[str, Any]:
    config = decl.kafka_config()
    topic_config: dict[str, Any] = {"cleanup.policy": [config["cleanup.policy"]]}
    topic_config |= {k: int(v) for k, v in config.items() if k != "cleanup.policy"}
    suffix = decl.name.removeprefix(f"{DEFAULT_PREFIX}.")
    binding: dict[str, Any] = {"topicConfiguration": topic_config, "bindingVersion": KAFKA_BINDING}
    if decl.partitions == 1:
        binding["partitions"] = 1
    return {
        "address": f"{{prefix}}.{suffix}",
        "title": decl.name,
        "description": (
            f"Key: {decl.key}. Value: {decl.value}. Cleanup: {decl.cleanup}. Partitions: "
            + ("1." if decl.partitions == 1 else "WIREWATCH_KAFKA__PARTITIONS (3 by default).")
            + (" A null value (tombstone) deletes the key." if decl.cleanup == "compact" else "")
        ),
        "parameters": {"prefix": {"$ref": "#/components/parameters/prefix"}},
        "messages": {message_id: {"$ref": f"#/components/messages/{message_id}"}},
        "bindings": {"kafka": binding},
        "x-wirewatch-model": model.__name__,
    }


def _message(decl: TopicDecl, message_id: str, model: type[Message], sample: Message) -> dict[str, Any]:
    name = model.__name__
    return {
        "name": name,
        "title": name,
        "summary": (model.__doc__ or name).strip().splitlines()[0],
        "contentType": "application/json",
        "headers": _headers(name),
        "payload": {"$ref": f"#/components/schemas/{name}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"UTF-8: the {decl.key}."},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "examples": [
            {
                "name": f"{message_id}Example",
                "summary": f"A {name} as Wirewatch publishes it.",
                "headers": {
                    HEADER_SCHEMA_VERSION: str(SCHEMA_VERSION),
                    HEADER_MESSAGE_TYPE: name,
                    HEADER_TRACE_ID: "5d41402abc4b2a76b9719d911017c592",
                },
                "payload": _plain(sample.model_dump(mode="json")),
            }
        ],
    }


def _headers(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [HEADER_SCHEMA_VERSION, HEADER_MESSAGE_TYPE, HEADER_TRACE_ID],
        "properties": {
            HEADER_SCHEMA_VERSION: {
                "type": "string",
                "description": "The message's major schema version, in decimal (equals schema_version).",
                "examples": [str(SCHEMA_VERSION)],
            },
            HEADER_MESSAGE_TYPE: {"type": "string", "const": name, "description": "The model's name."},
            HEADER_TRACE_ID: {
                "type": "string",
                "description": "Trace id, carried from the input to everything produced from it.",
            },
        },
    }


def _plain(value: Any) -> Any:
    """JSON-only values (tuples become lists) so that the YAML has no Python tags."""
    return json.loads(json.dumps(value))
