"""The query fast path is compiled (mypyc, issue 17): it files queries exactly as its source does.

Which build runs is :mod:`wirewatch.compiled`'s choice, tested at length for the tagger's group
(``tests/processors/test_build.py``); here the query group's own layout (a package two levels
down, its library at the top of the tree) and the parity of the two builds.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alerts.query
from alerts.query import _compiled
from alerts.query.fastparse import fast_filing
from tests.alerts.test_index_compile import TRICKY
from tests.alerts.test_index_property import queries
from tests.helpers import SUFFIX, build_tree, compiled_tree, source_module, stamp
from wirewatch.compiled import StaleBuildWarning


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree with alerts/query's compiled modules' sources, written well before any build."""
    return compiled_tree(tmp_path, monkeypatch, _compiled, "alerts.query")


def _build(tree: Path, later: float) -> None:
    build_tree(tree, _compiled, "alerts.query", later)


def test_a_fresh_build_runs(tree: Path) -> None:
    _build(tree, 10.0)
    assert set(_compiled.group().compiled_state().values()) == {"compiled"}
    assert _compiled.choose_build() is True
    assert sys.meta_path == []


def test_the_library_beside_the_package_is_not_the_groups(tree: Path) -> None:
    _build(tree, 10.0)
    (tree / f"{_compiled.GROUP}__mypyc{SUFFIX}").rename(tree / "alerts" / f"{_compiled.GROUP}__mypyc{SUFFIX}")
    assert set(_compiled.group().compiled_state().values()) == {"source"}
    assert _compiled.choose_build() is False


def test_an_edit_after_the_build_runs_the_source_with_a_warning(tree: Path) -> None:
    _build(tree, -10.0)
    (tree / "alerts" / "query" / "fastparse.py").write_text("# edited\n")
    with pytest.warns(StaleBuildWarning, match=r"^alerts/query/fastparse\.py changed since the query parser"):
        assert _compiled.choose_build() is False
    finder = sys.meta_path[0]
    spec = finder.find_spec("alerts.query.fastparse", None)
    assert spec is not None
    assert spec.origin == str(tree / "alerts" / "query" / "fastparse.py")
    # Other modules, of the package or of the tagger's group, load as usual.
    assert finder.find_spec("alerts.query.compile", None) is None
    assert finder.find_spec("processors.fields", None) is None
    assert finder.find_spec("alerts.queryx.fields", None) is None


def test_the_build_is_compiled_where_required() -> None:
    # `make test` (hence CI) requires it: the 1M build time in the README is the compiled one.
    if os.environ.get("WIREWATCH_REQUIRE_COMPILED") == "1":
        assert alerts.query.COMPILED, "the query parser is not compiled: run `make setup`"
    assert alerts.query.fastparse.__file__ is not None
    assert alerts.query.fastparse.__file__.endswith(".py") is not alerts.query.COMPILED


# Where the build runs from its source (WIREWATCH_PURE=1), this compares the source with itself.
@given(st.one_of(queries(), TRICKY))
@settings(max_examples=300, deadline=None)
def test_the_build_files_queries_as_its_source(query: str) -> None:
    source = source_module("alerts.query", "fastparse")
    assert source.__file__ is not None
    assert source.__file__.endswith(".py")
    assert fast_filing(query) == source.fast_filing(query), query


def test_an_installed_package_runs_its_build_whatever_the_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip writes a wheel's files one by one: a .py may come a few ms after its extension.
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    monkeypatch.setattr(_compiled, "_HERE", site / "alerts" / "query")
    monkeypatch.setattr(importlib.machinery, "EXTENSION_SUFFIXES", [SUFFIX])
    monkeypatch.delenv("WIREWATCH_PURE", raising=False)
    monkeypatch.setattr(sys, "meta_path", [])
    _build(site, -10.0)
    for name in _compiled.COMPILED:
        stamp(_compiled.group().source_path(name), 0.0)  # written after the build
    assert _compiled.group().installed
    assert set(_compiled.group().compiled_state().values()) == {"compiled"}
    assert _compiled.choose_build() is True
    monkeypatch.setenv("WIREWATCH_PURE", "1")
    assert _compiled.choose_build() is False  # the switch still works there
