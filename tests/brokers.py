"""Real Kafka and Mosquitto brokers for integration tests (no Docker).

Thin synchronous wrappers over ``deploy/kafka.sh`` and ``deploy/mosquitto.sh``, which hold the
one copy of the broker configuration. Every broker started here is stopped by ``stop()``, at
interpreter exit (atexit), and by a watcher in the scripts if this process dies without either.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

REPO_ROOT = Path(__file__).resolve().parents[1]
KAFKA_SH = REPO_ROOT / "deploy" / "kafka.sh"
MOSQUITTO_SH = REPO_ROOT / "deploy" / "mosquitto.sh"

JAVA_HINT = "apt-get install -y openjdk-17-jre-headless maven"
MOSQUITTO_HINT = "apt-get install -y mosquitto"

# Cold fetch (Maven) plus the broker's own 60 s readiness bound.
KAFKA_START_TIMEOUT_S = 300.0


class BrokerUnavailableError(RuntimeError):
    """A broker could not be started: a tool is missing or the broker failed."""


def _stop_at_exit(broker: KafkaBroker | MosquittoBroker | KafkaCluster) -> None:
    # At interpreter exit a raise would only print a traceback; say what was left instead.
    try:
        broker.stop()
    except (BrokerUnavailableError, OSError) as exc:
        print(f"warning: could not stop {type(broker).__name__}: {exc}")  # noqa: T201


def _require(tool: str, hint: str, extra_dirs: tuple[str, ...] = ()) -> None:
    if shutil.which(tool) is not None:
        return
    if any(Path(d, tool).is_file() for d in extra_dirs):
        return
    raise BrokerUnavailableError(
        f"`{tool}` not found: install it with `{hint}` (or run `bash .ci/install.sh` as root)"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_script(script: Path, args: list[str], env: dict[str, str], timeout: float) -> str:
    """Run a deploy script and return the last line of its stdout; raise with its stderr on failure."""
    try:
        proc = subprocess.run(
            ["bash", str(script), *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise BrokerUnavailableError(
            f"{script.name} {' '.join(args)} timed out after {timeout:.0f}s"
        ) from exc
    if proc.returncode != 0:
        raise BrokerUnavailableError(
            f"{script.name} {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    lines = proc.stdout.strip().splitlines()
    return lines[-1] if lines else ""


class KafkaBroker:
    """One single-node KRaft Kafka started through ``deploy/kafka.sh``."""

    def __init__(
        self, *, version: str | None = None, start_timeout_s: float = 60.0, secure_dir: Path | None = None
    ) -> None:
        self.version = version
        self.start_timeout_s = start_timeout_s
        # With a secure dir (ca.pem, server-keystore.pem, users) the broker also listens with SSL,
        # SASL_SSL and SASL_PLAINTEXT: see deploy/kafka.sh (KAFKA_SECURE_DIR) and ``ports``.
        self.secure_dir = secure_dir
        self.data_dir: Path | None = None
        self.bootstrap: str | None = None
        self._atexit_registered = False

    def _env(self) -> dict[str, str]:
        assert self.data_dir is not None, "start() first"
        env = {
            "KAFKA_DATA_DIR": str(self.data_dir),
            # The script's watcher stops the broker if this process dies without cleaning up.
            "KAFKA_WATCH_PID": str(os.getpid()),
            "KAFKA_START_TIMEOUT": str(int(self.start_timeout_s)),
        }
        if self.version:
            env["KAFKA_VERSION"] = self.version
        if self.secure_dir is not None:
            env["KAFKA_SECURE_DIR"] = str(self.secure_dir)
        return env

    @property
    def ports(self) -> dict[str, int]:
        """The ports file of the data dir: PORT, CONTROLLER_PORT (and SSL_PORT, SASL_SSL_PORT, ...)."""
        assert self.data_dir is not None, "start() first"
        pairs = (line.split("=", 1) for line in (self.data_dir / "ports").read_text().split())
        return {name: int(value) for name, value in pairs}

    @property
    def log_path(self) -> Path:
        """The broker's combined stdout/stderr log."""
        assert self.data_dir is not None, "start() first"
        return self.data_dir / "kafka.log"

    @property
    def pid(self) -> int | None:
        """Pid of the running JVM, or None."""
        if self.data_dir is None:
            return None
        try:
            return int((self.data_dir / "kafka.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def start(self, data_dir: Path | str) -> str:
        """Start (formatting ``data_dir`` on first use) and return the bootstrap ``127.0.0.1:PORT``."""
        _require("java", JAVA_HINT)
        _require("mvn", JAVA_HINT)
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._atexit_registered:
            atexit.register(_stop_at_exit, self)
            self._atexit_registered = True
        self.bootstrap = _run_script(KAFKA_SH, ["start"], self._env(), KAFKA_START_TIMEOUT_S)
        return self.bootstrap

    def stop(self) -> None:
        """Stop cleanly (SIGTERM, SIGKILL after 30 s); data stays. Safe to call twice."""
        if self.data_dir is None:
            return
        _run_script(KAFKA_SH, ["stop"], self._env(), 60.0)

    def kill(self) -> None:
        """SIGKILL the broker (crash simulation); ``restart()`` recovers from the kept log dirs."""
        pid = self.pid
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def restart(self) -> str:
        """Stop and start again on the same data dir and ports; returns the (unchanged) bootstrap."""
        assert self.data_dir is not None, "start() first"
        self.stop()
        return self.start(self.data_dir)

    def is_running(self) -> bool:
        """Whether the script reports the broker as running."""
        if self.data_dir is None:
            return False
        proc = subprocess.run(
            ["bash", str(KAFKA_SH), "status"],
            env={**os.environ, **self._env()},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return proc.returncode == 0


@dataclass(frozen=True)
class MosquittoTls:
    """A TLS listener for Mosquitto: PEM CA, server certificate (chain) and key."""

    ca: Path
    cert: Path
    key: Path
    require_certificate: bool = False  # True: clients must present a certificate the CA signed

    def conf(self, port: int) -> str:
        """The listener's lines for mosquitto.conf (users and ACL are global: per_listener_settings false)."""
        return (
            f"\nlistener {port} 127.0.0.1\n"
            f"cafile {self.ca}\ncertfile {self.cert}\nkeyfile {self.key}\n"
            f"require_certificate {'true' if self.require_certificate else 'false'}\n"
        )


class MosquittoBroker:
    """One Mosquitto with password file and ACL, started through ``deploy/mosquitto.sh``."""

    host = "127.0.0.1"

    def __init__(self, *, tls: MosquittoTls | None = None) -> None:
        self.dir: Path | None = None
        self.port: int | None = None
        # With ``tls`` a second listener speaks MQTT over TLS on ``tls_port`` (same users and ACL).
        self.tls = tls
        self.tls_port: int | None = None
        self._atexit_registered = False

    def _env(self) -> dict[str, str]:
        assert self.dir is not None, "start() first"
        env = {"MQTT_DIR": str(self.dir), "MQTT_WATCH_PID": str(os.getpid())}
        if self.tls is not None:
            env["MQTT_EXTRA_CONF"] = str(self.dir / "tls-listener.conf")
        return env

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:PORT``."""
        assert self.port is not None, "start() first"
        return f"mqtt://{self.host}:{self.port}"

    def start(self, directory: Path | str, users: dict[str, str]) -> int:
        """Write conf/ACL/passwords into ``directory``, start, and return the port."""
        _require("mosquitto", MOSQUITTO_HINT, extra_dirs=("/usr/sbin",))
        _require("mosquitto_passwd", MOSQUITTO_HINT)
        self.dir = Path(directory).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.tls is not None:
            self.tls_port = self.tls_port or _free_port()
            (self.dir / "tls-listener.conf").write_text(self.tls.conf(self.tls_port))
        env = self._env()
        _run_script(MOSQUITTO_SH, ["prepare"], env, 30.0)
        for user, password in users.items():
            self.add_user(user, password)
        if not self._atexit_registered:
            atexit.register(_stop_at_exit, self)
            self._atexit_registered = True
        url = _run_script(MOSQUITTO_SH, ["start"], env, 60.0)
        self.port = int(url.rsplit(":", 1)[1])
        return self.port

    def add_user(self, user: str, password: str) -> None:
        """Add or replace a user; a running broker reloads its password file."""
        _run_script(MOSQUITTO_SH, ["passwd", user, password], self._env(), 30.0)

    def stop(self) -> None:
        """Stop the broker. Safe to call twice."""
        if self.dir is None:
            return
        _run_script(MOSQUITTO_SH, ["stop"], self._env(), 30.0)


class KafkaCluster:
    """Three KRaft nodes (broker + controller each) through ``deploy/kafka.sh cluster-start``.

    Replication factor 3 and ``min.insync.replicas=2`` (``deploy/kafka/cluster.properties.template``);
    node ``n`` (1-3) has node id ``n``, so a partition's leader id names the node to kill.
    """

    def __init__(self, *, start_timeout_s: float = 120.0) -> None:
        self.start_timeout_s = start_timeout_s
        self.data_dir: Path | None = None
        self.bootstrap: str | None = None
        self._atexit_registered = False

    def _env(self) -> dict[str, str]:
        assert self.data_dir is not None, "start() first"
        return {
            "KAFKA_DATA_DIR": str(self.data_dir),
            "KAFKA_WATCH_PID": str(os.getpid()),
            "KAFKA_START_TIMEOUT": str(int(self.start_timeout_s)),
        }

    def start(self, data_dir: Path | str) -> str:
        """Start the three nodes; return the bootstrap list ``127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3``."""
        _require("java", JAVA_HINT)
        _require("mvn", JAVA_HINT)
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._atexit_registered:
            atexit.register(_stop_at_exit, self)
            self._atexit_registered = True
        self.bootstrap = _run_script(
            KAFKA_SH, ["cluster-start"], self._env(), KAFKA_START_TIMEOUT_S + self.start_timeout_s
        )
        return self.bootstrap

    def pid(self, node: int) -> int | None:
        """Pid of node ``node``'s JVM, or None."""
        assert self.data_dir is not None, "start() first"
        try:
            return int((self.data_dir / f"node{node}" / "kafka.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def kill(self, node: int) -> None:
        """SIGKILL node ``node`` (a crash: no controlled shutdown, no leadership handed over)."""
        pid = self.pid(node)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def start_node(self, node: int) -> None:
        """Start node ``node`` again on its data dir and ports; return once it serves."""
        _run_script(KAFKA_SH, ["node-start", str(node)], self._env(), self.start_timeout_s + 30)

    def stop(self) -> None:
        """Stop every node. Safe to call twice."""
        if self.data_dir is None:
            return
        _run_script(KAFKA_SH, ["cluster-stop"], self._env(), 90.0)


@dataclass(frozen=True)
class MqttBrokerInfo:
    """Where the test Mosquitto listens and who may log in."""

    host: str
    port: int
    service_user: str
    service_password: str
    users: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """``mqtt://host:port``."""
        return f"mqtt://{self.host}:{self.port}"


async def create_topics(bootstrap: str, topics: list[NewTopic], timeout_s: float = 30.0) -> None:
    """Create topics and wait until the broker's metadata lists them.

    The controller answers before the broker's metadata cache has applied the record (KRaft applies
    it asynchronously, slowest on a freshly started broker), so a test that lists or describes the
    topic right away can miss it.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(topics)
        deadline = time.monotonic() + timeout_s
        while missing := {t.name for t in topics} - set(await admin.list_topics()):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"topics {sorted(missing)} not in the broker's metadata after {timeout_s} s"
                )
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
