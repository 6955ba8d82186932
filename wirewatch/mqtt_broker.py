"""The embedded MQTT broker (amqtt) behind ``wirewatch run``'s default.

It listens on 127.0.0.1 only. Without users it allows anonymous clients, so an analyst can
subscribe with any MQTT client on the same machine and nothing else installed. With users
(``WIREWATCH_MQTT__EMBEDDED_USERS``) anonymous clients are refused, and each user may subscribe
to ``<topic prefix>/<user>/#`` only; the service user (``WIREWATCH_MQTT__USERNAME``) may publish
under the prefix and nobody else may publish. That is amqtt's own file authentication (Argon2
hashes in a password file written for this run, readable by this user only) and its topic ACL
plugin. A broker for many hosts belongs in Mosquitto: see ``deploy/mosquitto``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from amqtt.broker import Broker
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from wirewatch.errors import ConfigError, WirewatchError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

_FILE_AUTH = "amqtt.plugins.authentication.FileAuthPlugin"
_ANONYMOUS = "amqtt.plugins.authentication.AnonymousAuthPlugin"
_ACL = "amqtt.plugins.topic_checking.TopicAccessControlListPlugin"


class EmbeddedMqttBroker:
    """``async with EmbeddedMqttBroker(port=1883):`` serves MQTT 3.1.1 on 127.0.0.1.

    ``users`` (name -> password) turns authentication on; ``service_user`` is the one that may
    publish (Wirewatch's own delivery), under ``topic_prefix``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        users: Mapping[str, str] | None = None,
        service_user: str | None = None,
        topic_prefix: str = "wirewatch/alerts",
    ) -> None:
        self.host, self.port = host, port
        self._users = dict(users or {})
        if self._users and (service_user is None or service_user not in self._users):
            raise ConfigError(
                "the embedded MQTT broker has users but not the service's own: set mqtt.username "
                "and mqtt.password to one of mqtt.embedded_users",
                service_user=service_user,
            )
        self._service_user = service_user
        self._prefix = topic_prefix.rstrip("/")
        self._broker: Broker | None = None
        self._secrets_dir: Path | None = None

    @property
    def authenticated(self) -> bool:
        """Whether clients must log in (users were given)."""
        return bool(self._users)

    def _plugins(self) -> dict[str, Any]:
        if not self._users:
            return {_ANONYMOUS: {"allow_anonymous": True}}
        self._secrets_dir = Path(tempfile.mkdtemp(prefix="wirewatch-mqtt-"))  # mode 0700
        password_file = self._secrets_dir / "passwd"
        hasher = PasswordHash((Argon2Hasher(),))
        lines = "".join(f"{user}:{hasher.hash(password)}\n" for user, password in self._users.items())
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(lines)
        subscribe = {user: [f"{self._prefix}/{user}/#"] for user in self._users}
        publish: dict[str, list[str]] = {user: [] for user in self._users}
        assert self._service_user is not None  # checked in __init__
        publish[self._service_user] = [f"{self._prefix}/#"]
        return {
            _FILE_AUTH: {"password_file": str(password_file)},
            # "acl" is what amqtt 0.12's plugin config reads for subscriptions (its subscribe-acl).
            _ACL: {"acl": subscribe, "publish_acl": publish},
        }

    async def __aenter__(self) -> Self:
        _check_free(self.host, self.port)
        config = {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 1000}
            },
            "plugins": self._plugins(),
        }
        # amqtt logs every packet at INFO; our logs are the ones that matter to operators.
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        try:
            broker = Broker(config)
            await broker.start()
        except Exception as exc:
            self._remove_secrets()
            raise WirewatchError(
                f"cannot start the embedded MQTT broker: {exc}", host=self.host, port=self.port
            ) from exc
        self._broker = broker
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._broker is not None:
                broker, self._broker = self._broker, None
                # amqtt's shutdown can hang on clients that never said goodbye: bound it.
                async with asyncio.timeout(5):
                    await broker.shutdown()
        finally:
            self._remove_secrets()

    def _remove_secrets(self) -> None:
        if self._secrets_dir is not None:
            shutil.rmtree(self._secrets_dir, ignore_errors=True)
            self._secrets_dir = None


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
