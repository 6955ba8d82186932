"""One set of factories for the messages tests build: sensible defaults, any field overridden by keyword.

    make_story(title="Quake hits coast")             # a valid Story
    make_enriched(actors=(make_tag("NATO"),))        # an EnrichedStory (cluster ``c-<id>``)
    make_subscription("border", query="region:X", min_confidence=0.5)   # options by keyword too
    make_alert(kind=AlertKind.UPDATE)

A module that wants other defaults wraps one: ``story = functools.partial(make_story, source="agency")``
(keywords given at the call still win). Fixed times (``NOW``) keep tests deterministic.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from schemas.models import (
    Alert,
    AlertKind,
    EnrichedStory,
    MatchedClause,
    Mention,
    Story,
    Subscription,
    SubscriptionOptions,
    Tag,
)

__all__ = [
    "NOW",
    "make_alert",
    "make_clause",
    "make_enriched",
    "make_mention",
    "make_story",
    "make_subscription",
    "make_tag",
]

NOW = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


def _story_fields(overrides: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "story-1",
        "title": "NATO ministers meet in Brussels",
        "body": "Defence ministers met in Brussels on Thursday.\n\nThey discussed the eastern flank.",
        "source": "test",
        "ingested_at": NOW,
    }
    fields.update(overrides)
    if "content_hash" not in fields:  # the same text hashes the same, as at ingest
        text = f"{fields['title']}\n{fields['body']}"
        fields["content_hash"] = hashlib.sha256(text.encode()).hexdigest()
    return fields


def make_story(**overrides: Any) -> Story:
    """A valid Story; ``content_hash`` follows title and body unless given."""
    return Story.model_validate(_story_fields(overrides))


def make_enriched(**overrides: Any) -> EnrichedStory:
    """A valid EnrichedStory with no tags; ``cluster_id`` is ``c-<id>`` unless given."""
    fields = _story_fields(overrides)
    fields.setdefault("cluster_id", f"c-{fields['id']}")
    return EnrichedStory.model_validate(fields)


def make_mention(text: str, *, field: str = "title", within: str | None = None, start: int = 0) -> Mention:
    """A mention of ``text`` in ``field``, at ``start`` or where it first stands in ``within``."""
    if within is not None:
        start = within.index(text)
    return Mention.model_validate({"field": field, "start": start, "end": start + len(text), "text": text})


def make_tag(name: str, *, type: str = "organization", **overrides: Any) -> Tag:  # noqa: A002 - Tag's field
    """A tag whose ``id`` is its name unless given."""
    return Tag.model_validate({"id": name, "name": name, "type": type} | overrides)


def make_clause(clause: str, **overrides: Any) -> MatchedClause:
    """A matched clause ``field:value`` (tag id and name default to the value)."""
    field, _, value = clause.partition(":")
    fields: dict[str, Any] = {
        "clause": clause,
        "field": field,
        "value": value,
        "tag_id": value,
        "tag_name": value,
    }
    return MatchedClause.model_validate(fields | overrides)


def make_subscription(
    sub_id: str = "sub-1", *, subscriber: str = "alice", query: str = "actor:NATO", **options: Any
) -> Subscription:
    """A subscription; any other keyword is one of its ``SubscriptionOptions``."""
    return Subscription(
        id=sub_id, subscriber=subscriber, query=query, options=SubscriptionOptions.model_validate(options)
    )


def make_alert(**overrides: Any) -> Alert:
    """A ``new`` alert of ``sub-1`` (alice) on story-1 in cluster-9, created at ``NOW``."""
    fields: dict[str, Any] = {
        "key": "sub-1:cluster-9:new",
        "kind": AlertKind.NEW,
        "subscription_id": "sub-1",
        "subscriber": "alice",
        "story_id": "story-1",
        "cluster_id": "cluster-9",
        "title": "NATO ministers meet in Brussels",
        "query": "actor:NATO",
        "created_at": NOW,
    }
    return Alert.model_validate(fields | overrides)
