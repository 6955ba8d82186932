from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.dedup import ExactDeduplicator
from schemas import PubStatus, Story
from tests.factories import make_story


def story(**fields: Any) -> Story:
    """An agency item; the same text under another id has the same content hash."""
    return make_story(**({"id": "urn:agency:1", "source": "agency", "content_hash": "h1"} | fields))


class TestExactDeduplicator:
    def test_exact_duplicate_is_dropped_and_counted(self) -> None:
        dedup = ExactDeduplicator()
        assert dedup.admit(story())
        assert not dedup.admit(story())
        assert not dedup.admit(story(ingested_at=datetime(2026, 11, 28, 17, 0, tzinfo=UTC)))
        assert dedup.dropped == 2

    def test_same_text_under_another_id_is_dropped(self) -> None:
        dedup = ExactDeduplicator()
        assert dedup.admit(story(id="https://example.org/a"))
        assert not dedup.admit(story(id="https://mirror.example.net/a"))
        assert dedup.dropped == 1

    def test_higher_version_passes_even_with_the_same_text(self) -> None:
        dedup = ExactDeduplicator()
        assert dedup.admit(story(version=1))
        assert dedup.admit(story(version=2))
        assert dedup.admit(story(version=3, content_hash="h2"))
        assert not dedup.admit(story(version=3, content_hash="h2"))
        assert dedup.dropped == 1

    @pytest.mark.parametrize("status", [PubStatus.CANCELED, PubStatus.WITHHELD])
    def test_retraction_passes_once(self, status: PubStatus) -> None:
        dedup = ExactDeduplicator()
        assert dedup.admit(story())
        assert dedup.admit(story(pubstatus=status))
        assert not dedup.admit(story(pubstatus=status))

    def test_reserve_confirm_cancel(self) -> None:
        dedup = ExactDeduplicator()
        assert dedup.reserve(story())
        assert not dedup.reserve(story())  # reserved counts as seen: concurrent copies are dropped
        assert not dedup.reserve(story(id="other"))  # same text under another id, too
        dedup.cancel(story())  # the publish failed
        assert not dedup.seen(story())
        assert dedup.reserve(story())  # so the retry goes through
        dedup.confirm(story())
        assert dedup.check(story())
        assert dedup.dropped == 3
        assert dedup.seen(story())
        assert dedup.dropped == 3  # seen() counts nothing

    def test_check_remembers_nothing(self) -> None:
        dedup = ExactDeduplicator()
        assert not dedup.check(story())
        assert not dedup.check(story())
        assert len(dedup) == 0

    def test_memory_is_bounded_lru(self) -> None:
        dedup = ExactDeduplicator(max_keys=2)
        for n in range(3):
            assert dedup.admit(story(id=f"id{n}", content_hash=f"h{n}"))
        assert len(dedup) == 2
        assert dedup.admit(story(id="id0", content_hash="h0"))  # forgotten, so it passes again
        assert not dedup.admit(story(id="id2", content_hash="h2"))

    def test_rejects_a_zero_bound(self) -> None:
        with pytest.raises(ValueError, match="max_keys"):
            ExactDeduplicator(max_keys=0)
