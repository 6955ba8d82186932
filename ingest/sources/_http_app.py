"""``POST /stories``: push stories over HTTP (JSON story objects, ninjs, or any format by Content-Type).

Responses: 202 with the story ids; 401 without a bearer token, 403 with a wrong one; 400 for an
empty body; 413 past the size limit; 422 with the parser's reason for input that is not a story.
Every rejected body is also dead-lettered, like any other bad input.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from ingest import InputTooLargeError

if TYPE_CHECKING:
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
        await ingestor.reject(error, raw=head[:_DLQ_HEAD], origin=origin)
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
        if declared.isdigit() and int(declared) > limit:
            return await too_large(int(declared), b"", origin)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:  # stop reading: an oversized body never sits whole in memory
                return await too_large(len(body), bytes(body), origin)
        if not body.strip():
            raise HTTPException(400, "empty body: send a story (JSON, ninjs, NewsML, RSS, HTML or text)")
        outcome = await ingestor.ingest(
            bytes(body),
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
