"""Property: whatever the bytes, parse() returns Stories or raises an IngestError, never anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import IngestError, parse
from schemas import Story

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parent / "samples"
XML_SAMPLES = [
    (SAMPLES / name).read_bytes()
    for name in ("newsml-item.xml", "newsml-package.xml", "feed-rss2.xml", "feed-atom.xml", "feed-rss1.rdf")
]
ORIGINS = st.sampled_from(
    ["stdin", "x.txt", "x.json", "x.xml", "x.html", "https://e.example/a", "x.rss", "x.nml"]
)
MEDIA = st.sampled_from(
    [None, "text/plain", "application/json", "application/xml", "text/html", "application/rss+xml"]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
STORY_KEYS = [
    "title",
    "body",
    "url",
    "source",
    "published_at",
    "uri",
    "headline",
    "body_text",
    "pubstatus",
    "version",
]
STORYISH = st.dictionaries(st.sampled_from(STORY_KEYS), JSON_VALUES, max_size=6)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, origin: str, media_type: str | None = None) -> None:
    try:
        stories = parse(data, origin=origin, now=NOW, media_type=media_type, max_bytes=200_000)
    except IngestError:
        return
    assert stories
    assert all(isinstance(s, Story) for s in stories)
    assert all(s.published_at is not None and s.published_at <= NOW for s in stories)


class TestParseNeverLeaks:
    @SETTINGS
    @given(data=st.binary(max_size=400), origin=ORIGINS, media_type=MEDIA)
    def test_random_bytes(self, data: bytes, origin: str, media_type: str | None) -> None:
        _check(data, origin, media_type)

    @SETTINGS
    @given(value=JSON_VALUES | STORYISH, origin=ORIGINS)
    def test_random_json(self, value: object, origin: str) -> None:
        _check(json.dumps(value).encode(), origin)

    @SETTINGS
    @given(index=st.integers(0, len(XML_SAMPLES) - 1), cut=st.floats(0.0, 1.0), origin=ORIGINS)
    def test_truncated_xml(self, index: int, cut: float, origin: str) -> None:
        data = XML_SAMPLES[index]
        _check(data[: int(len(data) * cut)], origin)

    @SETTINGS
    @given(text=st.text(max_size=300))
    def test_random_text(self, text: str) -> None:
        _check(text.encode("utf-8", errors="surrogatepass"), "stdin")
