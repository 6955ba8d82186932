"""The delivery half of the alert state: each subscription's throttle, digests and quiet hours.

:class:`Mailboxes` is owned per partition of ``internal.matches`` (keyed by subscription id), so a
subscription's mailbox has exactly one owner however many alert workers run: throttle limits,
digests and first-alert decisions are exact. It turns a :class:`~alerts.state.common.Candidate`
into the alerts to send:

- a candidate goes out at once unless something holds it:
  ``digest_seconds`` (held, and ``digest_seconds`` after the first one they go out as ONE
  ``digest`` alert, ``stories`` = the story ids), quiet hours (held until they end), or the
  throttle (at most ``max_alerts`` per ``window_seconds``; the excess is held, not dropped: when
  the window frees a slot, everything held goes out in one alert, so the limit holds and nothing
  is lost);
- a retraction skips throttle, digest and quiet hours (a kill notice must not wait), goes only to
  subscriptions that were *delivered* something of its cluster, and drops their held items of the
  retracted story (their subscriber never saw them);
- ``paused``: nothing is sent; held items are dropped when due.

Held items always leave together: one item as the alert it would have been (same kind and key),
several as one ``digest``. :meth:`Mailboxes.due` releases them; call it on a timer
(:meth:`Mailboxes.next_due` says when). Decisions use the candidate's time (its story record's),
never the clock, so a replay after a crash decides the same way.

Changelog keys: ``m|<subscription>`` (throttle window and held items), ``d|<subscription>|<cluster>``
(the candidates routed for the cluster, and whether something of it was delivered). A candidate
routed before (the match half replayed its input after a crash) gives nothing: the mailbox is
idempotent, so a replay can neither repeat an alert nor spend a throttle slot twice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, ValidationError

from alerts.state.common import (
    AlertStateError,
    HeldItem,
    Record,
    build_alert,
    check_aware,
    drain_changes,
)
from schemas.models import Alert, AlertKind

if TYPE_CHECKING:
    from collections.abc import Mapping

    from alerts.state.common import Candidate
    from schemas.models import QuietHours, Subscription

__all__ = ["Mailboxes"]

MAILBOX: Final = "m"
DELIVERED: Final = "d"


class _Mailbox(Record):
    """One subscription's throttle window and held items."""

    sent: list[AwareDatetime] = Field(default_factory=list)  # sends still inside the throttle window
    held: list[HeldItem] = Field(default_factory=list)
    overflow: int = 0  # held items dropped beyond ``max_held``, still counted in the digest
    due_at: AwareDatetime | None = None


class _Route(Record):
    """One subscription × one cluster, as the mailbox saw it."""

    # story id (``x:<story id>`` for a retraction) → highest version routed: a candidate seen again
    # (the match half replayed its input after a crash) changes nothing and sends nothing.
    seen: dict[str, int] = Field(default_factory=dict)
    delivered: bool = False  # something of the cluster reached the subscriber (so its retraction must)
    last: AwareDatetime


class Mailboxes:
    """Every subscription's mailbox in one partition; pure, in memory, changelogged."""

    def __init__(self, *, retention: timedelta = timedelta(days=7), max_held: int = 200) -> None:
        self.retention = retention
        self.max_held = max_held
        self._mailboxes: dict[str, _Mailbox] = {}
        self._routes: dict[tuple[str, str], _Route] = {}
        self._dirty: dict[str, None] = {}

    # -- decisions ---------------------------------------------------------------------------

    def route(self, candidate: Candidate, subscription: Subscription) -> list[Alert]:
        """The alerts one candidate gives now (none while it is held)."""
        now = candidate.at
        if subscription.options.paused or self._replayed(candidate, subscription.id):
            return []
        if candidate.kind is AlertKind.RETRACTION:
            return self._retraction(candidate, subscription, now)
        item = HeldItem.of(candidate)
        mailbox = self._mailboxes.get(subscription.id)
        hold_until = self._hold_until(subscription, mailbox, now)
        if hold_until is None:
            self._record_send(subscription, now)
            self._mark_delivered(subscription.id, item.cluster_id, now)
            return [build_alert(subscription, item, now)]
        mailbox = self._mailbox(subscription.id)
        if len(mailbox.held) < self.max_held:
            mailbox.held.append(item)
        else:
            mailbox.overflow += 1
        if mailbox.due_at is None:
            mailbox.due_at = hold_until
        return []

    def _replayed(self, candidate: Candidate, subscription_id: str) -> bool:
        """Whether this candidate was routed before; if not, remember it."""
        key = (subscription_id, candidate.cluster_id)
        route = self._routes.get(key)
        mark = f"x:{candidate.story_id}" if candidate.kind is AlertKind.RETRACTION else candidate.story_id
        if route is not None and route.seen.get(mark, 0) >= candidate.story_version:
            return True
        if route is None:
            route = self._routes[key] = _Route(last=candidate.at)
        route.seen[mark] = candidate.story_version
        route.last = candidate.at
        self._touch_route(*key)
        return False

    def _retraction(self, candidate: Candidate, subscription: Subscription, now: datetime) -> list[Alert]:
        self._drop_held(subscription.id, candidate.story_id)
        route = self._routes[(subscription.id, candidate.cluster_id)]
        if candidate.superseded or not route.delivered:
            return []  # a later version superseded the kill, or nothing was delivered to retract
        return [build_alert(subscription, HeldItem.of(candidate), now)]

    def due(self, *, now: datetime, subscriptions: Mapping[str, Subscription]) -> list[Alert]:
        """Release held items whose time has come: one alert per subscription at most."""
        check_aware(now)
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
                self._mark_delivered(subscription_id, item.cluster_id, now)
            self._clear_held(subscription_id)
        return alerts

    def next_due(self) -> datetime | None:
        """When :meth:`due` will next have something to look at, if ever."""
        times = [m.due_at for m in self._mailboxes.values() if m.due_at is not None]
        return min(times, default=None)

    def delivered(self, cluster_id: str) -> frozenset[str]:
        """The subscriptions delivered something of ``cluster_id``."""
        return frozenset(sid for (sid, cid), r in self._routes.items() if cid == cluster_id and r.delivered)

    def expire(self, *, now: datetime) -> None:
        """Forget routes idle for ``retention`` and empty mailboxes (tombstones follow)."""
        check_aware(now)
        cutoff = now - self.retention
        held = {(sid, i.cluster_id) for sid, m in self._mailboxes.items() for i in m.held}
        for key in [k for k, r in self._routes.items() if r.last < cutoff and k not in held]:
            del self._routes[key]
            self._touch_route(*key)
        for subscription_id, mailbox in list(self._mailboxes.items()):
            mailbox.sent = [t for t in mailbox.sent if t >= cutoff]
            if not mailbox.held and not mailbox.sent:
                del self._mailboxes[subscription_id]
                self._dirty[f"{MAILBOX}|{subscription_id}"] = None

    # -- changelog ---------------------------------------------------------------------------

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Changelog entries ``(key, value or None)`` since the last call."""
        return drain_changes(self._dirty, self._record)

    def _record(self, kind: str, rest: str) -> Record | None:
        if kind == DELIVERED:
            subscription_id, _, cluster_id = rest.partition("|")
            return self._routes.get((subscription_id, cluster_id))
        return self._mailboxes.get(rest)

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one changelog entry (restoring); AlertStateError if it is not ours or corrupt."""
        kind, _, rest = key.partition("|")
        try:
            if kind == MAILBOX and rest:
                if value is None:
                    self._mailboxes.pop(rest, None)
                else:
                    self._mailboxes[rest] = _Mailbox.model_validate_json(value)
            elif kind == DELIVERED and "|" in rest:
                subscription_id, _, cluster_id = rest.partition("|")
                if value is None:
                    self._routes.pop((subscription_id, cluster_id), None)
                else:
                    self._routes[(subscription_id, cluster_id)] = _Route.model_validate_json(value)
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
            return build_alert(subscription, mailbox.held[0], now)
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

    def _mark_delivered(self, subscription_id: str, cluster_id: str, now: datetime) -> None:
        route = self._routes.get((subscription_id, cluster_id))
        if route is None:
            route = self._routes[(subscription_id, cluster_id)] = _Route(last=now)
        route.delivered = True
        route.last = max(route.last, now)
        self._touch_route(subscription_id, cluster_id)

    def _touch_route(self, subscription_id: str, cluster_id: str) -> None:
        self._dirty[f"{DELIVERED}|{subscription_id}|{cluster_id}"] = None

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

    def _touch_mailbox(self, subscription_id: str) -> None:
        self._dirty[f"{MAILBOX}|{subscription_id}"] = None


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
