"""MQTT delivery (aiomqtt): one connection, a reconnect loop, QoS 1, topic per subscriber.

Each alert goes to ``<prefix>/<subscriber>/<subscription id>`` with the Alert JSON
as payload; the payload carries the alert's idempotency ``key``, so a client that
sees a redelivery after a reconnect or a restart can drop it. ``send`` returns only
once the broker acknowledged the message (PUBACK), so the delivery stage commits
its offset after the analyst's broker has the alert: at-least-once. While the broker
is away ``send`` waits for it (by default with no bound of its own: the delivery
stage's lane bounds it by the alert's maximum age), publishing again after reconnects.

Many sends are in flight at once (the lane's window): each publish goes straight to the
connection's paho client and waits on one future, completed by the PUBACK callback. aiomqtt's
own ``publish`` costs a task, a ``wait_for`` and a scan of every pending call per message (a
warning line per message past ten in flight), which was most of the stage's CPU per alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
import ssl
import time
from typing import TYPE_CHECKING, Self

import aiomqtt
import paho.mqtt.client as paho
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
        max_inflight: int = 0,
        puback_timeout_s: float = _PUBACK_TIMEOUT_S,
    ) -> None:
        self._host, self._port = host, port
        self._tls_context = tls_context  # None: plain TCP; see tls_context() below
        self._username, self._password = username, password
        self._prefix, self._qos = topic_prefix, qos
        self._identifier = identifier
        self._send_timeout = send_timeout_s
        self._max_backoff = max_backoff_s
        # QoS 1 publishes paho sends before their PUBACKs; 0: no limit of its own, the delivery lane's
        # window bounds them. (paho's default, 20, queued the rest of the window inside paho, and a
        # positive limit makes it rescan every unacknowledged message on each PUBACK.)
        self._max_inflight = max_inflight
        self._puback_timeout = puback_timeout_s
        self._client: paho.Client | None = None  # the live link's paho client, None while away
        # Publishes awaiting their PUBACK on the live link, in publish order: mid -> (future, sent at).
        # The future says True once acknowledged, False if the link dropped first (publish again).
        self._acks: dict[int, tuple[asyncio.Future[bool], float]] = {}
        # Sends publish in the order they were called, also after a reconnect: each takes a ticket;
        # while tickets wait (no link, or a retry), only the smallest may publish (then passes the turn).
        self._tickets = itertools.count()
        self._queue: list[int] = []  # heap of tickets waiting to publish
        self._changed = asyncio.Event()  # replaced and set whenever the queue or the link changes
        self._stop = asyncio.Event()
        self._tasks: asyncio.TaskGroup | None = None
        self._retries = DELIVERIES.labels(self.name, "retry")
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

    @property
    def in_flight(self) -> int:
        """Publishes sent on the live link and not acknowledged yet."""
        return len(self._acks)

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
                max_inflight_messages=self._max_inflight,
            ) as client:
                # Publishes bypass aiomqtt (see the module docstring): its paho client is private
                # but stable within aiomqtt 2.x (pinned <3). Nothing here uses aiomqtt's publish,
                # so its PUBACK callback is replaced by ours rather than chained.
                link: paho.Client = client._client  # noqa: SLF001
                link.on_publish = self._on_puback
                self._client = link
                self._notify()
                MQTT_CONNECTED.labels(f"{self._host}:{self._port}").set(1)
                log.info("mqtt connected", host=self._host, port=self._port)
                async with asyncio.TaskGroup() as tg:
                    # We subscribe to nothing: iterating the messages only ends when the link drops.
                    watcher = tg.create_task(_until_disconnected(client), name="mqtt-watch")
                    expiry = tg.create_task(self._expire_unacknowledged(), name="mqtt-puback-timeout")
                    await self._stop.wait()
                    watcher.cancel()
                    expiry.cancel()
        finally:
            self._client = None
            self._link_lost()
            MQTT_CONNECTED.labels(f"{self._host}:{self._port}").set(0)

    def _on_puback(self, _client: object, _userdata: object, mid: int, _rc: object, _props: object) -> None:
        """The broker acknowledged ``mid`` (paho's on_publish, called on the event loop's thread)."""
        pending = self._acks.pop(mid, None)
        if pending is not None and not pending[0].done():
            pending[0].set_result(True)

    def _link_lost(self) -> None:
        """Tell every publish awaiting its PUBACK on the dropped link to publish again (in order)."""
        acks, self._acks = self._acks, {}
        for future, _ in acks.values():  # in publish order: their senders wake and queue in that order
            if not future.done():
                future.set_result(False)
        self._notify()

    async def _expire_unacknowledged(self) -> None:
        """Fail publishes whose PUBACK is overdue on a live link: their senders publish them again."""
        while True:
            await asyncio.sleep(self._puback_timeout / 4)
            cutoff = time.monotonic() - self._puback_timeout
            overdue = []
            for mid, (_, sent) in self._acks.items():  # oldest first: stop at the first one in time
                if sent > cutoff:
                    break
                overdue.append(mid)
            for mid in overdue:
                future, _ = self._acks.pop(mid)
                if not future.done():
                    future.set_exception(aiomqtt.MqttError(f"no PUBACK within {self._puback_timeout}s"))

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _turn(self, ticket: int) -> paho.Client:
        """Wait until linked and ``ticket`` is the first waiting; take it out and return the link."""
        while True:
            client = self._client
            if client is not None and self._queue[0] == ticket:
                heapq.heappop(self._queue)
                self._notify()
                return client
            await self._changed.wait()

    def _publish(self, client: paho.Client, topic: str, payload: bytes) -> asyncio.Future[bool]:
        """Hand one message to paho; the future completes with its PUBACK (see ``_acks``)."""
        info = client.publish(topic, payload, qos=self._qos)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise aiomqtt.MqttCodeError(info.rc, "Could not publish message")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._acks[info.mid] = (future, time.monotonic())
        return future

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Publish ``alert`` with QoS 1; return once the broker acknowledged it (retrying over reconnects)."""
        topic = alert_topic(self._prefix, alert)
        payload = alert.to_bytes()
        ticket = next(self._tickets)
        try:
            if self._send_timeout is None:
                await self._send(ticket, topic, payload)
            else:
                async with asyncio.timeout(self._send_timeout):
                    await self._send(ticket, topic, payload)
        except (TimeoutError, ValueError) as exc:
            # ValueError: paho refuses the topic (a wildcard in it) or an oversized payload.
            timed_out = isinstance(exc, TimeoutError)
            raise DeliveryError(
                f"MQTT broker did not acknowledge within {self._send_timeout}s"
                if timed_out
                else f"MQTT refused the message: {exc}",
                channel=self.name,
                target=topic,
                retryable=timed_out,
                key=alert.key,
                subscription_id=subscription.id,
            ) from exc
        finally:
            if ticket in self._queue:  # cancelled or timed out while waiting: let the next go
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._notify()

    async def _send(self, ticket: int, topic: str, payload: bytes) -> None:
        client = self._client
        # Straight to the link when nobody waits before us (every earlier ticket was published).
        if client is None or self._queue:
            client = await self._wait_turn(ticket)
        while True:
            try:
                if await self._publish(client, topic, payload):
                    return
            except aiomqtt.MqttError as exc:
                log.warning("mqtt publish failed; will retry", topic=topic, error=str(exc))
                self._retries.inc()
                # Back in the queue at once, in our place: later sends wait behind us. A dropped
                # link is seen by the connection loop; a PUBACK timeout on a live one is not a drop.
                heapq.heappush(self._queue, ticket)
                await asyncio.sleep(0.2)
                client = await self._turn(ticket)
                continue
            client = await self._wait_turn(ticket)  # the link dropped first: again, in our place

    async def _wait_turn(self, ticket: int) -> paho.Client:
        heapq.heappush(self._queue, ticket)
        return await self._turn(ticket)


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
