"""Knowledge of one's own over HTTP: look names up, add and remove entries, check a query's values.

:class:`KnowledgeService` is the I/O edge of :mod:`processors.knowledge`: it follows the
compacted ``knowledge`` topic (as every processor does), loads the packaged knowledge base the
first time it is needed (seconds, in a worker thread), and writes entries after checking them.
:func:`knowledge_router` puts it behind the API's bearer tokens (any subscriber may add; the
entry records who did).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures at run time,
# and they use names local to knowledge_router.
import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import structlog
from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from processors.errors import KnowledgeBaseError
from processors.kb import KnowledgeBase
from processors.knowledge import Additions, Vocabulary, check_entry, overlay, resolve
from schemas import KnowledgeEntry
from wirewatch.errors import BusError, WirewatchError
from wirewatch.state import GlobalTable

if TYPE_CHECKING:
    from wirewatch.bus.base import Bus

__all__ = ["KnowledgeService", "QueryValueWarning", "knowledge_router"]

log = structlog.get_logger("wirewatch.knowledge")


class QueryValueWarning(BaseModel):
    """A value of a query that names nothing in the knowledge base, and close names."""

    field: str
    value: str
    message: str
    suggestions: list[str] = Field(default_factory=list)


class QueryCheck(BaseModel):
    """A query's values checked against the knowledge base (the query itself may still be invalid)."""

    query: str
    warnings: list[QueryValueWarning]


class KnowledgeService:
    """The knowledge topic followed, the packaged knowledge base loaded on first use, and writes."""

    def __init__(
        self,
        bus: "Bus",
        topic: str,
        *,
        norm: Callable[[str], str],
        values: Callable[[str], list[tuple[str, str]]],
        load_base: Callable[[], KnowledgeBase] | None = None,
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.additions = Additions()
        self.table = GlobalTable(bus, topic, self.additions)
        self._norm = norm
        self._values = values
        self._load_base = load_base or packaged_base
        self._base: asyncio.Task[KnowledgeBase] | None = None
        self._view: tuple[int, KnowledgeBase, Vocabulary] | None = None
        self._lock = asyncio.Lock()

    async def base(self) -> KnowledgeBase:
        """The packaged knowledge base (loaded once, in a worker thread)."""
        if self._base is None:
            self._base = asyncio.create_task(asyncio.to_thread(self._load_base), name="knowledge-base-load")
        return await self._base

    async def view(self) -> tuple[KnowledgeBase, Vocabulary]:
        """The knowledge base with the entries, and its vocabulary (rebuilt when the entries change)."""
        async with self._lock:
            version = self.additions.version
            if self._view is None or self._view[0] != version:
                base = await self.base()
                entries = list(self.additions.entries.values())

                def build() -> tuple[KnowledgeBase, Vocabulary]:
                    kb, _ = overlay(base, entries)
                    return kb, Vocabulary(kb, self._norm)

                kb, vocabulary = await asyncio.to_thread(build)
                self._view = (version, kb, vocabulary)
            return self._view[1], self._view[2]

    async def lookup(self, name: str) -> list[dict[str, Any]]:
        """What ``name`` resolves to (knowledge of one's own included)."""
        kb, _ = await self.view()
        return [dataclasses.asdict(r) for r in resolve(kb, name, added=self.additions.entries)]

    async def check_query(self, query: str) -> list[QueryValueWarning]:
        """Warnings for the query's tag values that name nothing known (QueryError if it is invalid)."""
        _, vocabulary = await self.view()
        found = vocabulary.check(self._values(query))
        return [
            QueryValueWarning(
                field=w.field, value=w.value, message=w.message, suggestions=list(w.suggestions)
            )
            for w in found
        ]

    async def checked(self, query: str) -> list[dict[str, Any]]:
        """:meth:`check_query` as plain data (what the subscriptions API adds to its answers)."""
        return [w.model_dump() for w in await self.check_query(query)]

    async def put(self, entry: KnowledgeEntry) -> KnowledgeEntry:
        """Check and write an entry (KnowledgeBaseError if it cannot apply; BusError if not written)."""
        check_entry(await self.base(), entry)
        await self.bus.publish(self.topic, entry.to_bytes(), key=entry.id.encode())
        self.additions.apply(entry.id, entry.to_bytes())  # read-your-writes before the topic echoes it
        return entry

    async def delete(self, entry_id: str) -> bool:
        """Remove an entry; False if there is none."""
        if entry_id not in self.additions.entries:
            return False
        await self.bus.publish(self.topic, None, key=entry_id.encode())
        self.additions.apply(entry_id, None)
        return True


def packaged_base() -> KnowledgeBase:
    """The packaged knowledge base, from the prebuilt cache (built and cached when stale).

    Loaded from its data files it took ~5 s of a worker thread that holds the interpreter, and
    the API's event loop answered nothing meanwhile (a subscription saved then waited); the
    cache loads in 1-2 s.
    """
    from processors import kb_cache  # noqa: PLC0415 - on first use only, like the base itself

    return kb_cache.load().kb


def knowledge_router(
    service: KnowledgeService,
    auth: Callable[..., Awaitable[str]],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    """``/knowledge`` routes: lookup, list, put, delete, and ``/knowledge/check`` for queries."""
    router = APIRouter(prefix="/knowledge", tags=["knowledge"])
    Subscriber = Annotated[str, Depends(auth)]  # noqa: N806 - a type alias, named like one

    @router.get("/lookup", dependencies=[Depends(auth)])
    async def lookup(name: Annotated[str, Query(min_length=1, max_length=300)]) -> list[dict[str, Any]]:
        """What a name, alias or id resolves to: id, kind, type, roles, aliases."""
        return await service.lookup(name)

    @router.get("")
    async def list_entries(who: Subscriber) -> list[KnowledgeEntry]:  # noqa: ARG001 - auth only
        """Every entry of knowledge of one's own."""
        return sorted(service.additions.entries.values(), key=lambda e: e.id)

    @router.put("/{entry_id}", responses={400: {"description": "The entry cannot apply"}})
    async def put_entry(entry_id: str, body: KnowledgeEntry, who: Subscriber) -> KnowledgeEntry:
        """Add or replace an entry; running processors tag with it within seconds."""
        if body.id != entry_id:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="the body's id is not the path's")
        entry = body.model_copy(update={"added_by": who, "updated_at": clock()})
        try:
            return await service.put(entry)
        except KnowledgeBaseError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from exc
        except BusError as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"knowledge topic unavailable: {exc}"
            ) from exc

    @router.delete(
        "/{entry_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={404: {"description": "No such entry"}},
    )
    async def delete_entry(entry_id: str, who: Subscriber) -> None:  # noqa: ARG001 - auth only
        """Remove an entry (packaged knowledge stays)."""
        try:
            found = await service.delete(entry_id)
        except BusError as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"knowledge topic unavailable: {exc}"
            ) from exc
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such entry")

    @router.get("/check", dependencies=[Depends(auth)])
    async def check(query: Annotated[str, Query(min_length=1, max_length=4096)]) -> QueryCheck:
        """The query's actor/place/region/topic/country values that name nothing known, with close names."""
        try:
            warnings = await service.check_query(query)
        except WirewatchError as exc:  # an invalid query (alerts' QueryError, with where it fails)
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from exc
        return QueryCheck(query=query, warnings=warnings)

    return router
