"""The offline commands (``extract``, ``tag``, ``match``): the same pure pipeline, no bus.

For analysts debugging a feed, and for tests. Each input file is parsed, tagged,
clustered and matched exactly as the services would, in input order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from schemas import Alert, EnrichedStory, Story, Subscription
from wirewatch.errors import ConfigError

if TYPE_CHECKING:
    from alerts.index import SubscriptionIndex
    from alerts.state import AlertState
    from processors import Tagger
    from processors.cluster import Clusterer

_SUBSCRIPTIONS = TypeAdapter(list[Subscription])


def load_subscriptions(path: Path) -> list[Subscription]:
    """Read a JSON array of subscriptions (``{"id", "subscriber", "query", "options"?}``)."""
    try:
        return _SUBSCRIPTIONS.validate_json(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read subscriptions file: {exc}", path=str(path)) from exc
    except ValidationError as exc:
        raise ConfigError(f"invalid subscriptions file: {exc}", path=str(path)) from exc


def read_input(spec: str, *, now: datetime, max_bytes: int) -> list[Story]:
    """Parse one input (a path, or an http(s) URL fetched once) into its stories."""
    from ingest import parse  # noqa: PLC0415 - the CLI is the composition root

    if spec.startswith(("http://", "https://")):
        import httpx  # noqa: PLC0415

        from ingest.sources import make_http_client  # noqa: PLC0415

        async def fetch() -> tuple[bytes, str | None, str]:
            async with make_http_client() as client:
                response = await client.get(spec, follow_redirects=True)
                response.raise_for_status()
                return response.content, response.headers.get("content-type"), str(response.url)

        import asyncio  # noqa: PLC0415

        try:
            data, media_type, url = asyncio.run(fetch())
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot fetch {spec}: {exc}") from exc
        return parse(data, origin=url, now=now, media_type=media_type, url=url, max_bytes=max_bytes)
    path = Path(spec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read input: {exc}", path=spec) from exc
    return parse(data, origin=str(path), now=now, source=path.stem, max_bytes=max_bytes)


@dataclass
class OfflinePipeline:
    """Tagging, clustering and matching in one process, in input order."""

    tagger: Tagger
    clusterer: Clusterer
    subscriptions: Sequence[Subscription] = ()
    index: SubscriptionIndex | None = None
    state: AlertState | None = None
    _by_id: dict[str, Subscription] = field(default_factory=dict)

    @classmethod
    def build(cls, subscriptions: Sequence[Subscription] = ()) -> OfflinePipeline:
        """Load the knowledge base and index the subscriptions."""
        from alerts.index import SubscriptionIndex  # noqa: PLC0415
        from alerts.state import AlertState  # noqa: PLC0415
        from processors import KnowledgeBase, Tagger  # noqa: PLC0415
        from processors.cluster import Clusterer  # noqa: PLC0415

        index = SubscriptionIndex()
        for sub in subscriptions:
            index.add(sub)
        return cls(
            tagger=Tagger(KnowledgeBase.load()),
            clusterer=Clusterer(),
            subscriptions=subscriptions,
            index=index,
            state=AlertState(),
            _by_id={s.id: s for s in subscriptions},
        )

    def enrich(self, story: Story) -> EnrichedStory:
        """Tag and cluster one story."""
        from processors import enrich  # noqa: PLC0415

        decision = self.clusterer.assign(story)
        return enrich(story, self.tagger.tag(story), cluster_id=decision.cluster_id)

    def alerts(self, story: EnrichedStory, *, now: datetime) -> list[Alert]:
        """The alerts the subscriptions give for one enriched story."""
        assert self.index is not None
        assert self.state is not None
        if story.retracted:
            return self.state.retractions(story=story, subscriptions=self._by_id, now=now)
        out: list[Alert] = []
        for m in self.index.match(story):
            out += self.state.decide(
                subscription=m.subscription, story=story, explanation=m.explanation, now=now
            )
        return out

    def run(self, stories: Sequence[Story], *, now: datetime) -> Iterator[tuple[EnrichedStory, list[Alert]]]:
        """Enrich and match each story in order."""
        for story in stories:
            enriched = self.enrich(story)
            yield enriched, self.alerts(enriched, now=now)


def dumps(model: Story | Alert) -> str:
    """One JSON line (UTF-8, compact)."""
    return model.model_dump_json()
