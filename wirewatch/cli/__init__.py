"""The ``wirewatch`` command: the composition root, and the only part of ``wirewatch/`` that imports stages.

Settings are read once here (environment ``WIREWATCH_*``, then flags) and passed down.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from wirewatch.errors import ConfigError, WirewatchError
from wirewatch.logging import configure_logging
from wirewatch.runner import utcnow
from wirewatch.settings import Settings

app = typer.Typer(
    name="wirewatch",
    help="Real-time news ingestion, tagging and alerting.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Embedded log and inbox live here.")]
Kafka = Annotated[
    str | None, typer.Option("--kafka", help="Kafka bootstrap servers: use Kafka, not the embedded log.")
]
MqttUrl = Annotated[
    str | None, typer.Option("--mqtt-url", help="External MQTT broker (mqtt://user:pass@host:port).")
]
MqttPort = Annotated[int | None, typer.Option("--mqtt-port", help="Port of the embedded MQTT broker.")]
SubsFile = Annotated[
    Path | None, typer.Option("--subscriptions", help="JSON array of subscriptions to load.")
]


def _settings(
    *,
    data_dir: Path | None = None,
    kafka: str | None = None,
    mqtt_url: str | None = None,
    mqtt_port: int | None = None,
    subscriptions: Path | None = None,
    **extra: Any,
) -> Settings:
    """Read the settings once (environment), then apply the flags given."""
    settings = Settings()
    update: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if data_dir is not None:
        update["data_dir"] = data_dir
    if kafka is not None:
        update["kafka_bootstrap"] = kafka
    if mqtt_url is not None:
        update["mqtt_url"] = mqtt_url
    if subscriptions is not None:
        update["subscriptions_file"] = subscriptions
    if mqtt_port is not None:
        update["mqtt"] = settings.mqtt.model_copy(update={"url": f"mqtt://127.0.0.1:{mqtt_port}"})
    settings = settings.model_copy(update=update).resolved()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _fail(exc: WirewatchError) -> typer.Exit:
    typer.echo(f"wirewatch: {exc}", err=True)
    return typer.Exit(code=2)


def _serve(coro: Any) -> None:
    """Run a service until it stops; our errors (also from inside a TaskGroup) become exit code 2."""
    try:
        asyncio.run(coro)
    except KeyboardInterrupt:
        pass
    except WirewatchError as exc:
        raise _fail(exc) from exc
    except BaseExceptionGroup as group:
        # A stage failed (e.g. the broker is gone): say which error, not a traceback of the task tree.
        ours = group.subgroup(lambda e: isinstance(e, WirewatchError | BaseExceptionGroup))
        if ours is None:
            raise
        raise _fail(_first(ours)) from group


def _first(group: BaseExceptionGroup[BaseException]) -> WirewatchError:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    if not isinstance(exc, WirewatchError):
        raise group
    return exc


@app.command()
def run(
    data_dir: DataDir = None,
    subscriptions: SubsFile = None,
    mqtt_port: MqttPort = None,
    kafka: Kafka = None,
    mqtt_url: MqttUrl = None,
    api: Annotated[bool | None, typer.Option("--api/--no-api", help="Serve the HTTP API.")] = None,
    stdin: Annotated[bool, typer.Option("--stdin", help="Also read JSON lines from stdin.")] = False,
    sources: Annotated[Path | None, typer.Option("--sources", help="Sources file (YAML or TOML).")] = None,
    process_workers: Annotated[
        int,
        typer.Option(
            "--process-workers",
            min=0,
            envvar="WIREWATCH_PROCESS_WORKERS",
            help="Run the process stage (tagging) in N child processes (N cores); 0: all in one process.",
        ),
    ] = 0,
) -> None:
    """Run every stage in one process (embedded log and MQTT broker by default)."""
    from wirewatch.cli.services import run_all  # noqa: PLC0415

    s = _settings(
        data_dir=data_dir, kafka=kafka, mqtt_url=mqtt_url, mqtt_port=mqtt_port, subscriptions=subscriptions
    )
    if api is not None:
        s = s.model_copy(update={"api": s.api.model_copy(update={"enabled": api})})
    if sources is not None:
        s = s.model_copy(update={"ingest": s.ingest.model_copy(update={"sources_file": sources})})
    _serve(run_all(s, stdin=stdin, process_workers=process_workers))


@app.command()
def ingest(
    data_dir: DataDir = None,
    kafka: Kafka = None,
    inbox: Annotated[
        Path | None, typer.Option("--inbox", help="Drop folder (default DATA_DIR/inbox).")
    ] = None,
    sources: Annotated[Path | None, typer.Option("--sources", help="Sources file (YAML or TOML).")] = None,
    stdin: Annotated[bool, typer.Option("--stdin", help="Read JSON lines from stdin.")] = False,
) -> None:
    """Run the ingest stage: sources → stories.raw."""
    from wirewatch.cli.services import run_stages  # noqa: PLC0415

    s = _settings(data_dir=data_dir, kafka=kafka)
    if sources is not None:
        s = s.model_copy(update={"ingest": s.ingest.model_copy(update={"sources_file": sources})})
    _serve(run_stages(s, ["ingest"], stdin=stdin, inbox=inbox))


@app.command()
def process(data_dir: DataDir = None, kafka: Kafka = None) -> None:
    """Run the process stage: stories.raw → tags + cluster → stories.enriched."""
    from wirewatch.cli.services import run_stages  # noqa: PLC0415

    _serve(run_stages(_settings(data_dir=data_dir, kafka=kafka), ["process"]))


@app.command()
def alert(
    data_dir: DataDir = None,
    kafka: Kafka = None,
    mqtt_url: MqttUrl = None,
    subscriptions: SubsFile = None,
    deliver: Annotated[bool, typer.Option("--deliver/--no-deliver", help="Also run delivery.")] = True,
) -> None:
    """Run the alert stage (match → alerts) and, by default, delivery (alerts → channels)."""
    from wirewatch.cli.services import run_stages  # noqa: PLC0415

    s = _settings(data_dir=data_dir, kafka=kafka, mqtt_url=mqtt_url, subscriptions=subscriptions)
    _serve(run_stages(s, ["alert", "deliver"] if deliver else ["alert"]))


@app.command()
def deliver(data_dir: DataDir = None, kafka: Kafka = None, mqtt_url: MqttUrl = None) -> None:
    """Run delivery only: alerts → MQTT, webhooks, Apprise, SSE."""
    from wirewatch.cli.services import run_stages  # noqa: PLC0415

    _serve(run_stages(_settings(data_dir=data_dir, kafka=kafka, mqtt_url=mqtt_url), ["deliver"]))


@app.command()
def extract(inputs: Annotated[list[str], typer.Argument(help="Files or URLs.")]) -> None:
    """Print one Story JSON per line for each input (a feed or package gives one per item)."""
    from wirewatch.cli.offline import dumps, read_input  # noqa: PLC0415

    s = _settings()
    now = utcnow()
    code = 0
    for spec in inputs:
        try:
            for story in read_input(spec, now=now, max_bytes=s.ingest.max_bytes):
                typer.echo(dumps(story))
        except WirewatchError as exc:
            typer.echo(f"wirewatch: {spec}: {exc}", err=True)
            code = 1
    raise typer.Exit(code)


@app.command()
def tag(inputs: Annotated[list[str], typer.Argument(help="Files or URLs.")]) -> None:
    """Print one EnrichedStory JSON per line, in input order."""
    from wirewatch.cli.offline import OfflinePipeline, dumps, read_input  # noqa: PLC0415

    s = _settings()
    now = utcnow()
    pipeline = OfflinePipeline.build(kb_cache_dir=s.kb_cache_dir)
    code = 0
    for spec in inputs:
        try:
            for story in read_input(spec, now=now, max_bytes=s.ingest.max_bytes):
                typer.echo(dumps(pipeline.enrich(story)))
        except WirewatchError as exc:
            typer.echo(f"wirewatch: {spec}: {exc}", err=True)
            code = 1
    raise typer.Exit(code)


@app.command()
def match(
    subscriptions: Annotated[Path, typer.Option("--subscriptions", help="JSON array of subscriptions.")],
    inputs: Annotated[list[str], typer.Argument(help="Files or URLs.")],
) -> None:
    """Print one Alert JSON per line: what these subscriptions give for these inputs."""
    from wirewatch.cli.offline import OfflinePipeline, dumps, load_subscriptions, read_input  # noqa: PLC0415

    s = _settings()
    now = utcnow()
    try:
        pipeline = OfflinePipeline.build(load_subscriptions(subscriptions), kb_cache_dir=s.kb_cache_dir)
    except WirewatchError as exc:
        raise _fail(exc) from exc
    code = 0
    for spec in inputs:
        try:
            stories = read_input(spec, now=now, max_bytes=s.ingest.max_bytes)
        except WirewatchError as exc:
            typer.echo(f"wirewatch: {spec}: {exc}", err=True)
            code = 1
            continue
        for _, alerts in pipeline.run(stories, now=now):
            for a in alerts:
                typer.echo(dumps(a))
    raise typer.Exit(code)


@app.command()
def backtest(
    query: Annotated[
        str, typer.Argument(help='Lucene query, e.g. actor:NATO AND region:"Russia–Ukraine border".')
    ],
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 12h, 7d.")] = "7d",
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Replay the enriched topic and show what a query would have matched."""
    from wirewatch.cli.services import run_backtest  # noqa: PLC0415

    s = _settings(data_dir=data_dir, kafka=kafka)
    _serve(run_backtest(s, query, since=since))


@app.command()
def topics(
    data_dir: DataDir = None,
    kafka: Kafka = None,
    alter: Annotated[
        bool, typer.Option("--alter", help="Set the declared configs on topics whose configs drifted.")
    ] = False,
) -> None:
    """Create the declared topics (idempotent), print them, and report drift (exit 1 if any is left)."""
    from wirewatch.cli.topics import apply_topics  # noqa: PLC0415

    s = _settings(data_dir=data_dir, kafka=kafka)
    try:
        report = asyncio.run(apply_topics(s, alter=alter))
    except WirewatchError as exc:
        raise _fail(exc) from exc
    for spec in topic_table(s):
        typer.echo(spec)
    for name in report.created:
        typer.echo(f"created {name}", err=True)
    for d in report.drift:
        typer.echo(f"drift: {d}", err=True)
    for name in report.altered:
        typer.echo(f"altered {name}: declared configs set", err=True)
    raise typer.Exit(1 if report.remaining else 0)


def topic_table(s: Settings) -> list[str]:
    """One line per declared topic: name, partitions, then its Kafka configs."""
    from wirewatch.bus import topic_specs  # noqa: PLC0415

    return [
        f"{t.name}\tpartitions={t.partitions}\t" + "\t".join(f"{k}={v}" for k, v in t.config.items())
        for t in topic_specs(s.topics, partitions=s.kafka.partitions)
    ]


subs_app = typer.Typer(
    help="Manage subscriptions (kept in the compacted subscriptions topic).", no_args_is_help=True
)
app.add_typer(subs_app, name="subscriptions")


@subs_app.command("list")
def subs_list(
    subscriber: Annotated[str | None, typer.Option(help="Only this subscriber's.")] = None,
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Print the subscriptions, one JSON per line."""
    from wirewatch.cli.services import list_subscriptions  # noqa: PLC0415

    s = _settings(data_dir=data_dir, kafka=kafka)
    for sub in asyncio.run(list_subscriptions(s, subscriber=subscriber)):
        typer.echo(sub.model_dump_json())


@subs_app.command("add")
def subs_add(
    sub_id: Annotated[str, typer.Argument(help="Subscription id.")],
    subscriber: Annotated[str, typer.Option(help="Who receives the alerts.")],
    query: Annotated[
        str,
        typer.Option(
            help='Lucene query, e.g. actor:NATO AND region:"Russia–Ukraine border"; geo: near:Kharkiv~100km, '
            "bbox:[44.0,22.0 TO 52.5,40.2] (south,west TO north,east)."
        ),
    ],
    channel: Annotated[list[str] | None, typer.Option(help="Channels (mqtt, webhook, apprise, sse).")] = None,
    webhook_url: Annotated[str | None, typer.Option(help="Webhook target.")] = None,
    check: Annotated[
        bool, typer.Option(help="Warn about values the knowledge base lacks (loads it: seconds).")
    ] = True,
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Add or replace a subscription (an invalid query is refused with where it fails).

    A value that names nothing the knowledge base knows (``actor:NATOO``) is accepted with a
    warning and close names: it can only match a story where that exact name is tagged.
    """
    from schemas import CHANNELS, Subscription, SubscriptionOptions  # noqa: PLC0415
    from wirewatch.cli.services import put_subscription  # noqa: PLC0415

    s = _settings(data_dir=data_dir, kafka=kafka)
    channels = tuple(channel or ("mqtt",))
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        raise _fail(ConfigError(f"unknown channel {', '.join(unknown)}: choose from {', '.join(CHANNELS)}"))
    try:
        options = SubscriptionOptions(channels=channels, webhook_url=webhook_url)
        sub = Subscription(id=sub_id, subscriber=subscriber, query=query, options=options)
    except ValidationError as exc:
        raise _fail(ConfigError(f"invalid subscription: {_first_problem(exc)}")) from None
    _serve(put_subscription(s, sub))
    typer.echo(sub.model_dump_json())
    if check:
        from wirewatch.cli.knowledge import query_warnings  # noqa: PLC0415

        for warning in query_warnings(s, sub.query):
            typer.echo(f"wirewatch: warning: {warning}", err=True)


def _first_problem(exc: ValidationError) -> str:
    """One line for a pydantic error: which field, and what is wrong with it."""
    errors = exc.errors()
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "value"
    return f"{where}: {first.get('msg', 'invalid')} (got {first.get('input')!r})"


@subs_app.command("delete")
def subs_delete(
    sub_id: Annotated[str, typer.Argument(help="Subscription id.")],
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Delete a subscription (a tombstone in the compacted topic)."""
    from wirewatch.cli.services import delete_subscription  # noqa: PLC0415

    _serve(delete_subscription(_settings(data_dir=data_dir, kafka=kafka), sub_id))


# Registered last: the module takes the helpers above from this one.
from wirewatch.cli.knowledge import kb_app  # noqa: E402

app.add_typer(kb_app, name="kb")


def main() -> None:
    """Entry point of the ``wirewatch`` console script."""
    try:
        app()
    except WirewatchError as exc:  # pragma: no cover - commands turn these into exit codes
        typer.echo(f"wirewatch: {exc}", err=True)
        sys.exit(2)
