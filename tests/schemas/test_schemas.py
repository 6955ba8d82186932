"""The message contracts: frozen, versioned, and the published JSON Schema matches the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import SCHEMA_VERSION, DeadLetter, Story, Topics
from schemas.generate import drift, render
from tests.factories import make_alert, make_enriched, make_mention, make_story, make_tag


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

    def test_wire_bytes_are_pydantics_json_unchanged(self) -> None:
        # to_bytes takes the serializer's bytes without the str round trip: the same bytes, non-ASCII
        # text, None fields and nested models included, in English and in Ukrainian.
        title = "Київ: НАТО каже, що Росія не відвела війська"
        tag = make_tag("NATO", aliases=("НАТО", "OTAN"), mentions=(make_mention("НАТО", within=title),))
        messages = [
            story(title="NATO says Russia has not withdrawn troops", byline=None),
            make_enriched(title=title, language="uk", actors=(tag,), countries=("UA",)),
            make_alert(title=title, url=None),
        ]
        for message in messages:
            wire = message.to_bytes()
            assert type(wire) is bytes
            assert wire == message.model_dump_json(exclude_none=False).encode()
            assert type(message).from_bytes(wire) == message

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
