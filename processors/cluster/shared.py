"""The anchors' weighted Dice for many candidates at once, in numpy (see :func:`anchors.dice`).

Apart from :mod:`processors.cluster.anchors` because that module is compiled with mypyc, whose
build does not see numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np

from processors.cluster.anchors import _KIND, _UNITS

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["SharedUnits", "packed"]

_UNIT_ARRAY: Final = np.array(_UNITS, dtype=np.int64)
_KEY: Final = np.dtype("<u4")


def packed(keys: Iterable[int]) -> bytes:
    """A set of anchors as sorted little-endian 32-bit keys: what :class:`SharedUnits` reads."""
    return np.array(sorted(keys), dtype=_KEY).tobytes()


class SharedUnits:
    """For many candidates at once, the weight each shares with a story: :func:`dice`'s numerator.

    One Python set intersection per candidate cost ~2 µs, and templated or running stories bring
    hundreds of candidates of ~80 anchors. This looks every candidate key up in a hash table of
    the story's own keys (by the key's high 16 bits, which ``crc32`` spreads evenly) in a few numpy
    passes; the table is kept between calls (one per clusterer), and only the story's slots are
    written and reset. When two of the story's keys share a slot (~5% of stories) it falls back to
    a binary search. Not thread-safe: one per clusterer.
    """

    _SLOTS: Final = 1 << 16

    def __init__(self) -> None:
        # An empty slot holds a value whose slot bits differ from the slot's: it matches no key.
        self._empty = (np.arange(self._SLOTS, dtype=_KEY) ^ 1) << 16
        self._table = self._empty.copy()

    def __call__(self, ours: frozenset[int], theirs: list[bytes]) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The shared weight in twentieths for each of ``theirs`` (:func:`packed` sets)."""
        sizes = np.fromiter(map(len, theirs), dtype=np.intp, count=len(theirs)) // _KEY.itemsize
        return self.joined(ours, b"".join(theirs), sizes)

    def joined(
        self, ours: frozenset[int], theirs: bytes, sizes: np.ndarray[Any, np.dtype[np.intp]]
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """:meth:`__call__` of sets given end to end.

        ``theirs`` is the :func:`packed` sets joined, ``sizes`` how many keys each has.
        """
        if not ours or not len(sizes):
            return np.zeros(len(sizes), dtype=np.int64)
        mine = np.fromiter(ours, dtype=_KEY, count=len(ours))
        keys = np.frombuffer(theirs, dtype=_KEY)
        slots = mine >> 16
        table = self._table
        table[slots] = mine
        try:
            # Two keys of ours in one slot: the later overwrote the earlier (the keys are distinct).
            unique = bool((table[slots] == mine).all())
            if unique:
                # np.take: a third of the time of indexing with the uint32 slots.
                found = np.flatnonzero(np.take(table, keys >> 16) == keys)
        finally:
            table[slots] = self._empty[slots]
        if not unique:
            mine.sort()
            found = np.flatnonzero(mine[np.minimum(np.searchsorted(mine, keys), len(mine) - 1)] == keys)
        # Each set holds a key once, so its hits are the intersection: the running sum of the
        # hits' weights (found is sorted) read at each set's end, less the previous set's.
        running = np.zeros(len(found) + 1, dtype=np.int64)
        np.cumsum(np.take(_UNIT_ARRAY, np.take(keys, found) & _KIND), out=running[1:])
        at_ends = np.take(running, np.searchsorted(found, np.cumsum(sizes)))
        return np.diff(at_ends, prepend=0)
