"""Fetch web pages and ingest them as HTML stories."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from ingest import IngestError
from ingest.ingestor import IngestOutcome
from ingest.sources._http import HttpLimits, Response, bounded_get

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

    from ingest.ingestor import Ingestor

__all__ = ["WebPageFetcher"]

log = structlog.get_logger("wirewatch.ingest.web")


class WebPageFetcher:
    """Fetches a URL (bounded size, redirects and time) and ingests it as ``text/html``.

    Fetch failures (network, status, size) go to the dead-letter sink like parse failures: the
    page is bad input from where we stand, and the next URL is fetched regardless.
    """

    def __init__(
        self, *, client: httpx.AsyncClient, ingestor: Ingestor, limits: HttpLimits | None = None
    ) -> None:
        self._client = client
        self._ingestor = ingestor
        self.limits = limits or HttpLimits(max_bytes=ingestor.max_bytes)

    async def fetch(self, url: str) -> Response:
        """GET ``url`` within the limits; raises FetchError or InputTooLargeError."""
        return await bounded_get(self._client, url, limits=self.limits)

    async def ingest(self, url: str, *, source: str | None = None) -> IngestOutcome:
        """Fetch ``url`` and ingest the page; never raises for a bad page or an unreachable URL."""
        try:
            response = await self.fetch(url)
        except IngestError as exc:
            letter = await self._ingestor.reject(exc, raw=b"", origin=url)
            return IngestOutcome(error=exc, letter=letter)
        # Keep the server's charset parameter, but parse as HTML whatever the page claims to be.
        declared = response.media_type or ""
        media_type = declared if declared.lower().startswith("text/html") else "text/html"
        return await self._ingestor.ingest(
            response.body, origin=url, media_type=media_type, url=response.url, source=source or url
        )

    async def run(self, urls: Sequence[str], *, interval_s: float | None = None) -> None:
        """Ingest each URL once, or every ``interval_s`` until cancelled."""
        while True:
            for url in urls:
                await self.ingest(url)
            if interval_s is None:
                return
            await asyncio.sleep(interval_s)
