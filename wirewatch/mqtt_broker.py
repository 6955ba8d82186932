"""The embedded MQTT broker (amqtt) behind ``wirewatch run``'s default.

It listens on 127.0.0.1 only and allows anonymous clients, so an analyst can
subscribe with any MQTT client on the same machine and nothing else installed.
Per-subscriber users and ACLs need a real broker: see ``deploy/mosquitto``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Self

from amqtt.broker import Broker

from wirewatch.errors import WirewatchError

if TYPE_CHECKING:
    from types import TracebackType


class EmbeddedMqttBroker:
    """``async with EmbeddedMqttBroker(port=1883):`` serves MQTT 3.1.1 on 127.0.0.1."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host, self.port = host, port
        self._broker: Broker | None = None

    async def __aenter__(self) -> Self:
        config = {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 1000}
            },
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        # amqtt logs every packet at INFO; our logs are the ones that matter to operators.
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        broker = Broker(config)
        try:
            await broker.start()
        except Exception as exc:
            raise WirewatchError(
                f"cannot start the embedded MQTT broker: {exc}", host=self.host, port=self.port
            ) from exc
        self._broker = broker
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._broker is not None:
            broker, self._broker = self._broker, None
            # amqtt's shutdown can hang on clients that never said goodbye: bound it.
            async with asyncio.timeout(5):
                await broker.shutdown()
