"""End to end: stories on stdin → ingest → process → alert → deliver → an MQTT subscriber.

Three setups, each a row, run with 1,000 and 100,000 subscriptions (``--subscriptions``):

- ``run``: ``wirewatch run --stdin`` (every stage in one process) on Kafka 4.1 + Mosquitto;
- ``split``: ``wirewatch ingest --stdin``, ``wirewatch process`` (× ``--process-workers``),
  ``wirewatch alert --no-deliver`` and ``wirewatch deliver`` as separate processes, same brokers;
- ``embedded``: ``wirewatch run --stdin`` with no Kafka (embedded log + embedded MQTT broker);
- ``run-w``, ``embedded-w``: the same with ``--process-workers N`` (the process stage, tagging and
  clustering, in N child processes: the second core).

Each throughput phase also reports the CPU time (user + system) every process of the setup used,
its workers included, per story: on a shared machine the figure to judge a change by, since the
wall rate moves with the other load.

Each run starts its processes on a fresh topic prefix and data dir, writes one warm-up story and
waits for its alert (the *ready* time: subscriptions loaded, consumer groups joined, first story
through; not counted anywhere else), then:

- **throughput**: ``--stories`` stories (~4 KB of news text in five languages, built here) written
  at once; stories/s from the first story written to the last story's alert received;
- **latency**: the same at ``--paces`` stories/s for ``--pace-seconds`` each; p50/p95/p99 from the
  moment a story was written to the ingest process's stdin to the subscriber's MQTT receipt of
  its alert (one clock: the stories carry ``[wwb:<seq>]`` in their title, which the alert echoes).

Exactly one subscription (``source:wwbench``) matches every story, so every story gives at least
one alert; latencies and the throughput count that subscription's alerts. A few "hot" ones match
often; the rest name a spokesperson drawn from a pool of 40,000 surnames, so each matches rarely.

The reference, in the same run and on the same broker: raw aiokafka (idempotent producer, lz4,
linger 5 ms, as the Wirewatch bus; lz4 at the bus's fast level, as ``wirewatch/bus/kafka_codec.py``
sets it for the whole process) sending the same payloads to a fresh topic and a group-less
consumer reading them back: messages/s, and latency at the same paces.

After each Kafka run the topics are read back (group-less) and joined by ``wirewatch-trace-id`` to
say where the time goes: stdin → ``stories.raw`` (ingest), → ``stories.enriched`` (process),
→ ``internal.matches`` (match), → ``alerts`` (mailbox), → MQTT receipt (deliver), from the records'
Kafka timestamps (taken when each was produced).

Run from the repository root (brokers are started through ``tests/brokers.py``, as the tests do;
``WIREWATCH_KAFKA_BOOTSTRAP`` selects an already running Kafka instead):

    .venv/bin/python -m benchmarks.bench_e2e --quick
    .venv/bin/python -m benchmarks.bench_e2e [--stories 5000] [--subscriptions 1000,100000]
        [--paces 50,100,500] [--pace-seconds 20] [--setups run,split,embedded] [--process-workers 1]

Writes ``benchmarks/results/bench_e2e.json``. Every wait is bounded: a run that stalls reports
what it received and the next one starts; every process started here is stopped (SIGTERM, then
SIGKILL) at the end of its run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console
from rich.table import Table

from tests.brokers import BrokerUnavailableError, KafkaBroker, MosquittoBroker
from wirewatch.bus import TopicSpec
from wirewatch.bus.base import HEADER_TRACE_ID
from wirewatch.bus.kafka import KafkaBus
from wirewatch.settings import KafkaSettings

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "bench_e2e.json"
SOURCE = "wwbench"
CATCH_ALL_ID = "wwb-all"
SERVICE_USER = "wirewatch"  # deploy/mosquitto/acl: the service user may read every subtree back
MARK = re.compile(rb"\[wwb:(\d+)\]")
STAGES = ("ingest", "process", "match", "mailbox", "deliver")
console = Console(width=170)

# ---------------------------------------------------------------------------------------------
# Stories: news text from templates, with places, people and numbers drawn per sentence.

PLACES = (
    "Kyiv",
    "Kharkiv",
    "Odesa",
    "Lviv",
    "Dnipro",
    "Zaporizhzhia",
    "Moscow",
    "St Petersburg",
    "Belgorod",
    "Kursk",
    "Kaliningrad",
    "Warsaw",
    "Vilnius",
    "Riga",
    "Tallinn",
    "Berlin",
    "Paris",
    "Madrid",
    "Rome",
    "Ankara",
    "Istanbul",
    "Tbilisi",
    "Minsk",
    "Chisinau",
    "Bucharest",
    "Helsinki",
    "Stockholm",
    "Oslo",
    "Brussels",
    "Geneva",
    "Vienna",
    "Prague",
    "Budapest",
    "Athens",
    "Cairo",
    "Nairobi",
    "Lagos",
    "Tokyo",
    "Seoul",
    "Beijing",
    "Taipei",
    "Manila",
    "Jakarta",
    "New Delhi",
    "Karachi",
    "Tehran",
    "Baghdad",
    "Damascus",
    "Beirut",
    "Amman",
    "Riyadh",
    "Doha",
    "Washington",
    "New York",
    "Ottawa",
    "Toronto",
    "Mexico City",
    "Bogota",
    "Lima",
    "Santiago",
    "Buenos Aires",
    "Brasilia",
    "Sydney",
    "Johannesburg",
    "Addis Ababa",
    "Khartoum",
    "Tripoli",
    "Algiers",
    "Rabat",
    "Lisbon",
    "Dublin",
    "London",
    "Copenhagen",
    "Hanoi",
    "Bangkok",
    "Dhaka",
    "Kabul",
    "Tashkent",
)
ACTORS = (
    "NATO",
    "the European Union",
    "the United Nations",
    "the Kremlin",
    "the Pentagon",
    "the International Monetary Fund",
    "the World Bank",
    "OPEC",
    "the Red Cross",
    "Gazprom",
    "Vladimir Putin",
    "Volodymyr Zelensky",
    "Sergei Lavrov",
    "Jens Stoltenberg",
    "Mark Rutte",
    "Emmanuel Macron",
    "Olaf Scholz",
    "Antony Blinken",
    "Ursula von der Leyen",
    "Recep Tayyip Erdogan",
)
ROLES = (
    "a spokesman for the ministry",
    "a senior official",
    "the regional governor",
    "an analyst",
    "a military spokeswoman",
    "the mayor",
    "a diplomat familiar with the talks",
    "the prosecutor",
    "a union leader",
    "an economist at a local bank",
    "a witness",
    "the head of the local council",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN = (
    "NATO says Russia has not withdrawn troops from the border with Ukraine, and {actor} has not responded.",
    "Shelling hit villages in the Belgorod region and near {place} overnight, killing {n} people, officials said.",
    "Foreign Minister Sergei Lavrov met his counterpart in {place} on {day} to discuss sanctions and diplomacy.",
    "{actor} said on {day} it would send {n} more soldiers to the eastern flank, citing the war in Ukraine.",
    "Prices of wheat rose {n} percent in {place} after the strike on the port, traders said.",
    "{person}, {role}, said {n} families had been evacuated from the district around {place}.",
    "The central bank in {place} raised its main rate by {n} basis points to fight inflation.",
    "Talks between Moscow and Kyiv on prisoner exchanges resumed in {place}, {person} told reporters.",
    "Storms hit {place} on {day}, leaving {n} homes without power, {role} said.",
    "Protesters gathered outside parliament in {place} demanding early elections, and police detained {n}.",
    "{actor} announced a package of {n} million euros in aid for reconstruction in Ukraine.",
    "Drones attacked an oil refinery near {place}; {person}, {role}, said the fire was put out by {day}.",
    "The ceasefire along the front line near {place} held for a {n}th day, monitors reported.",
    "Exports of grain through the Black Sea fell to {n} thousand tonnes last week, data from {place} showed.",
    "{person}, {role}, warned that cyberattacks on hospitals in {place} had doubled since {day}.",
    "The court in {place} sentenced {n} people over the bombing, {person} said after the hearing.",
    "A delegation from {actor} arrived in {place} to inspect the damaged nuclear plant.",
    "Unemployment in {place} fell to {n} percent, the lowest in a decade, the statistics office said.",
    "Rescue teams in {place} searched for survivors after the earthquake, {person} said on {day}.",
    "{actor} accused Russia of violating the airspace of its members {n} times this year.",
)
FILLER = (
    "The statement came after a week of meetings in {place} that produced little visible progress.",
    "Officials declined to give further details, saying the situation remained fluid, {person} added.",
    "It remains to be seen whether the {n} proposals will be accepted by all sides.",
    "Analysts said the move was largely symbolic but could have longer-term consequences for {place}.",
    "The decision was announced late on {day} and is expected to take effect next month.",
    "Several people were injured, according to {role}, and an investigation has begun.",
    "Markets in {place} barely moved, with the main index up {n} points by the close.",
    "{person}, {role}, said the figures would be reviewed again on {day}.",
)
OTHER = {
    "es": (
        "La OTAN insiste en que Rusia no ha retirado sus tropas de la frontera con Ucrania, dijo {person}.",
        "El gobierno de {place} anunció {n} millones de euros en ayudas para los agricultores.",
        "Las autoridades de {place} evacuaron a {n} familias tras las inundaciones del {day}.",
        "{person}, portavoz del ministerio, dijo que las negociaciones continuarán en {place}.",
    ),
    "de": (
        "Die NATO sieht keinen Rückzug russischer Truppen von der Grenze zur Ukraine, sagte {person}.",
        "In {place} demonstrierten am {day} rund {n} Menschen gegen die Regierung.",
        "Die Regierung in Berlin kündigte {n} Millionen Euro für den Wiederaufbau in der Ukraine an.",
        "{person}, Sprecher des Ministeriums, sagte, die Gespräche in {place} würden fortgesetzt.",
    ),
    "fr": (
        "L'OTAN affirme que la Russie n'a pas retiré ses troupes de la frontière ukrainienne, selon {person}.",
        "Le gouvernement à {place} a annoncé {n} millions d'euros pour la reconstruction.",
        "Des inondations ont touché {place} le {day}, et {n} familles ont été évacuées.",
        "{person}, porte-parole du ministère, a déclaré que les discussions reprendraient à {place}.",
    ),
    "ru": (
        "Россия не отвела войска от границы с Украиной, заявил генсек НАТО в Брюсселе, сообщил {person}.",
        "В городе {place} эвакуировали {n} семей после обстрела, сообщили власти.",
        "Министр иностранных дел Сергей Лавров провёл переговоры в {place} в {day}.",
        "{person}, представитель министерства, сказал, что переговоры продолжатся.",
    ),
}
LANGS = ("en",) * 16 + ("es", "de", "fr", "ru")
SYLLABLES = ("ka", "ro", "mi", "ten", "vel", "do", "sar", "lin", "po", "zu", "bre", "kov", "an", "esh", "tor")
FIRST_NAMES = ("Anna", "Oleh", "Maria", "Ivan", "Elena", "Tomas", "Sofia", "Yusuf", "Laura", "Pavel", "Nadia")


def surnames(n: int, seed: int = 19) -> list[str]:
    """``n`` distinct made-up surnames (three or four syllables), the same for every seed."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((3, 4)))).capitalize() + "enko")
    return sorted(out)


SURNAMES = surnames(40_000)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        place=rng.choice(PLACES),
        actor=rng.choice(ACTORS),
        person=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        role=rng.choice(ROLES),
        day=rng.choice(WEEKDAYS),
        n=rng.randint(2, 9999),
    )


def make_story_line(seq: int, rng: random.Random, size: int = 4000) -> bytes:
    """One JSON line: a ~``size``-byte story whose title carries ``[wwb:<seq>]``."""
    lang = rng.choice(LANGS)
    news = EN if lang == "en" else OTHER[lang]
    filler = FILLER if lang == "en" else OTHER[lang]
    sentences: list[str] = []
    length = 0
    while length < size:
        pool = news if len(sentences) % 3 == 0 else filler
        sentences.append(_fill(rng.choice(pool), rng))
        length += len(sentences[-1]) + 1
    paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    headline = sentences[0].split(",")[0].rstrip(".")[:90]
    story = {
        "id": f"wwbench-{seq}",
        "title": f"{headline} [wwb:{seq}]",
        "body": "\n\n".join(paragraphs),
        "source": SOURCE,
    }
    return json.dumps(story, ensure_ascii=False).encode() + b"\n"


def make_story_lines(n: int, seed: int = 7) -> list[bytes]:
    """Story lines 0..n-1 (line ``i`` carries ``[wwb:i]``)."""
    rng = random.Random(seed)
    return [make_story_line(i, rng) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# Subscriptions: one catch-all, a few hot ones, the rest rare (anchored on a surname).

HOT_QUERIES = (
    'actor:NATO AND region:"Russia–Ukraine border"',
    "topic:sanctions AND country:RU",
    "place:Kharkiv AND actor:NATO",
    'actor:"Sergei Lavrov" AND place:Geneva',
    "place:Kaliningrad OR place:Vilnius",
)
REAL_ACTORS = ("NATO", '"European Union"', "Gazprom", "OPEC", '"Vladimir Putin"', '"Volodymyr Zelensky"')
TOPIC_WORDS = ("sanctions", "ceasefire", "inflation", "earthquake", "elections", "refinery", "drones")


def _rare_query(rng: random.Random) -> str:
    name = rng.choice(SURNAMES)
    shape = rng.randrange(5)
    if shape == 0:
        return f"text:{name}"
    if shape == 1:
        return f"text:{name} AND actor:{rng.choice(REAL_ACTORS)}"
    if shape == 2:
        return f'place:"{rng.choice(PLACES)}" AND text:{name}'
    if shape == 3:
        return f'title:"{rng.choice(FIRST_NAMES)} {name}"'
    return f"text:({name} OR {rng.choice(SURNAMES)}) AND text:{rng.choice(TOPIC_WORDS)}"


def make_subscriptions(n: int, seed: int = 11) -> list[dict[str, str]]:
    """``n`` subscriptions over 1,000 subscribers: the catch-all, five hot ones, the rest rare."""
    rng = random.Random(seed)
    subs = [{"id": CATCH_ALL_ID, "subscriber": "bench", "query": f"source:{SOURCE}"}]
    subs += [{"id": f"hot-{i}", "subscriber": "desk", "query": q} for i, q in enumerate(HOT_QUERIES)]
    for i in range(n - len(subs)):
        subs.append({"id": f"s{i}", "subscriber": f"analyst{i % 1000}", "query": _rare_query(rng)})
    return subs[:n]


# ---------------------------------------------------------------------------------------------
# Figures.


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds."""
    out: dict[str, float | None] = {}
    for name, q in (("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)):
        v = percentile(seconds, q)
        out[name] = None if v is None else round(v * 1000, 1)
    return out


# ---------------------------------------------------------------------------------------------
# The MQTT subscriber.


@dataclass
class Receipts:
    """What the subscriber received: the catch-all alert's receipt time per story, and counts."""

    at: dict[int, float] = field(default_factory=dict)
    alerts: Counter[int] = field(default_factory=Counter)
    total: int = 0

    def got(self, seqs: Iterable[int]) -> int:
        """How many of ``seqs`` have their catch-all alert."""
        return sum(1 for s in seqs if s in self.at)


async def subscribe(
    host: str, port: int, *, user: str | None, password: str | None, out: Receipts, ready: asyncio.Event
) -> None:
    """Read ``wirewatch/alerts/#`` (QoS 1) into ``out`` until cancelled."""
    suffix = "/" + CATCH_ALL_ID
    async with aiomqtt.Client(
        host, port, username=user, password=password, identifier=f"wwbench-{uuid.uuid4().hex[:8]}"
    ) as client:
        await client.subscribe("wirewatch/alerts/#", qos=1)
        ready.set()
        async for message in client.messages:
            now = time.time()
            payload = message.payload
            if not isinstance(payload, bytes | bytearray):
                continue
            found = MARK.search(payload)
            if found is None:
                continue
            seq = int(found.group(1))
            out.total += 1
            out.alerts[seq] += 1
            if message.topic.value.endswith(suffix):
                out.at.setdefault(seq, now)


# ---------------------------------------------------------------------------------------------
# Processes.


@dataclass
class Proc:
    """One wirewatch process and its log."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path

    def tail(self, lines: int = 15) -> str:
        """The last lines of its log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def spawn(
    name: str, args: list[str], env: dict[str, str], logdir: Path, *, stdin: bool = False
) -> Proc:
    """Start ``python -m wirewatch ARGS`` with stdout+stderr to ``logdir/NAME.log``."""
    log = logdir / f"{name}.log"
    with log.open("wb") as fh:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "wirewatch",
            *args,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(REPO),
        )
    return Proc(name, proc, log)


async def stop_all(procs: Sequence[Proc], grace_s: float = 20.0) -> dict[str, int | None]:
    """SIGTERM every process, SIGKILL those still alive after ``grace_s``; their exit codes."""
    for p in procs:
        if p.proc.stdin is not None and not p.proc.stdin.is_closing():
            p.proc.stdin.close()
        if p.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                p.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in procs:
        try:
            await asyncio.wait_for(p.proc.wait(), max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                p.proc.kill()
            await p.proc.wait()
    return {p.name: p.proc.returncode for p in procs}


def dead(procs: Sequence[Proc]) -> Proc | None:
    """The first process that has exited, if any."""
    return next((p for p in procs if p.proc.returncode is not None), None)


def cpu_seconds(procs: Sequence[Proc]) -> dict[str, float]:
    """CPU time (user + system, s) each process and its children (process workers) used so far.

    Children that have already exited are not counted; workers live as long as their run.
    """
    out: dict[str, float] = {}
    for p in procs:
        total = 0.0
        try:
            top = psutil.Process(p.proc.pid)
            for q in (top, *top.children(recursive=True)):
                with contextlib.suppress(psutil.Error):
                    t = q.cpu_times()
                    total += t.user + t.system
        except psutil.Error:
            pass
        out[p.name] = total
    return out


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------
# One run: a setup at one number of subscriptions.


@dataclass(frozen=True)
class Brokers:
    """Where Kafka and Mosquitto listen (None when not started) and the service user's password."""

    bootstrap: str | None
    mqtt_port: int | None
    mqtt_password: str


@dataclass(frozen=True)
class Plan:
    """What every run does: the story lines and how they are split between phases."""

    lines: list[bytes]
    stories: int
    paces: tuple[int, ...]
    pace_seconds: float
    process_workers: int
    partitions: int
    ready_timeout_s: float
    stall_s: float
    #: Extra WIREWATCH_* settings for every process of a run (``--set KEY=VALUE``): A/B of a knob.
    settings: dict[str, str] = field(default_factory=dict)

    def phases(self) -> list[tuple[str, int, range]]:
        """(name, pace or 0, seqs) per phase; seq 0 is the warm-up story."""
        out: list[tuple[str, int, range]] = [("throughput", 0, range(1, 1 + self.stories))]
        start = 1 + self.stories
        for pace in self.paces:
            n = max(1, round(pace * self.pace_seconds))
            out.append((f"pace {pace}/s", pace, range(start, start + n)))
            start += n
        return out

    def total(self) -> int:
        """How many story lines the phases use, warm-up included."""
        return 1 + self.stories + sum(max(1, round(p * self.pace_seconds)) for p in self.paces)


@dataclass
class Run:
    """The live state of one run."""

    setup: str
    subscriptions: int
    prefix: str
    procs: list[Proc]
    ingest: Proc
    receipts: Receipts
    sent: dict[int, float] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)


def setting(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` of ``--set``, a Wirewatch setting."""
    key, sep, value = text.partition("=")
    if not sep or not key.startswith("WIREWATCH_"):
        raise SystemExit(f"--set {text!r}: expected WIREWATCH_...=VALUE")
    return key, value


def base_env(prefix: str, settings: dict[str, str]) -> dict[str, str]:
    """The environment without inherited WIREWATCH_* settings, plus the run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env.update(
        WIREWATCH_TOPIC_PREFIX=prefix,
        WIREWATCH_LOG_LEVEL="warning",
        WIREWATCH_LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def kafka_env(prefix: str, brokers: Brokers, plan: Plan) -> dict[str, str]:
    """Kafka + Mosquitto settings (the delivery service logs in as the service user)."""
    assert brokers.bootstrap is not None
    assert brokers.mqtt_port is not None
    env = base_env(prefix, {})
    env.update(
        WIREWATCH_KAFKA_BOOTSTRAP=brokers.bootstrap,
        WIREWATCH_KAFKA__PARTITIONS=str(plan.partitions),
        WIREWATCH_MQTT_URL=f"mqtt://{SERVICE_USER}:{brokers.mqtt_password}@127.0.0.1:{brokers.mqtt_port}",
    )
    env.update(plan.settings)
    return env


async def start_setup(
    setup: str, subs_file: Path, workdir: Path, brokers: Brokers, plan: Plan
) -> tuple[list[Proc], Proc, int, str | None]:
    """Start a setup's processes; (processes, the ingest one, MQTT port, MQTT password)."""
    data = ["--data-dir", str(workdir / "data")]
    subs = ["--subscriptions", str(subs_file)]
    prefix = workdir.name
    # "-w": the process stage in --process-workers child processes (the second core).
    workers = ["--process-workers", str(max(1, plan.process_workers))] if setup.endswith("-w") else []
    if setup in ("embedded", "embedded-w"):
        port = free_port()
        env = base_env(prefix, plan.settings)
        args = ["run", "--stdin", *data, *subs, "--mqtt-port", str(port), *workers]
        p = await spawn("run", args, env, workdir, stdin=True)
        return [p], p, port, None
    assert brokers.mqtt_port is not None
    env = kafka_env(prefix, brokers, plan)
    if setup in ("run", "run-w"):
        p = await spawn("run", ["run", "--stdin", *data, *subs, *workers], env, workdir, stdin=True)
        return [p], p, brokers.mqtt_port, brokers.mqtt_password
    # split: create the topics once, so that four processes do not race to.
    topics = await spawn("topics", ["topics", *data], env, workdir)
    try:
        await asyncio.wait_for(topics.proc.wait(), 120)
    except TimeoutError:
        await stop_all([topics])
    procs = [await spawn("alert", ["alert", "--no-deliver", *data, *subs], env, workdir)]
    procs.append(await spawn("deliver", ["deliver", *data], env, workdir))
    procs += [
        await spawn(f"process{i}", ["process", *data], env, workdir) for i in range(plan.process_workers)
    ]
    ingest = await spawn("ingest", ["ingest", "--stdin", *data], env, workdir, stdin=True)
    return [*procs, ingest], ingest, brokers.mqtt_port, brokers.mqtt_password


async def write_lines(run: Run, plan: Plan, seqs: Sequence[int]) -> None:
    """Write these stories to the ingest process's stdin now, stamping each."""
    stdin = run.ingest.proc.stdin
    assert stdin is not None
    now = time.time()
    stdin.write(b"".join(plan.lines[s] for s in seqs))
    for s in seqs:
        run.sent[s] = now
    await stdin.drain()


async def wait_for(run: Run, seqs: range, *, stall_s: float, cap_s: float) -> str:
    """Wait until every story of ``seqs`` has its alert, progress stalls, or a process exits."""
    started = last_change = time.monotonic()
    got = run.receipts.got(seqs)
    while got < len(seqs):
        await asyncio.sleep(0.2)
        if (p := dead(run.procs)) is not None:
            return f"{p.name} exited ({p.proc.returncode}): {p.tail(5)}"
        now_got = run.receipts.got(seqs)
        now = time.monotonic()
        if now_got != got:
            got, last_change = now_got, now
        elif now - last_change > stall_s:
            return f"stalled: {got}/{len(seqs)} alerts, none for {stall_s:.0f}s"
        if now - started > cap_s:
            return f"gave up after {cap_s:.0f}s: {got}/{len(seqs)} alerts"
    return "ok"


async def settle(run: Run, *, quiet_s: float = 2.0, cap_s: float = 120.0) -> float:
    """Wait until no alert at all arrived for ``quiet_s`` (a story's other alerts may trail its
    catch-all one), so that the next phase starts on an empty pipeline; the seconds waited."""
    t0 = last_change = time.monotonic()
    seen = run.receipts.total
    while time.monotonic() - last_change < quiet_s and time.monotonic() - t0 < cap_s:
        await asyncio.sleep(0.2)
        if run.receipts.total != seen:
            seen, last_change = run.receipts.total, time.monotonic()
        if dead(run.procs) is not None:
            break
    return time.monotonic() - t0


async def phase_throughput(run: Run, plan: Plan, seqs: range) -> dict[str, Any]:
    """All stories at once; stories/s from the first written to the last alert received."""
    cpu_before = cpu_seconds(run.procs)
    t0 = time.time()
    chunk = 64
    for k in range(0, len(seqs), chunk):
        await write_lines(run, plan, seqs[k : k + chunk])
    written = time.time() - t0
    status = await wait_for(run, seqs, stall_s=plan.stall_s, cap_s=max(600.0, len(seqs) / 5))
    got = [run.receipts.at[s] for s in seqs if s in run.receipts.at]
    elapsed = (max(got) - t0) if got else None
    # CPU per story, by process: the figure to judge a change by on a shared machine (the wall
    # rate moves with the other load; CPU per story much less).
    cpu_after = cpu_seconds(run.procs)
    cpu_ms = {
        name: round((cpu_after[name] - cpu_before.get(name, 0.0)) / max(1, len(got)) * 1000, 2)
        for name in cpu_after
    }
    return {
        "cpu_ms_per_story": {**cpu_ms, "total": round(sum(cpu_ms.values()), 2)},
        "load_avg": round(os.getloadavg()[0], 2),
        "stories": len(seqs),
        "received": len(got),
        "status": status,
        "write_s": round(written, 2),
        "elapsed_s": None if elapsed is None else round(elapsed, 2),
        "stories_per_s": None if not elapsed else round(len(got) / elapsed, 1),
    }


async def paced_send(pace: int, n: int, send: Any) -> float:
    """Call ``await send(k0, k1)`` so that story k goes at k/pace s; return the seconds it took."""
    t0 = time.perf_counter()
    k = 0
    while k < n:
        due = min(n, int((time.perf_counter() - t0) * pace) + 1)
        if due > k:
            await send(k, due)
            k = due
        else:
            await asyncio.sleep(max(0.0, k / pace - (time.perf_counter() - t0)))
    return time.perf_counter() - t0


async def phase_paced(run: Run, plan: Plan, pace: int, seqs: range) -> dict[str, Any]:
    """Stories at ``pace``/s; latency from the write to stdin to the MQTT receipt."""

    async def send(k0: int, k1: int) -> None:
        await write_lines(run, plan, seqs[k0:k1])

    took = await paced_send(pace, len(seqs), send)
    status = await wait_for(run, seqs, stall_s=plan.stall_s, cap_s=max(120.0, 3 * plan.pace_seconds))
    latencies = [run.receipts.at[s] - run.sent[s] for s in seqs if s in run.receipts.at]
    return {
        "pace": pace,
        "stories": len(seqs),
        "received": len(latencies),
        "offered_per_s": round(len(seqs) / took, 1) if took else None,
        "status": status,
        "latency_ms": summary_ms(latencies),
    }


async def run_phases(run: Run, plan: Plan) -> None:
    """Warm-up (the ready time), then throughput, then each pace."""
    t0 = time.monotonic()
    await write_lines(run, plan, [0])
    status = await wait_for(run, range(1), stall_s=plan.ready_timeout_s, cap_s=plan.ready_timeout_s)
    run.result["ready_s"] = round(time.monotonic() - t0, 2) if status == "ok" else None
    run.result["ready_status"] = status
    console.print(f"  ready: {status} after {time.monotonic() - t0:.1f}s")
    if status != "ok":
        return
    await settle(run)
    phases: dict[str, Any] = {}
    for name, pace, seqs in plan.phases():
        if dead(run.procs) is not None:
            break
        phases[name] = (
            await phase_throughput(run, plan, seqs) if pace == 0 else await phase_paced(run, plan, pace, seqs)
        )
        phases[name]["settle_s"] = round(await settle(run), 1)
        console.print(f"  {name}: {phases[name]}")
    run.result["phases"] = phases


async def one_run(
    setup: str, n_subs: int, *, subs_file: Path, brokers: Brokers, plan: Plan, tmp: Path
) -> dict[str, Any]:
    """Start a setup, measure it, read its topics back (Kafka), stop it; its figures."""
    prefix = f"e2e{uuid.uuid4().hex[:8]}"
    workdir = tmp / prefix
    workdir.mkdir()
    console.print(f"[bold]{setup}[/], {n_subs:,} subscriptions, prefix {prefix}")
    t_start = time.monotonic()
    procs, ingest, port, password = await start_setup(setup, subs_file, workdir, brokers, plan)
    receipts = Receipts()
    run = Run(setup, n_subs, prefix, procs, ingest, receipts)
    run.result.update(setup=setup, subscriptions=n_subs, prefix=prefix)
    sub_task: asyncio.Task[None] | None = None
    try:
        sub_task, sub_ready = await start_subscriber(port, password, receipts)
        await asyncio.wait_for(sub_ready.wait(), 60)
        await run_phases(run, plan)
    except (TimeoutError, aiomqtt.MqttError, OSError) as exc:
        run.result["error"] = f"{type(exc).__name__}: {exc}"
        console.print(f"  [red]error[/]: {run.result['error']}")
    finally:
        run.result["exit_codes"] = await stop_all(procs)
        if sub_task is not None:
            sub_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await sub_task
    run.result["alerts_received"] = receipts.total
    # Counted after the end: a story's other alerts may arrive after its catch-all one.
    for name, _pace, seqs in plan.phases():
        if name in run.result.get("phases", {}):
            run.result["phases"][name]["alerts"] = sum(receipts.alerts[s] for s in seqs)
    run.result["wall_s"] = round(time.monotonic() - t_start, 1)
    if not setup.startswith("embedded") and brokers.bootstrap and "phases" in run.result:
        run.result["stages"] = await stage_times(brokers.bootstrap, prefix, run, plan)
    if any(code not in (0, -signal.SIGTERM, None) for code in run.result["exit_codes"].values()):
        run.result["logs"] = {p.name: p.tail() for p in procs}
    return run.result


async def start_subscriber(
    port: int, password: str | None, receipts: Receipts
) -> tuple[asyncio.Task[None], asyncio.Event]:
    """The subscriber as a task, retried while the (embedded) broker is not listening yet."""
    ready = asyncio.Event()
    user = SERVICE_USER if password is not None else None

    async def loop() -> None:
        deadline = time.monotonic() + 120
        while True:
            try:
                await subscribe("127.0.0.1", port, user=user, password=password, out=receipts, ready=ready)
            except aiomqtt.MqttError:
                if ready.is_set() or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    return asyncio.create_task(loop(), name="mqtt-subscriber"), ready


# ---------------------------------------------------------------------------------------------
# Where the time goes: the topics read back and joined by trace id.


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    partitions: int,
    keep_value: bool = False,
    key: bytes | None = None,
    timeout_s: float = 120.0,
) -> dict[str, tuple[float, bytes]]:
    """trace id → (Kafka timestamp in s, value or b""), the first record per trace id (group-less)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    await consumer.start()
    out: dict[str, tuple[float, bytes]] = {}
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends: dict[Any, int] = await consumer.end_offsets(parts)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and await _behind(consumer, ends):
            batches = await consumer.getmany(timeout_ms=1000, max_records=2000)
            for records in batches.values():
                for m in records:
                    _keep(out, m, keep_value=keep_value, key=key)
    finally:
        await consumer.stop()
    return out


async def _behind(consumer: Any, ends: dict[Any, int]) -> bool:
    """Whether the consumer has not reached every partition's end offset yet."""
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


def _keep(out: dict[str, tuple[float, bytes]], m: Any, *, keep_value: bool, key: bytes | None) -> None:
    if key is not None and m.key != key:
        return
    trace = next((v.decode() for k, v in m.headers if k == HEADER_TRACE_ID), None)
    if trace is None or trace in out:
        return
    out[trace] = (m.timestamp / 1000, bytes(m.value or b"") if keep_value else b"")


async def stage_times(bootstrap: str, prefix: str, run: Run, plan: Plan) -> dict[str, Any]:
    """Per phase, p50/p99 (ms) of each stage's time, for the catch-all's chain of each story."""
    catch = CATCH_ALL_ID.encode()
    n = plan.partitions  # every topic of the prefix was created with this many
    raw = await read_topic(bootstrap, f"{prefix}.stories.raw", partitions=n, keep_value=True)
    enriched = await read_topic(bootstrap, f"{prefix}.stories.enriched", partitions=n)
    matches = await read_topic(bootstrap, f"{prefix}.internal.matches", partitions=n, key=catch)
    alerts = await read_topic(bootstrap, f"{prefix}.alerts", partitions=n, key=catch)
    chains: dict[int, list[float | None]] = {}
    for trace, (ts_raw, value) in raw.items():
        found = MARK.search(value)
        if found is None:
            continue
        seq = int(found.group(1))
        chains[seq] = [
            run.sent.get(seq),
            ts_raw,
            enriched.get(trace, (None,))[0],
            matches.get(trace, (None,))[0],
            alerts.get(trace, (None,))[0],
            run.receipts.at.get(seq),
        ]
    out: dict[str, Any] = {
        "records": {
            "raw": len(raw),
            "enriched": len(enriched),
            "matches": len(matches),
            "alerts": len(alerts),
        }
    }
    for name, _pace, seqs in plan.phases():
        out[name] = _stage_summary([chains[s] for s in seqs if s in chains])
    return out


def _stage_summary(chains: list[list[float | None]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, stage in enumerate(STAGES):
        deltas = [c[i + 1] - c[i] for c in chains if c[i] is not None and c[i + 1] is not None]  # type: ignore[operator]
        s = summary_ms(deltas)
        out[stage] = {"p50": s["p50"], "p99": s["p99"], "n": len(deltas)}
    return out


# ---------------------------------------------------------------------------------------------
# The reference: raw aiokafka produce → consume of the same payloads.


async def _consume_into(
    bootstrap: str, topic: str, *, partitions: int, got: dict[int, float], n: int, timeout_s: float
) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        deadline = time.monotonic() + timeout_s
        while len(got) < n and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            now = time.time()
            for records in batches.values():
                for m in records:
                    got.setdefault(int(m.key), now)
    finally:
        await consumer.stop()


async def raw_phase(
    bootstrap: str, lines: list[bytes], partitions: int, pace: int, timeout_s: float
) -> dict[str, Any]:
    """Produce ``lines`` (all at once when ``pace`` is 0) while a consumer reads them back."""
    topic = f"e2eraw{uuid.uuid4().hex[:8]}"
    async with KafkaBus(KafkaSettings(bootstrap=bootstrap, client_id="bench-e2e")) as bus:
        await bus.ensure_topics([TopicSpec(topic, partitions=partitions)])
    got: dict[int, float] = {}
    sent: dict[int, float] = {}
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5, compression_type="lz4"
    )
    await producer.start()
    consumer = asyncio.create_task(
        _consume_into(bootstrap, topic, partitions=partitions, got=got, n=len(lines), timeout_s=timeout_s)
    )
    await asyncio.sleep(1.0)  # the consumer is assigned and positioned before the first send
    try:
        futures: list[Any] = []

        async def send(k0: int, k1: int) -> None:
            now = time.time()
            for k in range(k0, k1):
                sent[k] = now
                futures.append(await producer.send(topic, lines[k], key=str(k).encode()))

        t0 = time.time()
        await (paced_send(pace, len(lines), send) if pace else send(0, len(lines)))
        await asyncio.gather(*futures)
        await asyncio.wait_for(consumer, timeout_s)
    finally:
        consumer.cancel()
        await producer.stop()
    if pace:
        return {"pace": pace, "received": len(got), "latency_ms": summary_ms([got[k] - sent[k] for k in got])}
    elapsed = max(got.values()) - t0 if got else None
    return {
        "stories": len(lines),
        "received": len(got),
        "msgs_per_s": round(len(got) / elapsed, 1) if elapsed else None,
    }


async def raw_reference(bootstrap: str, plan: Plan) -> dict[str, Any]:
    """The raw aiokafka figures: throughput, then latency at each pace."""
    out: dict[str, Any] = {}
    for name, pace, seqs in plan.phases():
        lines = [plan.lines[s] for s in seqs]
        try:
            out[name] = await raw_phase(
                bootstrap, lines, plan.partitions, pace, timeout_s=120 + plan.pace_seconds
            )
        except TimeoutError:
            out[name] = {"status": "timed out"}
        console.print(f"  raw aiokafka {name}: {out[name]}")
    return out


# ---------------------------------------------------------------------------------------------
# Tables, JSON, main.


def _ms(p: dict[str, Any] | None) -> str:
    if not p or "latency_ms" not in p:
        return "—"
    lat = p["latency_ms"]
    cell = "/".join("—" if lat[k] is None else f"{lat[k]:.0f}" for k in ("p50", "p95", "p99"))
    lost = p.get("stories", p.get("received", 0)) - p.get("received", 0)
    return cell + (f" ({lost} lost)" if lost else "")


def results_table(runs: list[dict[str, Any]], reference: dict[str, Any] | None, plan: Plan) -> Table:
    """Setups × subscriptions: ready time, throughput, latency per pace."""
    pace_names = [name for name, pace, _ in plan.phases() if pace]
    table = Table(
        title=f"End to end, {plan.stories:,} stories (~4 KB) for throughput; latency p50/p95/p99 ms"
    )
    cols = (
        "setup",
        "subs",
        "ready s",
        "stories/s",
        "vs raw",
        "alerts/story",
        "CPU ms/story",
        "load",
        *pace_names,
    )
    for col in (*cols, "status"):
        table.add_column(col, justify="left" if col in ("setup", "status") else "right")
    ref_rate = (reference or {}).get("throughput", {}).get("msgs_per_s")
    if reference:
        table.add_row(
            "raw aiokafka",
            "—",
            "—",
            f"{ref_rate or 0:,.0f}",
            "1.00×",
            "—",
            "—",
            "—",
            *[_ms(reference.get(n)) for n in pace_names],
            "reference",
        )
    for r in runs:
        phases = r.get("phases", {})
        tp = phases.get("throughput", {})
        rate = tp.get("stories_per_s")
        per_story = tp.get("alerts", 0) / tp["received"] if tp.get("received") else None
        table.add_row(
            r["setup"],
            f"{r['subscriptions']:,}",
            "—" if r.get("ready_s") is None else f"{r['ready_s']:.1f}",
            "—" if rate is None else f"{rate:,.0f}",
            f"{rate / ref_rate:.3f}×" if rate and ref_rate else "—",
            "—" if per_story is None else f"{per_story:.1f}",
            _cpu_cell(tp.get("cpu_ms_per_story")),
            "—" if tp.get("load_avg") is None else f"{tp['load_avg']:.1f}",
            *[_ms(phases.get(n)) for n in pace_names],
            r.get("error") or _status(r),
        )
    return table


def _cpu_cell(cpu: dict[str, float] | None) -> str:
    """Total CPU ms per story, and each process's share when there are several."""
    if not cpu:
        return "—"
    parts = {k: v for k, v in cpu.items() if k != "total"}
    detail = " (" + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()) + ")" if len(parts) > 1 else ""
    return f"{cpu['total']:.1f}{detail}"


def _status(r: dict[str, Any]) -> str:
    bad = [f"{n}: {p['status']}" for n, p in r.get("phases", {}).items() if p.get("status") != "ok"]
    if r.get("ready_status") not in (None, "ok"):
        bad.insert(0, f"ready: {r['ready_status']}")
    return "; ".join(bad)[:120] or "ok"


def stage_table(runs: list[dict[str, Any]]) -> Table:
    """Kafka runs: per phase, the median / p99 (ms) of each stage."""
    table = Table(title="Where the time goes (Kafka runs, catch-all alert of each story): p50 / p99 ms")
    for col in ("setup", "subs", "phase", *STAGES):
        table.add_column(col, justify="right" if col in STAGES else "left")
    for r in runs:
        for phase, stages in (r.get("stages") or {}).items():
            if phase == "records":
                continue
            cells = [
                "—" if stages[s]["p50"] is None else f"{stages[s]['p50']:.0f} / {stages[s]['p99']:.0f}"
                for s in STAGES
            ]
            table.add_row(r["setup"], f"{r['subscriptions']:,}", phase, *cells)
    return table


def git_commit() -> str | None:
    """HEAD, with ``+dirty`` when the work tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``--quick`` overrides the sizes)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--stories", type=int, default=5000)
    ap.add_argument("--subscriptions", default="1000,100000", help="comma-separated counts")
    ap.add_argument("--paces", default="50,100,500", help="stories/s, comma-separated")
    ap.add_argument("--pace-seconds", type=float, default=20.0)
    ap.add_argument(
        "--setups", default="run,split,embedded", help="of run, run-w, split, embedded, embedded-w"
    )
    ap.add_argument("--process-workers", type=int, default=1)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--ready-timeout", type=float, default=1200.0, help="s for the warm-up alert")
    ap.add_argument("--stall", type=float, default=60.0, help="s without a new alert before a phase gives up")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a WIREWATCH_* setting for every process (repeatable), e.g. WIREWATCH_KAFKA__LINGER_MS=0",
    )
    ap.add_argument(
        "--quick", action="store_true", help="smoke check: 300 stories, 1,000 subscriptions, one pace"
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.stories, args.subscriptions, args.paces, args.pace_seconds = 300, "1000", "50", 4.0
        args.stall = min(args.stall, 30.0)
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    """Generate the story lines the phases need."""
    paces = tuple(int(p) for p in args.paces.split(",") if p.strip())
    plan = Plan(
        [],
        args.stories,
        paces,
        args.pace_seconds,
        args.process_workers,
        args.partitions,
        args.ready_timeout,
        args.stall,
        dict(setting(kv) for kv in args.set),
    )
    t0 = time.perf_counter()
    lines = make_story_lines(plan.total())
    size = sum(len(x) for x in lines) / len(lines)
    console.print(
        f"{len(lines):,} story lines, {size:,.0f} B each on average ({time.perf_counter() - t0:.1f}s)"
    )
    return Plan(lines, *list(asdict(plan).values())[1:])


def start_brokers(setups: list[str], tmp: Path) -> tuple[Brokers, list[KafkaBroker | MosquittoBroker]]:
    """Kafka (unless WIREWATCH_KAFKA_BOOTSTRAP) and Mosquitto, when a Kafka setup runs."""
    password = secrets.token_urlsafe(16)
    if not any(s in ("run", "run-w", "split") for s in setups):
        return Brokers(None, None, password), []
    started: list[KafkaBroker | MosquittoBroker] = []
    bootstrap = os.environ.get("WIREWATCH_KAFKA_BOOTSTRAP")
    if not bootstrap:
        kafka = KafkaBroker()
        bootstrap = kafka.start(tmp / "kafka")
        started.append(kafka)
    mosquitto = MosquittoBroker()
    started.append(mosquitto)
    port = mosquitto.start(tmp / "mosquitto", {SERVICE_USER: password})
    console.print(f"Kafka {bootstrap}, Mosquitto 127.0.0.1:{port}")
    return Brokers(bootstrap, port, password), started


def write_results(meta: dict[str, Any], figures: dict[str, Any], *, path: Path, final: bool) -> None:
    """Write the JSON (after every run too, so that an interrupted benchmark keeps what it measured)."""
    out = {k: v for k, v in meta.items() if k != "_t0"}
    out.update(
        complete=final,
        load_avg_after=[round(x, 2) for x in os.getloadavg()],
        duration_s=round(time.monotonic() - meta["_t0"], 1),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": out, **figures}, indent=2, ensure_ascii=False) + "\n")


async def bench(
    args: argparse.Namespace, plan: Plan, brokers: Brokers, tmp: Path, meta: dict[str, Any]
) -> dict[str, Any]:
    """The reference (on Kafka), then every setup × number of subscriptions."""
    out: dict[str, Any] = {"runs": []}
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM (e.g. from `timeout`) cancels: processes and brokers are stopped
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    if brokers.bootstrap:
        console.print("[bold]raw aiokafka reference[/]")
        out["reference"] = await raw_reference(brokers.bootstrap, plan)
    for n_subs in (int(x) for x in args.subscriptions.split(",") if x.strip()):
        subs_file = tmp / f"subs-{n_subs}.json"
        subs_file.write_text(json.dumps(make_subscriptions(n_subs)))
        for setup in setups:
            out["runs"].append(
                await one_run(setup, n_subs, subs_file=subs_file, brokers=brokers, plan=plan, tmp=tmp)
            )
            write_results(meta, out, path=args.out, final=False)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the tables, write the JSON."""
    args = parse_args(argv)
    meta: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "_t0": time.monotonic(),
    }
    plan = make_plan(args)
    tmp = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    meta["workdir"] = str(tmp)
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    try:
        brokers, started = start_brokers(setups, tmp)
    except BrokerUnavailableError as exc:
        console.print(f"[red]cannot start the brokers[/]: {exc}")
        raise SystemExit(2) from exc
    try:
        figures = asyncio.run(bench(args, plan, brokers, tmp, meta))
    finally:
        for broker in reversed(started):
            with contextlib.suppress(BrokerUnavailableError, OSError):
                broker.stop()
    console.print(results_table(figures["runs"], figures.get("reference"), plan))
    if any(r.get("stages") for r in figures["runs"]):
        console.print(stage_table(figures["runs"]))
    write_results(meta, figures, path=args.out, final=True)
    console.print(f"wrote {args.out} ({time.monotonic() - meta['_t0']:.0f}s)")


if __name__ == "__main__":
    main()
