"""The tagger's fast helpers against the plain code they replace, in both builds."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import processors
from processors.text import normalize
from schemas.models import Geo, Mention, Tag
from tests.helpers import tagger_source_module

# The regexes the word walks replaced (the reference for what a context word is).
WORD_BEFORE = re.compile(r"[\w'.-]*")  # matched on the reversed text
WORD_AFTER = re.compile(r"[ \t]*([\w'-]*)")
# Letters of several scripts, digits, and every separator the walks must stop at or skip.
CHARS = st.sampled_from([*"aZé9_'.-, \t\n!?;:()\"«»–—", "ы", "Ж", "ї", "ß", "١", "²", "中", "\u00a0"])


# The build that runs (compiled, unless WIREWATCH_PURE=1 or stale), and the source beside it.
BUILDS = ["build", "source"]


def _module(build: str, name: str) -> Any:
    """``processors.<name>`` of the build, or its source (see ``tagger_source_module``)."""
    if build == "source":
        return tagger_source_module(name)
    return importlib.import_module(f"processors.{name}")


def _word_before_reference(text: str, pos: int) -> tuple[str, int]:
    lo = max(0, pos - 48)
    seg = text[lo:pos].rstrip(" \t")
    run = WORD_BEFORE.match(seg[::-1])
    start = len(seg) - (run.end() if run else 0)
    return seg[start:], lo + start


def _word_after_reference(text: str, pos: int) -> tuple[str, int]:
    found = WORD_AFTER.match(text, pos)
    assert found is not None  # every part is optional
    return found.group(1), found.start(1)


@pytest.mark.parametrize("build", BUILDS)
class TestContextWords:
    @given(st.text(CHARS, max_size=80), st.data())
    @settings(max_examples=300, deadline=None)
    def test_word_before_is_the_regex_one(self, build: str, text: str, data: st.DataObject) -> None:
        norm = normalize(text)
        pos = data.draw(st.integers(0, len(norm.text)))
        word_before = _module(build, "tagging.context").word_before
        assert word_before(norm, pos) == _word_before_reference(norm.text, pos)

    @given(st.text(CHARS, max_size=80), st.data())
    @settings(max_examples=300, deadline=None)
    def test_word_after_is_the_regex_one(self, build: str, text: str, data: st.DataObject) -> None:
        norm = normalize(text)
        pos = data.draw(st.integers(0, len(norm.text)))
        word_after = _module(build, "tagging.context").word_after
        assert word_after(norm, pos) == _word_after_reference(norm.text, pos)

    def test_examples(self, build: str) -> None:
        module = _module(build, "tagging.context")
        norm = normalize("Talks with the U.S. in Geneva,  Switzerland. O'Neill's view")
        assert module.word_before(norm, norm.text.index("geneva")) == ("in", norm.text.index("in g"))
        assert module.word_before(norm, norm.text.index(" in ")) == ("u.s.", norm.text.index("u.s."))
        assert module.word_after(norm, norm.text.index(",") + 1) == ("switzerland", norm.text.index("switz"))
        dot = norm.text.index("d. o") + 1
        assert module.word_after(norm, dot) == ("", dot)  # punctuation: no word after
        assert module.word_after(norm, norm.text.index(" o'")) == ("o'neill's", norm.text.index("o'"))


@pytest.mark.parametrize("build", BUILDS)
class TestCoverage:
    @given(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=12),
        st.integers(0, 50),
        st.integers(0, 12),
    )
    @settings(max_examples=400, deadline=None)
    def test_covers_is_every_character_claimed(
        self, build: str, claimed: list[tuple[int, int]], start: int, length: int
    ) -> None:
        module = _module(build, "tagging.places")
        spans = [(s, s + n) for s, n in claimed]
        marks = bytearray(60)
        for s, e in spans:
            marks[s:e] = b"\x01" * (e - s)
        runs = module.union(spans)
        assert module.covers(runs, start, start + length) is (0 not in marks[start : start + length])


@pytest.mark.parametrize("build", BUILDS)
class TestModelConstruction:
    """Tags and mentions are built without validation; they must be what pydantic builds."""

    MENTION: dict[str, Any] = {"field": "title", "start": 3, "end": 9, "text": "Kremli"}  # noqa: RUF012
    TAG: dict[str, Any] = {  # noqa: RUF012
        "id": "RU",
        "name": "Russia",
        "type": "country",
        "aliases": ("Russian Federation",),
        "country": "RU",
        "confidence": 0.875,
        "mentions": (Mention(field="body", start=0, end=6, text="Russia"),),
        "evidence": ("demonym",),
        "geo": Geo(lat=61.5, lon=105.3, feature="A", population=144_000_000, geonames_id=2017370),
    }

    def _constructors(self, build: str) -> list[Any]:
        module = _module(build, "tagging.build")
        return [module.construct, module.slot_construct, module.model_construct]

    def test_every_way_builds_what_pydantic_builds(self, build: str) -> None:
        module = _module(build, "tagging.build")
        for construct in self._constructors(build):
            mention = construct(Mention, dict(self.MENTION), module.MENTION_FIELDS)
            tag = construct(Tag, dict(self.TAG), module.TAG_FIELDS)
            for got, want in ((mention, Mention(**self.MENTION)), (tag, Tag(**self.TAG))):
                assert type(got) is type(want)
                assert got == want
                assert hash(got) == hash(want)
                assert got.model_dump_json() == want.model_dump_json()
                assert got.model_fields_set == want.model_fields_set
                assert repr(got) == repr(want)
                assert got.__pydantic_extra__ is None
                assert got.__pydantic_private__ is None

    def test_built_models_stay_frozen_and_copies_are_their_own(self, build: str) -> None:
        module = _module(build, "tagging.build")
        for construct in self._constructors(build):
            mention = construct(Mention, dict(self.MENTION), module.MENTION_FIELDS)
            with pytest.raises(ValueError, match="frozen"):
                mention.start = 4
            moved = mention.model_copy(update={"start": 4})
            assert (moved.start, mention.start) == (4, 3)
            # A copy gets a fields set of its own; the one shared by the tagger's models is untouched.
            assert moved.model_fields_set is not mention.model_fields_set
            assert set(Mention.model_fields) == module.MENTION_FIELDS

    def test_the_slot_setters_are_the_way_chosen(self, build: str) -> None:
        # The fastest way that builds what pydantic builds; pydantic's own only if it changed.
        module = _module(build, "tagging.build")
        assert module.construct is module.slot_construct


def test_the_source_is_not_the_build() -> None:
    # The equivalence tests compare two builds only when the compiled one runs.
    source = tagger_source_module("tagging.scan")
    build = importlib.import_module("processors.tagging.scan")
    assert source is not build
    assert str(source.__file__).endswith("scan.py")
    assert str(build.__file__).endswith(".py") is not processors.COMPILED
    # The source modules use each other, not the build.
    assert tagger_source_module().Scanner is source.Scanner
