"""The unknown-name reader's fast paths, each against the general code it stands for (issues 12, 19)."""

from __future__ import annotations

import random
from itertools import pairwise

from processors.tagging.name_claims import ORG_TYPES, actor_spans
from processors.tagging.name_cues import camel as _camel
from processors.tagging.names import claimed_spans
from processors.tagging.names_reader import Coverage
from processors.tagging.scan import FIELDS
from processors.tagging.words import Token, runs_of, split_where, tokens_of
from schemas.models import Mention, Tag

_WORDS = ("Anna", "Berg", "New", "York", "Ocasio-Cortez", "St.", "Louis", "of", "the", "and", "x", "EU", "-")


def _runs(rnd: random.Random) -> tuple[str, list[list[Token]]]:
    text = " ".join(rnd.choice(_WORDS) for _ in range(rnd.randrange(1, 40)))
    return text, runs_of(text, tokens_of(text))


def _spans(rnd: random.Random, length: int) -> list[tuple[int, int]]:
    spans = []
    for _ in range(rnd.randrange(6)):
        start = rnd.randrange(length + 1)
        spans.append((start, min(length, start + rnd.randrange(1, 20))))
    return spans


def test_coverage_split_and_meets_are_the_word_by_word_answers() -> None:
    rnd = random.Random(19)
    for _ in range(5000):
        text, runs = _runs(rnd)
        cover = Coverage(_spans(rnd, len(text)))
        for run in runs:
            assert cover.split(run) == split_where(run, cover.covers), (text, run)
            # A span may meet the run between its words ("of"): ``meets`` only rules words out.
            if not cover.meets(run[0].start, run[-1].end):  # what ``_segments`` skips
                assert not any(cover.covers(t) or cover.claims(t) for t in run), (text, run)


def test_actor_spans_are_the_claimed_spans_of_all_and_of_the_organisations() -> None:
    rnd = random.Random(12)
    types = ("person", "company", "media", "organization", "office", "party")
    for _ in range(500):
        actors = []
        for i in range(rnd.randrange(6)):
            mentions = tuple(
                Mention(field=rnd.choice(FIELDS), start=s, end=s + 3, text="abc")
                for s in (rnd.randrange(50) for _ in range(rnd.randrange(4)))
            )
            actors.append(Tag(id=f"Q{i}", name="A", type=rnd.choice(types), mentions=mentions))
        spans, orgs = actor_spans(actors)
        assert spans == claimed_spans([], [actors], [])
        assert orgs == claimed_spans([], [[t for t in actors if t.type in ORG_TYPES]], [])


def _camel_reference(word: str) -> bool:
    if len(word) < 5 or not word.isalpha() or word[:2] in {"Mc", "Di", "De", "Le", "La", "Da", "Du"}:
        return False
    if word[:3] == "Mac":
        return False
    return any(a.islower() and b.isupper() for a, b in pairwise(word[1:]))


def test_camel_early_exit_changes_nothing() -> None:
    rnd = random.Random(6)
    pool = "aAbBzZéÉßǅ1-'"
    words = ["WordPress", "BirdLife", "McDonald", "DiCaprio", "MacBook", "Paris", "iPhone", "eBay", "ABCDe"]
    words += ["".join(rnd.choice(pool) for _ in range(rnd.randrange(9))) for _ in range(20000)]
    for word in words:
        assert _camel(word) == _camel_reference(word), word
