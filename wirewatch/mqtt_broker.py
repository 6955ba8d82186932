"""The embedded MQTT broker (amqtt) behind ``wirewatch run``'s default.

It listens on 127.0.0.1 only and allows anonymous clients, so an analyst can
subscribe with any MQTT client on the same machine and nothing else installed.
Per-subscriber users and ACLs need a real broker: see ``deploy/mosquitto``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from typing import TYPE_CHECKING, Self

from amqtt.broker import Broker

from wirewatch.errors import ConfigError, WirewatchError

if TYPE_CHECKING:
    from types import TracebackType


class EmbeddedMqttBroker:
    """``async with EmbeddedMqttBroker(port=1883):`` serves MQTT 3.1.1 on 127.0.0.1."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host, self.port = host, port
        self._broker: Broker | None = None

    async def __aenter__(self) -> Self:
        _check_free(self.host, self.port)
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


def _check_free(host: str, port: int) -> None:
    """Fail with one clear line when the port is taken (amqtt would log a traceback first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ConfigError(
                    f"cannot listen on {host}:{port}: {exc.strerror}", host=host, port=port
                ) from exc
            raise ConfigError(
                f"port {port} on {host} is in use (another MQTT broker?): stop it, or give "
                "--mqtt-port another port (or --mqtt-url to use that broker)",
                host=host,
                port=port,
            ) from None
