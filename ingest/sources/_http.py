"""Bounded HTTP GET shared by the feed poller and the page fetcher.

Redirects are followed by hand rather than by httpx so that the bound is per request (httpx only
bounds them per client), only http(s) targets are followed, and the final URL is known. The body is
streamed and the read stops as soon as it passes ``max_bytes``: an oversized page never sits whole
in memory.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.errors import FetchError, InputTooLargeError

if TYPE_CHECKING:
    from ingest.config import Limits

__all__ = ["USER_AGENT", "FetchError", "HttpLimits", "Response", "bounded_get", "make_http_client"]

USER_AGENT = "Wirewatch/0.1 (+https://github.com/wirewatch)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """Limits applied to every fetch."""

    max_bytes: int = 5_000_000
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 60.0
    max_redirects: int = 5

    @classmethod
    def from_config(cls, limits: Limits) -> HttpLimits:
        """The limits of a sources file's ``limits`` section."""
        return cls(**limits.model_dump())

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-operation httpx timeout."""
        return httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched response: status, headers, body (empty for 304) and the URL after redirects."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str

    @property
    def media_type(self) -> str | None:
        """The Content-Type header, if any."""
        value = self.headers.get("content-type")
        return str(value) if value else None


def make_http_client(limits: HttpLimits | None = None) -> httpx.AsyncClient:
    """An AsyncClient with Wirewatch's User-Agent and timeouts (the caller closes it)."""
    limits = limits or HttpLimits()
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT}, timeout=limits.timeout, follow_redirects=False
    )


async def bounded_get(
    client: httpx.AsyncClient,
    url: str,
    *,
    limits: HttpLimits,
    headers: dict[str, str] | None = None,
    allow_not_modified: bool = False,
) -> Response:
    """GET ``url`` following at most ``limits.max_redirects`` redirects and reading at most ``max_bytes``.

    Returns 2xx responses (and 304 when ``allow_not_modified``); raises FetchError for anything else
    and InputTooLargeError past the size limit.
    """
    request_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    current = url
    try:
        async with asyncio.timeout(limits.total_timeout_s):
            for _ in range(limits.max_redirects + 1):
                _check_scheme(current)
                async with client.stream(
                    "GET", current, headers=request_headers, timeout=limits.timeout, follow_redirects=False
                ) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError("redirect without a Location header", url=current)
                        current = urljoin(current, location)
                        continue
                    if response.status_code == 304 and allow_not_modified:
                        return Response(304, response.headers, b"", current)
                    if not 200 <= response.status_code < 300:
                        raise FetchError(
                            f"HTTP {response.status_code} from {current}",
                            url=current,
                            status=response.status_code,
                        )
                    body = await _read_bounded(response, limit=limits.max_bytes, url=current)
                    return Response(response.status_code, response.headers, body, current)
            raise FetchError(f"more than {limits.max_redirects} redirects", url=url)
    except TimeoutError as exc:
        raise FetchError(
            f"timed out after {limits.total_timeout_s} s fetching {current}", url=current
        ) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"cannot fetch {current}: {type(exc).__name__}: {exc}", url=current) from exc


def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise FetchError("only http and https URLs are fetched", url=url)


async def _read_bounded(response: httpx.Response, *, limit: int, url: str) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InputTooLargeError(size=int(declared), limit=limit, origin=url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            # We stopped reading: the size is "at least this much".
            raise InputTooLargeError(size=size, limit=limit, origin=url)
        chunks.append(chunk)
    return b"".join(chunks)
