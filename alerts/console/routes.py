"""The console's HTTP surface: the page and its assets, and JSON/SSE under ``/console/api``.

``/`` and ``/dashboard`` lead to ``/console/``. Every ``/console/api`` call needs the API's
``Authorization: Bearer <token>``, except the alert stream, which takes a ticket (see
:mod:`alerts.console.auth`). Operators see everything; an analyst sees their own alerts,
subscriptions and backtests only (the subscriptions page uses the API's ``/subscriptions``,
which already answers with the caller's own).
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures at run time.
import time
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sse_starlette import EventSourceResponse

from alerts.backtest import parse_since
from alerts.console.auth import TICKET_SECONDS, Authority, Principal
from alerts.console.core import BacktestJob, Console
from alerts.console.hints import check_query
from alerts.errors import InvalidSinceError, QueryError
from alerts.query import compile_query
from schemas.models import EnrichedStory
from wirewatch.errors import BusError

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def _assets() -> dict[str, tuple[bytes, str]]:
    """Every file of ``static/``, read once: served from memory, by exact name (no paths)."""
    folder = resources.files("alerts.console") / "static"
    out: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _TYPES:
            out[entry.name] = (entry.read_bytes(), _TYPES[suffix])
    return out


class QueryIn(BaseModel):
    """A query to check."""

    model_config = ConfigDict(extra="forbid")
    query: str


class BacktestIn(BaseModel):
    """A backtest to start."""

    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1)
    since: str = "7d"
    limit: int = Field(default=50, ge=1, le=500)


class RedriveIn(BaseModel):
    """Which letters to send back: some by id, those of one reason and/or stage, or all."""

    model_config = ConfigDict(extra="forbid")
    ids: list[str] | None = None
    reason: str | None = None
    stage: str | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> "RedriveIn":
        chosen = [self.ids is not None, self.reason is not None or self.stage is not None, self.all]
        if sum(chosen) != 1:
            raise ValueError("choose exactly one of: ids, a filter (reason and/or stage), all")
        return self


def console_router(console: Console, authority: Authority) -> APIRouter:
    """The console's routes over ``console``, callers checked by ``authority``."""
    router = APIRouter()
    assets = _assets()

    async def caller(authorization: Annotated[str | None, Header()] = None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        found = authority.by_token(token.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or unknown bearer token",
                {"WWW-Authenticate": "Bearer"},
            )
        return found

    async def operator(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if not who.operator:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "for operators only")
        return who

    Caller = Annotated[Principal, Depends(caller)]  # noqa: N806 - type aliases, named like ones
    Operator = Annotated[Principal, Depends(operator)]  # noqa: N806

    @router.get("/", include_in_schema=False)
    @router.get("/dashboard", include_in_schema=False)
    @router.get("/console", include_in_schema=False)
    async def to_console() -> RedirectResponse:
        return RedirectResponse("/console/", status.HTTP_307_TEMPORARY_REDIRECT)

    @router.get("/console/", include_in_schema=False)
    async def page() -> Response:
        body, media = assets["index.html"]
        return Response(body, media_type=media, headers={**_NO_STORE, **_PAGE_POLICY})

    @router.get("/console/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
        body, media = assets[name]
        return Response(body, media_type=media, headers=_NO_STORE)

    @router.get("/console/api/me", tags=["console"])
    async def me(who: Caller) -> dict[str, str]:
        """Who the token names, and its role."""
        return {"who": who.who, "role": who.role}

    @router.post("/console/api/ticket", tags=["console"])
    async def ticket(who: Caller) -> dict[str, Any]:
        """A short-lived ticket for the alert stream (EventSource cannot send headers)."""
        return {"ticket": authority.ticket(who.who, time.time()), "expires_in": TICKET_SECONDS}

    @router.get("/console/api/ops", tags=["console"])
    async def ops(who: Operator) -> dict[str, Any]:  # noqa: ARG001 - the role check only
        """Stages, lag, connections, subscriptions, dead letters by reason."""
        return {**console.ops(), "connections": await console.connections(), "feeds": _feeds(console)}

    _letter_routes(router, console, Operator)
    _alert_routes(router, console, authority, Caller)
    _story_routes(router, console, Caller)
    _subscription_routes(router, console, Caller, Operator)
    return router


_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# The page loads its own files only, and may not be framed: a stray story text can run nothing.
_PAGE_POLICY = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


def _feeds(console: Console) -> list[dict[str, Any]]:
    return [
        {"topic": f.topic, "state": f.state, "error": f.error, "records": f.records, "caught_up": f.caught_up}
        for f in console.feeds.values()
    ]


def _letter_routes(router: APIRouter, console: Console, operator: Any) -> None:
    @router.get("/console/api/dlq", tags=["console"])
    async def letters(
        who: operator,  # noqa: ARG001 - the role check only
        reason: str | None = None,
        stage: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        """The latest dead letters (of one reason and/or stage), newest first, and the counts by reason."""
        topics = set(console.topics.all())
        chosen = console.letters.select(reason=reason, stage=stage)
        return {
            "total": len(chosen),
            "reasons": console.letters.reasons(),
            "letters": [console.letters.describe(k, topics) for k in chosen[:limit]],
        }

    @router.post("/console/api/dlq/redrive", tags=["console"])
    async def redrive(body: RedriveIn, who: operator) -> dict[str, Any]:
        """Send letters back to the topics they came from (each letter at most once)."""
        if body.ids is not None:
            chosen = [k for i in body.ids if (k := console.letters.get(i)) is not None]
            missing = [{"id": i, "why": "no such letter"} for i in body.ids if console.letters.get(i) is None]
        else:
            chosen = console.letters.select(reason=body.reason, stage=body.stage)
            missing = []
        try:
            result = await console.redrive(chosen, by=who.who)
        except BusError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"bus unavailable: {exc}") from exc
        return {**result, "skipped": result["skipped"] + missing}


def _alert_routes(router: APIRouter, console: Console, authority: Authority, caller: Any) -> None:
    @router.get("/console/api/alerts/stream", tags=["console"], response_class=EventSourceResponse)
    async def stream(
        ticket: str,
        since: Annotated[int | None, Query(ge=0)] = None,
        last_event_id: Annotated[int | None, Header(ge=0)] = None,
    ) -> EventSourceResponse:
        """Alerts as server-sent events (the caller's own; an operator's: everyone's)."""
        who = authority.by_ticket(ticket, time.time())
        if who is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing, forged or expired ticket")
        if console.hub is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no alert stream in this process")
        cursor = since if since is not None else last_event_id
        subscriber = None if who.operator else who.who
        return EventSourceResponse(
            console.hub.stream(subscriber=subscriber, since=cursor), ping=15, send_timeout=30
        )

    @router.get("/console/api/clusters/{cluster_id}", tags=["console"])
    async def cluster(cluster_id: str, who: caller) -> dict[str, Any]:
        """A cluster's history: its kept stories (oldest first) and the caller's alerts about it."""
        stories = sorted(
            (s for s in console.stories.values() if s.cluster_id == cluster_id), key=lambda s: s.ingested_at
        )
        alerts = []
        if console.hub is not None:
            events = console.hub.replay(0, subscriber=None if who.operator else who.who)
            alerts = [
                {"id": e.id, **e.alert.model_dump(mode="json", include=_ALERT_FIELDS)}
                for e in events
                if e.alert.cluster_id == cluster_id
            ]
        return {"cluster_id": cluster_id, "stories": [_story_out(s) for s in stories], "alerts": alerts}


_ALERT_FIELDS = {
    "key",
    "kind",
    "subscription_id",
    "subscriber",
    "story_id",
    "story_version",
    "title",
    "created_at",
}


def _story_out(story: EnrichedStory, *, text: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": story.id,
        "version": story.version,
        "title": story.title,
        "source": story.source,
        "url": story.url,
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "ingested_at": story.ingested_at.isoformat(),
        "cluster_id": story.cluster_id,
        "countries": list(story.countries),
        "retracted": story.retracted,
        "tags": {
            kind: sorted({t.name for t in getattr(story, kind)})
            for kind in ("places", "regions", "actors", "topics")
        },
    }
    if text:
        out |= {"standfirst": story.standfirst, "body": story.body}
    return out


def _places(stories: list[EnrichedStory], most: int = 300) -> list[dict[str, Any]]:
    """The places below country level that the stories happen in, with their points and counts.

    Countries are coloured on the map; these are its dots (place tags carry ``geo`` since issue 14).
    """
    found: dict[str, dict[str, Any]] = {}
    for story in stories:
        for tag in {t.id: t for t in story.places}.values():
            geo = tag.geo
            if geo is None or geo.lat is None or geo.lon is None or len(tag.id) == 2:  # a country: coloured
                continue
            place = found.setdefault(
                tag.id, {"id": tag.id, "name": tag.name, "lat": geo.lat, "lon": geo.lon, "stories": 0}
            )
            place["stories"] += 1
    return sorted(found.values(), key=lambda p: (-p["stories"], p["name"]))[:most]


def _story_routes(router: APIRouter, console: Console, caller: Any) -> None:
    @router.get("/console/api/stories", tags=["console"])
    async def stories(
        who: caller,  # noqa: ARG001 - any caller
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """The latest stories with their tags and clusters, and story counts by country."""
        recent = console.recent_stories()
        countries: dict[str, int] = {}
        for story in recent:
            for code in story.countries:
                countries[code] = countries.get(code, 0) + 1
        return {
            "kept": len(recent),
            "countries": dict(sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))),
            "places": _places(recent),
            "stories": [_story_out(s) for s in recent[:limit]],
        }

    @router.get("/console/api/stories/{story_id:path}", tags=["console"])
    async def story(story_id: str, who: caller) -> dict[str, Any]:  # noqa: ARG001 - any caller
        """One kept story with its text (the alerts page marks the explanation's words in it)."""
        found = console.story(story_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "story not among the recent ones kept")
        return _story_out(found, text=True)


def _subscription_routes(router: APIRouter, console: Console, caller: Any, operator: Any) -> None:
    @router.get("/console/api/subscriptions", tags=["console"])
    async def every_subscription(who: operator) -> list[dict[str, Any]]:  # noqa: ARG001 - role check
        """Every subscriber's subscriptions (operators; analysts use ``/subscriptions``)."""
        return [s.model_dump(mode="json") for s in console.store.all()]

    @router.post("/console/api/query/check", tags=["console"])
    async def check(body: QueryIn, who: caller) -> dict[str, Any]:  # noqa: ARG001 - any caller
        """The compiler's error at its column, or hints about values no recent story carries."""
        return check_query(body.query, console.vocabulary(), stories=len(console.stories))

    @router.post("/console/api/backtests", tags=["console"], status_code=status.HTTP_202_ACCEPTED)
    async def start(body: BacktestIn, who: caller) -> dict[str, Any]:
        """Start a backtest; poll ``GET /console/api/backtests/{id}`` for progress and hits."""
        now = console.clock()
        try:
            since = parse_since(body.since, now)
            compiled = compile_query(body.query)
        except QueryError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{exc.reason} at column {exc.column}") from exc
        except InvalidSinceError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, exc.message) from exc
        job = console.start_backtest(compiled, who=who.who, since=since, until=now, limit=body.limit)
        return _job_out(job)

    @router.get("/console/api/backtests/{job_id}", tags=["console"])
    async def progress(job_id: str, who: caller) -> dict[str, Any]:
        """A backtest's progress, and the latest hits so far."""
        job = console.jobs.get(job_id)
        if job is None or job.who != who.who:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such backtest")
        return _job_out(job)


def _job_out(job: BacktestJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "state": job.state,
        "query": job.query,
        "since": job.since.isoformat(),
        "until": job.until.isoformat(),
        "read": job.read,
        "total": job.total,
        "matched": job.matched,
        "error": job.error,
        "hits": [
            {**_story_out(s), "explanation": job.explanations.get((s.id, s.version), [])}
            for s in reversed(job.hits)
        ],
    }
