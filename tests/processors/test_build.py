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
    monkeypatch.setattr(_compiled, "_HERE", tmp_path)
    monkeypatch.setattr(importlib.machinery, "EXTENSION_SUFFIXES", [SUFFIX])
    monkeypatch.delenv("WIREWATCH_PURE", raising=False)
    # choose_build installs its finder into sys.meta_path: keep that out of this process.
    monkeypatch.setattr(sys, "meta_path", [])
    for name in _compiled.COMPILED:
        (tmp_path / f"{name}.py").write_text("")
    return tmp_path


def _build(package: Path, *, later: float = 10.0) -> None:
    for name in _compiled.COMPILED:
        for lib in (f"{name}{SUFFIX}", f"{name}__mypyc{SUFFIX}"):
            path = package / lib
            path.write_text("")
            stamp = time.time() + later
            os.utime(path, (stamp, stamp))


def test_no_extensions_means_the_source(package: Path) -> None:
    assert _compiled.compiled_state() == dict.fromkeys(_compiled.COMPILED, "source")
    assert _compiled.choose_build() is False
    assert len(sys.meta_path) == 1


def test_fresh_extensions_run(package: Path) -> None:
    _build(package)
    assert set(_compiled.compiled_state().values()) == {"compiled"}
    assert _compiled.choose_build() is True
    assert sys.meta_path == []


def test_an_edit_after_the_build_falls_back_to_the_source_with_a_warning(package: Path) -> None:
    _build(package, later=-10.0)
    (package / "tagger.py").write_text("# edited\n")
    assert _compiled.compiled_state()["tagger"] == "stale"
    with pytest.warns(StaleBuildWarning, match=r"processors/tagger\.py .*make setup"):
        assert _compiled.choose_build() is False
    spec = sys.meta_path[0].find_spec("processors.tagger", None)
    assert spec is not None
    assert spec.origin == str(package / "tagger.py")
    assert sys.meta_path[0].find_spec("processors.cluster", None) is None


def test_wirewatch_pure_forces_the_source(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(package)
    monkeypatch.setenv("WIREWATCH_PURE", "1")
    assert _compiled.choose_build() is False


def _build_helper(package: Path, *, later: float) -> None:
    (package / f"{_compiled.C_HELPER}.c").write_text("")
    path = package / f"{_compiled.C_HELPER}{SUFFIX}"
    path.write_text("")
    stamp = time.time() + later
    os.utime(path, (stamp, stamp))


def test_the_source_build_leaves_the_c_helper_out(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(package)
    _build_helper(package, later=10.0)
    monkeypatch.setenv("WIREWATCH_PURE", "1")
    assert _compiled.choose_build() is False
    with pytest.raises(ModuleNotFoundError, match="not used"):
        sys.meta_path[0].find_spec("processors._models", None)


def test_a_fresh_c_helper_is_used(package: Path) -> None:
    _build(package)
    _build_helper(package, later=10.0)
    assert _compiled.choose_build() is True
    assert sys.meta_path == []


def test_an_edit_to_the_c_helper_leaves_it_out_with_a_warning(package: Path) -> None:
    _build(package)
    _build_helper(package, later=-10.0)
    assert _compiled.c_helper_stale()
    with pytest.warns(StaleBuildWarning, match=r"processors/_models\.c .*make setup"):
        assert _compiled.choose_build() is True  # the tagger itself is still the compiled one
    finder = sys.meta_path[0]
    with pytest.raises(ModuleNotFoundError):
        finder.find_spec("processors._models", None)
    assert finder.find_spec("processors.tagger", None) is None  # the extension loads as usual
