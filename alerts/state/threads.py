"""The match half of the alert state: what each subscription took of each cluster.

:class:`Threads` is owned per partition of ``stories.enriched`` (keyed by cluster id), so every
subscription × cluster thread and every retraction of a story has one owner. It turns "subscription
S matched story X of cluster C" into a :class:`~alerts.state.common.Candidate`:

- the first story of a cluster gives ``new``; any other copy or a newer version gives ``update``;
  the same story id and version again (a replay after a crash) gives nothing;
- a retracted story gives a ``retraction`` candidate to every subscription with a thread on its
  cluster, whether or not the retraction still matches the query (the mailbox sends it only to
  those it delivered something of the cluster); a retraction, or a version no newer than it, seen
  again gives nothing;
- ``paused``: nothing is taken or remembered.

Changelog keys: ``t|<subscription>|<cluster>`` (a thread), ``k|<story>`` (a handled retraction).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from pydantic import AwareDatetime, Field, ValidationError

from alerts.state.common import AlertStateError, Candidate, Record, check_aware, drain_changes
from schemas.models import AlertKind

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from schemas.models import EnrichedStory, MatchedClause, Subscription

__all__ = ["Threads"]

THREAD: Final = "t"
KILL: Final = "k"


class _Thread(Record):
    """One subscription × one cluster."""

    seen: dict[str, int] = Field(default_factory=dict)  # story id → highest version taken
    last: AwareDatetime  # last activity, for expiry


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
        thread.seen[story.id] = story.version
        thread.last = now
        self._touch(subscription.id, story.cluster_id)
        return _candidate(kind, subscription.id, story, now, explanation=explanation)

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
            out.append(_candidate(AlertKind.RETRACTION, subscription_id, story, now, superseded=superseded))
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
    )
