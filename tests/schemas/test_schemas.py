"""The message contracts: frozen, versioned, and the published JSON Schema matches the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import SCHEMA_VERSION, DeadLetter, Story, Topics
from schemas.generate import drift, render
from tests.factories import make_story


def story(**kw: object) -> Story:
    return make_story(**({"body": "one\n\ntwo"} | kw))


class TestContracts:
    def test_json_schema_files_match_the_models(self) -> None:
        assert drift() == [], "run: python -m schemas.generate"

    def test_every_public_schema_is_rendered(self) -> None:
        assert set(render()) == {
            "story.json",
            "enriched-story.json",
            "subscription.json",
            "alert.json",
            "dead-letter.json",
        }

    def test_messages_are_frozen_and_versioned(self) -> None:
        s = story()
        assert s.schema_version == SCHEMA_VERSION
        with pytest.raises(ValidationError):
            s.title = "x"  # type: ignore[misc]
        assert Story.from_bytes(s.to_bytes()) == s
        assert s.paragraphs == ["one", "two"]

    def test_unknown_fields_and_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValidationError):
            story(extra_field=1)
        with pytest.raises(ValidationError):
            story(ingested_at=datetime(2026, 1, 1))  # noqa: DTZ001

    def test_dead_letter_bounds_raw_bytes(self) -> None:
        dl = DeadLetter.build(
            stage="ingest",
            error=ValueError("bad"),
            raw=b"x" * 100,
            failed_at=datetime(2026, 1, 1, tzinfo=UTC),
            limit=10,
        )
        assert dl.raw == b"x" * 10
        assert dl.raw_truncated
        assert dl.raw_size == 100
        assert (dl.reason, dl.error_type) == ("bad", "ValueError")

    def test_topic_prefix_is_configurable(self) -> None:
        t = Topics("acme")
        assert t.raw == "acme.stories.raw"
        assert t.subscriptions in t.compacted()
        assert t.public() == (
            "acme.stories.raw",
            "acme.stories.enriched",
            "acme.alerts",
            "acme.subscriptions",
            "acme.dlq",
        )
