"""Property: whatever bytes arrive, the Ingestor never raises, and every input that produced no
story is in the dead-letter sink with a non-empty reason (real ``ingest.parse``, no fakes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import Ingestor, MemorySink

NOW = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)

MEDIA_TYPES = st.sampled_from(
    [
        None,
        "text/plain",
        "text/html",
        "application/json",
        "application/xml",
        "application/rss+xml",
        "image/png",
    ]
)

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title>
<item><guid>urn:1</guid><title>Storm closes port</title><link>https://example.org/1</link>
<description>The harbour authority closed the port on Friday after a storm.</description>
<pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item>
<item><guid>urn:2</guid><title>Second</title><description>Another story.</description></item>
</channel></rss>"""

NEWSML = b"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<newsItem guid="urn:newsml:example.org:1" version="2"><itemMeta><pubStatus qcode="stat:usable"/></itemMeta>
<contentMeta><headline>Quake hits coast</headline></contentMeta>
<contentSet><inlineXML contenttype="application/nitf+xml"><nitf><body><body.content>
<p>A strong earthquake hit the coast on Tuesday.</p></body.content></body></nitf></inlineXML></contentSet>
</newsItem></itemSet></newsMessage>"""

NINJS = json.dumps(
    {
        "uri": "urn:ninjs:1",
        "version": "1",
        "headline": "Talks resume",
        "body_text": "Talks resumed in Geneva.",
    }
).encode()

TEMPLATES = [RSS, NEWSML, NINJS]

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=6)
    ),
    max_leaves=20,
)

inputs = st.one_of(
    st.binary(max_size=2_000),
    st.text(max_size=500).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.tuples(st.sampled_from(TEMPLATES), st.integers(min_value=0, max_value=2_000)).map(
        lambda t: t[0][: t[1]]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, media_type=MEDIA_TYPES)
async def test_no_exception_escapes_and_every_storyless_input_is_dead_lettered(
    data: bytes, media_type: str | None
) -> None:
    sink = MemorySink()
    ingestor = Ingestor(sink=sink, now=lambda: NOW, max_bytes=1_500)
    outcome = await ingestor.ingest(data, origin="prop", media_type=media_type)
    if outcome.stories:
        assert not outcome.rejected
        assert sink.rejects == []
        assert len(sink.stories) == len(outcome.emitted)
    else:
        [letter] = sink.rejects
        assert letter.reason.strip()
        assert letter.source == "prop"
        assert letter.raw == data[: len(letter.raw)]
        assert letter.raw_size == len(data)
        assert sink.stories == []


@settings(max_examples=30, deadline=None)
@given(data=st.lists(inputs, min_size=1, max_size=5))
async def test_a_sequence_of_inputs_is_accounted_for(data: list[bytes]) -> None:
    sink = MemorySink()
    ingestor = Ingestor(sink=sink, now=lambda: NOW)
    outcomes = [await ingestor.ingest(d, origin=f"prop:{n}") for n, d in enumerate(data)]
    assert len(sink.rejects) == sum(o.rejected for o in outcomes)
    assert len(sink.stories) == sum(len(o.emitted) for o in outcomes)
    assert ingestor.dedup.dropped == sum(len(o.duplicates) for o in outcomes)
