"""The HTTP API: subscriptions CRUD, the live alert stream, backtests, health.

Every call but ``/healthz`` and ``/readyz`` needs ``Authorization: Bearer <token>``; the
token names the subscriber. A subscriber sees and changes only its own subscriptions:
GET and DELETE of another's answer 404, exactly like one that does not exist.

Ids: POST makes a random one (128 bits: nobody guesses another's). PUT to an id that
does not exist creates the subscription under that id (201), so a client can keep its
own ids. Ids share one namespace, so a PUT to an id another subscriber holds can only
be refused: it answers 409 "id not available" and says nothing else (not whose, not
what). That reveals that the chosen id is in use — what any shared namespace of
chosen names reveals — and never anything about a server-made id, which nobody can
guess. GET, PUT and DELETE never tell another subscriber's subscription from a missing
one in any other way.

The OpenAPI document is at ``/openapi.json``; ``/docs`` (Swagger UI) and ``/redoc``
load their scripts from this server (fastapi-offline ships them), never from a CDN.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures at
# run time, and they use names local to create_api.
import asyncio
import hmac
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Query, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sse_starlette import EventSourceResponse

from alerts.backtest import BacktestHit, parse_since
from alerts.deliver.channels.sse import SseHub
from alerts.errors import InvalidSinceError, QueryError
from alerts.query import compile_query
from alerts.store import SubscriptionStore
from schemas.models import CHANNELS, MatchedClause, Subscription, SubscriptionOptions
from wirewatch.errors import BusError, WirewatchError
from wirewatch.metrics import READINESS, Readiness

log = structlog.get_logger("wirewatch.api")

#: ``(query, since, now) -> hits``; e.g. ``alerts.backtest.topic_backtester(bus)``.
BacktestFn = Callable[[str, datetime, datetime], Awaitable[Sequence[BacktestHit]]]

_NOT_FOUND = "no such subscription"
_TAKEN = "id not available: choose another (or POST to get one made for you)"
#: The ids a client may choose (the Subscription model's pattern, bounded).
_ID_PATTERN = r"^[A-Za-z0-9._-]+$"


class SubscriptionIn(BaseModel):
    """A subscription as a client writes it: the server adds its id and subscriber."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str = Field(min_length=1, examples=["actor:NATO AND country:(UA OR PL)"])
    options: SubscriptionOptions = SubscriptionOptions()

    @model_validator(mode="after")
    def _channels_have_targets(self) -> Self:
        # Caught here, a missing target is a 422 now rather than a dead letter at the first alert.
        options = self.options
        unknown = sorted(set(options.channels) - set(CHANNELS))
        if unknown:
            raise ValueError(f"unknown channel {', '.join(unknown)}: choose from {', '.join(CHANNELS)}")
        if "webhook" in options.channels:
            url = urlsplit(options.webhook_url or "")
            if url.scheme not in {"http", "https"} or not url.hostname:
                raise ValueError("the webhook channel needs an http(s) options.webhook_url")
        if "apprise" in options.channels and not options.apprise_urls:
            raise ValueError("the apprise channel needs options.apprise_urls")
        return self


class QueryProblem(BaseModel):
    """Why a query was refused, and where (0-based ``position``, 1-based ``column``)."""

    error: Literal["invalid_query"] = "invalid_query"
    message: str
    position: int
    column: int
    query: str
    pointer: str


class BacktestIn(BaseModel):
    """A query to try on past stories, since a duration ago (``7d``) or an ISO date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str = Field(min_length=1)
    since: str = "7d"
    limit: int = Field(default=100, ge=1, le=1000)


class BacktestHitOut(BaseModel):
    """One story the query would have matched, and why."""

    story_id: str
    version: int
    title: str
    url: str | None
    source: str
    published_at: AwareDatetime | None
    cluster_id: str
    explanation: tuple[MatchedClause, ...]


class BacktestOut(BaseModel):
    """The backtest's hits, oldest first (the latest ``limit`` of them)."""

    query: str
    since: AwareDatetime
    until: AwareDatetime
    total: int
    hits: list[BacktestHitOut]


def _query_problem(exc: QueryError) -> HTTPException:
    problem = QueryProblem(
        message=exc.reason, position=exc.position, column=exc.column, query=exc.query, pointer=exc.pointer
    )
    return HTTPException(status.HTTP_400_BAD_REQUEST, detail=problem.model_dump())


def _unavailable(exc: BusError) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"subscriptions topic unavailable: {exc}"
    )


def create_api(
    store: SubscriptionStore,
    tokens: Mapping[str, str],
    sse: SseHub | None = None,
    backtest: BacktestFn | None = None,
    *,
    admins: frozenset[str] = frozenset(),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    backtest_concurrency: int = 2,
    console: APIRouter | None = None,
    knowledge: "Callable[[Authenticator], APIRouter] | None" = None,
    check_query: "Callable[[str], Awaitable[Sequence[Mapping[str, Any]]]] | None" = None,
    readiness: Readiness = READINESS,
) -> FastAPI:
    """The API over ``store``; ``tokens`` maps bearer token → subscriber; ``admins`` may stream everyone's."""
    # FastAPIOffline: FastAPI with /docs and /redoc served from files in the wheel (no CDN).
    app = FastAPIOffline(title="Wirewatch", summary="Subscriptions, live alerts and backtests", version="1")
    who = _authenticator(tokens)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, Any]:
        """Liveness, with a few counts."""
        return {"status": "ok", "subscriptions": len(store), "sse_clients": sse.clients if sse else None}

    @app.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"description": "Not ready: the failing checks say why"}},
    )
    async def readyz() -> JSONResponse:
        """Readiness: brokers reachable, state replayed, subscriptions loaded (503 until then)."""
        ready, checks = readiness.report()
        code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
        return JSONResponse({"ready": ready, "checks": checks}, status_code=code)

    _subscription_routes(app, store, who, new_id, check_query)
    if sse is not None:
        _stream_routes(app, sse, who, admins)
    if backtest is not None:
        # A backtest replays the whole enriched topic: a few at a time.
        _backtest_routes(app, backtest, who, clock, asyncio.Semaphore(backtest_concurrency))
    if knowledge is not None:  # /knowledge (processors.knowledge_service.knowledge_router)
        app.include_router(knowledge(who))
    if console is not None:  # the web console (alerts.console.console_router): /, /dashboard, /console/
        app.include_router(console)
    return app


#: The dependency that turns a bearer token into the subscriber it names (401 otherwise).
Authenticator = Callable[[HTTPAuthorizationCredentials | None], Awaitable[str]]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": QueryProblem, "description": "The query is invalid"},
    401: {"description": "Missing or unknown bearer token"},
}


def _authenticator(tokens: Mapping[str, str]) -> Authenticator:
    bearer = HTTPBearer(auto_error=False, description="The subscriber's API token.")
    known = [(token.encode(), who) for token, who in tokens.items() if token]

    async def subscriber(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if credentials is not None:
            given = credentials.credentials.encode()
            for token, who in known:
                if hmac.compare_digest(token, given):
                    return who
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or unknown bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )

    return subscriber


class ValueWarning(BaseModel):
    """A query value that names nothing the knowledge base knows: accepted, with close names."""

    field: str
    value: str
    message: str
    suggestions: list[str] = Field(default_factory=list)


class SubscriptionOut(Subscription):
    """A subscription as saved, with warnings about values that may never match (``actor:NATOO``)."""

    warnings: list[ValueWarning] = Field(default_factory=list)


async def _warned(
    sub: Subscription, check_query: Callable[[str], Awaitable[Sequence[Mapping[str, Any]]]] | None
) -> SubscriptionOut:
    warnings: list[ValueWarning] = []
    if check_query is not None:
        try:
            warnings = [ValueWarning.model_validate(w) for w in await check_query(sub.query)]
        except WirewatchError as exc:  # the check is advice: a save never fails on it
            log.warning("query values not checked", subscription=sub.id, error=str(exc))
    return SubscriptionOut(**sub.model_dump(), warnings=warnings)


def _subscription_routes(
    app: FastAPI,
    store: SubscriptionStore,
    auth: Authenticator,
    new_id: Callable[[], str],
    check_query: Callable[[str], Awaitable[Sequence[Mapping[str, Any]]]] | None = None,
) -> None:
    Subscriber = Annotated[str, Depends(auth)]  # noqa: N806 - a type alias, named like one

    async def warned(sub: Subscription) -> SubscriptionOut:
        return await _warned(sub, check_query)

    def own(sub_id: str, who: str) -> Subscription:
        sub = store.get(sub_id)
        if sub is None or sub.subscriber != who:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NOT_FOUND)
        return sub

    async def save(sub: Subscription) -> Subscription:
        try:
            return await store.put(sub)
        except QueryError as exc:
            raise _query_problem(exc) from exc
        except BusError as exc:
            raise _unavailable(exc) from exc

    @app.get("/subscriptions", tags=["subscriptions"], responses={401: _ERRORS[401]})
    async def list_subscriptions(who: Subscriber) -> list[Subscription]:
        """The caller's subscriptions."""
        return store.by_subscriber(who)

    @app.post(
        "/subscriptions", status_code=status.HTTP_201_CREATED, tags=["subscriptions"], responses=_ERRORS
    )
    async def create_subscription(
        body: SubscriptionIn, who: Subscriber, response: Response
    ) -> SubscriptionOut:
        """Create a subscription; the server picks its id. ``warnings``: values naming nothing known."""
        sub = await save(Subscription(id=new_id(), subscriber=who, query=body.query, options=body.options))
        response.headers["Location"] = f"/subscriptions/{sub.id}"
        return await warned(sub)

    @app.get("/subscriptions/{sub_id}", tags=["subscriptions"], responses={404: {"description": _NOT_FOUND}})
    async def get_subscription(sub_id: str, who: Subscriber) -> Subscription:
        """One of the caller's subscriptions."""
        return own(sub_id, who)

    @app.put(
        "/subscriptions/{sub_id}",
        tags=["subscriptions"],
        responses={
            **_ERRORS,
            201: {"description": "Created under the given id", "model": SubscriptionOut},
            409: {"description": _TAKEN},
        },
    )
    async def put_subscription(
        sub_id: Annotated[
            str,
            Path(min_length=1, max_length=128, pattern=_ID_PATTERN, description="Letters, digits, . _ -"),
        ],
        body: SubscriptionIn,
        who: Subscriber,
        response: Response,
    ) -> SubscriptionOut:
        """Replace one of the caller's subscriptions, or create it under ``sub_id`` (201); with warnings."""
        existing = store.get(sub_id)
        if existing is not None and existing.subscriber != who:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=_TAKEN)
        sub = await save(Subscription(id=sub_id, subscriber=who, query=body.query, options=body.options))
        if existing is None:
            response.status_code = status.HTTP_201_CREATED
            response.headers["Location"] = f"/subscriptions/{sub.id}"
        return await warned(sub)

    @app.delete(
        "/subscriptions/{sub_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["subscriptions"],
        responses={404: {"description": _NOT_FOUND}},
    )
    async def delete_subscription(sub_id: str, who: Subscriber) -> None:
        """Delete one of the caller's subscriptions."""
        own(sub_id, who)
        try:
            await store.delete(sub_id)
        except BusError as exc:
            raise _unavailable(exc) from exc


def _stream_routes(app: FastAPI, hub: SseHub, auth: Authenticator, admins: frozenset[str]) -> None:
    Subscriber = Annotated[str, Depends(auth)]  # noqa: N806 - a type alias, named like one

    @app.get(
        "/alerts/stream",
        tags=["alerts"],
        response_class=EventSourceResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent alert events"}},
    )
    async def stream_alerts(
        who: Subscriber,
        since: Annotated[int | None, Query(ge=0, description="Replay the alerts after this id")] = None,
        last_event_id: Annotated[int | None, Header(ge=0)] = None,
        scope: Annotated[Literal["own", "all"], Query(description="'all' is for ops (admins)")] = "own",
    ) -> EventSourceResponse:
        """Alerts as server-sent events: those after ``since`` (or ``Last-Event-ID``), then live ones.

        Each ``alert`` event's ``id`` is the cursor to resume from and its data is the
        alert JSON (``key`` is the idempotency key). A ``dropped`` event ends the stream
        of a client that fell behind; a ``gap`` event says older alerts were forgotten.
        """
        if scope == "all" and who not in admins:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="scope=all is for admins")
        cursor = since if since is not None else last_event_id
        return EventSourceResponse(
            hub.stream(subscriber=None if scope == "all" else who, since=cursor),
            ping=15,
            # A client that stops reading would otherwise hold its connection forever.
            send_timeout=30,
        )


def _backtest_routes(
    app: FastAPI,
    run_backtest: BacktestFn,
    auth: Authenticator,
    clock: Callable[[], datetime],
    backtests: asyncio.Semaphore,
) -> None:
    Subscriber = Annotated[str, Depends(auth)]  # noqa: N806 - a type alias, named like one

    @app.post("/backtest", tags=["backtest"], responses=_ERRORS)
    async def backtest_query(body: BacktestIn, who: Subscriber) -> BacktestOut:  # noqa: ARG001 - auth only
        """What the query would have matched since ``since``, and why."""
        now = clock()
        try:
            since = parse_since(body.since, now)
            compile_query(body.query)
        except QueryError as exc:
            raise _query_problem(exc) from exc
        except InvalidSinceError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=exc.message) from exc
        async with backtests:
            hits = await run_backtest(body.query, since, now)
        return BacktestOut(
            query=body.query,
            since=since,
            until=now,
            total=len(hits),
            hits=[_hit_out(h) for h in hits[-body.limit :]],
        )


def _hit_out(hit: BacktestHit) -> BacktestHitOut:
    story = hit.story
    return BacktestHitOut(
        story_id=story.id,
        version=story.version,
        title=story.title,
        url=story.url,
        source=story.source,
        published_at=story.published_at,
        cluster_id=story.cluster_id,
        explanation=hit.explanation,
    )
