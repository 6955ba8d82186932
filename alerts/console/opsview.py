"""The Operations page's figures, read from the process's Prometheus registry (pure).

:func:`read_registry` turns the metric families a registry collects into plain totals;
:class:`Rates` turns two readings into per-second rates and recent handle times. Whatever
other ``wirewatch_*`` metric the process exports (consumer lag, ingest outcomes, connection
gauges) is passed through as it is, so the page shows it without knowing it in advance: a lag
metric is any family with ``lag`` in its name, one row per label set (group, topic, partition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from prometheus_client.metrics_core import Metric

_PREFIX = "wirewatch_"
_MESSAGES = "wirewatch_messages_total"
_HANDLE_SUM = "wirewatch_handle_seconds_sum"
_HANDLE_COUNT = "wirewatch_handle_seconds_count"
_DEAD_LETTERS = "wirewatch_dead_letters_total"
_UP = "wirewatch_stage_up"  # a gauge some builds export: 1 while a stage's loop runs


@dataclass
class StageTotals:
    """What one stage did since the process started."""

    handled: float = 0.0
    errors: float = 0.0
    outcomes: dict[str, float] = field(default_factory=dict)
    handle_seconds: float = 0.0
    handle_count: float = 0.0
    dead_letters: float = 0.0
    up: float | None = None


@dataclass
class Reading:
    """One reading of the registry: per stage totals, lag rows, and every other wirewatch sample."""

    stages: dict[str, StageTotals] = field(default_factory=dict)
    lag: list[dict[str, Any]] = field(default_factory=list)
    other: list[dict[str, Any]] = field(default_factory=list)


def read_registry(families: Iterable[Metric]) -> Reading:
    """Sum the registry's samples into a :class:`Reading` (histogram buckets are left out)."""
    reading = Reading()
    for family in families:
        if not family.name.startswith(_PREFIX):
            continue
        is_lag = "lag" in family.name
        for sample in family.samples:
            _take(reading, family.name, sample.name, dict(sample.labels), sample.value, is_lag=is_lag)
    return reading


def _take(
    reading: Reading, family: str, name: str, labels: dict[str, str], value: float, *, is_lag: bool
) -> None:
    stage = labels.get("stage")
    if name == _MESSAGES and stage:
        totals = reading.stages.setdefault(stage, StageTotals())
        outcome = labels.get("outcome", "ok")
        totals.outcomes[outcome] = totals.outcomes.get(outcome, 0.0) + value
        totals.handled += value
        if outcome != "ok":
            totals.errors += value
    elif name == _HANDLE_SUM and stage:
        reading.stages.setdefault(stage, StageTotals()).handle_seconds += value
    elif name == _HANDLE_COUNT and stage:
        reading.stages.setdefault(stage, StageTotals()).handle_count += value
    elif name == _DEAD_LETTERS and stage:
        reading.stages.setdefault(stage, StageTotals()).dead_letters += value
    elif name == _UP and stage:
        reading.stages.setdefault(stage, StageTotals()).up = value
    elif is_lag and not name.endswith(("_created", "_bucket")):
        reading.lag.append({"metric": name, "labels": labels, "value": value})
    elif not name.endswith(("_created", "_bucket")) and family not in _KNOWN_FAMILIES:
        reading.other.append({"metric": name, "labels": labels, "value": value})


_KNOWN_FAMILIES = frozenset(
    {
        "wirewatch_messages",
        "wirewatch_handle_seconds",
        "wirewatch_dead_letters",
        "wirewatch_stage_seconds",
        "wirewatch_batch_records",
        "wirewatch_stage_up",
    }
)


@dataclass
class _Mark:
    at: float
    handled: float
    seconds: float
    count: float


class Rates:
    """Per-stage rates between readings at least ``min_interval_s`` apart (the last ones in between)."""

    def __init__(self, *, min_interval_s: float = 1.0) -> None:
        self.min_interval_s = min_interval_s
        self._marks: dict[str, _Mark] = {}
        self._rates: dict[str, tuple[float, float | None]] = {}

    def update(self, reading: Reading, now: float) -> dict[str, tuple[float, float | None]]:
        """Stage → (messages per second, mean handle seconds over the interval or None)."""
        for stage, totals in reading.stages.items():
            mark = self._marks.get(stage)
            current = _Mark(now, totals.handled, totals.handle_seconds, totals.handle_count)
            if mark is None:
                self._marks[stage] = current
                self._rates.setdefault(stage, (0.0, None))
                continue
            elapsed = now - mark.at
            if elapsed < self.min_interval_s:
                continue
            count = current.count - mark.count
            recent = (current.seconds - mark.seconds) / count if count > 0 else None
            self._rates[stage] = (max(0.0, (current.handled - mark.handled) / elapsed), recent)
            self._marks[stage] = current
        return dict(self._rates)


def stage_rows(reading: Reading, rates: dict[str, tuple[float, float | None]]) -> list[dict[str, Any]]:
    """One row per stage for the page, sorted by stage name."""
    rows = []
    for stage in sorted(reading.stages):
        totals = reading.stages[stage]
        rate, recent = rates.get(stage, (0.0, None))
        mean = totals.handle_seconds / totals.handle_count if totals.handle_count else None
        rows.append(
            {
                "stage": stage,
                "up": None if totals.up is None else totals.up > 0,
                "handled": totals.handled,
                "errors": totals.errors,
                "outcomes": totals.outcomes,
                "dead_letters": totals.dead_letters,
                "per_second": round(rate, 3),
                "handle_ms_recent": None if recent is None else round(recent * 1000, 3),
                "handle_ms_mean": None if mean is None else round(mean * 1000, 3),
            }
        )
    return rows
