"""The query fast path's compiled group: which modules mypyc builds (``setup.py``), which build runs.

Filing a million subscriptions in the index goes through ``fields``, ``fastparse`` and ``parse``
once per query; compiled, a cold build at 1M queries takes about a tenth less time (issue 17).
See :mod:`wirewatch.compiled` for how a stale build falls back to the source.
"""

from __future__ import annotations

from pathlib import Path

from wirewatch.compiled import CompiledGroup

# The modules setup.py compiles (names below the package), and the group they form.
COMPILED = ("fields", "fastparse", "parse")
GROUP = "wirewatch_query"
_HERE = Path(__file__).resolve().parent


def group() -> CompiledGroup:
    """The query group (read at each call: tests move ``_HERE``)."""
    return CompiledGroup("alerts.query", _HERE, COMPILED, GROUP, "the query parser")


def choose_build() -> bool:
    """Install the source finder when needed; return whether the extensions will run."""
    return group().choose_build()
