"""Alert state: one alert per subscription × cluster, then updates; throttles, digests, quiet hours.

Two halves, each with one owner per key however many alert workers run:

- :class:`Threads` (``alerts.state.threads``) — per partition of ``stories.enriched`` (keyed by
  cluster id): what each subscription took of each cluster, and which retractions were handled.
  It turns a match into a :class:`Candidate` (``new``, ``update`` or ``retraction``).
- :class:`Mailboxes` (``alerts.state.mailbox``) — per partition of ``internal.matches`` (keyed by
  subscription id): each subscription's throttle window, held items and what it was delivered. It
  turns candidates into the alerts to send, now or when they are due.

:class:`AlertState` joins the two in one process (the offline commands, tests): ``decide`` is
``Threads.decide`` then ``Mailboxes.route``. Both halves are pure; their changes are key/value
pairs for compacted changelogs, written by :mod:`wirewatch.state` after the alerts they gave were
acknowledged, and replayed by the partition's next owner. Pass the record's timestamp as ``now``
so that a replay makes the same throttle and quiet-hour decisions; alert keys
(:func:`alert_key`) never depend on ``now``, so delivery drops what a replay sends again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from alerts.state.common import AlertStateError, Candidate, HeldItem, alert_key
from alerts.state.mailbox import DELIVERED, MAILBOX, Mailboxes
from alerts.state.threads import KILL, THREAD, Threads

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from schemas.models import Alert, EnrichedStory, MatchedClause, Subscription

__all__ = ["AlertState", "AlertStateError", "Candidate", "HeldItem", "Mailboxes", "Threads", "alert_key"]


class AlertState:
    """Both halves in one process: matches in, alerts out (the offline pipeline and tests)."""

    def __init__(self, *, retention: timedelta = timedelta(days=7), max_held: int = 200) -> None:
        self.threads = Threads(retention=retention)
        self.mailboxes = Mailboxes(retention=retention, max_held=max_held)

    def decide(
        self,
        *,
        subscription: Subscription,
        story: EnrichedStory,
        explanation: tuple[MatchedClause, ...],
        now: datetime,
    ) -> list[Alert]:
        """The alerts for one match of ``subscription`` on ``story`` (often none, or one)."""
        candidate = self.threads.decide(
            subscription=subscription, story=story, explanation=explanation, now=now
        )
        return [] if candidate is None else self.mailboxes.route(candidate, subscription)

    def retractions(
        self, *, story: EnrichedStory, subscriptions: Mapping[str, Subscription], now: datetime
    ) -> list[Alert]:
        """For a retracted story: a ``retraction`` to each subscription delivered its cluster."""
        out: list[Alert] = []
        for candidate in self.threads.retractions(story=story, subscriptions=subscriptions, now=now):
            out += self.mailboxes.route(candidate, subscriptions[candidate.subscription_id])
        return out

    def due(self, *, now: datetime, subscriptions: Mapping[str, Subscription]) -> list[Alert]:
        """Release held items whose time has come."""
        return self.mailboxes.due(now=now, subscriptions=subscriptions)

    def next_due(self) -> datetime | None:
        """When :meth:`due` will next have something to look at, if ever."""
        return self.mailboxes.next_due()

    def expire(self, *, now: datetime) -> None:
        """Forget what has been idle for the retention period (tombstones follow)."""
        self.threads.expire(now=now)
        self.mailboxes.expire(now=now)

    def alerted(self, cluster_id: str) -> frozenset[str]:
        """The subscriptions with a thread on ``cluster_id`` that were delivered something of it."""
        return self.threads.subscribers(cluster_id) & self.mailboxes.delivered(cluster_id)

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Changelog entries of both halves since the last call."""
        return self.threads.changes() + self.mailboxes.changes()

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one changelog entry of either half."""
        kind = key.partition("|")[0]
        if kind in (MAILBOX, DELIVERED):
            self.mailboxes.apply(key, value)
        elif kind in (THREAD, KILL):
            self.threads.apply(key, value)
        else:
            raise AlertStateError("unknown changelog key", key=key)
