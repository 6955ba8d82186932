"""Exact-duplicate dropping at ingest: the same story seen twice is published once.

Pure and bounded: three LRU sets of at most ``max_keys`` keys each, no clock, no I/O. Near
duplicates (the same news rewritten) are the processors' clustering job, not this one.

A story is an *exact duplicate* when we already saw

- the same ``(id, version, pubstatus)``: the same agency item sent again (a feed re-polled, a file
  dropped twice); or
- the same ``(content_hash, pubstatus)`` under an id we never saw: the same text arriving by another
  route (the feed entry and the page, two mirrors of one feed).

So a higher version of a known id always passes (even with unchanged text: the agency said it
changed), and so does a retraction (its pubstatus differs). A lower, stale version is *not* an exact
duplicate and passes too; ordering versions is downstream's business.

Memory is bounded, so a duplicate older than ``max_keys`` other stories gets through again;
downstream handlers are idempotent on the story id (at-least-once), so that costs a little work,
not a wrong alert.

The memory survives restarts: with ``changelog=True`` the deduplicator is a
:class:`wirewatch.state.Changelogged` store. ``changes()`` hands out the keys of stories whose
publish was acknowledged (``published``) since the last call (a marker) and of keys forgotten (a
tombstone, so the compacted changelog stays as bounded as the memory); the ingest service writes
them to ``internal.ingest-seen`` and replays that topic at start (``apply``). Stories held under
embargo are remembered but not written until released: the hold itself is not durable, so after a
restart the source's next delivery of such a story must pass.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Hashable
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING

from wirewatch.errors import StateError

if TYPE_CHECKING:
    from schemas import Story

__all__ = ["ExactDeduplicator"]


class _LruSet:
    """A set that forgets its least recently used key past ``size`` keys."""

    def __init__(self, size: int, forgotten: list[Hashable] | None = None) -> None:
        self._size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._forgotten = forgotten  # evicted keys are appended here (the changelog's tombstones)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def touch(self, key: Hashable) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self._size:
            evicted, _ = self._keys.popitem(last=False)
            if self._forgotten is not None:
                self._forgotten.append(evicted)

    def discard(self, key: Hashable) -> None:
        self._keys.pop(key, None)


class ExactDeduplicator:
    """Drops exact duplicates of stories already seen; bounded by ``max_keys`` per key kind.

    Two ways to use it:

    - ``admit(story)``: True (and remembered) for a new story, False (and counted) for a duplicate;
    - at-least-once producers: ``reserve(story)`` (False for a duplicate, which is counted), publish,
      then ``confirm(story)``, or ``cancel(story)`` if the publish failed so that a retry is not taken
      for a duplicate. A reserved story counts as seen, so two copies published concurrently (two
      HTTP requests at once) cannot both get through.
    """

    def __init__(self, *, max_keys: int = 100_000, changelog: bool = False) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        # Only with a changelog are changes kept for ``changes()``: nobody would drain them otherwise.
        self._changelog = changelog
        self._forgotten: list[Hashable] = []
        self._written: list[Hashable] = []  # keys of published stories not yet in the changelog
        forgotten = self._forgotten if changelog else None
        self._versions = _LruSet(max_keys, forgotten)  # (id, version, pubstatus)
        self._ids = _LruSet(max_keys, forgotten)  # ("id", id)
        self._hashes = _LruSet(max_keys, forgotten)  # (content_hash, pubstatus)
        self._pending: Counter[Hashable] = Counter()  # keys of reserved, unconfirmed stories
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """How many duplicates were dropped (counted by ``check``, ``admit`` and ``reserve``)."""
        return self._dropped

    def __len__(self) -> int:
        """Number of distinct ``(id, version, pubstatus)`` remembered."""
        return len(self._versions)

    def seen(self, story: Story) -> bool:
        """True if ``story`` is an exact duplicate of one remembered or reserved; changes nothing."""
        version, ident, digest = _keys(story)
        if version in self._versions or self._pending[version]:
            return True
        known_id = ident in self._ids or self._pending[ident] > 0
        return not known_id and (digest in self._hashes or self._pending[digest] > 0)

    def check(self, story: Story) -> bool:
        """Like ``seen`` but counts the drop; remembers nothing."""
        duplicate = self.seen(story)
        if duplicate:
            self._dropped += 1
        return duplicate

    def admit(self, story: Story) -> bool:
        """True and remembered if new; False and counted if an exact duplicate."""
        if self.check(story):
            return False
        self._remember(story)
        return True

    def reserve(self, story: Story) -> bool:
        """True and reserved if new (then ``confirm`` or ``cancel`` it); False and counted if a duplicate."""
        if self.check(story):
            return False
        self._pending.update(_keys(story))
        return True

    def confirm(self, story: Story) -> None:
        """The reserved story was published (or is held): remember it."""
        self._unreserve(story)
        self._remember(story)

    def published(self, story: Story) -> None:
        """``story``'s publish was acknowledged: its keys go out with the next ``changes()``.

        Called only then, so that the changelog never holds the keys of a story that was lost
        (it would be dropped as a duplicate after a restart). No-op without a changelog.
        """
        if self._changelog:
            self._written.extend(_keys(story))

    def cancel(self, story: Story) -> None:
        """The reserved story was not published: forget the reservation."""
        self._unreserve(story)

    def _unreserve(self, story: Story) -> None:
        self._pending.subtract(_keys(story))
        self._pending = +self._pending  # drop the zero counts

    def _remember(self, story: Story) -> None:
        version, ident, digest = _keys(story)
        self._versions.touch(version)
        self._ids.touch(ident)
        self._hashes.touch(digest)

    # -- the changelog (wirewatch.state.Changelogged) -------------------------------------------

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one changelog entry: a marker remembers the key, a tombstone forgets it."""
        kind, parsed = _decode(key)
        table = {"v": self._versions, "i": self._ids, "h": self._hashes}[kind]
        if value is None:
            table.discard(parsed)
        else:
            table.touch(parsed)

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Markers for the keys of stories published, tombstones for keys forgotten, since last call."""
        out: dict[str, bytes | None] = {}
        for key in self._written:
            out[_encode(key)] = b"1"
        for key in self._forgotten:
            out[_encode(key)] = None  # a key both written and forgotten since the last call is gone
        self._written.clear()
        self._forgotten.clear()
        return list(out.items())


# json.dumps' own quoting of a string (C). Three keys per story are written: joining them by hand
# is ~10x faster than json.dumps of a list and gives the same text (tests/ingest/test_ingest_fast_paths.py).
_quote = encode_basestring_ascii


def _encode(key: Hashable) -> str:
    """A changelog key: JSON, tagged by the kind of key (v: version, i: id, h: content hash)."""
    match key:
        case ("id", str() as ident):
            return f'["i", {_quote(ident)}]'
        case (str() as ident, int() as version, str() as status) if type(version) is int:
            return f'["v", {_quote(ident)}, {version}, {_quote(status)}]'
        case (str() as ident, int() as version, str() as status):
            return json.dumps(["v", ident, version, status])  # a bool or int subclass: as JSON sees it
        case (str() as digest, str() as status):
            return f'["h", {_quote(digest)}, {_quote(status)}]'
    raise StateError("not a deduplication key", key=repr(key))


def _decode(key: str) -> tuple[str, Hashable]:
    try:
        parts = json.loads(key)
    except ValueError:
        parts = None
    match parts:
        case ["i", str() as ident]:
            return "i", ("id", ident)
        case ["v", str() as ident, int() as version, str() as status]:
            return "v", (ident, version, status)
        case ["h", str() as digest, str() as status]:
            return "h", (digest, status)
    raise StateError("corrupt deduplication changelog key", key=key[:200])


def _keys(story: Story) -> tuple[Hashable, Hashable, Hashable]:
    return (story.id, story.version, story.pubstatus), ("id", story.id), (story.content_hash, story.pubstatus)
