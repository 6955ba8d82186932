"""Clustering features drop combining marks in one pass: the same features as a call per character."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.cluster import minhash as cluster
from schemas import Story
from tests.factories import make_story

TEXT = st.text(
    alphabet=st.sampled_from(
        [*"abc déf ÀÉÎõü ñ ç ŁŚŻ ё й Їі ǅ ﬁ ｶ ḍ ẞ ß 0123 ,.-()\n", "\u0301", "\u0308", "\u0327"]
        + [chr(c) for c in range(0x300, 0x370, 7)]
    ),
    max_size=200,
)


def reference_features(story: Story) -> set[bytes]:
    """The features as computed before the one-pass fold (shingle 1)."""
    body = cluster._TRAILER.sub("", cluster._DATELINE.sub("", story.body, count=1).strip())
    text = " ".join(part for part in (story.title, story.standfirst, body) if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = [
        w
        for w in cluster._WORD.findall(folded)
        if w not in cluster._STOPWORDS and (len(w) > 1 or w.isdigit())
    ]
    if len(words) <= 1:
        return {" ".join(words).encode()} if words else set()
    return {w.encode() for w in words}


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_features_equal_the_per_character_reference(title: str, body: str) -> None:
    story = make_story(title=title.strip() or "t", body=body.strip() or "b")
    assert cluster.features(story) == reference_features(story)


def test_ascii_and_accented_copies_share_their_features() -> None:
    plain = make_story(title="Zelenskyy meets Macron", body="The leaders met in Kyiv on Tuesday.")
    accented = make_story(title="Zelenskyy meets Macrón", body="The leaders met in Kyïv on Tuesday.")
    assert cluster.features(plain) == cluster.features(accented)
