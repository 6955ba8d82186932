"""Bus throughput: a stage's consume → handle → produce → commit loop, ours beside raw aiokafka.

Every variant moves the same N messages of S bytes from one topic to another with at-least-once
semantics (a batch is committed only after its produced messages were acknowledged):

- ``raw aiokafka``: AIOKafkaConsumer.getmany + AIOKafkaProducer.send (futures awaited per batch) + commit;
  the reference: what the best hand-written loop does.
- ``wirewatch Stage on KafkaBus``: our generic Stage with a handler that republishes each record.
- ``wirewatch Stage on EmbeddedBus``: the same Stage on the embedded SQLite log (no broker).

Kafka comes from ``WIREWATCH_KAFKA_BOOTSTRAP`` or is started for the run (deploy/kafka.sh).

Run it from the repository root as a module (it imports the broker helpers from ``tests.brokers``):

    .venv/bin/python -m benchmarks.bench_bus [--messages 20000] [--size 2000] [--overhead-only]

It first prints the loop's own CPU per record on the in-memory bus (no broker): the Stage around a
republishing handler minus the same handler in a bare loop.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.console import Console
from rich.table import Table

from tests.brokers import KafkaBroker
from wirewatch.bus import EmbeddedBus, MemoryBus, Record, TopicSpec
from wirewatch.bus.base import Bus
from wirewatch.bus.kafka import KafkaBus
from wirewatch.runner import Stage
from wirewatch.settings import KafkaSettings

RESULTS = Path(__file__).parent / "results" / "bus.json"


async def fill(bus: Bus, topic: str, n: int, size: int) -> None:
    payload = b"x" * size
    for i in range(n):
        await bus.publish(topic, payload, key=str(i).encode())


async def raw_aiokafka(bootstrap: str, src: str, dst: str, n: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    consumer = AIOKafkaConsumer(
        src,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await producer.start()
    await consumer.start()
    done = 0
    t0 = time.perf_counter()
    try:
        while done < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            futures = [
                await producer.send(dst, m.value, key=m.key) for msgs in batches.values() for m in msgs
            ]
            if futures:
                await asyncio.gather(*futures)
                await consumer.commit()
                done += len(futures)
        return time.perf_counter() - t0
    finally:
        await consumer.stop()
        await producer.stop()


async def our_stage(bus: Bus, src: str, dst: str, n: int) -> float:
    done = 0
    finished = asyncio.Event()

    async def handler(record: Record) -> None:
        nonlocal done
        await bus.publish(dst, record.value, key=record.key)
        done += 1
        if done >= n:
            finished.set()

    stop = asyncio.Event()
    stage = Stage("bench", bus, src, f"g-{uuid.uuid4().hex[:6]}", handler, dst, batch_size=500)
    t0 = time.perf_counter()
    task = asyncio.create_task(stage.run(stop))
    await finished.wait()
    stop.set()
    # Until the stage has stopped: its last batch acknowledged and committed, as the raw loop's is.
    await task
    return time.perf_counter() - t0


async def loop_overhead(n: int, size: int) -> dict[str, float]:
    """CPU µs per record of the Stage loop around a republishing handler, on the in-memory bus.

    The same handler is first called in a bare ``for`` loop; the difference is what the loop adds
    per record (log context, metrics, dead-letter policy, batching, commits). CPU time, not wall
    time: the figure holds on a shared machine. The collector is off (it is not the loop's cost).
    """
    bus = MemoryBus()
    await bus.ensure_topics(
        [TopicSpec("src", partitions=3), TopicSpec("dst", partitions=3), TopicSpec("dlq")]
    )
    payload = b"x" * size
    for i in range(n):
        await bus.publish("src", payload, key=str(i).encode(), headers=(("wirewatch-trace-id", b"t"),))
    done = 0
    finished = asyncio.Event()

    async def handler(record: Record) -> None:
        nonlocal done
        await bus.publish("dst", record.value, key=record.key, headers=record.headers)
        done += 1
        if done >= n:
            finished.set()

    gc.disable()
    try:
        t0 = time.process_time()
        for r in bus.records("src"):
            await handler(r)
        bare = time.process_time() - t0
        done = 0
        finished.clear()
        stop = asyncio.Event()
        stage = Stage("bench", bus, "src", "g", handler, "dlq", batch_size=500)
        t0 = time.process_time()
        task = asyncio.create_task(stage.run(stop))
        await finished.wait()
        looped = time.process_time() - t0
        stop.set()
        await task
    finally:
        gc.enable()
    return {
        "handler_us": bare / n * 1e6,
        "stage_us": looped / n * 1e6,
        "overhead_us": (looped - bare) / n * 1e6,
    }


async def run(bootstrap: str, n: int, size: int, repeats: int) -> dict[str, dict[str, object]]:
    results: dict[str, list[float]] = {
        "raw aiokafka": [],
        "Stage on KafkaBus": [],
        "Stage on EmbeddedBus": [],
    }
    async with KafkaBus(KafkaSettings(bootstrap=bootstrap, client_id="bench")) as kbus:
        for _ in range(repeats):
            p = f"bench{uuid.uuid4().hex[:6]}"
            topics = [TopicSpec(f"{p}.src", partitions=3), TopicSpec(f"{p}.a"), TopicSpec(f"{p}.b")]
            await kbus.ensure_topics(topics)
            await fill(kbus, f"{p}.src", n, size)
            variants: list[tuple[str, Awaitable[float]]] = [
                ("raw aiokafka", raw_aiokafka(bootstrap, f"{p}.src", f"{p}.a", n)),
                ("Stage on KafkaBus", our_stage(kbus, f"{p}.src", f"{p}.b", n)),
            ]
            for name, measurement in variants:
                results[name].append(n / await measurement)
            with tempfile.TemporaryDirectory() as tmp:
                async with EmbeddedBus(Path(tmp)) as ebus:
                    await ebus.ensure_topics(topics)
                    await ebus.publish_many(
                        f"{p}.src", [(str(i).encode(), b"x" * size, ()) for i in range(n)]
                    )
                    results["Stage on EmbeddedBus"].append(n / await our_stage(ebus, f"{p}.src", f"{p}.b", n))
    return {name: {"best_msgs_per_s": max(v), "all": v} for name, v in results.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--overhead-only", action="store_true", help="only the loop's CPU per record (memory bus, no broker)"
    )
    args = ap.parse_args()
    overhead = asyncio.run(loop_overhead(max(args.messages, 20_000), args.size))
    Console().print(
        "stage loop on the memory bus: {handler_us:.1f} µs/record in the handler, {stage_us:.1f} in the "
        "loop: {overhead_us:.1f} µs/record of overhead (CPU)".format(**overhead)
    )
    if args.overhead_only:
        return
    broker = None
    bootstrap = os.environ.get("WIREWATCH_KAFKA_BOOTSTRAP")
    if not bootstrap:
        broker = KafkaBroker()
        bootstrap = broker.start(Path(tempfile.mkdtemp(prefix="bench-kafka-")))
    try:
        results = asyncio.run(run(bootstrap, args.messages, args.size, args.repeats))
    finally:
        if broker is not None:
            broker.stop()
    best = {name: float(r["best_msgs_per_s"]) for name, r in results.items()}  # type: ignore[arg-type]
    ref = best["raw aiokafka"]
    table = Table(
        title=f"consume → produce → commit, {args.messages} msgs × {args.size} B (best of {args.repeats})"
    )
    for col in ("variant", "msgs/s", "MB/s", "vs raw aiokafka"):
        table.add_column(col, justify="right" if col != "variant" else "left")
    for name, rate in best.items():
        table.add_row(name, f"{rate:,.0f}", f"{rate * args.size / 1e6:.1f}", f"{rate / ref:.2f}×")
    Console().print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "generated_at": datetime.now(UTC).isoformat(),
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "messages": args.messages,
                "size": args.size,
                "results": results,
                "loop_overhead_cpu_us_per_record": overhead,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
