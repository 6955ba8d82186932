"""Shared fixtures for the ingest parser tests: a fixed clock, the sample files and the seed story."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "samples"
# CI places a copy of shared/ next to the repository clone.
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def sample() -> Callable[[str], bytes]:
    def load(name: str) -> bytes:
        return (SAMPLES / name).read_bytes()

    return load


@pytest.fixture
def seed_bytes() -> bytes:
    path = SEEDS / "nato-russia-border-scraped.txt"
    if not path.is_file():
        pytest.fail(f"seed story missing: {path} (a copy of shared/ must sit next to the repository)")
    return path.read_bytes()
