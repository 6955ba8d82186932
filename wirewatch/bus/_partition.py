"""Key → partition, shared by the in-process backends."""

from __future__ import annotations

import zlib


def partition_for(key: bytes | None, partitions: int, counter: int) -> int:
    """Keyed messages always land on the same partition; unkeyed ones go round-robin."""
    if partitions <= 1:
        return 0
    if key is None:
        return counter % partitions
    return zlib.crc32(key) % partitions


def assign(partitions: int, members: list[str], member: str) -> list[int]:
    """Range-free, deterministic assignment: partition p goes to the (p mod n)-th sorted member."""
    ordered = sorted(members)
    if member not in ordered:
        return []
    idx, n = ordered.index(member), len(ordered)
    return [p for p in range(partitions) if p % n == idx]
