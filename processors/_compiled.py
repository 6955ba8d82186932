"""The tagger's compiled group: which modules mypyc builds (``setup.py``), and which build runs.

See :mod:`wirewatch.compiled`: the build runs when it is fresh, the source (with a
:class:`~wirewatch.compiled.StaleBuildWarning`) when a module changed since, or with
``WIREWATCH_PURE=1``.
"""

from __future__ import annotations

from pathlib import Path

from wirewatch.compiled import CompiledGroup, SourceFinder, StaleBuildWarning

__all__ = [
    "COMPILED",
    "GROUP",
    "StaleBuildWarning",
    "choose_build",
    "compiled_state",
    "group",
    "source_finder",
    "source_path",
]

# The modules setup.py compiles (names below the package), and the group they form.
COMPILED = (
    "text",
    "kb",
    "tagger",
    "tagging.words",
    "tagging.readings",
    "tagging.scan",
    "tagging.context",
    "tagging.places",
    "tagging.build",
    "tagging.unresolved",
    "tagging.name_words",
    "tagging.name_claims",
    "tagging.names_reader",
    "tagging.name_cues",
    "tagging.names",
)
GROUP = "wirewatch_tagger"
_HERE = Path(__file__).resolve().parent


def group() -> CompiledGroup:
    """The tagger's group (read at each call: tests move ``_HERE``)."""
    return CompiledGroup("processors", _HERE, COMPILED, GROUP, "the tagger")


def source_path(name: str) -> Path:
    """The ``.py`` of compiled module ``name`` ("tagging.scan": ``tagging/scan.py``)."""
    return group().source_path(name)


def compiled_state() -> dict[str, str]:
    """Each compiled module's build: ``"compiled"``, ``"stale"`` or ``"source"`` (none built)."""
    return group().compiled_state()


def choose_build() -> bool:
    """Install the source finder when needed; return whether the extensions will run."""
    return group().choose_build()


def source_finder() -> SourceFinder:
    """A finder that loads the tagger's modules from their ``.py`` files."""
    return group().source_finder()
