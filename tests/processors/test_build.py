"""Which build of the tagger runs: compiled when it is fresh, its source when it is stale."""

from __future__ import annotations

import importlib.machinery
import os
import sys
import time
from pathlib import Path

import pytest

from processors import _compiled
from processors._compiled import StaleBuildWarning

SUFFIX = ".cpython-311-x86_64-linux-gnu.so"


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The package in tmp_path/processors, the group's library above it (as setup.py builds them).
    root = tmp_path / "processors"
    monkeypatch.setattr(_compiled, "_HERE", root)
    monkeypatch.setattr(importlib.machinery, "EXTENSION_SUFFIXES", [SUFFIX])
    monkeypatch.delenv("WIREWATCH_PURE", raising=False)
    # choose_build installs its finder into sys.meta_path: keep that out of this process.
    monkeypatch.setattr(sys, "meta_path", [])
    for name in _compiled.COMPILED:
        source = _compiled.source_path(name)
        source.parent.mkdir(parents=True, exist_ok=True)
        _stamp(source, -100.0)  # written well before any build below
    return root


def _stamp(path: Path, later: float) -> None:
    path.write_text("")
    stamp = time.time() + later
    os.utime(path, (stamp, stamp))


def _build(package: Path, *, later: float = 10.0, shims: bool = True) -> None:
    _stamp(package.parent / f"{_compiled.GROUP}__mypyc{SUFFIX}", later)
    if shims:
        for name in _compiled.COMPILED:
            _stamp(_compiled.source_path(name).with_suffix(SUFFIX), later)


def test_no_extensions_means_the_source(package: Path) -> None:
    assert _compiled.compiled_state() == dict.fromkeys(_compiled.COMPILED, "source")
    assert _compiled.choose_build() is False
    assert len(sys.meta_path) == 1


def test_shims_without_the_group_library_mean_the_source(package: Path) -> None:
    _build(package)
    (package.parent / f"{_compiled.GROUP}__mypyc{SUFFIX}").unlink()
    assert set(_compiled.compiled_state().values()) == {"source"}
    assert _compiled.choose_build() is False


def test_fresh_extensions_run(package: Path) -> None:
    _build(package)
    assert set(_compiled.compiled_state().values()) == {"compiled"}
    assert _compiled.choose_build() is True
    assert sys.meta_path == []


def test_an_edit_after_the_build_falls_back_to_the_source_with_a_warning(package: Path) -> None:
    _build(package, later=-10.0)
    (package / "tagger.py").write_text("# edited\n")
    assert _compiled.compiled_state() == {
        n: "stale" if n == "tagger" else "compiled" for n in _compiled.COMPILED
    }
    with pytest.warns(StaleBuildWarning, match=r"^processors/tagger\.py changed .*make setup"):
        assert _compiled.choose_build() is False
    spec = sys.meta_path[0].find_spec("processors.tagger", None)
    assert spec is not None
    assert spec.origin == str(package / "tagger.py")
    assert sys.meta_path[0].find_spec("processors.cluster", None) is None


def test_an_edit_to_a_step_of_the_tagger_is_found_too(package: Path) -> None:
    _build(package, later=-10.0)
    (package / "tagging" / "scan.py").write_text("# edited\n")
    with pytest.warns(StaleBuildWarning, match=r"^processors/tagging/scan\.py changed .*make setup"):
        assert _compiled.choose_build() is False
    spec = sys.meta_path[0].find_spec("processors.tagging.scan", None)
    assert spec is not None
    assert spec.origin == str(package / "tagging" / "scan.py")
    assert sys.meta_path[0].find_spec("processors.tagging", None) is None  # the package: as usual


def test_a_rebuilt_group_library_is_fresh_for_every_module(package: Path) -> None:
    # A rebuild may leave the shims as they were (their C did not change): the library counts.
    _build(package, later=-10.0)
    (package / "tagging" / "scan.py").write_text("# edited\n")
    _build(package, later=10.0, shims=False)
    assert set(_compiled.compiled_state().values()) == {"compiled"}


def test_wirewatch_pure_forces_the_source(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(package)
    monkeypatch.setenv("WIREWATCH_PURE", "1")
    assert _compiled.choose_build() is False
