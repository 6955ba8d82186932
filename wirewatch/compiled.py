"""Which build of a compiled group runs: its mypyc extensions, or their Python source.

``setup.py`` compiles three groups of plain, fully typed modules with mypyc: the tagger
(``processors``: ``text``, ``kb``, ``tagger``, the steps of ``tagging``), the query fast path
(``alerts.query``: ``fields``, ``fastparse``, ``parse``) and the clusterer's anchors
(``processors.cluster.anchors``). Each group is one shared library
(``<group>__mypyc*.so``, at the top of the tree) and a small shim extension beside each module's
source. An extension module wins over a ``.py`` beside it, so after an edit a stale build would
run silently instead of the code just written. :meth:`CompiledGroup.choose_build` loads the
source instead when any module's build is older than its source (all of the group together:
compiled modules call each other natively) or when ``WIREWATCH_PURE=1``, and says so with a
:class:`StaleBuildWarning`. Each package calls it first thing in its ``__init__``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


class StaleBuildWarning(UserWarning):
    """A compiled group is older than its source: the source runs (slower) until rebuilt."""


def _newest(paths: list[Path]) -> float | None:
    times = [path.stat().st_mtime for path in paths if path.exists()]
    return max(times, default=None)


@dataclass(frozen=True)
class CompiledGroup:
    """The modules of package ``package`` (its directory ``here``) that mypyc builds as ``group``."""

    package: str
    here: Path
    modules: tuple[str, ...]
    group: str
    what: str  # for messages: "the tagger"

    @property
    def root(self) -> Path:
        """Where the group's shared library sits: the top of the tree (mypyc derives ``__file__`` so)."""
        return self.here.parents[self.package.count(".")]

    def source_path(self, name: str) -> Path:
        """The ``.py`` of module ``name`` of the group ("tagging.scan": ``tagging/scan.py``)."""
        return self.here.joinpath(*name.split(".")).with_suffix(".py")

    def _built_at(self, name: str) -> float | None:
        """When ``name`` was built: its shim or the group's library, the newer (None: not both)."""
        suffixes = importlib.machinery.EXTENSION_SUFFIXES
        *package, module = name.split(".")
        shim = _newest([self.here.joinpath(*package, module + suffix) for suffix in suffixes])
        library = _newest([self.root / f"{self.group}__mypyc{suffix}" for suffix in suffixes])
        if shim is None or library is None:
            return None
        return max(shim, library)

    @property
    def installed(self) -> bool:
        """Whether the package sits in site-packages: installed from a wheel, never edited in place.

        There the build is what was installed, whatever the files' times: an installer writes
        them one by one, a ``.py`` often a few milliseconds after its extension.
        """
        return any(part in {"site-packages", "dist-packages"} for part in self.here.parts)

    def compiled_state(self) -> dict[str, str]:
        """Each module's build: ``"compiled"``, ``"stale"`` or ``"source"`` (none built)."""
        state = {}
        installed = self.installed
        for name in self.modules:
            built = self._built_at(name)
            if built is None:
                state[name] = "source"
            elif not installed and self.source_path(name).stat().st_mtime > built:
                state[name] = "stale"
            else:
                state[name] = "compiled"
        return state

    def source_finder(self) -> SourceFinder:
        """A finder that loads the group's modules from their ``.py`` files."""
        return SourceFinder(self)

    def choose_build(self) -> bool:
        """Install the source finder when needed; return whether the extensions will run."""
        state = self.compiled_state()
        if os.environ.get("WIREWATCH_PURE") == "1" or "source" in state.values():
            use_source = True
        elif "stale" in state.values():
            use_source = True
            top = self.package.replace(".", "/")
            stale = ", ".join(f"{top}/{n.replace('.', '/')}.py" for n, s in state.items() if s == "stale")
            warnings.warn(
                f"{stale} changed since {self.what} was compiled: running the Python source, "
                "which is slower. Rebuild with `make setup` (or `uv pip install -e .`).",
                StaleBuildWarning,
                stacklevel=3,
            )
        else:
            use_source = False
        if use_source and not any(
            isinstance(f, SourceFinder) and f.group.package == self.package for f in sys.meta_path
        ):
            sys.meta_path.insert(0, self.source_finder())
        return not use_source


class SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of one compiled group as their ``.py`` files."""

    def __init__(self, group: CompiledGroup) -> None:
        self.group = group

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """The source's spec for a module of the group; None for any other."""
        del path, target
        prefix = self.group.package + "."
        name = fullname.removeprefix(prefix)
        if not fullname.startswith(prefix) or name not in self.group.modules:
            return None
        return importlib.util.spec_from_file_location(fullname, self.group.source_path(name))
