"""Prometheus metrics every stage reports, and the health endpoints beside them.

Served on ``WIREWATCH_METRICS_HOST``:``WIREWATCH_METRICS_PORT`` when the port is set:
``/metrics`` (Prometheus text), ``/healthz`` (the process answers) and ``/readyz`` (brokers
reachable, state replayed, subscriptions loaded: 200, else 503 with the failing checks).
Every name here is what ``deploy/grafana/wirewatch.json`` and ``deploy/prometheus/rules.yml``
query; a test checks that they use no other.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from wirewatch.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.types import StartResponse, WSGIEnvironment

MESSAGES = Counter(
    "wirewatch_messages_total",
    "Records a stage loop handled, by outcome: ok, or dead_letter (the record went to the DLQ). "
    "Delivery stages count the alerts they settled: delivered (ok) or given up (dead_letter)",
    ["stage", "outcome"],
)
HANDLE_SECONDS = Histogram(
    "wirewatch_handle_seconds",
    "Time to handle one message",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
DEAD_LETTERS = Counter(
    "wirewatch_dead_letters_total",
    "Dead letters published, by the stage that wrote them (ingest, process, alert, deliver…) and error type",
    ["stage", "error_type"],
)
STAGE_SECONDS = Histogram(
    "wirewatch_stage_seconds",
    "Where a stage's time goes, per batch: poll (waiting for input), handle (the pipeline and "
    "publishing), ack (waiting for the bus to acknowledge what was published), state (writing the "
    "changelogs), commit (committing the input offsets)",
    ["stage", "phase"],
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
BATCH_RECORDS = Histogram(
    "wirewatch_batch_records",
    "Records per batch a stage handled",
    ["stage"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
CONSUMER_LAG = Gauge(
    "wirewatch_consumer_lag",
    "Records written to a partition that the group's member here has not read yet "
    "(log end offset minus the consumer's position), sampled every few seconds",
    ["group", "topic", "partition"],
)
STAGE_UP = Gauge(
    "wirewatch_stage_up",
    "1 while a stage's loop runs (its state replayed), 0 once it stopped",
    ["stage"],
)
STAGE_HEARTBEAT = Gauge(
    "wirewatch_stage_heartbeat_timestamp_seconds",
    "When a stage's loop last went round (Unix time): a stuck loop stops moving it",
    ["stage"],
)
INGESTED = Counter(
    "wirewatch_ingest_total",
    "What the ingest stage made of its input, by kind of source (folder, stdin, http, web; embargo "
    "for releases) and outcome: emitted, duplicate, held (embargo), released (embargo lifted), "
    "rejected (an input sent to the DLQ)",
    ["source", "outcome"],
)
DELIVERIES = Counter(
    "wirewatch_deliveries_total",
    "Alert deliveries by channel and outcome: ok (delivered), retry (one more try after a "
    "failed one), dead_letter (the channel gave up: the alert went to the DLQ)",
    ["channel", "outcome"],
)
MQTT_CONNECTED = Gauge(
    "wirewatch_mqtt_connected",
    "1 while the delivery stage's MQTT connection to the broker (host:port) is up, 0 while it reconnects",
    ["broker"],
)
READY = Gauge(
    "wirewatch_ready",
    "1 when a readiness check passes (bus, subscriptions, stage:<name>), else 0",
    ["check"],
)


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check's state."""

    ok: bool
    detail: str
    since: float


class Readiness:
    """Named readiness checks; ready when there is at least one and every one passes.

    The services mark them from the event loop and the metrics server reads them from its
    thread: each change replaces one dict entry (atomic), and readers take a copy.
    """

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def reset(self, *expected: str) -> None:
        """Forget every check; ``expected`` ones start failing ("not yet")."""
        for name in self._checks:
            READY.remove(name)
        self._checks = {}
        for name in expected:
            self.mark(name, ok=False, detail="not yet")

    def mark(self, name: str, *, ok: bool = True, detail: str = "") -> None:
        """Set check ``name`` (added if new)."""
        self._checks[name] = Check(ok, detail, time.time())
        READY.labels(name).set(1 if ok else 0)

    def report(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        """``(ready, {check: {"ok", "detail"}})``."""
        checks = dict(self._checks)
        ready = bool(checks) and all(c.ok for c in checks.values())
        return ready, {n: {"ok": c.ok, "detail": c.detail} for n, c in sorted(checks.items())}


#: The process's readiness (like prometheus_client's REGISTRY: one per process).
READINESS = Readiness()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Scrapes every few seconds are not worth a log line."""


def _health_app(
    readiness: Readiness, metrics: Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]
) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path not in {"/healthz", "/readyz"}:
            return metrics(environ, start_response)
        body: dict[str, Any]
        if path == "/healthz":
            code, body = "200 OK", {"status": "ok"}
        else:
            ready, checks = readiness.report()
            code = "200 OK" if ready else "503 Service Unavailable"
            body = {"ready": ready, "checks": checks}
        data = json.dumps(body).encode()
        start_response(code, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app


class MetricsServer:
    """The metrics port: ``/metrics``, ``/healthz``, ``/readyz``, served by a daemon thread."""

    def __init__(self, host: str, port: int, readiness: Readiness = READINESS) -> None:
        # prometheus_client's own threading WSGI server, with two more paths in front of its app.
        try:
            self._server = make_server(
                host,
                port,
                _health_app(readiness, make_wsgi_app()),
                ThreadingWSGIServer,
                handler_class=_QuietHandler,
            )
        except OSError as exc:
            raise ConfigError(
                f"cannot serve metrics on {host}:{port}: {exc.strerror or exc} (choose another "
                "WIREWATCH_METRICS_PORT, or WIREWATCH_METRICS_HOST)",
                host=host,
                port=port,
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port it listens on (the one asked for, or the one given for 0)."""
        return int(self._server.server_address[1])

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()


def serve_metrics(port: int, host: str = "127.0.0.1", readiness: Readiness = READINESS) -> MetricsServer:
    """Expose ``/metrics``, ``/healthz`` and ``/readyz`` on ``host:port`` (in a daemon thread)."""
    return MetricsServer(host, port, readiness)
