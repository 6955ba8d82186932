"""The chaos harness: real Kafka and Mosquitto, every stage a real ``wirewatch`` process, faults on a schedule.

:class:`Deployment` runs two process workers, two alert workers (``--no-deliver``) and two delivery
workers as subprocesses, restarts any that exits (as systemd's ``Restart=always`` would), and
offers the faults: SIGKILL a worker, SIGKILL a worker inside its produce→commit window (the
runner's ``WIREWATCH_CHAOS_KILL_AT`` hook, see :class:`wirewatch.runner.ChaosKill`), SIGKILL the
Kafka broker (or a cluster node), stop Mosquitto for a while. The delivery workers serve
``/metrics`` on a port the OS picks (logged at start), so a fault can wait until they have read
what it wants them to hold (:meth:`Deployment.records_read`). Analysts' MQTT clients
(:class:`Analysts`) collect what is delivered. :func:`expected` is the offline expectation:
what ``wirewatch match`` prints for the same stories and subscriptions (the same
:class:`~wirewatch.cli.offline.OfflinePipeline`, run in this process).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Self

import aiomqtt
import httpx

from schemas import Alert, AlertKind, Story, Subscription
from tests.factories import make_story, make_subscription
from tests.helpers import write_subscriptions
from wirewatch.runner import CHAOS_KILL_AFTER, CHAOS_KILL_AT, CHAOS_KILL_STAGE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from tests.brokers import MosquittoBroker
    from wirewatch.bus.kafka import KafkaBus

SERVICE = "wirewatch"
ANALYSTS = ("alice", "bob", "carol")
T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_METRICS_URL = re.compile(
    r"service=metrics\s.*?url=(http://\S+/metrics)|url=(http://\S+/metrics).*service=metrics"
)

# Two subscriptions per analyst; the stories name two of these entities each.
SUBSCRIPTIONS: tuple[Subscription, ...] = (
    make_subscription("s-nato", subscriber="alice", query="actor:NATO"),
    make_subscription("s-kharkiv", subscriber="alice", query="place:Kharkiv"),
    make_subscription("s-eu", subscriber="bob", query='actor:"European Union"'),
    make_subscription("s-brussels", subscriber="bob", query="place:Brussels"),
    make_subscription("s-un", subscriber="carol", query='actor:"United Nations"'),
    make_subscription("s-east", subscriber="carol", query="place:Kyiv OR place:Warsaw"),
)
ENTITIES = (
    "NATO",
    "the European Union",
    "the United Nations",
    "Kharkiv",
    "Brussels",
    "Berlin",
    "Warsaw",
    "Kyiv",
    "Paris",
    "Moscow",
)
WORDS = [
    "talks",
    "ministers",
    "border",
    "troops",
    "grain",
    "exports",
    "summit",
    "sanctions",
    "energy",
    "prices",
    "rail",
    "port",
    "drones",
    "defence",
    "budget",
    "aid",
    "convoy",
    "bridge",
    "election",
    "court",
    "vote",
    "strike",
    "factory",
    "harbour",
    "pipeline",
]


def make_stories(events: int, *, seed: int = 7) -> list[Story]:
    """``events`` events of 1-3 copies each (from different wires, minutes apart), in publishing order.

    Events are 25 hours apart on the stories' own clock, so no story can join another event's
    cluster (the clustering window is 24 hours): every event is one cluster, online as offline.
    """
    rng = random.Random(seed)
    stories: list[Story] = []
    for e in range(events):
        a, b = rng.sample(ENTITIES, 2)
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        body = f"{a} said on Monday that {b} {words}. Reference {e * 7919} batch {rng.getrandbits(40):x}."
        base = T0 + timedelta(hours=25 * e)
        copies = 1 + (e % 3 == 0) + (e % 5 == 0)
        stories.extend(
            make_story(
                id=f"ev{e:05d}-wire{c}",
                title=f"{a} and {b}: report {e}",
                body=body + (f" Updated {c}." if c else ""),
                source=f"wire-{c}",
                published_at=base + timedelta(minutes=10 * c),
                ingested_at=base + timedelta(minutes=10 * c),
            )
            for c in range(copies)
        )
    return stories


def event_key(story: Story) -> str:
    """The raw topic's key: an event's copies share a partition, so one worker sees them in order."""
    return story.id.split("-", 1)[0]


def expected(stories: list[Story]) -> list[Alert]:
    """What ``wirewatch match --subscriptions … <stories>`` gives: the offline expectation."""
    from wirewatch.cli.offline import OfflinePipeline  # noqa: PLC0415 - loads the knowledge base

    pipeline = OfflinePipeline.build(SUBSCRIPTIONS)
    return [a for _, alerts in pipeline.run(stories, now=T0) for a in alerts]


@dataclass
class Worker:
    """One ``wirewatch`` stage process; each (re)start writes a log of its own."""

    name: str
    args: list[str]
    env: dict[str, str]
    logs: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    held: bool = False  # a fault holds it down; the supervisor does not restart it
    exits: list[int] = field(default_factory=list)

    def start(self, **extra_env: str) -> None:
        """Start a fresh incarnation (with extra environment, e.g. the chaos hook)."""
        self.starts += 1
        log = self.logs / f"{self.name}.{self.starts}.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wirewatch", *self.args],
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def alive(self) -> bool:
        """Whether the current incarnation runs."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the current incarnation (no cleanup, no commit)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def reap(self) -> int | None:
        """The exit code of an incarnation that ended since the last call (recorded), else None."""
        if self.proc is None or self.proc.poll() is None:
            return None
        code = self.proc.returncode
        self.exits.append(code)
        self.proc = None
        return code

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 20 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def current_log(self) -> str:
        """The current (or last) incarnation's log, without colours."""
        if self.starts == 0:
            return ""
        return _ANSI.sub("", (self.logs / f"{self.name}.{self.starts}.log").read_text(errors="replace"))

    def metrics_url(self) -> str | None:
        """Where the current incarnation serves /metrics (it logs the port it was given), if it does yet."""
        for line in self.current_log().splitlines():
            if (found := _METRICS_URL.search(line)) is not None:
                return found.group(1) or found.group(2)
        return None

    def log_text(self) -> str:
        """Every incarnation's log, in order."""
        return "".join(
            (self.logs / f"{self.name}.{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )


class Analysts:
    """One MQTT client per analyst, reconnecting, each collecting the alerts of its own subtree."""

    def __init__(self, port: int, passwords: dict[str, str]) -> None:
        self._port = port
        self._passwords = passwords
        self.got: list[tuple[str, Alert]] = []  # (topic, alert) in arrival order
        self.subscribed = {a: asyncio.Event() for a in passwords}
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Self:
        self._tasks = [asyncio.create_task(self._listen(a), name=f"analyst:{a}") for a in self._passwords]
        async with asyncio.timeout(30):
            await self.all_subscribed()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def all_subscribed(self) -> None:
        """Wait until every analyst is connected and subscribed."""
        await asyncio.gather(*(e.wait() for e in self.subscribed.values()))

    async def _listen(self, analyst: str) -> None:
        while True:
            try:
                async with aiomqtt.Client(
                    "127.0.0.1", self._port, username=analyst, password=self._passwords[analyst]
                ) as client:
                    await client.subscribe(f"wirewatch/alerts/{analyst}/#", qos=1)
                    self.subscribed[analyst].set()
                    async for message in client.messages:
                        payload = message.payload
                        assert isinstance(payload, bytes | bytearray)
                        self.got.append((str(message.topic), Alert.from_bytes(bytes(payload))))
            except aiomqtt.MqttError:
                self.subscribed[analyst].clear()
                await asyncio.sleep(0.05)

    def keys(self) -> set[str]:
        """The distinct idempotency keys delivered so far."""
        return {a.key for _, a in self.got}


@dataclass
class Report:
    """What a chaos run did and saw (printed by the tests, and used in their asserts)."""

    stories: int = 0
    expected: int = 0
    delivered: int = 0  # distinct keys
    redelivered: int = 0  # MQTT messages whose key had arrived before (clients drop them by key)
    topic_repeats: int = 0  # alerts written to the alerts topic again under a key it holds
    faults: list[str] = field(default_factory=list)
    exits: dict[str, list[int]] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        """One summary line."""
        return json.dumps(self.__dict__, default=str)


class Deployment:
    """Six workers on one Kafka (single node or cluster) and one Mosquitto, supervised."""

    def __init__(
        self,
        *,
        bootstrap: str,
        prefix: str,
        mosquitto: MosquittoBroker,
        passwords: dict[str, str],
        workdir: Path,
        replication_factor: int = 1,
        workers: dict[str, int] | None = None,
    ) -> None:
        self.mosquitto = mosquitto
        self.passwords = passwords
        self.workdir = workdir
        self.prefix = prefix
        subs = write_subscriptions(workdir / "subscriptions.json", SUBSCRIPTIONS)
        port = mosquitto.port
        env = {
            **os.environ,
            "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "WIREWATCH_TOPIC_PREFIX": prefix,
            "WIREWATCH_KAFKA__PARTITIONS": "2",
            "WIREWATCH_KAFKA__REPLICATION_FACTOR": str(replication_factor),
            "WIREWATCH_KAFKA__SESSION_TIMEOUT_MS": "6000",
            "WIREWATCH_KAFKA__HEARTBEAT_INTERVAL_MS": "1000",
            "WIREWATCH_LOG_FORMAT": "console",
            "WIREWATCH_ALERTS__TERM_SAMPLE": "0",
            "WIREWATCH_ALERTS__DELIVERY_BACKOFF_MAX_S": "5",
            "WIREWATCH_DATA_DIR": str(workdir / "data"),
        }
        for var in (CHAOS_KILL_AT, CHAOS_KILL_AFTER, CHAOS_KILL_STAGE):
            env.pop(var, None)
        counts = {"process": 2, "alert": 2, "deliver": 2} | (workers or {})
        self.workers: dict[str, Worker] = {}
        logs = workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for n in range(counts["process"]):
            self._add(Worker(f"process-{n}", ["process"], env, logs))
        for n in range(counts["alert"]):
            self._add(
                Worker(f"alert-{n}", ["alert", "--no-deliver", "--subscriptions", str(subs)], env, logs)
            )
        for n in range(counts["deliver"]):
            mqtt = f"mqtt://{SERVICE}:{passwords[SERVICE]}@127.0.0.1:{port}"
            deliver_env = {
                **env,
                "WIREWATCH_MQTT_URL": mqtt,
                "WIREWATCH_MQTT__CLIENT_ID": f"{prefix}-d{n}",
                # A port of its own, chosen by the OS, logged at start: the faults read what it has read.
                "WIREWATCH_METRICS_PORT": "0",
                "WIREWATCH_METRICS_HOST": "127.0.0.1",
            }
            self._add(Worker(f"deliver-{n}", ["deliver"], deliver_env, logs))
        self.report = Report()
        self._supervisor: asyncio.Task[None] | None = None
        self.alerts_written: Callable[[], Awaitable[int]] = _unknown  # set by the run: records in alerts

    def _add(self, worker: Worker) -> None:
        self.workers[worker.name] = worker

    def of(self, kind: str) -> list[Worker]:
        """The workers of one stage kind (``process``, ``alert``, ``deliver``)."""
        return [w for n, w in self.workers.items() if n.startswith(f"{kind}-")]

    async def __aenter__(self) -> Self:
        for worker in self.workers.values():
            worker.start()
        self._supervisor = asyncio.create_task(self._supervise(), name="supervisor")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers.values()))
        for worker in self.workers.values():
            worker.reap()
            self.report.exits[worker.name] = worker.exits

    async def _supervise(self) -> None:
        while True:
            for worker in self.workers.values():
                if worker.held or worker.alive():
                    continue
                worker.reap()
                worker.start()
            await asyncio.sleep(0.5)

    async def wait_ready(self, timeout: float = 180) -> None:
        """Until every stage worker logged that its stage runs (state replayed)."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = [w.name for w in self.workers.values() if "stage started" not in w.log_text()]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"workers not started after {timeout}s: {waiting}")
            await asyncio.sleep(0.5)

    async def records_read(self, kind: str, stage: str) -> dict[tuple[str, int], float]:
        """Records each live incarnation (name, start number) of ``kind`` has read in ``stage`` so far.

        From the stage's ``wirewatch_batch_records`` histogram on the worker's /metrics; a worker
        not serving it yet is left out.
        """
        wanted = re.compile(
            rf'^wirewatch_batch_records_sum\{{stage="{re.escape(stage)}"\}} (\S+)$', re.MULTILINE
        )
        out: dict[tuple[str, int], float] = {}
        async with httpx.AsyncClient(timeout=5) as client:
            for worker in self.of(kind):
                url = worker.metrics_url() if worker.alive() else None
                if url is None:
                    continue
                try:
                    text = (await client.get(url)).text
                except httpx.HTTPError:
                    continue  # dying or not listening yet
                found = wanted.search(text)
                out[worker.name, worker.starts] = float(found.group(1)) if found else 0.0
        return out

    # ---- faults -----------------------------------------------------------------------------------

    async def sigkill(self, kind: str) -> None:
        """SIGKILL a worker of ``kind`` now; the supervisor restarts it."""
        worker = self.of(kind)[0]
        self._rotate(kind)
        self.report.faults.append(f"SIGKILL {worker.name}")
        worker.held = True
        await asyncio.to_thread(worker.kill)
        worker.reap()
        worker.held = False

    async def kill_in_commit_window(
        self, kind: str, stage: str, during: Awaitable[object], *, after: int = 1, timeout: float = 300
    ) -> None:
        """SIGKILL a ``kind`` worker inside its produce→commit window, made certain by the runner's hook.

        One worker is restarted with ``WIREWATCH_CHAOS_KILL_AT=after_produce``: it SIGKILLs itself
        at its ``after``-th commit of ``stage``, once the batch's outputs and state were
        acknowledged and before its offsets are committed. The kind's other workers are stopped
        meanwhile, so ``during`` (the next wave of stories) has to pass through the hooked one.
        """
        target, *others = self.of(kind)
        self._rotate(kind)
        self.report.faults.append(f"SIGKILL {target.name} in the produce→commit window of {stage!r}")
        for w in (target, *others):
            w.held = True
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in (target, *others)))
        for w in (target, *others):
            w.reap()
        target.start(
            **{CHAOS_KILL_AT: "after_produce", CHAOS_KILL_AFTER: str(after), CHAOS_KILL_STAGE: stage}
        )
        publishing = asyncio.ensure_future(during)
        deadline = time.monotonic() + timeout
        try:
            while target.alive():
                if time.monotonic() > deadline:
                    raise AssertionError(f"{target.name}: the chaos hook did not fire within {timeout}s")
                await asyncio.sleep(0.2)
        finally:
            await publishing
        code = target.reap()
        assert code == -signal.SIGKILL, f"{target.name} ended with {code}, not by the hook's SIGKILL"
        assert "chaos: SIGKILL inside the produce" in target.log_text()
        for w in (target, *others):
            w.held = False  # the supervisor starts them again (plain)

    def _rotate(self, kind: str) -> None:
        # The next fault of this kind hits the other worker.
        names = [w.name for w in self.of(kind)]
        first = self.workers.pop(names[0])
        self.workers[first.name] = first

    async def mosquitto_outage(self, analysts: Analysts, seconds: float) -> None:
        """Stop Mosquitto for ``seconds``; alerts keep coming meanwhile.

        The service user's password is changed while the broker is away and set back once every
        analyst is subscribed again: there is no broker persistence, so a delivery worker that
        reconnected before an analyst would publish into a void (a test artefact, not a loss:
        real subscribers keep persistent sessions on a persistent broker).
        """
        self.report.faults.append(f"Mosquitto stopped for {seconds:.0f}s")
        broker = self.mosquitto
        await asyncio.to_thread(broker.stop)
        await asyncio.to_thread(broker.add_user, SERVICE, secrets.token_urlsafe(8))
        await asyncio.sleep(seconds)
        assert broker.dir is not None
        analysts_only = {a: p for a, p in self.passwords.items() if a != SERVICE}
        await asyncio.to_thread(broker.start, broker.dir, analysts_only)
        async with asyncio.timeout(60):
            await analysts.all_subscribed()
        await asyncio.to_thread(broker.add_user, SERVICE, self.passwords[SERVICE])

    def exits_of(self, kind: str) -> list[int]:
        """Every recorded exit code of a stage kind's workers."""
        return [c for w in self.of(kind) for c in w.exits]


async def _unknown() -> int:
    return 0


async def publish_stories(bus: KafkaBus, topic: str, stories: list[Story]) -> None:
    """Publish raw stories keyed by event (acks=all); retried while the broker is away."""
    from wirewatch.errors import BusError  # noqa: PLC0415

    for story in stories:
        while True:
            try:
                await bus.publish(topic, story.to_bytes(), key=event_key(story).encode())
                break
            except BusError:
                await asyncio.sleep(0.5)


def check(
    want: list[Alert], got: list[tuple[str, Alert]], topic_order: dict[str, list[str]]
) -> Iterator[str]:
    """Every broken promise, as a line: lost, extra, a second ``new``, out of order."""
    want_keys = {a.key for a in want}
    got_keys = {a.key for _, a in got}
    lost = sorted(want_keys - got_keys)
    extra = sorted(got_keys - want_keys)
    if lost:
        yield f"{len(lost)} lost, e.g. {lost[:5]}"
    if extra:
        yield f"{len(extra)} not expected, e.g. {extra[:5]}"
    news: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, a in got:
        if a.kind is AlertKind.NEW:
            news[a.subscription_id, a.cluster_id].add(a.key)
    twice = {k: v for k, v in news.items() if len(v) > 1}
    if twice:
        yield f"{len(twice)} subscription × cluster pairs with more than one new: {list(twice.items())[:3]}"
    first_seen: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for _, a in got:
        if a.key not in seen:
            seen.add(a.key)
            first_seen[a.subscription_id].append(a.key)
    for sub, keys in first_seen.items():
        order = [k for k in topic_order.get(sub, []) if k in seen]
        if keys != order:
            at = next(i for i, (x, y) in enumerate(zip(keys, order, strict=False)) if x != y)
            yield f"{sub}: delivered out of the alerts topic's order at {at}: {keys[at : at + 3]} vs {order[at : at + 3]}"
    want_clusters, got_clusters = _by_cluster(want), _by_cluster([a for _, a in got])
    for pair, kinds in want_clusters.items():
        if got_clusters.get(pair, kinds) != kinds:
            yield f"{pair}: kinds {got_clusters.get(pair)} instead of {kinds}"
            break


def _by_cluster(alerts: list[Alert]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    seen: set[str] = set()
    for a in alerts:
        if a.key not in seen:
            seen.add(a.key)
            out[a.subscription_id, a.cluster_id].append(a.kind.value)
    return out
