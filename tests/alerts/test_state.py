"""AlertState: one alert per subscription × cluster, updates, retractions, holds, rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.state import AlertState, AlertStateError, Candidate, Mailboxes, Threads, alert_key
from schemas.models import (
    Alert,
    AlertKind,
    EnrichedStory,
    PubStatus,
    QuietHours,
    Subscription,
    Throttle,
)
from tests.factories import make_clause, make_enriched, make_subscription

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
WHY = (make_clause("topic:earthquake", tag_id=None, tag_name=None),)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def enriched(
    story_id: str,
    cluster_id: str = "c-quake",
    *,
    version: int = 1,
    pubstatus: PubStatus = PubStatus.USABLE,
    title: str | None = None,
) -> EnrichedStory:
    return make_enriched(
        id=story_id,
        version=version,
        pubstatus=pubstatus,
        title=title or f"Earthquake story {story_id} v{version}",
        body="Body.",
        url=f"https://example.test/{story_id}",
        ingested_at=T0,
        published_at=T0,
        cluster_id=cluster_id,
    )


def sub(sub_id: str = "s1", **options: object) -> Subscription:
    return make_subscription(sub_id, subscriber=f"analyst-{sub_id}", query="topic:earthquake", **options)


def kinds(alerts: list[Alert]) -> list[AlertKind]:
    return [a.kind for a in alerts]


class TestOneAlertPerCluster:
    def test_three_copies_give_one_new_and_two_updates(self) -> None:
        state, s = AlertState(), sub()
        out = [
            state.decide(subscription=s, story=enriched(i), explanation=WHY, now=at(n))
            for n, i in enumerate(("reuters:1", "ap:1", "afp:1"))
        ]
        assert [kinds(a) for a in out] == [[AlertKind.NEW], [AlertKind.UPDATE], [AlertKind.UPDATE]]
        first = out[0][0]
        assert first.subscription_id == "s1"
        assert first.subscriber == "analyst-s1"
        assert first.cluster_id == "c-quake"
        assert first.story_id == "reuters:1"
        assert first.explanation == WHY
        assert first.url == "https://example.test/reuters:1"
        assert first.created_at == at(0)
        assert first.key == alert_key("s1", "c-quake", "reuters:1", 1, AlertKind.NEW)
        assert len({a[0].key for a in out}) == 3

    def test_replay_of_the_same_version_gives_nothing(self) -> None:
        state, s = AlertState(), sub()
        assert kinds(state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))) == [
            AlertKind.NEW
        ]
        assert state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(5)) == []

    def test_new_version_is_an_update_and_an_older_one_is_ignored(self) -> None:
        state, s = AlertState(), sub()
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        update = state.decide(subscription=s, story=enriched("r:1", version=3), explanation=WHY, now=at(1))
        assert kinds(update) == [AlertKind.UPDATE]
        assert update[0].story_version == 3
        assert (
            state.decide(subscription=s, story=enriched("r:1", version=2), explanation=WHY, now=at(2)) == []
        )

    def test_clusters_and_subscriptions_are_independent(self) -> None:
        state, a, b = AlertState(), sub("a"), sub("b")
        assert kinds(
            state.decide(subscription=a, story=enriched("x", "c-1"), explanation=WHY, now=at(0))
        ) == [AlertKind.NEW]
        assert kinds(
            state.decide(subscription=a, story=enriched("y", "c-2"), explanation=WHY, now=at(1))
        ) == [AlertKind.NEW]
        assert kinds(
            state.decide(subscription=b, story=enriched("y", "c-2"), explanation=WHY, now=at(2))
        ) == [AlertKind.NEW]

    def test_keys_are_deterministic_across_runs(self) -> None:
        def run() -> list[str]:
            state, s = AlertState(), sub()
            return [
                a.key
                for i, sid in enumerate(("r", "a", "r"))
                for a in state.decide(
                    subscription=s, story=enriched(sid, version=i + 1), explanation=WHY, now=at(i)
                )
            ]

        assert run() == run()
        assert alert_key("s", "c", "x", 1, AlertKind.NEW) != alert_key("s", "c", "x", 1, AlertKind.UPDATE)


class TestRetractions:
    def test_retraction_goes_to_those_alerted_on_the_cluster_only(self) -> None:
        state = AlertState()
        subs = {i: sub(i) for i in ("a", "b", "c", "d")}
        state.decide(subscription=subs["a"], story=enriched("reuters:1"), explanation=WHY, now=at(0))
        state.decide(
            subscription=subs["b"], story=enriched("ap:1"), explanation=WHY, now=at(1)
        )  # same cluster
        state.decide(subscription=subs["c"], story=enriched("other", "c-other"), explanation=WHY, now=at(2))
        killed = enriched("reuters:1", version=2, pubstatus=PubStatus.CANCELED, title="Withdrawn")
        # The kill no longer matches anyone's query: decide() gives nothing...
        assert state.decide(subscription=subs["a"], story=killed, explanation=WHY, now=at(3)) == []
        # ...and retractions() reaches everyone alerted on the cluster.
        out = state.retractions(story=killed, subscriptions=subs, now=at(3))
        assert [(a.subscription_id, a.kind) for a in out] == [
            ("a", AlertKind.RETRACTION),
            ("b", AlertKind.RETRACTION),
        ]
        assert out[0].story_id == "reuters:1"
        assert out[0].story_version == 2
        assert out[0].title == "Withdrawn"
        assert out[0].key == alert_key("a", "c-quake", "reuters:1", 2, AlertKind.RETRACTION)
        assert state.alerted("c-quake") == {"a", "b"}
        # Idempotent: the same kill again retracts nothing more.
        assert state.retractions(story=killed, subscriptions=subs, now=at(4)) == []

    def test_usable_story_or_unknown_cluster_retracts_nothing(self) -> None:
        state, s = AlertState(), sub()
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        assert state.retractions(story=enriched("r:1"), subscriptions={"s1": s}, now=at(1)) == []
        killed = enriched("z", "c-none", pubstatus=PubStatus.WITHHELD)
        assert state.retractions(story=killed, subscriptions={"s1": s}, now=at(1)) == []

    def test_deleted_subscription_gets_no_retraction(self) -> None:
        state, s = AlertState(), sub()
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        killed = enriched("r:1", version=2, pubstatus=PubStatus.CANCELED)
        assert state.retractions(story=killed, subscriptions={}, now=at(1)) == []

    def test_held_story_retracted_before_delivery_is_dropped_silently(self) -> None:
        state, s = AlertState(), sub(digest_seconds=600)
        state.decide(subscription=s, story=enriched("r:1", "c-1"), explanation=WHY, now=at(0))
        state.decide(subscription=s, story=enriched("x:1", "c-2"), explanation=WHY, now=at(1))
        killed = enriched("r:1", "c-1", version=2, pubstatus=PubStatus.CANCELED)
        assert state.retractions(story=killed, subscriptions={"s1": s}, now=at(2)) == []
        digest = state.due(now=at(600), subscriptions={"s1": s})
        assert [d.stories for d in digest] == [("x:1",)]


class TestThrottle:
    def test_excess_is_held_and_released_as_one_alert_when_the_window_frees(self) -> None:
        state, s = AlertState(), sub(throttle=Throttle(max_alerts=2, window_seconds=60))
        subs = {"s1": s}
        out = [
            state.decide(subscription=s, story=enriched(f"st{n}", f"c-{n}"), explanation=WHY, now=at(n))
            for n in range(5)
        ]
        assert [len(a) for a in out] == [1, 1, 0, 0, 0]
        assert state.next_due() == at(60)
        assert state.due(now=at(59), subscriptions=subs) == []
        released = state.due(now=at(60), subscriptions=subs)
        assert kinds(released) == [AlertKind.DIGEST]
        assert released[0].stories == ("st2", "st3", "st4")
        assert state.due(now=at(61), subscriptions=subs) == []
        # The digest used a slot: one more fits in the window at 61, the next is held again.
        assert (
            len(state.decide(subscription=s, story=enriched("st5", "c-5"), explanation=WHY, now=at(61))) == 1
        )
        assert state.decide(subscription=s, story=enriched("st6", "c-6"), explanation=WHY, now=at(62)) == []
        assert state.next_due() == at(120)

    def test_single_held_alert_keeps_its_kind_and_key(self) -> None:
        state, s = AlertState(), sub(throttle=Throttle(max_alerts=1, window_seconds=60))
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        assert state.decide(subscription=s, story=enriched("ap:1"), explanation=WHY, now=at(10)) == []
        released = state.due(now=at(60), subscriptions={"s1": s})
        assert kinds(released) == [AlertKind.UPDATE]
        assert released[0].key == alert_key("s1", "c-quake", "ap:1", 1, AlertKind.UPDATE)
        assert released[0].explanation == WHY

    def test_retractions_are_not_throttled(self) -> None:
        state, s = AlertState(), sub(throttle=Throttle(max_alerts=1, window_seconds=60))
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        killed = enriched("r:1", version=2, pubstatus=PubStatus.CANCELED)
        assert kinds(state.retractions(story=killed, subscriptions={"s1": s}, now=at(1))) == [
            AlertKind.RETRACTION
        ]


class TestDigest:
    def test_matches_during_the_window_make_one_digest(self) -> None:
        state, s = AlertState(), sub(digest_seconds=300)
        subs = {"s1": s}
        for n, (sid, cid) in enumerate((("r:1", "c-1"), ("ap:1", "c-1"), ("x:1", "c-2"))):
            assert (
                state.decide(subscription=s, story=enriched(sid, cid), explanation=WHY, now=at(n * 10)) == []
            )
        assert state.next_due() == at(300)
        assert state.due(now=at(299), subscriptions=subs) == []
        digest = state.due(now=at(300), subscriptions=subs)
        assert len(digest) == 1
        assert digest[0].kind is AlertKind.DIGEST
        assert digest[0].stories == ("r:1", "ap:1", "x:1")
        assert digest[0].title.startswith("3 stories in 2 clusters: ")
        assert digest[0].story_id == "x:1"
        assert state.due(now=at(900), subscriptions=subs) == []
        assert state.next_due() is None
        assert state.alerted("c-1") == {"s1"}
        # The next match opens a new window; its cluster was delivered, so it is an update.
        assert (
            state.decide(subscription=s, story=enriched("afp:1", "c-1"), explanation=WHY, now=at(901)) == []
        )
        again = state.due(now=at(1201), subscriptions=subs)
        assert [a.stories for a in again] == [("afp:1",)]
        assert again[0].kind is AlertKind.DIGEST

    def test_digest_key_is_deterministic(self) -> None:
        def run() -> str:
            state, s = AlertState(), sub(digest_seconds=60)
            state.decide(subscription=s, story=enriched("a"), explanation=WHY, now=at(0))
            state.decide(subscription=s, story=enriched("b"), explanation=WHY, now=at(1))
            return state.due(now=at(60 + len("x")), subscriptions={"s1": s})[0].key

        assert run() == run()

    def test_overflow_is_counted(self) -> None:
        state, s = AlertState(max_held=2), sub(digest_seconds=60)
        for n in range(5):
            state.decide(subscription=s, story=enriched(f"s{n}", f"c-{n}"), explanation=WHY, now=at(n))
        digest = state.due(now=at(60), subscriptions={"s1": s})[0]
        assert digest.stories == ("s0", "s1")
        assert digest.title.startswith("5 stories")

    def test_nothing_left_after_retractions_or_deletion_sends_nothing(self) -> None:
        state, s = AlertState(max_held=1), sub(digest_seconds=60)
        state.decide(subscription=s, story=enriched("a", "c-1"), explanation=WHY, now=at(0))
        state.decide(subscription=s, story=enriched("b", "c-2"), explanation=WHY, now=at(1))  # overflow
        killed = enriched("a", "c-1", version=2, pubstatus=PubStatus.CANCELED)
        assert state.retractions(story=killed, subscriptions={"s1": s}, now=at(2)) == []
        assert state.due(now=at(60), subscriptions={"s1": s}) == []
        state.decide(subscription=s, story=enriched("c", "c-3"), explanation=WHY, now=at(70))
        assert state.due(now=at(130), subscriptions={}) == []  # subscription deleted meanwhile
        assert state.next_due() is None


class TestQuietHours:
    QUIET = QuietHours(start="22:00", end="07:00", tz="Europe/Paris")  # UTC+1 in March

    def test_held_until_the_end_of_quiet_hours(self) -> None:
        state, s = AlertState(), sub(quiet_hours=self.QUIET)
        night = datetime(2026, 3, 3, 22, 30, tzinfo=UTC)  # 23:30 in Paris
        assert state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=night) == []
        morning = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)  # 07:00 in Paris
        assert state.next_due() == morning
        assert state.due(now=morning - timedelta(minutes=1), subscriptions={"s1": s}) == []
        out = state.due(now=morning, subscriptions={"s1": s})
        assert kinds(out) == [AlertKind.NEW]
        assert out[0].created_at == morning

    def test_after_midnight_and_outside(self) -> None:
        state, s = AlertState(), sub(quiet_hours=self.QUIET)
        early = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # 04:00 in Paris, same night
        assert state.decide(subscription=s, story=enriched("r:1", "c-1"), explanation=WHY, now=early) == []
        assert state.next_due() == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
        day = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
        state.due(now=day, subscriptions={"s1": s})
        assert len(state.decide(subscription=s, story=enriched("x", "c-2"), explanation=WHY, now=day)) == 1

    def test_daytime_window_and_digest_waits_for_the_end(self) -> None:
        state = AlertState()
        s = sub(digest_seconds=600, quiet_hours=QuietHours(start="12:00", end="13:00"))
        state.decide(
            subscription=s, story=enriched("a", "c-1"), explanation=WHY, now=at(3 * 3600 - 60)
        )  # 11:59
        state.decide(subscription=s, story=enriched("b", "c-2"), explanation=WHY, now=at(3 * 3600 + 60))
        assert state.due(now=at(3 * 3600 + 540), subscriptions={"s1": s}) == []  # digest due at 12:09: quiet
        assert state.next_due() == at(4 * 3600)
        out = state.due(now=at(4 * 3600), subscriptions={"s1": s})
        assert [a.stories for a in out] == [("a", "b")]

    def test_bad_time_zone_or_time_is_an_error(self) -> None:
        state = AlertState()
        with pytest.raises(AlertStateError):
            state.decide(
                subscription=sub(quiet_hours=QuietHours(start="22:00", end="07:00", tz="Mars/Olympus")),
                story=enriched("r"),
                explanation=WHY,
                now=at(0),
            )
        with pytest.raises(AlertStateError):
            state.decide(
                subscription=sub(quiet_hours=QuietHours(start="25:00", end="07:00")),
                story=enriched("r2"),
                explanation=WHY,
                now=at(0),
            )


class TestPaused:
    def test_paused_gets_nothing_and_nothing_is_remembered(self) -> None:
        state = AlertState()
        assert (
            state.decide(subscription=sub(paused=True), story=enriched("r:1"), explanation=WHY, now=at(0))
            == []
        )
        assert state.alerted("c-quake") == frozenset()
        assert kinds(
            state.decide(subscription=sub(), story=enriched("ap:1"), explanation=WHY, now=at(1))
        ) == [AlertKind.NEW]

    def test_held_items_are_dropped_when_paused(self) -> None:
        state = AlertState()
        state.decide(subscription=sub(digest_seconds=60), story=enriched("r:1"), explanation=WHY, now=at(0))
        assert state.due(now=at(60), subscriptions={"s1": sub(digest_seconds=60, paused=True)}) == []
        assert state.next_due() is None
        killed = enriched("r:1", version=2, pubstatus=PubStatus.CANCELED)
        assert state.retractions(story=killed, subscriptions={"s1": sub()}, now=at(61)) == []


class TestChangelog:
    def test_rebuilt_state_decides_like_the_original(self) -> None:
        state = AlertState()
        plain, digest = sub("plain"), sub("digest", digest_seconds=300)
        throttled = sub("thr", throttle=Throttle(max_alerts=1, window_seconds=600))
        subs = {s.id: s for s in (plain, digest, throttled)}
        topic: dict[str, bytes] = {}  # the compacted changelog: last value per key wins

        def flush(target: AlertState) -> None:
            for key, value in target.changes():
                if value is None:
                    topic.pop(key, None)
                else:
                    topic[key] = value

        inputs = [enriched("r:1"), enriched("ap:1"), enriched("x:1", "c-2")]
        for n, story in enumerate(inputs):
            for s in subs.values():
                state.decide(subscription=s, story=story, explanation=WHY, now=at(n))
        flush(state)

        rebuilt = AlertState()
        for key, value in topic.items():
            rebuilt.apply(key, value)
        assert rebuilt.changes() == []
        # The crash lost the commit: the same input is replayed, and nobody is alerted twice.
        for n, story in enumerate(inputs):
            for s in subs.values():
                assert rebuilt.decide(subscription=s, story=story, explanation=WHY, now=at(n)) == []
        # What comes next is decided the same way by the original and the rebuilt state.
        follow = [
            enriched("afp:1"),
            enriched("r:1", version=2, pubstatus=PubStatus.CANCELED),
            enriched("y", "c-3"),
        ]
        for target in (state, rebuilt):
            out: list[Alert] = []
            for story in follow:
                for s in subs.values():
                    out += target.decide(subscription=s, story=story, explanation=WHY, now=at(100))
                out += target.retractions(story=story, subscriptions=subs, now=at(100))
            out += target.due(now=at(700), subscriptions=subs)
            target.expire(now=at(800))
            flush(target)
            if target is state:
                expected = [(a.key, a.kind, a.stories) for a in out]
            else:
                assert [(a.key, a.kind, a.stories) for a in out] == expected
        assert AlertKind.RETRACTION in {k for _, k, _ in expected}
        assert AlertKind.DIGEST in {k for _, k, _ in expected}

    def test_bad_records_raise(self) -> None:
        state = AlertState()
        with pytest.raises(AlertStateError):
            state.apply("x|nope", b"{}")
        with pytest.raises(AlertStateError):
            state.apply("t|s1|c-1", b"not json")
        with pytest.raises(AlertStateError):
            state.apply("m|s1", b'{"held": 3}')

    def test_expire_writes_tombstones_and_forgets(self) -> None:
        state, s = (
            AlertState(retention=timedelta(hours=1)),
            sub(throttle=Throttle(max_alerts=5, window_seconds=60)),
        )
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        state.changes()
        state.expire(now=at(3601))
        assert sorted(state.changes()) == [("d|s1|c-quake", None), ("m|s1", None), ("t|s1|c-quake", None)]
        assert kinds(state.decide(subscription=s, story=enriched("ap:1"), explanation=WHY, now=at(3602))) == [
            AlertKind.NEW
        ]

    def test_tombstones_apply(self) -> None:
        state, s = AlertState(), sub()
        state.decide(subscription=s, story=enriched("r:1"), explanation=WHY, now=at(0))
        rebuilt = AlertState()
        for key, value in state.changes():
            rebuilt.apply(key, value)
        assert rebuilt.alerted("c-quake") == {"s1"}
        rebuilt.apply("t|s1|c-quake", None)
        assert rebuilt.alerted("c-quake") == frozenset()

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(AlertStateError):
            AlertState().decide(
                subscription=sub(),
                story=enriched("r"),
                explanation=WHY,
                now=datetime(2026, 1, 1),  # noqa: DTZ001
            )


# A random stream of matches, replays and retractions, cut by a crash at a random point.
EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["plain", "digest", "thr"]),
        st.sampled_from(["a", "b", "c", "d"]),  # story id; its cluster is fixed below
        st.integers(1, 3),  # version
        st.booleans(),  # retracted
        st.integers(0, 400),  # seconds since the previous event
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(EVENTS, st.integers(0, 30))
def test_crash_anywhere_rebuilds_the_same_decisions(
    events: list[tuple[str, str, int, bool, int]], cut: int
) -> None:
    subs = {
        "plain": sub("plain"),
        "digest": sub("digest", digest_seconds=300),
        "thr": sub("thr", throttle=Throttle(max_alerts=1, window_seconds=200)),
    }
    cluster = {"a": "c-1", "b": "c-1", "c": "c-2", "d": "c-3"}

    def step(
        state: AlertState, event: tuple[str, str, int, bool, int], now: datetime
    ) -> list[tuple[str, str]]:
        sub_id, story_id, version, retracted, _ = event
        story = enriched(
            story_id,
            cluster[story_id],
            version=version,
            pubstatus=PubStatus.CANCELED if retracted else PubStatus.USABLE,
        )
        out = state.decide(subscription=subs[sub_id], story=story, explanation=WHY, now=now)
        out += state.retractions(story=story, subscriptions=subs, now=now)
        out += state.due(now=now, subscriptions=subs)
        return [(a.key, a.kind.value) for a in out]

    times, now = [], T0
    for event in events:
        now += timedelta(seconds=event[4])
        times.append(now)

    original, topic = AlertState(), {}
    expected = [step(original, e, t) for e, t in zip(events, times, strict=True)]
    crashed = AlertState()
    sent: set[str] = set()
    for e, t in zip(events[:cut], times[:cut], strict=True):
        sent |= {key for key, _ in step(crashed, e, t)}
    topic.update(dict(crashed.changes()))
    rebuilt = AlertState()
    for key, value in topic.items():
        rebuilt.apply(key, value)
    # After the rebuild the rest of the stream is decided exactly as without the crash.
    rest = [step(rebuilt, e, t) for e, t in zip(events[cut:], times[cut:], strict=True)]
    assert rest == expected[cut:]
    # Replaying what was already handled (a lost commit) sends no key that was not sent before.
    replay = AlertState()
    for key, value in topic.items():
        replay.apply(key, value)
    for e, t in zip(events[:cut], times[:cut], strict=True):
        assert {key for key, _ in step(replay, e, t)} <= sent


class TestHalves:
    """The match half (Threads) and the delivery half (Mailboxes), each on its own worker."""

    def test_a_replayed_candidate_sends_nothing_and_spends_no_throttle_slot(self) -> None:
        s = sub(throttle=Throttle(max_alerts=2, window_seconds=3600))
        threads, boxes = Threads(), Mailboxes()
        first = threads.decide(subscription=s, story=enriched("r:1", "c-1"), explanation=WHY, now=at(0))
        assert first is not None
        assert kinds(boxes.route(first, s)) == [AlertKind.NEW]
        # The match worker crashed before writing its state: it decides the same story again.
        again = Threads().decide(subscription=s, story=enriched("r:1", "c-1"), explanation=WHY, now=at(0))
        assert again == first
        assert boxes.route(again, s) == []
        second = threads.decide(subscription=s, story=enriched("x:1", "c-2"), explanation=WHY, now=at(1))
        assert second is not None
        assert kinds(boxes.route(second, s)) == [AlertKind.NEW]  # the replay did not use the 2nd slot

    def test_candidates_cross_the_wire_unchanged(self) -> None:
        c = Threads().decide(subscription=sub(), story=enriched("r:1"), explanation=WHY, now=at(0))
        assert c is not None
        assert Candidate.from_bytes(c.to_bytes()) == c
