"""The clusterer's anchors are compiled (mypyc, issue 19): the build decides exactly as its source.

Which build runs is :mod:`wirewatch.compiled`'s choice, tested at length for the tagger's group
(``tests/processors/test_build.py``); here the cluster group's own layout (a package two levels
down, its library at the top of the tree) and the parity of the two builds.
"""

from __future__ import annotations

import ast
import os
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import processors.cluster
from processors.cluster import _compiled
from processors.cluster.anchors import anchors, dice, indexed_where, post, posted, specific, total_units
from processors.cluster.shared import SharedUnits, packed
from schemas.models import Mention, Story, Tag
from tests.helpers import build_tree, compiled_tree, source_module
from wirewatch.compiled import StaleBuildWarning

AT = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree with processors/cluster's compiled modules' sources, written well before any build."""
    return compiled_tree(tmp_path, monkeypatch, _compiled, "processors.cluster")


def _build(tree: Path, later: float) -> None:
    build_tree(tree, _compiled, "processors.cluster", later)


def test_a_fresh_build_runs(tree: Path) -> None:
    _build(tree, 10.0)
    assert set(_compiled.group().compiled_state().values()) == {"compiled"}
    assert _compiled.choose_build() is True
    assert sys.meta_path == []


def test_an_edit_after_the_build_runs_the_source_with_a_warning(tree: Path) -> None:
    _build(tree, -10.0)
    (tree / "processors" / "cluster" / "anchors.py").write_text("# edited\n")
    with pytest.warns(
        StaleBuildWarning, match=r"^processors/cluster/anchors\.py changed since the clusterer"
    ):
        assert _compiled.choose_build() is False
    finder = sys.meta_path[0]
    spec = finder.find_spec("processors.cluster.anchors", None)
    assert spec is not None
    assert spec.origin == str(tree / "processors" / "cluster" / "anchors.py")
    # Other modules, of the package or of the tagger's group, load as usual.
    assert finder.find_spec("processors.cluster.event", None) is None
    assert finder.find_spec("processors.tagger", None) is None
    assert finder.find_spec("processors.anchors", None) is None


def test_the_build_is_compiled_where_required() -> None:
    # `make test` (hence CI) requires it: the README's CPU per story is the compiled one's.
    if os.environ.get("WIREWATCH_REQUIRE_COMPILED") == "1":
        assert processors.cluster.COMPILED, "the clusterer's anchors are not compiled: run `make setup`"
    built = sys.modules["processors.cluster.anchors"].__file__
    assert built is not None
    assert built.endswith(".py") is not processors.cluster.COMPILED


# Where the build runs from its source (WIREWATCH_PURE=1), the tests below compare it with itself.
_KEYS = st.frozensets(
    st.integers(min_value=0, max_value=2**32 - 1)
    | st.integers(min_value=0, max_value=63).map(lambda k: k | (k % 4) << 16),
    max_size=60,
)


@given(_KEYS, st.lists(_KEYS, max_size=6))
@settings(max_examples=200, deadline=None)
def test_the_build_sums_and_indexes_anchors_as_its_source(
    ours: frozenset[int], theirs: list[frozenset[int]]
) -> None:
    source = source_module("processors.cluster", "anchors")
    # SharedUnits (numpy, not compiled) reads the build's weights: the source's sums of the intersections.
    shared = SharedUnits()(ours, [packed(t) for t in theirs]).tolist()
    assert shared == [source.total_units(ours & t) for t in theirs]
    for other in theirs:
        assert dice(ours, other) == source.dice(ours, other)
    assert total_units(ours) == source.total_units(ours)
    assert specific(ours) == source.specific(ours)
    assert indexed_where(ours) == source.indexed_where(ours)
    built: dict[int, list[int]] = {}
    plain: dict[int, list[int]] = {}
    for slot, keys in enumerate([ours, *theirs]):
        indexed = sorted(keys)
        post(built, indexed, slot, 3)
        source.post(plain, indexed, slot, 3)
        assert posted(built, indexed) == source.posted(plain, indexed)
    assert built == plain


def _story(rng: random.Random, i: int) -> tuple[Story, Tag]:
    words = ["Kyiv", "3 March", "März 3", "1,200", "6,1", "12", "2026", "3. März", "el 3 de marzo", "x"]
    body = " ".join(rng.choices(words, k=rng.randint(0, 30)))
    if rng.random() < 0.3:
        body = "KYIV, March 3 (Reuters) - " + body + " (Reporting by Olena Harmash; Editing by Tom)"
    actor = Tag(
        id=f"Q{rng.randrange(5)}",
        name="a",
        type="person",
        mentions=(Mention(field="body", start=rng.randrange(60), end=70, text="a"),),
    )
    story = Story(id=f"s{i}", title="t", body=body, source="t", content_hash="h", ingested_at=AT)
    return story, actor


def test_the_build_finds_the_anchors_its_source_finds() -> None:
    source = source_module("processors.cluster", "anchors")
    rng = random.Random(5)

    class Tags:
        def __init__(self, actor: Tag) -> None:
            self.countries = ("UA", "DE")
            self.places = (Tag(id="703448", name="Kyiv", type="city"), Tag(id="UA", name="U", type="country"))
            self.regions = (Tag(id="region:eastern-europe", name="r", type="region"),)
            self.actors = (actor,)
            self.topics = (Tag(id="topic:attack", name="t", type="topic"),)

    for i in range(300):
        story, actor = _story(rng, i)
        tags = Tags(actor)
        assert anchors(story, tags) == source.anchors(story, tags)


def test_the_build_files_name_the_same_modules() -> None:
    # setup.py compiles them, the Makefile and uv rebuild when they change, _compiled checks them.
    root = Path(__file__).resolve().parents[2]
    setup = ast.parse((root / "setup.py").read_text())
    listed = next(
        ast.literal_eval(node.value)
        for node in setup.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CLUSTER_COMPILED"
    )
    paths = [f"processors/cluster/{name}.py" for name in _compiled.COMPILED]
    assert listed == paths
    makefile, pyproject = (root / "Makefile").read_text(), (root / "pyproject.toml").read_text()
    for path in paths:
        assert path in makefile.split("\n$(VENV)/.bytecode")[0]
        assert f'{{ file = "{path}" }}' in pyproject
