"""``POST /stories``: push stories over HTTP (JSON story objects, ninjs, or any format by Content-Type).

Responses: 202 with the story ids; 401 without a bearer token, 403 with a wrong one; 400 for an
empty body; 413 past the size limit; 422 with the parser's reason for input that is not a story.
Every rejected body (400, 413, 422) is also dead-lettered, like any other bad input, with the body's
true size: past the limit only its first 64 KiB are kept (``raw_truncated``). Requests refused for
their credentials (401, 403) are not: their bodies were never read.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from ingest import InputTooLargeError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from ingest.ingestor import Ingestor

__all__ = ["create_ingest_app"]

_DLQ_HEAD = 64 * 1024


def create_ingest_app(ingestor: Ingestor, token: str | SecretStr, *, max_bytes: int | None = None) -> FastAPI:
    """The ingest HTTP app; callers must send ``Authorization: Bearer <token>``."""
    expected = (token.get_secret_value() if isinstance(token, SecretStr) else token).encode()
    if not expected:
        raise ValueError("the ingest endpoint needs a non-empty token")
    limit = max_bytes if max_bytes is not None else ingestor.max_bytes
    app = FastAPI(title="Wirewatch ingest", version="0.1.0")

    def authorize(request: Request) -> None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        if not secrets.compare_digest(credentials.strip().encode(), expected):
            raise HTTPException(403, "invalid token")

    async def too_large(size: int, head: bytes, origin: str) -> JSONResponse:
        error = InputTooLargeError(size=size, limit=limit, origin=origin)
        await ingestor.reject(error, raw=head[:_DLQ_HEAD], origin=origin, size=size)
        return JSONResponse(
            {"detail": f"body too large: {error.message}", "limit_bytes": limit},
            status_code=413,
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/stories", status_code=202)
    async def post_stories(request: Request) -> JSONResponse:
        """Ingest the body; answer with the ids emitted, dropped as duplicates, or held under embargo."""
        authorize(request)
        client = request.client.host if request.client else "unknown"
        origin = f"http:{client}"
        declared = request.headers.get("content-length", "")
        body, oversize = await _read_body(
            request.stream(), limit=limit, declared=int(declared) if declared.isdigit() else None
        )
        if oversize is not None:
            return await too_large(oversize, body, origin)
        if not body.strip():
            reason = "empty body: send a story (JSON, ninjs, NewsML, RSS, HTML or text)"
            await ingestor.reject(reason, raw=body, origin=origin)
            raise HTTPException(400, reason)
        outcome = await ingestor.ingest(
            body,
            origin=origin,
            media_type=request.headers.get("content-type"),
            source=request.headers.get("x-wirewatch-source") or "http",
        )
        if outcome.letter is not None:
            status = 413 if isinstance(outcome.error, InputTooLargeError) else 422
            return JSONResponse(
                {"detail": outcome.letter.reason, "error_type": outcome.letter.error_type}, status_code=status
            )
        return JSONResponse(
            {
                "accepted": [s.id for s in outcome.emitted],
                "duplicates": [s.id for s in outcome.duplicates],
                "held": [s.id for s in outcome.held],
            },
            status_code=202,
        )

    return app


async def _read_body(
    stream: AsyncIterator[bytes], *, limit: int, declared: int | None
) -> tuple[bytes, int | None]:
    """The body, or its head and its true size when it is over ``limit`` (never read whole then).

    A declared length over the limit is believed: only the head kept for the dead letter is read.
    A chunked body is read on past the limit without being kept, to count its size.
    """
    body = bytearray()
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if len(body) < max(limit + 1, _DLQ_HEAD):
            body += chunk
        if declared is not None and declared > limit:
            if len(body) >= _DLQ_HEAD:
                return bytes(body), declared
        elif size > limit:
            return bytes(body), size + await _drain(stream)
    if declared is not None and declared > limit:
        return bytes(body), declared
    return bytes(body), None


async def _drain(stream: AsyncIterator[bytes]) -> int:
    """Read the rest of a body without keeping it; return how many bytes it had."""
    total = 0
    async for chunk in stream:
        total += len(chunk)
    return total
