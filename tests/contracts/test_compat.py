"""The versioning policy, enforced: only new optional fields within a major version.

Each breaking change is made for real (a changed pydantic model, rendered as ``schemas.generate``
renders the published schemas) and must fail the compatibility check against the released snapshot.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, create_model

from schemas import SCHEMA_VERSION, Message, Story
from schemas.asyncapi import examples
from schemas.compat import (
    RELEASED,
    breaking_changes,
    check_released,
    current_version,
    load,
    open_content,
    released_versions,
)
from schemas.generate import ASYNCAPI, OUT, render


def published(model: type[Message]) -> dict[str, Any]:
    """What schemas.generate would publish for ``model``."""
    schema: dict[str, Any] = open_content(model.model_json_schema(mode="serialization"))
    return schema


def released_story() -> dict[str, Any]:
    newest = [v for v in released_versions() if v[0] == SCHEMA_VERSION][-1]
    return load(newest)["story.json"]


def story_like(**changes: Any) -> type[Message]:
    """A model named Story with Story's fields, some changed (None: removed)."""
    fields: dict[str, Any] = {name: (f.annotation, f) for name, f in Story.model_fields.items()}
    for name, spec in changes.items():
        if spec is None:
            del fields[name]
        else:
            fields[name] = spec
    model: type[Message] = create_model("Story", __base__=Message, **fields)
    return model


class NarrowStatus(enum.StrEnum):
    USABLE = "usable"
    CANCELED = "canceled"


class TestReleased:
    def test_there_is_a_snapshot_of_the_current_major_version(self) -> None:
        assert any(major == SCHEMA_VERSION for major, _ in released_versions()), (
            "take one: python -m schemas.generate --release"
        )

    def test_the_current_schemas_keep_the_last_release_working(self) -> None:
        assert check_released(render()) == []

    def test_the_schemas_are_open_for_new_fields(self) -> None:
        """Consumers must tolerate new optional fields: nothing published forbids them."""
        texts = [p.read_text() for p in (*OUT.glob("*.json"), *RELEASED.glob("*/*.json"), ASYNCAPI)]
        assert texts
        for text in texts:
            assert '"additionalProperties": false' not in text
            assert "additionalProperties: false" not in text


class TestOurOwnReaders:
    def test_a_stage_reads_a_message_with_a_field_of_a_later_release(self) -> None:
        """Wirewatch's stages are consumers too: the policy holds for them (Message.from_bytes)."""
        story = examples()["story"]
        later = json.loads(story.to_bytes()) | {"sentiment": 0.4}
        assert Story.from_bytes(json.dumps(later)) == story
        with pytest.raises(ValueError, match="sentiment"):
            Story.model_validate(later)  # what Wirewatch builds itself stays strict


class TestBreakingChanges:
    def test_unchanged_is_compatible(self) -> None:
        assert breaking_changes(released_story(), published(story_like())) == []

    def test_a_new_optional_field_is_compatible(self) -> None:
        later = story_like(priority=(int | None, Field(default=None)))
        assert breaking_changes(released_story(), published(later)) == []

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"byline": None}, "/byline: removed"),
            (
                {"urgency": (str | None, Field(default=None))},
                "/urgency/anyOf/0/type: 'integer' became 'string'",
            ),
            ({"priority": (int, Field())}, "/priority: new required field"),
            ({"pubstatus": (NarrowStatus, NarrowStatus.USABLE)}, "enum lost ['withheld']"),
            ({"url": (str, Field())}, "/url: was optional, now required"),
            ({"title": (str | None, Field(default=None))}, "/title: was required, now optional"),
            ({"id": (str, Field(min_length=3))}, "/id/minLength: 1 became 3"),
        ],
        ids=[
            "removed",
            "type",
            "new-required",
            "narrowed-enum",
            "now-required",
            "now-optional",
            "constraint",
        ],
    )
    def test_a_breaking_change_fails(self, change: dict[str, Any], expected: str) -> None:
        problems = breaking_changes(released_story(), published(story_like(**change)))
        assert any(expected in p for p in problems), problems
        # The same change fails the whole check that CI runs, and a release is refused.
        current = render() | {"story.json": json.dumps(published(story_like(**change)))}
        assert check_released(current)

    def test_a_widened_enum_fails_too(self) -> None:
        """A consumer validating against the release would refuse the new value."""
        old = {"enum": ["new", "update"], "type": "string"}
        assert breaking_changes(old, old | {"enum": ["new", "update", "digest"]}) == [
            ": enum gained ['digest'] (consumers of the released schema refuse them)"
        ]

    def test_a_message_no_longer_published_fails(self) -> None:
        current = {k: v for k, v in render().items() if k != "alert.json"}
        assert check_released(current) == ["alert.json: the message is no longer published"]


class TestVersions:
    def test_the_version_is_the_snapshot_or_the_next_minor(self, tmp_path: Path) -> None:
        assert current_version(tmp_path) == f"{SCHEMA_VERSION}.0"
        folder = tmp_path / f"{SCHEMA_VERSION}.4"
        folder.mkdir()
        for name, text in render().items():
            (folder / name).write_text(text)
        assert current_version(tmp_path) == f"{SCHEMA_VERSION}.4"
        # The snapshot lacks a field the models have now (an addition since): the next minor.
        older = json.loads(render()["story.json"])
        del older["properties"]["byline"]
        (folder / "story.json").write_text(json.dumps(older))
        assert current_version(tmp_path) == f"{SCHEMA_VERSION}.5"
