"""An example downstream service: Wirewatch's enriched stories and alerts from Kafka, schema-checked.

It reads them as a team outside Wirewatch would, against the published JSON Schemas (``schemas/json``).
It needs only ``aiokafka`` and ``jsonschema`` (not Wirewatch itself)::

    python examples/consumer.py --bootstrap kafka:9092 --group my-service [--prefix wirewatch]

What it shows of the contract (README, Contracts; ``schemas/asyncapi.yaml``):

- the topics are ``<prefix>.stories.enriched`` (key: cluster id) and ``<prefix>.alerts`` (key:
  subscription id); the ``wirewatch-type`` header names the model, ``wirewatch-schema-version``
  its major version;
- it accepts the major version it was written for and sets the others aside (a new major version
  is published while the old one is still read: upgrade on your own schedule);
- it validates against the schemas it was built with; those are open, so the new optional fields
  of a later minor version pass;
- it commits after handling (at-least-once), and treats an alert's ``key`` as idempotency key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from aiokafka import AIOKafkaConsumer

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "json"
MAJOR = 1  # the schema_version this consumer was written for


@dataclass(frozen=True, slots=True)
class Item:
    """One valid message: which kind, its key and its JSON body."""

    kind: str  # "enriched-story" or "alert"
    key: str | None
    body: dict[str, Any]


@dataclass(slots=True)
class Tally:
    """What the consumer saw: valid items, and what it set aside and why."""

    items: list[Item] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (topic:partition:offset, reason)
    seen_alert_keys: set[str] = field(default_factory=set)
    polls: int = 0  # polls made while the group had given this consumer partitions


class Contract:
    """The published schemas of the two topics this service reads."""

    def __init__(self, prefix: str, schemas: Path = SCHEMAS) -> None:
        self.kinds = {f"{prefix}.stories.enriched": "enriched-story", f"{prefix}.alerts": "alert"}
        self.validators = {
            kind: jsonschema.Draft202012Validator(json.loads((schemas / f"{kind}.json").read_text()))
            for kind in self.kinds.values()
        }

    def check(self, topic: str, key: bytes | None, value: bytes | None, headers: dict[str, bytes]) -> Item:
        """The item, or ValueError saying why this message is not one this service can use."""
        version = headers.get("wirewatch-schema-version", b"").decode()
        if version != str(MAJOR):
            msg = f"schema version {version or 'missing'}; this consumer reads {MAJOR}"
            raise ValueError(msg)
        if value is None:
            msg = "no value"
            raise ValueError(msg)
        body = json.loads(value)
        kind = self.kinds[topic]
        error = jsonschema.exceptions.best_match(self.validators[kind].iter_errors(body))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(message)"
            msg = f"invalid {kind} at {where}: {error.message}"
            raise ValueError(msg)
        return Item(kind, key.decode() if key is not None else None, body)


async def consume(
    bootstrap: str,
    *,
    prefix: str = "wirewatch",
    group: str = "example-consumer",
    handle: Callable[[Item], Awaitable[None]] | None = None,
    until: Callable[[Tally], bool] = lambda _: False,
    timeout_s: float | None = None,
) -> Tally:
    """Read both topics as ``group`` until ``until(tally)`` holds (or ``timeout_s`` passes)."""
    contract = Contract(prefix)
    tally = Tally()
    consumer = AIOKafkaConsumer(
        *contract.kinds,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout_s):
            while not until(tally):
                batches = await consumer.getmany(timeout_ms=500)
                tally.polls += bool(consumer.assignment())
                for records in batches.values():
                    for r in records:
                        await _one(contract, tally, r, handle)
                if batches:
                    await consumer.commit()  # after handling: at-least-once
    finally:
        await consumer.stop()
    return tally


async def _one(
    contract: Contract, tally: Tally, r: Any, handle: Callable[[Item], Awaitable[None]] | None
) -> None:
    where = f"{r.topic}:{r.partition}:{r.offset}"
    try:
        item = contract.check(r.topic, r.key, r.value, dict(r.headers))
    except ValueError as exc:  # json.JSONDecodeError is one too
        tally.rejected.append((where, str(exc)))
        return
    if item.kind == "alert":
        if item.body["key"] in tally.seen_alert_keys:
            return  # redelivered (at-least-once): the idempotency key says it was handled
        tally.seen_alert_keys.add(item.body["key"])
    tally.items.append(item)
    if handle is not None:
        await handle(item)


async def _print(item: Item) -> None:
    title = item.body.get("title", "")
    sys.stdout.write(f"{item.kind}\t{item.key}\t{title}\n")


def main(argv: list[str] | None = None) -> int:
    """Run until interrupted, printing one line per valid item and one per message set aside."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--prefix", default="wirewatch")
    parser.add_argument("--group", default="example-consumer")
    args = parser.parse_args(argv)

    def report(t: Tally) -> bool:
        while t.rejected:
            where, why = t.rejected.pop(0)
            sys.stderr.write(f"set aside {where}: {why}\n")
        return False

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            consume(args.bootstrap, prefix=args.prefix, group=args.group, handle=_print, until=report)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
