"""The process stage's work, pure: a raw story in, an enriched story out.

:class:`Enricher` tags a story (:class:`~processors.Tagger`) and puts it in a cluster of copies
(:class:`~processors.cluster.Clusterer`). The process service calls it for every record of
``stories.raw`` and the offline ``wirewatch tag``/``match`` for every input: the same work, composed
once. It is also the clusterer's changelog store (:class:`wirewatch.state.Changelogged`): the
signatures it made go to ``internal.signatures``, and every processor copy applies everyone's, so
copies of one story that land on different workers still meet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from processors.cluster import Clusterer, decode_entry
from processors.tagger import enrich

if TYPE_CHECKING:
    from processors.tagger import Tagger
    from schemas.models import EnrichedStory, Story

__all__ = ["Enricher"]


class Enricher:
    """Tags and clusters stories; remembers signatures, its own and (applied) everyone else's."""

    def __init__(self, tagger: Tagger, clusterer: Clusterer | None = None) -> None:
        self.tagger = tagger
        self.clusterer = clusterer if clusterer is not None else Clusterer()
        self._new: list[tuple[str, bytes | None]] = []

    def enrich(self, story: Story) -> EnrichedStory:
        """Tag and cluster one story (the same story gets the same tags and cluster again)."""
        decision = self.clusterer.assign(story)
        self._new.append((story.id, decision.entry()))
        return enrich(story, self.tagger.tag(story), cluster_id=decision.cluster_id)

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply a signature published by any processor copy (SignatureError if it is corrupt)."""
        if value is None:
            self.clusterer.forget(key)
            return
        cluster_id, signature = decode_entry(value)
        self.clusterer.remember(key, signature, cluster_id)

    def changes(self) -> list[tuple[str, bytes | None]]:
        """The signatures made since the last call, for ``internal.signatures``."""
        out, self._new = self._new, []
        return out

    def __len__(self) -> int:
        return len(self.clusterer)
