"""The match half of the alert state: what each subscription took of each cluster.

:class:`Threads` is owned per partition of ``stories.enriched`` (keyed by cluster id), so every
subscription × cluster thread and every retraction of a story has one owner. It turns "subscription
S matched story X of cluster C" into a :class:`~alerts.state.common.Candidate`:

- the first story of a cluster gives ``new``; any other copy or a newer version gives ``update``,
  whose ``what_is_new`` names the actors, places, figures and sentences that the thread's earlier
  alerts did not carry (:mod:`alerts.state.news`); the same story id and version again (a replay
  after a crash) gives nothing;
- a retracted story gives a ``retraction`` candidate to every subscription with a thread on its
  cluster, whether or not the retraction still matches the query (the mailbox sends it only to
  those it delivered something of the cluster); a retraction, or a version no newer than it, seen
  again gives nothing; its ``what_is_new.withdraws`` lists the versions of the story the thread took;
- ``paused``: nothing is taken or remembered.

Changelog keys: ``t|<subscription>|<cluster>`` (a thread), ``k|<story>`` (a handled retraction).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from pydantic import AwareDatetime, Field, ValidationError

from alerts.state.common import AlertStateError, Candidate, Record, check_aware, drain_changes
from alerts.state.news import Known, facts_of, what_is_new
from schemas.models import AlertKind, WhatIsNew

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from alerts.state.news import Facts
    from schemas.models import EnrichedStory, MatchedClause, Subscription

__all__ = ["Threads"]

THREAD: Final = "t"
KILL: Final = "k"
_MAX_VERSIONS: Final = 20  # versions of one story a thread lists for a retraction


class _Thread(Record):
    """One subscription × one cluster."""

    seen: dict[str, int] = Field(default_factory=dict)  # story id → highest version taken
    last: AwareDatetime  # last activity, for expiry
    known: Known = Field(default_factory=Known)  # what the alerts taken so far carried
    versions: dict[str, list[int]] = Field(default_factory=dict)  # story id → versions taken


class _Kill(Record):
    """A story retracted at ``version``: its older versions must never alert again."""

    version: int
    last: AwareDatetime


class Threads:
    """Subscription × cluster threads and handled retractions; pure, in memory, changelogged."""

    def __init__(self, *, retention: timedelta = timedelta(days=7)) -> None:
        self.retention = retention
        self._threads: dict[tuple[str, str], _Thread] = {}
        self._by_cluster: dict[str, set[str]] = {}  # cluster id → subscription ids with a thread
        self._kills: dict[str, _Kill] = {}  # story id → retraction handled
        self._dirty: dict[str, None] = {}  # changelog keys touched since changes(), in order
        # One story matches many subscriptions in a row: read its facts once.
        self._facts: tuple[tuple[str, int], Facts] | None = None

    def decide(
        self,
        *,
        subscription: Subscription,
        story: EnrichedStory,
        explanation: tuple[MatchedClause, ...],
        now: datetime,
    ) -> Candidate | None:
        """The candidate for one match of ``subscription`` on ``story``, or None (replay, old version)."""
        check_aware(now)
        if subscription.options.paused or story.retracted:  # retractions go through retractions()
            return None
        kill = self._kills.get(story.id)
        if kill is not None and kill.version >= story.version:
            return None  # an older version arriving after (or replayed after) its retraction
        key = (subscription.id, story.cluster_id)
        thread = self._threads.get(key)
        if thread is not None and thread.seen.get(story.id, 0) >= story.version:
            return None  # replay or older version: already taken
        kind = AlertKind.UPDATE if thread is not None and thread.seen else AlertKind.NEW
        if thread is None:
            thread = self._threads[key] = _Thread(last=now)
            self._by_cluster.setdefault(story.cluster_id, set()).add(subscription.id)
        facts = self._facts_of(story)
        news = what_is_new(facts, thread.known) if kind is AlertKind.UPDATE else None
        thread.known.add(facts)
        thread.seen[story.id] = story.version
        taken = thread.versions.setdefault(story.id, [])
        taken.append(story.version)
        del taken[:-_MAX_VERSIONS]
        thread.last = now
        self._touch(subscription.id, story.cluster_id)
        return _candidate(kind, subscription.id, story, now, explanation=explanation, what_is_new=news)

    def _facts_of(self, story: EnrichedStory) -> Facts:
        key = (story.id, story.version)
        if self._facts is None or self._facts[0] != key:
            self._facts = (key, facts_of(story))
        return self._facts[1]

    def retractions(
        self, *, story: EnrichedStory, subscriptions: Mapping[str, Subscription], now: datetime
    ) -> list[Candidate]:
        """For a retracted story: a ``retraction`` candidate per subscription with a thread on its cluster."""
        check_aware(now)
        kill = self._kills.get(story.id)
        if not story.retracted or (kill is not None and kill.version >= story.version):
            return []  # not a retraction, or this one (or a later one) was handled: replay
        self._kills[story.id] = _Kill(version=story.version, last=now)
        self._dirty[f"{KILL}|{story.id}"] = None
        out: list[Candidate] = []
        for subscription_id in sorted(self._by_cluster.get(story.cluster_id, ())):
            subscription = subscriptions.get(subscription_id)
            if subscription is None or subscription.options.paused:
                continue
            thread = self._threads[(subscription_id, story.cluster_id)]
            superseded = thread.seen.get(story.id, 0) >= story.version
            if not superseded:
                thread.last = now
                self._touch(subscription_id, story.cluster_id)
            seen = thread.seen.get(story.id)
            withdraws = thread.versions.get(story.id) or ([seen] if seen else [])
            news = WhatIsNew(withdraws=tuple(v for v in withdraws if v < story.version))
            out.append(
                _candidate(
                    AlertKind.RETRACTION, subscription_id, story, now, superseded=superseded, what_is_new=news
                )
            )
        return out

    def subscribers(self, cluster_id: str) -> frozenset[str]:
        """The subscriptions with a thread on ``cluster_id``."""
        return frozenset(self._by_cluster.get(cluster_id, ()))

    def expire(self, *, now: datetime) -> None:
        """Forget threads and retractions idle for ``retention`` (tombstones follow)."""
        check_aware(now)
        cutoff = now - self.retention
        for key in [k for k, t in self._threads.items() if t.last < cutoff]:
            self._drop(*key)
        for story_id in [k for k, kill in self._kills.items() if kill.last < cutoff]:
            del self._kills[story_id]
            self._dirty[f"{KILL}|{story_id}"] = None

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Changelog entries ``(key, value or None)`` since the last call."""
        return drain_changes(self._dirty, self._record)

    def _record(self, kind: str, rest: str) -> Record | None:
        if kind == THREAD:
            subscription_id, _, cluster_id = rest.partition("|")
            return self._threads.get((subscription_id, cluster_id))
        return self._kills.get(rest)

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one changelog entry (restoring); AlertStateError if it is not ours or corrupt."""
        kind, _, rest = key.partition("|")
        try:
            if kind == THREAD and "|" in rest:
                subscription_id, _, cluster_id = rest.partition("|")
                if value is None:
                    self._drop(subscription_id, cluster_id)
                else:
                    self._threads[(subscription_id, cluster_id)] = _Thread.model_validate_json(value)
                    self._by_cluster.setdefault(cluster_id, set()).add(subscription_id)
            elif kind == KILL and rest:
                if value is None:
                    self._kills.pop(rest, None)
                else:
                    self._kills[rest] = _Kill.model_validate_json(value)
            else:
                raise AlertStateError("unknown changelog key", key=key)
        except ValidationError as exc:
            raise AlertStateError("corrupt changelog record", key=key) from exc
        self._dirty.pop(key, None)  # replaying is not a change

    def _drop(self, subscription_id: str, cluster_id: str) -> None:
        self._threads.pop((subscription_id, cluster_id), None)
        members = self._by_cluster.get(cluster_id)
        if members is not None:
            members.discard(subscription_id)
            if not members:
                del self._by_cluster[cluster_id]
        self._touch(subscription_id, cluster_id)

    def _touch(self, subscription_id: str, cluster_id: str) -> None:
        self._dirty[f"{THREAD}|{subscription_id}|{cluster_id}"] = None


def _candidate(
    kind: AlertKind,
    subscription_id: str,
    story: EnrichedStory,
    now: datetime,
    *,
    explanation: tuple[MatchedClause, ...] = (),
    superseded: bool = False,
    what_is_new: WhatIsNew | None = None,
) -> Candidate:
    return Candidate(
        kind=kind,
        subscription_id=subscription_id,
        story_id=story.id,
        story_version=story.version,
        cluster_id=story.cluster_id,
        title=story.title,
        url=story.url,
        published_at=story.published_at,
        explanation=explanation,
        at=now,
        superseded=superseded,
        what_is_new=what_is_new,
    )
