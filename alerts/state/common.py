"""What both halves of the alert state share: the error, the idempotency key, the record base."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from alerts.errors import AlertStateError
from schemas.models import Alert, AlertKind, MatchedClause, Message, WhatIsNew

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemas.models import Subscription

__all__ = [
    "AlertStateError",
    "Candidate",
    "HeldItem",
    "Record",
    "alert_key",
    "build_alert",
    "check_aware",
    "drain_changes",
]


def alert_key(
    subscription_id: str, cluster_id: str, story_id: str, story_version: int, kind: AlertKind
) -> str:
    """The idempotency key of an alert: the same inputs give the same key, on any run."""
    raw = "\x1f".join((subscription_id, cluster_id, story_id, str(story_version), kind.value))
    return hashlib.sha256(raw.encode()).hexdigest()


class Record(BaseModel):
    """Base of the changelog records: strict, so a corrupt or foreign record is refused."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Candidate(Message):
    """A subscription matched a story (or must hear of its retraction); the mailbox decides when.

    Internal (topic ``internal.matches``, keyed by subscription id): the match stage, which owns
    the subscription × cluster threads, hands it to the mailbox stage, which owns each
    subscription's throttle, digest and quiet hours.
    """

    kind: AlertKind
    subscription_id: str
    story_id: str
    story_version: int
    cluster_id: str
    title: str
    url: str | None = None
    published_at: datetime | None = None
    explanation: tuple[MatchedClause, ...] = ()
    at: AwareDatetime = Field(description="The story record's time: decisions are made by it, not the clock.")
    superseded: bool = Field(
        default=False, description="A retraction whose story has a later version already taken."
    )
    what_is_new: WhatIsNew | None = None


def build_alert(subscription: Subscription, item: Candidate | HeldItem, now: datetime) -> Alert:
    """The alert for one item: its key depends on the item only, never on ``now``."""
    return Alert(
        key=alert_key(subscription.id, item.cluster_id, item.story_id, item.story_version, item.kind),
        kind=item.kind,
        subscription_id=subscription.id,
        subscriber=subscription.subscriber,
        story_id=item.story_id,
        story_version=item.story_version,
        cluster_id=item.cluster_id,
        title=item.title,
        url=item.url,
        published_at=item.published_at,
        query=subscription.query,
        explanation=item.explanation,
        created_at=now,
        what_is_new=item.what_is_new,
    )


class HeldItem(Record):
    """An alert to send: held for a digest, the end of quiet hours or a throttle slot."""

    kind: AlertKind
    story_id: str
    story_version: int
    cluster_id: str
    title: str
    url: str | None = None
    published_at: datetime | None = None
    explanation: tuple[MatchedClause, ...] = ()
    what_is_new: WhatIsNew | None = None

    @classmethod
    def of(cls, candidate: Candidate) -> HeldItem:
        """The part of a candidate a mailbox keeps."""
        return cls(
            kind=candidate.kind,
            story_id=candidate.story_id,
            story_version=candidate.story_version,
            cluster_id=candidate.cluster_id,
            title=candidate.title,
            url=candidate.url,
            published_at=candidate.published_at,
            explanation=candidate.explanation,
            what_is_new=candidate.what_is_new,
        )


def check_aware(now: datetime) -> None:
    """Refuse a naive time: every decision is made in UTC-aware time."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise AlertStateError("now must be timezone-aware", now=now.isoformat())


def drain_changes(
    dirty: dict[str, None], record_of: Callable[[str, str], Record | None]
) -> list[tuple[str, bytes | None]]:
    """Changelog entries for the keys touched (``kind|rest``), in order; the dirty set is emptied.

    ``record_of(kind, rest)`` is the key's current record, or None when it was deleted (a tombstone).
    """
    out: list[tuple[str, bytes | None]] = []
    for key in dirty:
        kind, _, rest = key.partition("|")
        record = record_of(kind, rest)
        # The serializer's bytes as they are (model_dump_json() would decode them, to be encoded again).
        out.append((key, None if record is None else record.__pydantic_serializer__.to_json(record)))
    dirty.clear()
    return out
