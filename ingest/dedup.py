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
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas import Story

__all__ = ["ExactDeduplicator"]


class _LruSet:
    """A set that forgets its least recently used key past ``size`` keys."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def touch(self, key: Hashable) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)


class ExactDeduplicator:
    """Drops exact duplicates of stories already seen; bounded by ``max_keys`` per key kind.

    Two ways to use it:

    - ``admit(story)``: True (and remembered) for a new story, False (and counted) for a duplicate;
    - at-least-once producers: ``reserve(story)`` (False for a duplicate, which is counted), publish,
      then ``confirm(story)``, or ``cancel(story)`` if the publish failed so that a retry is not taken
      for a duplicate. A reserved story counts as seen, so two copies published concurrently (two
      HTTP requests at once) cannot both get through.
    """

    def __init__(self, *, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._versions = _LruSet(max_keys)  # (id, version, pubstatus)
        self._ids = _LruSet(max_keys)  # id
        self._hashes = _LruSet(max_keys)  # (content_hash, pubstatus)
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
        """The reserved story was published: remember it."""
        self._unreserve(story)
        self._remember(story)

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


def _keys(story: Story) -> tuple[Hashable, Hashable, Hashable]:
    return (story.id, story.version, story.pubstatus), ("id", story.id), (story.content_hash, story.pubstatus)
