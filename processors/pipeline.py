"""The process stage's work, pure: a raw story in, an enriched story out.

:class:`Enricher` tags a story (:class:`~processors.Tagger`) and then puts it in an event cluster
(:class:`~processors.cluster.EventClusterer`, which reads the tags: the order matters). The process
service calls it for every record of ``stories.raw`` and the offline ``wirewatch tag``/``match``
for every input: the same work, composed once. It is also the clusterer's changelog store
(:class:`wirewatch.state.Changelogged`): the entries it made go to ``internal.signatures``, and
every processor copy applies everyone's, so copies of one event that land on different workers
still meet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from processors.cluster import EventClusterer, EventEntry
from processors.tagger import enrich

if TYPE_CHECKING:
    from processors.tagger import Tagger
    from schemas.models import EnrichedStory, Story

__all__ = ["Enricher"]


class Enricher:
    """Tags and clusters stories; remembers signatures, its own and (applied) everyone else's."""

    def __init__(self, tagger: Tagger, clusterer: EventClusterer | None = None) -> None:
        self.tagger = tagger
        self.clusterer = clusterer if clusterer is not None else EventClusterer()
        self._new: list[tuple[str, bytes | None]] = []

    def enrich(self, story: Story) -> EnrichedStory:
        """Tag and cluster one story (the same story gets the same tags and cluster again)."""
        tags = self.tagger.tag(story)
        decision = self.clusterer.assign(story, tags)
        self._new.append((story.id, decision.value()))
        enriched = enrich(story, tags, cluster_id=decision.cluster_id)
        if decision.merged:  # tell the alert stage which clusters turned out to be this event
            return enriched.model_copy(update={"merged_clusters": decision.merged})
        return enriched

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply a signature published by any processor copy (SignatureError if it is corrupt)."""
        if value is None:
            self.clusterer.forget(key)
            return
        entry = EventEntry.from_bytes(value)
        if self.clusterer.entry(key) == entry:
            # Our own entry coming back from the changelog: assign() applied it already, and
            # applying it again would only move the story in the eviction and posting order.
            return
        self.clusterer.remember(key, entry)

    def changes(self) -> list[tuple[str, bytes | None]]:
        """The signatures made since the last call, for ``internal.signatures``."""
        out, self._new = self._new, []
        return out

    def __len__(self) -> int:
        return len(self.clusterer)
