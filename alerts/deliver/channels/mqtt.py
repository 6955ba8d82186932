"""MQTT delivery (aiomqtt): one connection, a reconnect loop, QoS 1, topic per subscriber.

Each alert goes to ``<prefix>/<subscriber>/<subscription id>`` with the Alert JSON
as payload; the payload carries the alert's idempotency ``key``, so a client that
sees a redelivery after a reconnect or a restart can drop it. ``send`` returns only
once the broker acknowledged the message (PUBACK), so the delivery stage commits
its offset after the analyst's broker has the alert: at-least-once. While the broker
is away ``send`` waits for it (by default with no bound of its own: the delivery
stage's lane bounds it by the alert's maximum age), publishing again after reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
import ssl
from typing import TYPE_CHECKING, Any, Self

import aiomqtt
import structlog

from alerts.errors import DeliveryError
from wirewatch.errors import ConfigError
from wirewatch.metrics import DELIVERIES, MQTT_CONNECTED

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from schemas import Alert, Subscription

log = structlog.get_logger("wirewatch.alerts.mqtt")

# One publish's wait for its PUBACK on a live link: generous, since hundreds may be in flight on a
# loaded machine, and a timeout publishes the alert again (a duplicate the key lets clients drop).
_PUBACK_TIMEOUT_S = 60.0


def alert_topic(prefix: str, alert: Alert) -> str:
    """The MQTT topic of an alert: one subtree per subscriber, one topic per subscription."""
    return f"{prefix}/{alert.subscriber}/{alert.subscription_id}"


async def _acknowledged(publishing: asyncio.Future[None], lost: asyncio.Event) -> bool:
    """Wait for the PUBACK; False if the link dropped first (raises MqttError if the publish failed)."""
    dropped: asyncio.Future[Any] = asyncio.ensure_future(lost.wait())
    either: list[asyncio.Future[Any]] = [publishing, dropped]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        dropped.cancel()
        if not publishing.done():
            publishing.cancel()
    if publishing.cancelled():
        return False
    publishing.result()
    return True


async def _until_disconnected(client: aiomqtt.Client) -> None:
    async for _ in client.messages:
        pass


class MqttChannel:
    """Publishes alerts to an MQTT broker, reconnecting with capped, jittered backoff.

    Use as ``async with MqttChannel(...) as channel: await channel.send(alert, sub)``.
    """

    name = "mqtt"
    #: Sends may overlap: one connection, QoS 1, so the broker gets them in the order they start.
    pipelined = True

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        topic_prefix: str = "wirewatch/alerts",
        qos: int = 1,
        identifier: str | None = None,
        send_timeout_s: float | None = None,
        max_backoff_s: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._tls_context = tls_context  # None: plain TCP; see tls_context() below
        self._username, self._password = username, password
        self._prefix, self._qos = topic_prefix, qos
        self._identifier = identifier
        self._send_timeout = send_timeout_s
        self._max_backoff = max_backoff_s
        self._client: aiomqtt.Client | None = None
        self._connected = asyncio.Event()
        # Set when the current link drops: publishes still waiting for their PUBACK on it are sent
        # again at once, in their order, instead of waiting out their timeout behind later ones.
        self._link_lost = asyncio.Event()
        # Sends publish in the order they were called, also after a reconnect: each takes a ticket,
        # and only the smallest ticket not yet (re)published may publish (then passes the turn).
        self._tickets = itertools.count()
        self._queue: list[int] = []  # heap of tickets waiting to publish
        self._changed = asyncio.Event()  # replaced and set whenever the queue or the link changes
        self._stop = asyncio.Event()
        self._tasks: asyncio.TaskGroup | None = None
        self.reconnects = 0

    async def __aenter__(self) -> Self:
        self._tasks = asyncio.TaskGroup()
        await self._tasks.__aenter__()
        self._tasks.create_task(self._connection_loop(), name="mqtt-connection")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._tasks is not None:
            await self._tasks.__aexit__(exc_type, exc, tb)

    async def _connection_loop(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                await self._connect_once()
                attempt = 0
            except* aiomqtt.MqttError as group:
                attempt += 1
                self.reconnects += 1
                delay = min(self._max_backoff, 0.2 * 2**attempt) * random.uniform(0.5, 1.0)  # noqa: S311
                log.warning(
                    "mqtt disconnected; reconnecting", error=str(group.exceptions[0]), retry_in_s=delay
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stop.wait()

    async def _connect_once(self) -> None:
        """Connect and stay connected until asked to stop; raise MqttError when the link drops."""
        try:
            async with aiomqtt.Client(
                self._host,
                self._port,
                username=self._username,
                password=self._password,
                identifier=self._identifier,
                keepalive=30,
                tls_context=self._tls_context,
            ) as client:
                self._client = client
                self._link_lost = asyncio.Event()
                self._connected.set()
                self._notify()
                MQTT_CONNECTED.labels(f"{self._host}:{self._port}").set(1)
                log.info("mqtt connected", host=self._host, port=self._port)
                async with asyncio.TaskGroup() as tg:
                    # We subscribe to nothing: iterating the messages only ends when the link drops.
                    watcher = tg.create_task(_until_disconnected(client), name="mqtt-watch")
                    await self._stop.wait()
                    watcher.cancel()
        finally:
            self._connected.clear()
            self._link_lost.set()
            self._client = None
            MQTT_CONNECTED.labels(f"{self._host}:{self._port}").set(0)

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _turn(self, ticket: int) -> tuple[aiomqtt.Client, asyncio.Event]:
        """Wait until linked and ``ticket`` is the first waiting; return the client and its link's event."""
        while True:
            client = self._client
            if client is not None and self._connected.is_set() and self._queue and self._queue[0] == ticket:
                return client, self._link_lost
            await self._changed.wait()

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Publish ``alert`` with QoS 1; return once the broker acknowledged it (retrying over reconnects)."""
        topic = alert_topic(self._prefix, alert)
        payload = alert.to_bytes()
        ticket = next(self._tickets)
        heapq.heappush(self._queue, ticket)
        try:
            async with asyncio.timeout(self._send_timeout):
                while True:
                    client, lost = await self._turn(ticket)
                    # Created before the turn passes on: the publishes reach the client in ticket order.
                    publishing = asyncio.ensure_future(
                        client.publish(topic, payload, qos=self._qos, timeout=_PUBACK_TIMEOUT_S)
                    )
                    heapq.heappop(self._queue)
                    self._notify()
                    try:
                        if await _acknowledged(publishing, lost):
                            return
                    except aiomqtt.MqttError as exc:
                        log.warning("mqtt publish failed; will retry", topic=topic, error=str(exc))
                        DELIVERIES.labels(self.name, "retry").inc()
                        # Back in the queue at once, in our place: later sends wait behind us. Not
                        # _connected.clear(): a PUBACK timeout on a live link would then wait for a
                        # reconnect that never comes. A dropped link is seen by the connection loop.
                        heapq.heappush(self._queue, ticket)
                        await asyncio.sleep(0.2)
                        continue
                    heapq.heappush(self._queue, ticket)  # the link dropped first: again, in our place
        except TimeoutError as exc:
            raise DeliveryError(
                f"MQTT broker did not acknowledge within {self._send_timeout}s",
                channel=self.name,
                target=topic,
                retryable=True,
                key=alert.key,
                subscription_id=subscription.id,
            ) from exc
        finally:
            if ticket in self._queue:  # cancelled or timed out while waiting: let the next go
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._notify()


def tls_context(
    *,
    ca_file: Path | None = None,
    cert_file: Path | None = None,
    key_file: Path | None = None,
    key_password: str | None = None,
    check_hostname: bool = True,
) -> ssl.SSLContext:
    """The TLS context of the MQTT connection (``MqttChannel(tls_context=...)``).

    It trusts ``ca_file`` (else the system's CAs), presents a client certificate when given
    (mutual TLS) and checks the broker's host name unless ``check_hostname`` is off.
    """
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
        if cert_file is not None:
            context.load_cert_chain(cert_file, key_file, password=key_password)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load MQTT TLS files: {exc}",
            ca_file=str(ca_file),
            cert_file=str(cert_file),
            key_file=str(key_file),
        ) from exc
    if key_file is not None and cert_file is None:
        raise ConfigError("mqtt.tls_key_file is set without mqtt.tls_cert_file", key_file=str(key_file))
    context.check_hostname = check_hostname
    return context
