"""The clusterer's compiled group: which modules mypyc builds (``setup.py``), and which build runs.

:mod:`processors.cluster.anchors` runs for every story on both the assign and the remember path:
its loops over tags, keys and posting lists are plain Python, which mypyc compiles to C (issue
19). A group of its own: nothing in it calls the tagger, and either can be rebuilt alone. See
:mod:`wirewatch.compiled` for how a stale build falls back to the source.
"""

from __future__ import annotations

from pathlib import Path

from wirewatch.compiled import CompiledGroup

# The modules setup.py compiles (names below the package), and the group they form.
COMPILED = ("anchors",)
GROUP = "wirewatch_cluster"
_HERE = Path(__file__).resolve().parent


def group() -> CompiledGroup:
    """The clusterer's group (read at each call: tests move ``_HERE``)."""
    return CompiledGroup("processors.cluster", _HERE, COMPILED, GROUP, "the clusterer")


def choose_build() -> bool:
    """Install the source finder when needed; return whether the extensions will run."""
    return group().choose_build()
