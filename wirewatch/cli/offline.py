"""The offline commands (``extract``, ``tag``, ``match``): the stages' pure pipelines, no bus.

For analysts debugging a feed, and for tests. Each input is parsed (``ingest.parse``), enriched
(``processors.pipeline.Enricher``) and matched (``alerts.pipeline.AlertPipeline``) exactly as the
services do, in input order.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from schemas import Alert, EnrichedStory, Story, Subscription
from wirewatch.errors import ConfigError, WirewatchError

if TYPE_CHECKING:
    from alerts.pipeline import AlertPipeline
    from processors import Tagger
    from processors.pipeline import Enricher

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
    """Parse one input (a path, or an http(s) URL fetched once with ingest's bounded client)."""
    from ingest import parse  # noqa: PLC0415 - the CLI is the composition root

    if spec.startswith(("http://", "https://")):
        from ingest.sources import HttpLimits, bounded_get, make_http_client  # noqa: PLC0415

        limits = HttpLimits(max_bytes=max_bytes)

        async def fetch() -> tuple[bytes, str | None, str]:
            async with make_http_client(limits) as client:
                response = await bounded_get(client, spec, limits=limits)
                return response.body, response.media_type, response.url

        try:
            data, media_type, url = asyncio.run(fetch())
        except WirewatchError as exc:
            raise ConfigError(f"cannot fetch {spec}: {exc}") from exc
        return parse(data, origin=url, now=now, media_type=media_type, url=url, max_bytes=max_bytes)
    path = Path(spec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read input: {exc}", path=spec) from exc
    return parse(data, origin=str(path), now=now, source=path.stem, max_bytes=max_bytes)


@functools.cache
def load_tagger(cache_dir: Path | None = None) -> Tagger:
    """The tagger over the packaged knowledge base, once per process.

    Loaded prebuilt from ``cache_dir`` (``processors.kb_cache``; default: the user's cache
    directory), or built (seconds) and saved there for the next start.
    """
    from processors import Tagger, kb_cache  # noqa: PLC0415

    prebuilt = kb_cache.load(cache_dir=cache_dir)
    return Tagger(prebuilt.kb, tables=prebuilt.tables)


@dataclass
class OfflinePipeline:
    """The stages' pure pipelines in one process, in input order: enrich, then alerts."""

    enricher: Enricher
    alerts: AlertPipeline

    @classmethod
    def build(
        cls, subscriptions: Sequence[Subscription] = (), *, kb_cache_dir: Path | None = None
    ) -> OfflinePipeline:
        """Load the knowledge base (once per process; see ``load_tagger``) and index the subscriptions."""
        from alerts.pipeline import AlertPipeline  # noqa: PLC0415
        from processors.pipeline import Enricher  # noqa: PLC0415

        return cls(enricher=Enricher(load_tagger(kb_cache_dir)), alerts=AlertPipeline(subscriptions))

    def enrich(self, story: Story) -> EnrichedStory:
        """Tag and cluster one story."""
        return self.enricher.enrich(story)

    def run(self, stories: Sequence[Story], *, now: datetime) -> Iterator[tuple[EnrichedStory, list[Alert]]]:
        """Enrich and match each story in order."""
        for story in stories:
            enriched = self.enrich(story)
            yield enriched, self.alerts.alerts_for(enriched, now=now)


def dumps(model: Story | Alert) -> str:
    """One JSON line (UTF-8, compact)."""
    return model.model_dump_json()
