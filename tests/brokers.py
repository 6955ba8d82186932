"""Real Kafka and Mosquitto brokers for integration tests (no Docker).

Thin synchronous wrappers over ``deploy/kafka.sh`` and ``deploy/mosquitto.sh``, which hold the
one copy of the broker configuration. Every broker started here is stopped by ``stop()``, at
interpreter exit (atexit), and by a watcher in the scripts if this process dies without either.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
KAFKA_SH = REPO_ROOT / "deploy" / "kafka.sh"
MOSQUITTO_SH = REPO_ROOT / "deploy" / "mosquitto.sh"

JAVA_HINT = "apt-get install -y openjdk-17-jre-headless maven"
MOSQUITTO_HINT = "apt-get install -y mosquitto"

# Cold fetch (Maven) plus the broker's own 60 s readiness bound.
KAFKA_START_TIMEOUT_S = 300.0


class BrokerUnavailableError(RuntimeError):
    """A broker could not be started: a tool is missing or the broker failed."""


def _stop_at_exit(broker: KafkaBroker | MosquittoBroker) -> None:
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

    def __init__(self, *, version: str | None = None, start_timeout_s: float = 60.0) -> None:
        self.version = version
        self.start_timeout_s = start_timeout_s
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
        return env

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


class MosquittoBroker:
    """One Mosquitto with password file and ACL, started through ``deploy/mosquitto.sh``."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.port: int | None = None
        self._atexit_registered = False

    def _env(self) -> dict[str, str]:
        assert self.dir is not None, "start() first"
        return {"MQTT_DIR": str(self.dir), "MQTT_WATCH_PID": str(os.getpid())}

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
