"""The alert stage's work, pure: a story in, candidates out; candidates in, alerts out.

The alert stage has two halves, each with its own owner per key (see :mod:`alerts.state`):
:func:`match_story` runs where ``stories.enriched`` is read (the index finds the subscriptions a
story matches; the threads say ``new``, ``update`` or ``retraction``), :func:`route` where
``internal.matches`` is read (each subscription's mailbox says now or later). The services call
them with their partition's state; :class:`AlertPipeline` chains both in one process for the
offline ``wirewatch match``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alerts.index import SubscriptionIndex
from alerts.query import prepare
from alerts.state import AlertState

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from alerts.query import PreparedStory
    from alerts.state import Candidate, Mailboxes, Threads
    from schemas.models import Alert, EnrichedStory, Subscription

__all__ = ["AlertPipeline", "match_story", "route"]


def match_story(
    story: EnrichedStory,
    *,
    index: SubscriptionIndex,
    subscriptions: Mapping[str, Subscription],
    threads: Threads,
    now: datetime,
    prepared: PreparedStory | None = None,
) -> list[Candidate]:
    """The candidates one enriched story gives: its matches, or its retraction's recipients."""
    if story.retracted:
        return threads.retractions(story=story, subscriptions=subscriptions, now=now)
    out: list[Candidate] = []
    for m in index.match(prepared if prepared is not None else prepare(story)):
        candidate = threads.decide(
            subscription=m.subscription, story=story, explanation=m.explanation, now=now
        )
        if candidate is not None:
            out.append(candidate)
    return out


def route(
    candidates: Iterable[Candidate], *, mailboxes: Mailboxes, subscriptions: Mapping[str, Subscription]
) -> list[Alert]:
    """The alerts the candidates give now (a deleted subscription's candidates give none)."""
    out: list[Alert] = []
    for candidate in candidates:
        subscription = subscriptions.get(candidate.subscription_id)
        if subscription is not None:
            out += mailboxes.route(candidate, subscription)
    return out


class AlertPipeline:
    """Matching and alert state in one process: enriched stories in, alerts out, in order."""

    def __init__(self, subscriptions: Sequence[Subscription] = ()) -> None:
        self.index = SubscriptionIndex()
        for sub in subscriptions:
            self.index.add(sub)
        self.subscriptions = {s.id: s for s in subscriptions}
        self.state = AlertState()

    def alerts_for(self, story: EnrichedStory, *, now: datetime) -> list[Alert]:
        """The alerts one enriched story gives now."""
        candidates = match_story(
            story, index=self.index, subscriptions=self.subscriptions, threads=self.state.threads, now=now
        )
        return route(candidates, mailboxes=self.state.mailboxes, subscriptions=self.subscriptions)
