"""Alert state per subscription × story cluster: one alert per cluster, then updates.

:class:`AlertState` turns "subscription S matched story X of cluster C" into the
alerts to send, and remembers what it needs for what comes next:

- the first story of a cluster gives ``new``; any other copy or a newer version of
  the cluster gives ``update``; the same story id and version again (a replay after
  a crash) gives nothing;
- a retracted story gives ``retraction`` to every subscription that was *delivered*
  something of its cluster, whether or not the retraction still matches the query.
  Retractions skip throttle, digest and quiet hours (a kill notice must not wait);
  held items of the retracted story are dropped (their subscriber never saw them);
  a retraction, or a version no newer than it, seen again gives nothing;
- ``paused``: nothing is sent or remembered; held items are dropped when due;
- ``digest_seconds``: matches are held, and ``digest_seconds`` after the first one
  they go out as ONE ``digest`` alert (``stories`` = the story ids);
- quiet hours: matches are held until the quiet period ends, then delivered;
- throttle: at most ``max_alerts`` per ``window_seconds`` (retractions excepted).
  The excess is held, not dropped: when the window frees a slot, everything held
  goes out in one alert, so the limit holds and nothing is lost.

Held items always leave together: one item as the alert it would have been (same
kind and key), several as one ``digest``. :meth:`AlertState.due` releases them;
call it on a timer (:meth:`AlertState.next_due` says when).

State that survives restarts
----------------------------
Every change is a key/value pair for a compacted changelog topic (the Kafka
Streams / Quix Streams way): ``t|<subscription>|<cluster>`` for a subscription ×
cluster thread, ``m|<subscription>`` for a subscription's mailbox (throttle
window and held items), ``k|<story>`` for a handled retraction; a ``None``
value deletes (tombstone). After handling a batch, produce the alerts, then
:meth:`AlertState.changes`, then commit the input offsets. On start, replay the
changelog through :meth:`AlertState.apply` before consuming. A crash anywhere in
between replays input whose state was not saved; the decisions are then the
same, and so are the idempotency keys (:func:`alert_key`, which never depends on
``now``), so delivery drops the duplicates. Pass the record's timestamp as
``now`` to ``decide`` so that a replay sees the same throttle and quiet-hour
decisions.

With several alert workers, keep one AlertState per assigned partition of
``stories.enriched`` (keyed by cluster id, so a cluster's threads and retractions
stay on one partition) and write its changes to the same partition number of
the changelog topic, as Kafka Streams does; on a rebalance a worker restores
exactly the partitions it was given. Mailboxes are then per partition: a
subscription served by P partitions may get up to P × ``max_alerts`` per window
and P digests. Exact per-subscription throttles and digests would need the
mailbox half to run after the ``alerts`` topic, which is keyed by subscription.
:meth:`AlertState.expire` (call it e.g. hourly) drops threads and retractions idle
for ``retention`` so that memory and the topic stay bounded.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from alerts.errors import AlertError
from schemas.models import Alert, AlertKind, MatchedClause

if TYPE_CHECKING:
    from collections.abc import Mapping

    from schemas.models import EnrichedStory, QuietHours, Subscription

__all__ = ["AlertState", "AlertStateError", "alert_key"]

_THREAD: Final = "t"
_MAILBOX: Final = "m"
_KILL: Final = "k"


class AlertStateError(AlertError):
    """Bad input to the alert state: a naive ``now``, a bad time zone, a corrupt changelog record."""


def alert_key(
    subscription_id: str, cluster_id: str, story_id: str, story_version: int, kind: AlertKind
) -> str:
    """The idempotency key of an alert: the same inputs give the same key, on any run."""
    raw = "\x1f".join((subscription_id, cluster_id, story_id, str(story_version), kind.value))
    return hashlib.sha256(raw.encode()).hexdigest()


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class _Thread(_Record):
    """One subscription × one cluster."""

    seen: dict[str, int] = Field(default_factory=dict)  # story id → highest version taken
    delivered: bool = False  # an alert of this cluster reached the subscriber
    last: AwareDatetime  # last activity, for expiry


class _Kill(_Record):
    """A story retracted at ``version``: its older versions must never alert again."""

    version: int
    last: AwareDatetime


class _Held(_Record):
    """An alert to send: held for a digest, the end of quiet hours or a throttle slot."""

    kind: AlertKind
    story_id: str
    story_version: int
    cluster_id: str
    title: str
    url: str | None = None
    published_at: datetime | None = None
    explanation: tuple[MatchedClause, ...] = ()


class _Mailbox(_Record):
    """One subscription's throttle window and held items."""

    sent: list[AwareDatetime] = Field(default_factory=list)  # sends still inside the throttle window
    held: list[_Held] = Field(default_factory=list)
    overflow: int = 0  # held items dropped beyond ``max_held``, still counted in the digest
    due_at: AwareDatetime | None = None


class AlertState:
    """What each subscription was told about each cluster; pure, with in-memory state."""

    def __init__(self, *, retention: timedelta = timedelta(days=7), max_held: int = 200) -> None:
        self.retention = retention
        self.max_held = max_held
        self._threads: dict[tuple[str, str], _Thread] = {}
        self._by_cluster: dict[str, set[str]] = {}  # cluster id → subscription ids with a thread
        self._mailboxes: dict[str, _Mailbox] = {}
        self._kills: dict[str, _Kill] = {}  # story id → retraction handled
        self._dirty: dict[str, None] = {}  # changelog keys touched since changes(), in order

    # -- decisions ---------------------------------------------------------------------------

    def decide(
        self,
        *,
        subscription: Subscription,
        story: EnrichedStory,
        explanation: tuple[MatchedClause, ...],
        now: datetime,
    ) -> list[Alert]:
        """The alerts for one match of ``subscription`` on ``story`` (often none, or one)."""
        _check_aware(now)
        options = subscription.options
        if options.paused or story.retracted:  # retractions go through retractions()
            return []
        kill = self._kills.get(story.id)
        if kill is not None and kill.version >= story.version:
            return []  # an older version arriving after (or replayed after) its retraction
        thread = self._threads.get((subscription.id, story.cluster_id))
        if thread is not None and thread.seen.get(story.id, 0) >= story.version:
            return []  # replay or older version: already taken
        kind = AlertKind.UPDATE if thread is not None and thread.seen else AlertKind.NEW
        if thread is None:
            thread = self._new_thread(subscription.id, story.cluster_id, now)
        thread.seen[story.id] = story.version
        thread.last = now
        self._touch_thread(subscription.id, story.cluster_id)

        item = _Held(
            kind=kind,
            story_id=story.id,
            story_version=story.version,
            cluster_id=story.cluster_id,
            title=story.title,
            url=story.url,
            published_at=story.published_at,
            explanation=explanation,
        )
        mailbox = self._mailboxes.get(subscription.id)
        hold_until = self._hold_until(subscription, mailbox, now)
        if hold_until is None:
            self._record_send(subscription, now)
            thread.delivered = True
            return [_alert(subscription, item, now)]
        mailbox = self._mailbox(subscription.id)
        if len(mailbox.held) < self.max_held:
            mailbox.held.append(item)
        else:
            mailbox.overflow += 1
        if mailbox.due_at is None:
            mailbox.due_at = hold_until
        return []

    def retractions(
        self, *, story: EnrichedStory, subscriptions: Mapping[str, Subscription], now: datetime
    ) -> list[Alert]:
        """For a retracted story: a ``retraction`` to each subscription delivered its cluster."""
        _check_aware(now)
        kill = self._kills.get(story.id)
        if not story.retracted or (kill is not None and kill.version >= story.version):
            return []  # not a retraction, or this one (or a later one) was handled: replay
        self._kills[story.id] = _Kill(version=story.version, last=now)
        self._dirty[f"{_KILL}|{story.id}"] = None
        alerts: list[Alert] = []
        for subscription_id in sorted(self._by_cluster.get(story.cluster_id, ())):
            subscription = subscriptions.get(subscription_id)
            if subscription is None or subscription.options.paused:
                continue
            self._drop_held(subscription_id, story.id)
            thread = self._threads[(subscription_id, story.cluster_id)]
            if not thread.delivered or thread.seen.get(story.id, 0) >= story.version:
                continue  # nothing delivered to retract, or a later version already superseded the kill
            thread.last = now
            self._touch_thread(subscription_id, story.cluster_id)
            retraction = _Held(
                kind=AlertKind.RETRACTION,
                story_id=story.id,
                story_version=story.version,
                cluster_id=story.cluster_id,
                title=story.title,
                url=story.url,
                published_at=story.published_at,
            )
            alerts.append(_alert(subscription, retraction, now))
        return alerts

    def due(self, *, now: datetime, subscriptions: Mapping[str, Subscription]) -> list[Alert]:
        """Release held items whose time has come: one alert per subscription at most."""
        _check_aware(now)
        alerts: list[Alert] = []
        for subscription_id in sorted(self._mailboxes):
            mailbox = self._mailboxes[subscription_id]
            if mailbox.due_at is None or mailbox.due_at > now:
                continue
            subscription = subscriptions.get(subscription_id)
            if subscription is None or subscription.options.paused or not mailbox.held:
                # Deleted or paused: nothing, ever. No held item left (all retracted): nothing to say.
                self._clear_held(subscription_id)
                continue
            later = _quiet_until(subscription.options.quiet_hours, now) or self._throttled_until(
                subscription, now
            )
            if later is not None:
                mailbox.due_at = later
                self._touch_mailbox(subscription_id)
                continue
            digest = subscription.options.digest_seconds is not None
            alerts.append(self._release(subscription, mailbox, now, digest=digest))
            self._record_send(subscription, now)
            for item in mailbox.held:
                thread = self._threads.get((subscription_id, item.cluster_id))
                if thread is not None:
                    thread.delivered = True
                    self._touch_thread(subscription_id, item.cluster_id)
            self._clear_held(subscription_id)
        return alerts

    def next_due(self) -> datetime | None:
        """When :meth:`due` will next have something to look at, if ever."""
        times = [m.due_at for m in self._mailboxes.values() if m.due_at is not None]
        return min(times, default=None)

    def expire(self, *, now: datetime) -> None:
        """Forget threads and retractions idle for ``retention``, and empty mailboxes (tombstones follow)."""
        _check_aware(now)
        cutoff = now - self.retention
        held = {(sid, i.cluster_id) for sid, m in self._mailboxes.items() for i in m.held}
        for key in [k for k, t in self._threads.items() if t.last < cutoff and k not in held]:
            self._drop_thread(*key)
        for story_id in [k for k, kill in self._kills.items() if kill.last < cutoff]:
            del self._kills[story_id]
            self._dirty[f"{_KILL}|{story_id}"] = None
        for subscription_id, mailbox in list(self._mailboxes.items()):
            mailbox.sent = [t for t in mailbox.sent if t >= cutoff]
            if not mailbox.held and not mailbox.sent:
                del self._mailboxes[subscription_id]
                self._dirty[f"{_MAILBOX}|{subscription_id}"] = None

    def alerted(self, cluster_id: str) -> frozenset[str]:
        """The subscriptions delivered something of ``cluster_id``."""
        return frozenset(
            sid for sid in self._by_cluster.get(cluster_id, ()) if self._threads[(sid, cluster_id)].delivered
        )

    # -- changelog ---------------------------------------------------------------------------

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Changelog entries ``(key, value or None)`` since the last call, for a compacted topic."""
        out: list[tuple[str, bytes | None]] = []
        for key in self._dirty:
            kind, _, rest = key.partition("|")
            record: _Record | None
            if kind == _THREAD:
                subscription_id, _, cluster_id = rest.partition("|")
                record = self._threads.get((subscription_id, cluster_id))
            elif kind == _KILL:
                record = self._kills.get(rest)
            else:
                record = self._mailboxes.get(rest)
            out.append((key, None if record is None else record.model_dump_json().encode()))
        self._dirty.clear()
        return out

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one changelog entry (at start, replaying the topic from the beginning)."""
        kind, _, rest = key.partition("|")
        try:
            if kind == _THREAD and "|" in rest:
                subscription_id, _, cluster_id = rest.partition("|")
                if value is None:
                    self._drop_thread(subscription_id, cluster_id)
                else:
                    self._threads[(subscription_id, cluster_id)] = _Thread.model_validate_json(value)
                    self._by_cluster.setdefault(cluster_id, set()).add(subscription_id)
            elif kind == _MAILBOX and rest:
                if value is None:
                    self._mailboxes.pop(rest, None)
                else:
                    self._mailboxes[rest] = _Mailbox.model_validate_json(value)
            elif kind == _KILL and rest:
                if value is None:
                    self._kills.pop(rest, None)
                else:
                    self._kills[rest] = _Kill.model_validate_json(value)
            else:
                raise AlertStateError("unknown changelog key", key=key)
        except ValidationError as exc:
            raise AlertStateError("corrupt changelog record", key=key) from exc
        self._dirty.pop(key, None)  # replaying is not a change

    # -- internals ---------------------------------------------------------------------------

    def _hold_until(
        self, subscription: Subscription, mailbox: _Mailbox | None, now: datetime
    ) -> datetime | None:
        """When a match arriving now may go out, or None if it goes out now."""
        options = subscription.options
        if mailbox is not None and mailbox.held:
            # Something is already waiting: join it, keep the order, keep its schedule.
            return mailbox.due_at or now
        if options.digest_seconds is not None:
            return now + timedelta(seconds=options.digest_seconds)
        return _quiet_until(options.quiet_hours, now) or self._throttled_until(subscription, now)

    def _throttled_until(self, subscription: Subscription, now: datetime) -> datetime | None:
        throttle = subscription.options.throttle
        mailbox = self._mailboxes.get(subscription.id)
        if throttle is None or mailbox is None:
            return None
        window = timedelta(seconds=throttle.window_seconds)
        recent = sorted(t for t in mailbox.sent if t > now - window)
        if len(recent) < throttle.max_alerts:
            return None
        return recent[-throttle.max_alerts] + window  # when the oldest counted send leaves the window

    def _record_send(self, subscription: Subscription, now: datetime) -> None:
        throttle = subscription.options.throttle
        if throttle is None:
            return
        mailbox = self._mailbox(subscription.id)
        window = timedelta(seconds=throttle.window_seconds)
        mailbox.sent = [t for t in mailbox.sent if t > now - window] + [now]
        self._touch_mailbox(subscription.id)

    def _release(
        self, subscription: Subscription, mailbox: _Mailbox, now: datetime, *, digest: bool
    ) -> Alert:
        if len(mailbox.held) == 1 and not mailbox.overflow and not digest:
            return _alert(subscription, mailbox.held[0], now)
        items = mailbox.held
        stories = tuple(dict.fromkeys(i.story_id for i in items))
        clusters = len({i.cluster_id for i in items})
        count = len(stories) + mailbox.overflow
        head = items[-1]  # the latest story leads the digest
        raw = "\x1f".join(
            (subscription.id, AlertKind.DIGEST.value, *(f"{i.story_id}@{i.story_version}" for i in items))
        )
        return Alert(
            key=hashlib.sha256(raw.encode()).hexdigest(),
            kind=AlertKind.DIGEST,
            subscription_id=subscription.id,
            subscriber=subscription.subscriber,
            story_id=head.story_id,
            story_version=head.story_version,
            cluster_id=head.cluster_id,
            title=f"{count} {'story' if count == 1 else 'stories'} in {clusters} "
            f"{'cluster' if clusters == 1 else 'clusters'}: {head.title}",
            url=head.url,
            published_at=head.published_at,
            query=subscription.query,
            explanation=head.explanation,
            created_at=now,
            stories=stories,
        )

    def _new_thread(self, subscription_id: str, cluster_id: str, now: datetime) -> _Thread:
        thread = _Thread(last=now)
        self._threads[(subscription_id, cluster_id)] = thread
        self._by_cluster.setdefault(cluster_id, set()).add(subscription_id)
        return thread

    def _drop_thread(self, subscription_id: str, cluster_id: str) -> None:
        self._threads.pop((subscription_id, cluster_id), None)
        members = self._by_cluster.get(cluster_id)
        if members is not None:
            members.discard(subscription_id)
            if not members:
                del self._by_cluster[cluster_id]
        self._dirty[f"{_THREAD}|{subscription_id}|{cluster_id}"] = None

    def _mailbox(self, subscription_id: str) -> _Mailbox:
        self._touch_mailbox(subscription_id)
        return self._mailboxes.setdefault(subscription_id, _Mailbox())

    def _drop_held(self, subscription_id: str, story_id: str) -> None:
        mailbox = self._mailboxes.get(subscription_id)
        if mailbox is None or all(i.story_id != story_id for i in mailbox.held):
            return
        mailbox.held = [i for i in mailbox.held if i.story_id != story_id]
        if not mailbox.held and not mailbox.overflow:
            mailbox.due_at = None
        self._touch_mailbox(subscription_id)

    def _clear_held(self, subscription_id: str) -> None:
        mailbox = self._mailboxes[subscription_id]
        mailbox.held, mailbox.overflow, mailbox.due_at = [], 0, None
        self._touch_mailbox(subscription_id)

    def _touch_thread(self, subscription_id: str, cluster_id: str) -> None:
        self._dirty[f"{_THREAD}|{subscription_id}|{cluster_id}"] = None

    def _touch_mailbox(self, subscription_id: str) -> None:
        self._dirty[f"{_MAILBOX}|{subscription_id}"] = None


def _alert(subscription: Subscription, item: _Held, now: datetime) -> Alert:
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
    )


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise AlertStateError("now must be timezone-aware", now=now.isoformat())


def _hhmm(value: str, tz: str) -> time:
    hours, minutes = int(value[:2]), int(value[3:])
    if hours > 23 or minutes > 59:
        raise AlertStateError("bad quiet-hours time", value=value, tz=tz)
    return time(hours, minutes)


def _quiet_until(quiet: QuietHours | None, now: datetime) -> datetime | None:
    """The end of the quiet period ``now`` falls in (UTC), or None outside quiet hours."""
    if quiet is None:
        return None
    try:
        zone = ZoneInfo(quiet.tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AlertStateError("unknown time zone", tz=quiet.tz) from exc
    start, end = _hhmm(quiet.start, quiet.tz), _hhmm(quiet.end, quiet.tz)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    day: date = local.date()
    if start < end:
        inside = start <= clock < end
    else:  # spans midnight, e.g. 22:00-07:00; start == end means never quiet
        inside = start != end and (clock >= start or clock < end)
        if inside and clock >= start:
            day += timedelta(days=1)
    if not inside:
        return None
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
