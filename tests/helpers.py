"""Helpers shared by the test modules (not fixtures)."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import aiomqtt

from schemas import Alert, Subscription

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "nato-russia-border-scraped.txt"
NATO_BORDER_QUERY = 'actor:NATO AND region:"Russia–Ukraine border"'


def seed_text() -> bytes:
    """The canonical scraped input (shared/ sits beside the clone, in CI too)."""
    if not SEED.exists():
        raise FileNotFoundError(f"seed story missing: {SEED} (shared/ must sit beside the repository)")
    return SEED.read_bytes()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_subscriptions(path: Path, subs: Sequence[Subscription]) -> Path:
    """Write a subscriptions file as ``wirewatch run --subscriptions`` reads it."""
    path.write_text(json.dumps([s.model_dump(mode="json") for s in subs]))
    return path


async def collect_alerts(client: aiomqtt.Client, *, want: int, timeout: float) -> list[tuple[str, Alert]]:
    """Read MQTT messages until ``want`` alerts arrived or ``timeout`` passed."""
    got: list[tuple[str, Alert]] = []
    try:
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                payload = message.payload
                assert isinstance(payload, bytes | bytearray)
                got.append((str(message.topic), Alert.from_bytes(bytes(payload))))
                if len(got) >= want:
                    break
    except TimeoutError:
        pass
    return got


@functools.cache
def tagger_source_module() -> ModuleType:
    """``processors/tagger.py`` itself, imported beside the build that ``processors.tagger`` runs."""
    path = REPO / "processors" / "tagger.py"
    spec = importlib.util.spec_from_file_location("processors._tagger_source", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module
