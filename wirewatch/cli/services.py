"""Wiring of the services: which stages run, on which bus, with which channels.

One async context manager per connection (bus, MQTT, HTTP client, embedded
broker), composed with an AsyncExitStack; the stages run in one TaskGroup and
stop together on SIGINT/SIGTERM (or when one of them fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from subprocess import DEVNULL
from typing import TYPE_CHECKING, Any

import structlog
import typer

from schemas import Subscription
from wirewatch.bus import Bus, open_bus, topic_specs
from wirewatch.bus.base import deferred_acks
from wirewatch.cli.progress import status
from wirewatch.errors import BusError, ConfigError
from wirewatch.metrics import READINESS
from wirewatch.runner import freeze_heap, run_until, service_gc, utcnow
from wirewatch.settings import Settings

if TYPE_CHECKING:
    from alerts.deliver.channels import Channel, SseHub
    from wirewatch.bus.base import TopicSpec

log = structlog.get_logger("wirewatch")

STAGES = ("ingest", "process", "alert", "deliver")

_Runner = Callable[[asyncio.Event, asyncio.Event], Coroutine[Any, Any, None]]


def _install_stop(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def load_subscription_file(bus: Bus, settings: Settings, path: Path) -> list[Subscription]:
    """Seed an EMPTY subscriptions topic from a file; a topic that has subscriptions is left alone.

    The compacted topic is the source of truth: what analysts changed through the CLI or the API
    since the first start is never undone by the next start with the same file.
    """
    from alerts.store import SubscriptionStore  # noqa: PLC0415
    from wirewatch.cli.offline import load_subscriptions  # noqa: PLC0415

    subs = load_subscriptions(path)
    store = SubscriptionStore(bus, topics=settings.topics)
    await store.rebuild()
    if len(store):
        log.info(
            "subscriptions file not applied: the topic already has subscriptions",
            path=str(path),
            in_topic=len(store),
            hint="change them with `wirewatch subscriptions add|delete` or the API",
        )
        return []
    # One wait for every acknowledgement, not a round trip per subscription (100k: seconds, not minutes).
    with status(f"seeding {len(subs)} subscriptions from {path.name}") as progress:
        async with deferred_acks():
            for done, sub in enumerate(subs, 1):
                await store.put(sub)
                if done % 500 == 0:
                    progress.update(done, len(subs))
    log.info("subscriptions seeded from file", path=str(path), count=len(subs))
    return subs


async def list_subscriptions(settings: Settings, *, subscriber: str | None = None) -> list[Subscription]:
    """Every subscription (or one subscriber's), read from the compacted topic."""
    from alerts.store import SubscriptionStore  # noqa: PLC0415

    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=settings.kafka.partitions))
        store = SubscriptionStore(bus, topics=settings.topics)
        await store.rebuild()
    return store.by_subscriber(subscriber) if subscriber else store.all()


async def put_subscription(settings: Settings, sub: Subscription) -> None:
    """Validate and publish a subscription."""
    from alerts.store import SubscriptionStore  # noqa: PLC0415

    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=settings.kafka.partitions))
        await SubscriptionStore(bus, topics=settings.topics).put(sub)


async def delete_subscription(settings: Settings, sub_id: str) -> None:
    """Publish a tombstone for a subscription; ConfigError if there is no such subscription."""
    from alerts.store import SubscriptionStore  # noqa: PLC0415

    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=settings.kafka.partitions))
        store = SubscriptionStore(bus, topics=settings.topics)
        await store.rebuild()
        if store.get(sub_id) is None:
            raise ConfigError(
                f"no subscription {sub_id!r}: nothing deleted (see `wirewatch subscriptions list`)"
            )
        await store.delete(sub_id)


#: Set in a ``wirewatch run`` worker's environment: the parent's pid (the worker stops when it is
#: gone, even after a SIGKILL) and the file the worker creates once its stages run.
PARENT_PID_ENV = "WIREWATCH_PARENT_PID"
READY_FILE_ENV = "WIREWATCH_READY_FILE"


async def run_all(settings: Settings, *, stdin: bool = False, process_workers: int = 0) -> None:
    """``wirewatch run``: every stage in one process, or the process stage in ``process_workers`` more.

    Tagging is the heaviest work and one Python process uses one core: with workers, the process
    stage runs in child processes (``wirewatch process``, one consumer group over the same bus —
    the embedded log is shared by the processes of one machine), the rest stays here and starts
    once the workers run.
    """
    if process_workers <= 0:
        await run_stages(settings, STAGES, stdin=stdin)
        return
    stages = tuple(s for s in STAGES if s != "process")
    async with _child_stages("process", process_workers, settings) as failed, asyncio.TaskGroup() as tg:
        here = tg.create_task(run_stages(settings, stages, stdin=stdin), name="stages")
        watch = tg.create_task(failed.wait(), name="children")
        done, _ = await asyncio.wait({here, watch}, return_when=asyncio.FIRST_COMPLETED)
        if watch in done:
            here.cancel()
            raise ConfigError("a process worker exited; stopping (see its log lines above)")
        watch.cancel()


def _child_env(settings: Settings, n: int, ready_file: Path | None = None) -> dict[str, str]:
    """The environment of child ``n``: a metrics port of its own (the next ones after ours), not ours.

    No API either (one per ``run``, here), and what it needs to stop with us and say it is ready.
    """
    env = dict(os.environ)
    if settings.metrics_port is not None:
        port = settings.metrics_port + 1 + n if settings.metrics_port else 0
        env["WIREWATCH_METRICS_PORT"] = str(port)
        env["WIREWATCH_METRICS_HOST"] = settings.metrics_host
    env["WIREWATCH_API__ENABLED"] = "false"
    env[PARENT_PID_ENV] = str(os.getpid())
    if ready_file is not None:
        env[READY_FILE_ENV] = str(ready_file)
    return env


@contextlib.asynccontextmanager
async def _child_stages(stage: str, count: int, settings: Settings) -> AsyncIterator[asyncio.Event]:
    """``count`` child processes running ``wirewatch <stage>``, started; the event is set if one exits.

    Yields once every child's stages run (each creates its ready file): the stages here start
    after them, so the first story is not left waiting for a worker still loading its knowledge.
    """
    args = ["--data-dir", str(settings.data_dir)]
    if settings.bus == "kafka":
        args += ["--kafka", settings.kafka.bootstrap]
    with tempfile.TemporaryDirectory(prefix="wirewatch-workers-") as tmp:
        ready = [Path(tmp) / f"worker-{n}.ready" for n in range(count)]
        children = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "wirewatch",
                stage,
                *args,
                stdin=DEVNULL,
                env=_child_env(settings, n, ready[n]),
            )
            for n in range(count)
        ]
        log.info("process workers started", stage=stage, pids=[c.pid for c in children])
        failed = asyncio.Event()

        async def watch(child: asyncio.subprocess.Process) -> None:
            code = await child.wait()
            if code != 0:  # 0: it was asked to stop (a signal to the whole process group)
                log.error("process worker exited", stage=stage, pid=child.pid, code=code)
                failed.set()

        watchers = [asyncio.create_task(watch(c)) for c in children]
        try:
            with status(f"starting {count} {stage} worker(s)"):
                while not all(f.exists() for f in ready) and not failed.is_set():
                    await asyncio.sleep(0.1)
            if failed.is_set():
                raise ConfigError("a process worker exited before it was ready (see its log lines above)")
            log.info("process workers ready", stage=stage, pids=[c.pid for c in children])
            yield failed
        finally:
            for w in watchers:
                w.cancel()
            for child in children:
                if child.returncode is None:
                    child.terminate()
            for child in children:
                try:
                    async with asyncio.timeout(20):
                        await child.wait()
                except TimeoutError:
                    child.kill()


async def _stop_with_parent(stop: asyncio.Event, parent: int, *, every_s: float = 1.0) -> None:
    """Set ``stop`` once ``parent`` is gone: a ``run`` worker does not outlive its ``run``, even killed."""
    while os.getppid() == parent:
        await asyncio.sleep(every_s)
    log.warning("the parent process is gone: stopping", parent=parent)
    stop.set()


async def run_stages(
    settings: Settings,
    stages: Sequence[str],
    *,
    stdin: bool = False,
    inbox: Path | None = None,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the given stages until SIGINT/SIGTERM (or ``stop``)."""
    stop = stop or asyncio.Event()
    if ready is None:
        _install_stop(stop)
        service_gc()  # a service process (not a test running stages in its own process)
    READINESS.reset("bus", "subscriptions")
    async with AsyncExitStack() as stack:
        if settings.metrics_port is not None:
            from wirewatch.metrics import serve_metrics  # noqa: PLC0415

            metrics = serve_metrics(settings.metrics_port, settings.metrics_host)
            stack.callback(metrics.close)
            url = f"http://{settings.metrics_host}:{metrics.port}"
            log.info("listening", service="metrics", url=f"{url}/metrics", health=f"{url}/readyz")
        if "deliver" in stages and settings.mqtt.embedded:
            from wirewatch.mqtt_broker import EmbeddedMqttBroker  # noqa: PLC0415

            m = settings.mqtt
            if m.use_tls:
                raise ConfigError(
                    "the embedded MQTT broker speaks plain MQTT on 127.0.0.1: for TLS use an "
                    "external broker (WIREWATCH_MQTT_URL=mqtts://..., WIREWATCH_MQTT__EMBEDDED=false)"
                )
            await stack.enter_async_context(
                EmbeddedMqttBroker(
                    host=m.host,
                    port=m.port,
                    users={u: p.get_secret_value() for u, p in m.embedded_users.items()},
                    service_user=m.credentials[0],
                    topic_prefix=m.topic_prefix,
                )
            )
            log.info("listening", service="mqtt", url=settings.mqtt.url)
        bus = await stack.enter_async_context(open_bus(settings))
        specs = topic_specs(settings.topics, partitions=settings.kafka.partitions)
        await bus.ensure_topics(specs)
        READINESS.mark("bus", detail=f"{settings.bus}: topics ready")
        if settings.subscriptions_file is not None and ("alert" in stages or "deliver" in stages):
            await load_subscription_file(bus, settings, settings.subscriptions_file)
        from alerts.deliver.channels import SseHub  # noqa: PLC0415

        sse = SseHub()
        stages = [*stages, "api"] if settings.api.enabled and "api" not in stages else list(stages)
        if "api" in stages and "deliver" in stages:
            from alerts.deliver.channels.sse import load_history  # noqa: PLC0415

            # SSE cursors (since=, Last-Event-ID) from before a restart resume where they were.
            with status("reading the SSE history back from the alerts topic"):
                await load_history(sse, bus, settings.topics.alerts)
        services = [
            await _build(name, settings, bus, stack, stdin=stdin, inbox=inbox, sse=sse) for name in stages
        ]
        log.info(
            "wirewatch running",
            stages=list(stages),
            bus=settings.bus,
            data_dir=str(settings.data_dir),
            inbox=str(inbox or settings.inbox) if "ingest" in stages else None,
            mqtt=settings.mqtt.url if "deliver" in stages else None,
        )
        started = [asyncio.Event() for _ in services]
        async with asyncio.TaskGroup() as tg:
            if ready is None and (parent := os.environ.get(PARENT_PID_ENV)):
                tg.create_task(run_until(stop, _stop_with_parent(stop, int(parent))), name="parent-watch")
            for name, service, ev in zip(stages, services, started, strict=True):
                tg.create_task(service(stop, ev), name=f"stage:{name}")
            tg.create_task(run_until(stop, _probe_bus(bus, specs, settings.bus)), name="bus-probe")
            # Every stage that holds subscriptions says it started only once they are loaded.
            await asyncio.gather(*(e.wait() for e in started))
            READINESS.mark("subscriptions", detail="loaded by every stage")
            if ready is None:
                freeze_heap()  # every stage's start-up state is built: out of the collector's sight
                if ready_file := os.environ.get(READY_FILE_ENV):
                    await asyncio.to_thread(Path(ready_file).touch)  # a ``run`` worker: the parent goes on
            else:
                ready.set()
        log.info("wirewatch stopped")


async def _probe_bus(bus: Bus, specs: Sequence[TopicSpec], kind: str, *, every_s: float = 15.0) -> None:
    """Keep the readiness check ``bus`` true to the brokers: ask for the topics every ``every_s``."""
    while True:
        await asyncio.sleep(every_s)
        try:
            async with asyncio.timeout(every_s):
                await bus.ensure_topics(specs)
        except (BusError, TimeoutError) as exc:
            READINESS.mark("bus", ok=False, detail=f"{kind}: {exc or 'no answer'}")
            log.warning("bus unreachable", bus=kind, error=str(exc) or "no answer")
        else:
            READINESS.mark("bus", detail=f"{kind}: reachable")


async def _build(
    name: str,
    settings: Settings,
    bus: Bus,
    stack: AsyncExitStack,
    *,
    stdin: bool,
    inbox: Path | None,
    sse: SseHub,
) -> _Runner:
    topics = settings.topics
    if name == "ingest":
        with status("loading the ingest stage (parsers, language detection)"):  # seconds of imports
            from ingest.config import load_sources  # noqa: PLC0415
            from ingest.service import IngestService  # noqa: PLC0415

        sources = load_sources(settings.ingest.sources_file) if settings.ingest.sources_file else None
        ingest = IngestService(
            bus=bus,
            topics=topics,
            clock=utcnow,
            inbox=inbox or settings.inbox,
            stdin=stdin or settings.ingest.stdin,
            sources=sources,
            max_bytes=settings.ingest.max_bytes,
        )

        return lambda stop, started: ingest.run(stop, started=started)
    if name == "process":
        with status("loading the knowledge base"):
            from processors.cluster import EventClusterer  # noqa: PLC0415
            from processors.pipeline import Enricher  # noqa: PLC0415
            from processors.service import LiveKnowledge, ProcessService  # noqa: PLC0415
            from wirewatch.cli.offline import load_tagger  # noqa: PLC0415

            tagger = await asyncio.to_thread(load_tagger, settings.kb_cache_dir)
        process = ProcessService(
            bus=bus,
            topics=topics,
            enricher=Enricher(tagger, EventClusterer(window=timedelta(hours=settings.cluster_window_hours))),
            knowledge=LiveKnowledge(tagger.kb),
        )
        return lambda stop, started: process.run(stop, started=started)
    if name == "alert":
        from alerts.index import SubscriptionIndex  # noqa: PLC0415
        from alerts.service import AlertService  # noqa: PLC0415
        from alerts.store import SubscriptionStore  # noqa: PLC0415

        # The only holder of subscriptions that matches, so the only one with an index.
        service = AlertService(
            bus=bus,
            topics=topics,
            store=SubscriptionStore(
                bus, topics=topics, index=SubscriptionIndex(cache_size=settings.alerts.index_cache)
            ),
            term_sample=settings.alerts.term_sample,
            refile_batch=settings.alerts.refile_batch,
            snapshot_path=(settings.alerts.index_snapshot_path or settings.data_dir / "alert-index.snapshot")
            if settings.alerts.index_snapshot
            else None,
            snapshot_interval_s=settings.alerts.index_snapshot_interval_s,
        )
        return lambda stop, started: service.run(stop, started=started)
    if name == "deliver":
        return await _build_deliver(settings, bus, stack, sse)
    if name == "api":
        return _build_api(settings, bus, sse)
    raise ConfigError(f"unknown stage {name!r}; choose from {', '.join(STAGES)}")


def _build_api(settings: Settings, bus: Bus, sse: SseHub) -> _Runner:
    import uvicorn  # noqa: PLC0415

    from alerts.api import create_api  # noqa: PLC0415
    from alerts.backtest import topic_backtester  # noqa: PLC0415
    from alerts.console import for_settings, local_operator_token  # noqa: PLC0415
    from alerts.query import tag_values  # noqa: PLC0415
    from alerts.store import SubscriptionStore  # noqa: PLC0415
    from alerts.text import norm_value  # noqa: PLC0415
    from processors.knowledge_service import KnowledgeService, knowledge_router  # noqa: PLC0415

    store = SubscriptionStore(bus, topics=settings.topics)
    knowledge = KnowledgeService(bus, settings.topics.knowledge, norm=norm_value, values=tag_values)
    tokens = {token.get_secret_value(): who for who, token in settings.api.tokens.items()}
    tokens = tokens or local_operator_token()  # none configured: one operator token for this run, logged
    console, console_routes = for_settings(settings, bus, store, sse, tokens)
    app = create_api(
        store,
        tokens,
        sse,
        topic_backtester(bus, topics=settings.topics),
        admins=settings.api.admins,
        console=console_routes,
        knowledge=lambda auth: knowledge_router(knowledge, auth),
        check_query=knowledge.checked,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.api.host, port=settings.api.port, log_level="warning", lifespan="off"
        )
    )

    async def run_api(stop: asyncio.Event, started: asyncio.Event) -> None:
        table = store.table()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(run_until(stop, table.follow()), name="api-subscriptions")
            tg.create_task(run_until(stop, console.follow()), name="api-console")
            tg.create_task(run_until(stop, knowledge.table.follow()), name="api-knowledge")
            await table.ready.wait()
            tg.create_task(server.serve(), name="api-server")
            started.set()
            url = f"http://{settings.api.host}:{settings.api.port}"
            log.info("listening", service="api", url=url, docs=f"{url}/docs")
            log.info("console listening", url=f"http://{settings.api.host}:{settings.api.port}/console/")
            await stop.wait()
            server.should_exit = True

    return run_api


async def _build_deliver(settings: Settings, bus: Bus, stack: AsyncExitStack, sse: SseHub) -> _Runner:
    import httpx  # noqa: PLC0415

    from alerts.deliver import DeliverService  # noqa: PLC0415
    from alerts.deliver.channels import AppriseChannel, WebhookChannel  # noqa: PLC0415
    from alerts.deliver.channels.mqtt import MqttChannel  # noqa: PLC0415
    from alerts.deliver.channels.mqtt import tls_context as mqtt_tls_context  # noqa: PLC0415
    from alerts.deliver.lanes import RetryPolicy  # noqa: PLC0415
    from alerts.errors import DeliveryError  # noqa: PLC0415
    from alerts.store import SubscriptionStore  # noqa: PLC0415

    m = settings.mqtt
    username, password = m.credentials
    mqtt = await stack.enter_async_context(
        MqttChannel(
            host=m.host,
            port=m.port,
            username=username,
            password=password,
            topic_prefix=m.topic_prefix,
            qos=m.qos,
            identifier=m.client_id,
            tls_context=mqtt_tls_context(
                ca_file=m.tls_ca_file,
                cert_file=m.tls_cert_file,
                key_file=m.tls_key_file,
                key_password=m.tls_key_password.get_secret_value() if m.tls_key_password else None,
                check_hostname=m.tls_check_hostname,
            )
            if m.use_tls
            else None,
        )
    )
    secrets = settings.alerts.webhook_secrets

    def secret_for(subscriber: str) -> bytes:
        if subscriber not in secrets:
            raise DeliveryError("no webhook secret for subscriber", channel="webhook", target=subscriber)
        return secrets[subscriber].get_secret_value().encode()

    client = await stack.enter_async_context(httpx.AsyncClient())
    channels: list[Channel] = [
        mqtt,
        WebhookChannel(client, secret_for=secret_for, attempts=settings.alerts.webhook_attempts),
        AppriseChannel(),
        sse,
    ]
    store = SubscriptionStore(bus, topics=settings.topics)
    services = [
        DeliverService(
            bus=bus,
            topics=settings.topics,
            store=store,
            channel=channel,
            default_channels=settings.alerts.default_channels,
            every_alert=channel is sse,
            retry=RetryPolicy(
                max_age=timedelta(seconds=settings.alerts.delivery_max_age_s),
                max_s=settings.alerts.delivery_backoff_max_s,
            ),
            max_pending=settings.alerts.delivery_max_pending,
            window=settings.alerts.delivery_window,
        )
        for channel in channels
    ]

    async def run_deliver(stop: asyncio.Event, started: asyncio.Event) -> None:
        # One stage per channel (own consumer group): a slow webhook never holds back MQTT.
        ready = [asyncio.Event() for _ in services]
        table = store.table()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(run_until(stop, table.follow()), name="deliver-subscriptions")
            await table.ready.wait()
            for service, ev in zip(services, ready, strict=True):
                tg.create_task(service.deliver(stop, started=ev), name=f"deliver:{service.channel.name}")
            await asyncio.gather(*(e.wait() for e in ready))
            started.set()

    return run_deliver


async def run_backtest(settings: Settings, query: str, *, since: str) -> None:
    """Replay the enriched topic and print what ``query`` would have matched, one JSON line per story."""
    import json  # noqa: PLC0415

    from alerts.backtest import backtest_topic, parse_since  # noqa: PLC0415

    now = utcnow()
    start = parse_since(since, now)
    horizon = settings.retention.backtest_horizon_hours
    if (now - start).total_seconds() > horizon * 3600:
        # The enriched topic keeps only so long (issue 16): say so rather than return fewer hits silently.
        typer.echo(
            f"wirewatch: note: --since {since} reaches past the {horizon} h the enriched topic keeps "
            "(WIREWATCH_RETENTION__BACKTEST_HORIZON_HOURS): older stories are gone",
            err=True,
        )
    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=settings.kafka.partitions))
        with status("backtest: replaying the enriched topic"):
            hits = await backtest_topic(bus, query, start, now, topics=settings.topics)
    for hit in hits:
        line = {
            "story_id": hit.story.id,
            "cluster_id": hit.story.cluster_id,
            "title": hit.story.title,
            "published_at": hit.story.published_at.isoformat() if hit.story.published_at else None,
            "explanation": [c.model_dump(mode="json") for c in hit.explanation],
        }
        typer.echo(json.dumps(line, ensure_ascii=False))
