"""Which build of the tagger runs: the mypyc extensions, or their Python source.

``setup.py`` compiles ``text``, ``kb``, ``tagger`` and the steps of ``tagging`` with mypyc,
as one group: one shared library (``wirewatch_tagger__mypyc``, beside the package) and a
small shim extension beside each module's source. An extension module wins over a ``.py``
beside it, so after an edit a stale build would run silently instead of the code just
written. This finder loads the source instead when any module's build is older than its
source (all of them together: compiled modules call each other natively) or when
``WIREWATCH_PURE=1``, and says so with a ``StaleBuildWarning``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

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
    "tagging.names_reader",
    "tagging.names",
)
# The group's shared library, GROUP__mypyc<suffix>, sits above the package: mypyc derives
# each module's __file__ from its place (setup.py).
GROUP = "wirewatch_tagger"
_HERE = Path(__file__).resolve().parent


class StaleBuildWarning(UserWarning):
    """The compiled tagger is older than its source: the source runs (slower) until rebuilt."""


def source_path(name: str) -> Path:
    """The ``.py`` of compiled module ``name`` ("tagging.scan": ``tagging/scan.py``)."""
    return _HERE.joinpath(*name.split(".")).with_suffix(".py")


def _newest(paths: list[Path]) -> float | None:
    times = [path.stat().st_mtime for path in paths if path.exists()]
    return max(times, default=None)


def _built_at(name: str) -> float | None:
    """When ``name`` was built: its shim or the group's library, the newer (None: not both)."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    *package, module = name.split(".")
    shim = _newest([_HERE.joinpath(*package, module + suffix) for suffix in suffixes])
    library = _newest([_HERE.parent / f"{GROUP}__mypyc{suffix}" for suffix in suffixes])
    if shim is None or library is None:
        return None
    return max(shim, library)


def compiled_state() -> dict[str, str]:
    """Each compiled module's build: ``"compiled"``, ``"stale"`` or ``"source"`` (none built)."""
    state = {}
    for name in COMPILED:
        built = _built_at(name)
        if built is None:
            state[name] = "source"
        elif source_path(name).stat().st_mtime > built:
            state[name] = "stale"
        else:
            state[name] = "compiled"
    return state


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules as their ``.py`` files."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        del path, target
        package, dot, name = fullname.partition(".")
        if package != __package__ or not dot or name not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(name))


def choose_build() -> bool:
    """Install the source finder when needed; return whether the extensions will run."""
    state = compiled_state()
    if os.environ.get("WIREWATCH_PURE") == "1" or "source" in state.values():
        use_source = True
    elif "stale" in state.values():
        use_source = True
        stale = ", ".join(f"processors/{n.replace('.', '/')}.py" for n, s in state.items() if s == "stale")
        warnings.warn(
            f"{stale} changed since the tagger was compiled: running the Python source, "
            "which is slower. Rebuild with `make setup` (or `uv pip install -e .`).",
            StaleBuildWarning,
            stacklevel=3,
        )
    else:
        use_source = False
    if use_source and not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder())
    return not use_source
