"""Which build of the tagger runs: the mypyc extensions, or their Python source.

``setup.py`` compiles ``text``, ``kb`` and ``tagger`` with mypyc. An extension module wins
over a ``.py`` beside it, so after an edit a stale build would run silently instead of the
code just written. This finder loads the source instead when any extension is older than
its source (all three together: compiled modules call each other natively) or when
``WIREWATCH_PURE=1``, and says so with a ``StaleBuildWarning``. The source build does not use
``processors._models`` either; nor does a build whose ``_models.c`` changed since (with a warning).
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

COMPILED = ("text", "kb", "tagger")
# processors/_models.c, built beside them: used with the compiled build only, and only when fresh.
C_HELPER = "_models"
_HERE = Path(__file__).resolve().parent


class StaleBuildWarning(UserWarning):
    """The compiled tagger is older than its source: the source runs (slower) until rebuilt."""


def _built_at(name: str) -> float | None:
    """When ``name``'s extension was built: its own library or its mypyc body, the newer."""
    times = [
        path.stat().st_mtime
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
        for path in (_HERE / f"{name}{suffix}", _HERE / f"{name}__mypyc{suffix}")
        if path.exists()
    ]
    return max(times, default=None)


def compiled_state() -> dict[str, str]:
    """Each compiled module's build: ``"compiled"``, ``"stale"`` or ``"source"`` (none built)."""
    state = {}
    for name in COMPILED:
        built = _built_at(name)
        if built is None:
            state[name] = "source"
        elif (_HERE / f"{name}.py").stat().st_mtime > built:
            state[name] = "stale"
        else:
            state[name] = "compiled"
    return state


def c_helper_stale() -> bool:
    """Whether ``processors/_models.c`` changed since its extension was built."""
    built = _built_at(C_HELPER)
    source = _HERE / f"{C_HELPER}.c"
    return built is not None and source.exists() and source.stat().st_mtime > built


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules as their ``.py`` files, and refuses ``processors._models``.

    Without ``processors._models`` the tagger builds its models in Python.
    """

    def __init__(self, *, source: bool) -> None:
        self.source = source

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        del path, target
        package, _, name = fullname.rpartition(".")
        if package != __package__:
            return None
        if name == C_HELPER:
            raise ModuleNotFoundError(f"{fullname} is not used by this build of the tagger", name=fullname)
        if not self.source or name not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, _HERE / f"{name}.py")


def choose_build() -> bool:
    """Install the source finder when needed; return whether the extensions will run."""
    state = compiled_state()
    if os.environ.get("WIREWATCH_PURE") == "1" or "source" in state.values():
        use_source = True
    elif "stale" in state.values():
        use_source = True
        stale = ", ".join(f"processors/{n}.py" for n, s in state.items() if s == "stale")
        warnings.warn(
            f"{stale} changed since the tagger was compiled: running the Python source, "
            "which is slower. Rebuild with `make setup` (or `uv pip install -e .`).",
            StaleBuildWarning,
            stacklevel=3,
        )
    else:
        use_source = False
    skip_helper = use_source
    if not use_source and c_helper_stale():
        skip_helper = True
        warnings.warn(
            "processors/_models.c changed since it was built: the tagger builds its models in "
            "Python, which is slower. Rebuild with `make setup` (or `uv pip install -e .`).",
            StaleBuildWarning,
            stacklevel=3,
        )
    if skip_helper and not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder(source=use_source))
    return not use_source
