"""What the Kafka producer spends CPU on per message besides our own work: compression, partitioning.

Both are aiokafka's, with choices that cost CPU for nothing we need (issue 19: CPU per story is what
limits throughput on two cores):

- **lz4 level.** aiokafka 0.14 compresses every lz4 batch at level 9 (LZ4-HC, the level the Java
  client defaults to since KIP-390) and offers no setting for it. On enriched stories (26 KB, ten to
  a batch) level 9 costs 0.28 ms of CPU per story for a ratio of 4.2; the standard fast lz4 (level 1)
  costs 0.04 ms for 3.5. The frame format is the same (``block_linked=False``, as Kafka requires), so
  brokers and every reader decode either; only the compressed size differs (+20 % on a local broker).
  :func:`use_lz4_level` points aiokafka's batch builders at our level.
- **Partitioning.** aiokafka's default partitioner runs Java's murmur2 in pure Python, ~3.4 µs per
  keyed message; the alert stage publishes about ten keyed messages per story (candidates, alerts,
  changelogs) whose keys recur (subscription and cluster ids). :class:`KeyPartitioner` gives the same
  partition, with each key's hash remembered.
"""

from __future__ import annotations

import contextlib
import importlib
import random
from typing import TYPE_CHECKING, Final

from aiokafka import codec
from aiokafka.partitioner import murmur2
from aiokafka.record import default_records, legacy_records

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

__all__ = ["LZ4_LEVEL", "KeyPartitioner", "Lz4Encoder", "builder_modules", "use_lz4_level"]

#: The lz4 level of the batches Wirewatch produces: the fast compressor (see the module docstring).
LZ4_LEVEL: Final = 1


class Lz4Encoder:
    """Kafka's lz4 frame (aiokafka's ``lz4_encode``) at a fixed ``level``, whatever the caller asks."""

    __slots__ = ("level",)

    def __init__(self, level: int) -> None:
        self.level = level

    def __call__(self, payload: bytes, level: int | None = None) -> bytes:  # noqa: ARG002 - aiokafka's signature
        """The payload compressed (the builders pass none: theirs would be 9)."""
        encoded: bytes = codec.lz4_encode(payload, level=self.level)
        return encoded


def builder_modules() -> list[ModuleType]:
    """The modules whose batch builders call ``lz4_encode``: aiokafka's pure ones and their C builds."""
    modules = [default_records, legacy_records]
    for name in ("default_records", "legacy_records"):
        # The C builds are absent with AIOKAFKA_NO_EXTENSIONS, or on a platform without wheels.
        with contextlib.suppress(ImportError):
            modules.append(importlib.import_module(f"aiokafka.record._crecords.{name}"))
    return modules


def use_lz4_level(level: int = LZ4_LEVEL) -> None:
    """Make aiokafka's batch builders compress lz4 at ``level`` (process-wide; idempotent).

    They look ``lz4_encode`` up among their module's globals at each batch (the C builds too), and
    call it with the payload alone: replacing it there is the one way aiokafka 0.14 leaves.
    """
    for module in builder_modules():
        current = getattr(module, "lz4_encode", None)
        if current is None or (isinstance(current, Lz4Encoder) and current.level == level):
            continue
        setattr(module, "lz4_encode", Lz4Encoder(level))  # noqa: B010 - a module global, by name


class KeyPartitioner:
    """aiokafka's default partitioner (Java's murmur2 of the key), each key's hash computed once.

    The same partition for the same key as every other Kafka client; an unkeyed message goes to a
    random available partition, as aiokafka does. Bounded: cleared when ``size`` keys are held.
    """

    def __init__(self, size: int = 200_000) -> None:
        self._size = size
        self._hashes: dict[bytes, int] = {}

    def __call__(self, key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
        """The partition of ``key`` (aiokafka's ``partitioner(key, all_partitions, available)``)."""
        if key is None:
            return random.choice(available or all_partitions)  # noqa: S311 - spreading load, no secret
        found = self._hashes.get(key)
        if found is None:
            if len(self._hashes) >= self._size:
                self._hashes.clear()
            found = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return all_partitions[found % len(all_partitions)]
