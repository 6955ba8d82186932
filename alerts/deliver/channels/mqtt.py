"""MQTT delivery (aiomqtt): one connection, a reconnect loop, QoS 1, topic per subscriber.

Each alert goes to ``<prefix>/<subscriber>/<subscription id>`` with the Alert JSON
as payload; the payload carries the alert's idempotency ``key``, so a client that
sees a redelivery after a reconnect or a restart can drop it. ``send`` returns only
once the broker acknowledged the message (PUBACK), so the delivery stage commits
its offset after the analyst's broker has the alert: at-least-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import TYPE_CHECKING, Self

import aiomqtt
import structlog

from alerts.errors import DeliveryError

if TYPE_CHECKING:
    from types import TracebackType

    from schemas import Alert, Subscription

log = structlog.get_logger("wirewatch.alerts.mqtt")


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
        send_timeout_s: float = 30.0,
        max_backoff_s: float = 10.0,
    ) -> None:
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._prefix, self._qos = topic_prefix, qos
        self._identifier = identifier
        self._send_timeout = send_timeout_s
        self._max_backoff = max_backoff_s
        self._client: aiomqtt.Client | None = None
        self._connected = asyncio.Event()
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
            ) as client:
                self._client = client
                self._connected.set()
                log.info("mqtt connected", host=self._host, port=self._port)
                async with asyncio.TaskGroup() as tg:
                    # We subscribe to nothing: iterating the messages only ends when the link drops.
                    watcher = tg.create_task(_until_disconnected(client), name="mqtt-watch")
                    await self._stop.wait()
                    watcher.cancel()
        finally:
            self._connected.clear()
            self._client = None

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Publish ``alert`` with QoS 1; return once the broker acknowledged it (retrying over reconnects)."""
        topic = alert_topic(self._prefix, alert)
        payload = alert.to_bytes()
        try:
            async with asyncio.timeout(self._send_timeout):
                while True:
                    await self._connected.wait()
                    client = self._client
                    if client is None:
                        continue
                    try:
                        await client.publish(topic, payload, qos=self._qos, timeout=10)
                    except aiomqtt.MqttError as exc:
                        log.warning("mqtt publish failed; will retry", topic=topic, error=str(exc))
                        self._connected.clear()
                        await asyncio.sleep(0.1)
                        continue
                    return
        except TimeoutError as exc:
            raise DeliveryError(
                f"MQTT broker did not acknowledge within {self._send_timeout}s",
                channel=self.name,
                target=topic,
                key=alert.key,
                subscription_id=subscription.id,
            ) from exc
