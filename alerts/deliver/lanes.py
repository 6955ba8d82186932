"""Per-target delivery lanes: a target that cannot take alerts holds back only its own queue.

The delivery stage reads ``alerts`` in order and hands each alert to the lane of its target (a
webhook URL, a set of Apprise URLs, the MQTT broker). A lane delivers in the order it was given
(so per subscription too: a subscription has one target per channel), ``window`` sends at a
time: 1 for webhooks and Apprise, many for MQTT (QoS 1 publishes pipelined on one connection,
started in order). A send that fails with a retryable :class:`~alerts.errors.DeliveryError`, or
does not return, is tried again after a capped, jittered exponential backoff, for as long as the
alert is younger than ``max_age``; then, or at once for a refusal (4xx, no URL), it goes to the
dead-letter topic with the reason. While a lane waits, the other lanes go on.

The backoff is our own (:meth:`RetryPolicy.backoff`, a dozen lines) rather than stamina's: the age
is counted from the alert's record time with the stage's injectable clock, so it survives a
restart (a replayed alert does not start a fresh 24 hours) and a test can move it forward;
stamina counts its timeout from its own start on the monotonic clock.

The stage commits a partition's offsets only below its oldest alert still open
(:meth:`Lanes.first_open`): at-least-once across crashes, whatever the outage length. An alert
stays open after its delivery until the stage's state write that records it was acknowledged
(:meth:`Lanes.take_settled`, :meth:`Lanes.close`): an offset is never committed before the
record of its delivery, so a crash between the two cannot make a replay deliver it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from alerts.errors import DeliveryError

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

    from schemas import Alert, Subscription
    from wirewatch.bus.base import Record

log = structlog.get_logger("wirewatch.deliver.lanes")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long and how often a lane tries again."""

    max_age: timedelta = timedelta(hours=24)
    initial_s: float = 0.5
    max_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Seconds before try ``attempt + 1``: doubling from ``initial_s``, capped, jittered into [½, 1]×."""
        capped: float = min(self.max_s, self.initial_s * 2.0 ** min(attempt - 1, 30))
        return capped * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


@dataclass(slots=True)
class Job:
    """One alert on its way to one target; ``born`` is when the alert was written (its age counts from it)."""

    record: Record
    alert: Alert
    subscription: Subscription
    target: str
    born: datetime
    attempts: int = 0


Send = Callable[[Job], Awaitable[None]]
Settle = Callable[[Job, DeliveryError | None], Awaitable[None]]


@dataclass
class _Lane:
    target: str
    window: int
    jobs: deque[Job] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0


class Lanes:
    """The lanes of one channel's delivery stage; ``put`` waits only when ``max_pending`` alerts are open."""

    def __init__(
        self,
        *,
        channel: str,
        send: Send,
        settle: Settle,
        clock: Callable[[], datetime],
        policy: RetryPolicy | None = None,
        window: int = 1,
        max_pending: int = 50_000,
    ) -> None:
        self._channel = channel
        self._send, self._settle = send, settle
        self._clock = clock
        self.policy = policy or RetryPolicy()
        self._window = window
        self._lanes: dict[str, _Lane] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._open: dict[int, dict[int, None]] = {}  # partition -> offsets in lanes (in order)
        self._keys: set[str] = set()  # idempotency keys in the lanes: a replayed copy is not queued
        self._settled: list[Job] = []  # delivered or dead-lettered; open until their record is written
        self._room = asyncio.Semaphore(max_pending)
        self.retries = 0

    @property
    def pending(self) -> int:
        """Alerts in the lanes, not yet delivered or dead-lettered."""
        return sum(len(offsets) for offsets in self._open.values())

    def targets(self) -> dict[str, int]:
        """Each lane's target and how many alerts wait in it (for logs and tests)."""
        return {t: len(lane.jobs) + lane.in_flight for t, lane in self._lanes.items()}

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def first_open(self, partition: int) -> int | None:
        """The lowest offset of ``partition`` still in a lane: nothing from it on may be committed."""
        offsets = self._open.get(partition)
        # min, not the first inserted: after a partition comes back, lower offsets are read again
        # while higher ones may still be in flight.
        return min(offsets) if offsets else None

    async def put(self, job: Job) -> None:
        """Queue ``job`` behind the others of its target; start the lane if it was idle."""
        await self._room.acquire()
        self._open.setdefault(job.record.partition, {})[job.record.offset] = None
        self._keys.add(job.alert.key)
        lane = self._lanes.get(job.target)
        if lane is None:
            lane = self._lanes[job.target] = _Lane(job.target, self._window)
            self._spawn(self._run(lane), f"lane:{self._channel}")
        lane.jobs.append(job)
        lane.wake.set()

    def take_settled(self) -> list[Job]:
        """The jobs settled since the last call (the caller writes their record, then closes them)."""
        jobs, self._settled = self._settled, []
        return jobs

    def close(self, jobs: list[Job]) -> None:
        """Close settled jobs whose record was acknowledged: their offsets may be committed."""
        for job in jobs:
            self._close(job)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        # A fresh context: the batch that queued the job owns deferred acks and log fields that
        # must not follow the job into a task that outlives the batch.
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(
            coro,
            name=name,
            context=contextvars.Context(),
        )
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery lane failed", channel=self._channel, error=repr(task.exception()))

    def drop(self, keep: Callable[[int], bool]) -> None:
        """Forget the queued alerts of partitions no longer ours (their next owner delivers them)."""
        for lane in self._lanes.values():
            gone = [j for j in lane.jobs if not keep(j.record.partition)]
            if gone:
                lane.jobs = deque(j for j in lane.jobs if keep(j.record.partition))
                for job in gone:
                    self._close(job)
                    self._room.release()

    async def stop(self) -> None:
        """Stop every lane; what was not settled stays uncommitted and is read again after a restart."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._lanes.clear()

    async def _run(self, lane: _Lane) -> None:
        """Start the lane's jobs in order, ``window`` at a time; end when it is empty."""
        try:
            while lane.jobs or lane.in_flight:
                if not lane.jobs or lane.in_flight >= lane.window:
                    lane.wake.clear()
                    await lane.wake.wait()
                    continue
                job = lane.jobs.popleft()
                lane.in_flight += 1
                if lane.window == 1:
                    await self._deliver(lane, job)
                else:
                    self._spawn(self._deliver(lane, job), f"send:{job.alert.key[:12]}")
        finally:
            if self._lanes.get(lane.target) is lane:
                del self._lanes[lane.target]

    async def _deliver(self, lane: _Lane, job: Job) -> None:
        """Send until delivered, refused, or too old; then settle (mark or dead-letter) and free its slot."""
        try:
            await self._settle(job, await self._attempts(job))
            self._settled.append(job)
            self._room.release()  # at once, not at close: a stage waiting for room writes no state
        finally:
            lane.in_flight -= 1
            lane.wake.set()

    async def _attempts(self, job: Job) -> DeliveryError | None:
        """None once delivered, else the error to dead-letter with."""
        last: DeliveryError | None = None
        while True:
            left = (self.policy.max_age - (self._clock() - job.born)).total_seconds()
            if left <= 0:
                return self._expired(job, last)
            job.attempts += 1
            try:
                async with asyncio.timeout(left):
                    await self._send(job)
            except DeliveryError as exc:
                if not exc.retryable:
                    return exc
                last = exc
            except TimeoutError:
                continue  # the age ran out during the try: dead-lettered at the top of the loop
            else:
                return None
            self.retries += 1
            delay = self.policy.backoff(job.attempts)
            log.warning(
                "delivery failed; will retry",
                channel=self._channel,
                target=last.target,
                key=job.alert.key,
                attempts=job.attempts,
                retry_in_s=round(delay, 2),
                error=str(last),
            )
            await asyncio.sleep(delay)

    def _expired(self, job: Job, last: DeliveryError | None) -> DeliveryError:
        age = self._clock() - job.born
        why = f"; last error: {last}" if last is not None else ""
        return DeliveryError(
            f"not delivered within the maximum age {self.policy.max_age} "
            f"(age {age}, {job.attempts} attempts){why}",
            channel=self._channel,
            target=last.target if last is not None else self._channel,
            attempts=job.attempts,
            key=job.alert.key,
            subscription_id=job.subscription.id,
        )

    def _close(self, job: Job) -> None:
        self._keys.discard(job.alert.key)
        offsets = self._open.get(job.record.partition)
        if offsets is not None:
            offsets.pop(job.record.offset, None)
            if not offsets:
                del self._open[job.record.partition]
