"""The store reads subscription records without pydantic (alerts.store._decode), exactly as pydantic would.

Building the index of a million subscriptions decodes a million records: the store reads the
usual ones by a regex or pydantic's JSON parser and validates each distinct ``options`` once.
It must never accept what ``Subscription.from_bytes`` refuses, nor read anything differently.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from structlog.testing import capture_logs

from alerts.index import SubscriptionIndex
from alerts.store import _PLAIN_RECORD, SubscriptionStore, _decode
from schemas.models import SubscriptionOptions
from tests.factories import make_subscription
from wirewatch.bus.memory import MemoryBus

_CANONICAL: dict[SubscriptionOptions, SubscriptionOptions] = {}


def _pydantic(value: bytes) -> tuple[str, str, str, SubscriptionOptions] | None:
    from schemas.models import Subscription  # noqa: PLC0415 - the reference, next to its use

    try:
        sub = Subscription.from_bytes(value)
    except ValidationError:
        return None
    return sub.id, sub.subscriber, sub.query, sub.options


def _check(value: bytes) -> None:
    options_by_json: dict[bytes, SubscriptionOptions] = {}
    expected = _pydantic(value)
    for _ in range(2):  # the second time, the options are known by their JSON
        try:
            found = _decode(value, options_by_json, lambda o: _CANONICAL.setdefault(o, o))
        except ValidationError:  # new options are validated with the whole record: pydantic's error
            assert expected is None, value
            continue
        if expected is None:
            assert found is None, value
        elif found is not None:
            assert found == expected, value


RECORDS = [
    make_subscription(query="actor:NATO").to_bytes(),
    make_subscription(query='actor:"European Union" AND text:"a \\"b\\" c\\\\"').to_bytes(),
    make_subscription(query="Ελλάδα AND 東京 AND 🙂").to_bytes(),
    make_subscription(query="a", min_confidence=0.5, paused=True).to_bytes(),
    b'{"id":"s1","subscriber":"u","query":"a"}',
    b'{"query":"a","id":"s1","subscriber":"u","options":{},"extra":[1,2]}',
    b'{"schema_version":2,"id":"s1","subscriber":"u","query":"a","options":{"min_confidence":0.2}}',
    b' {"schema_version":1,"id":"s1","subscriber":"u","query":"a","options":{}} ',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a\\u00e9\\n","options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a","options":{},"options":{"paused":true}}',
    # Refused by pydantic, so by the store too.
    b'{"schema_version":1,"id":"s 1","subscriber":"u","query":"a","options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"","options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":3,"options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a","options":{"min_confidence":2}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a","options":null}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a","options":{"colour":"red"}}',
    b'{"schema_version":"x","id":"s1","subscriber":"u","query":"a","options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a\nb","options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a\\x","options":{}}',
    b'{"schema_version":1,"id":"s1","subscriber":"u","query":"\xff","options":{}}',
    b'{"schema_version":1,"id":"s1\\n","subscriber":"u","query":"a","options":{}}',
    b"[]",
    b"not json",
]


@pytest.mark.parametrize("value", RECORDS)
def test_records_read_as_pydantic_reads_them(value: bytes) -> None:
    _check(value)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_NAMES = st.sampled_from(["s1", "a.b-c_9", "", "s 1", "é", "x\n", "_"]) | _TEXT
_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "min_confidence": st.sampled_from([0, 0.5, 1, 1.5, -1, "0.3", None]),
        "channels": st.sampled_from([["mqtt"], ["webhook", "sse"], "mqtt", []]),
        "paused": st.sampled_from([True, False, 0, "yes"]),
        "digest_seconds": st.sampled_from([None, 0, 60]),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    record=st.fixed_dictionaries(
        {},
        optional={
            "schema_version": st.sampled_from([1, 2, "1", 1.0, None]),
            "id": _NAMES,
            "subscriber": _NAMES,
            "query": _TEXT | st.sampled_from(['actor:"A B"', "a\\b", 3]),
            "options": _OPTIONS | st.none(),
            "other": st.integers(),
        },
    ),
    compact=st.booleans(),
)
def test_any_record_reads_as_pydantic_reads_it(record: dict[str, Any], *, compact: bool) -> None:
    _check(json.dumps(record, separators=(",", ":") if compact else None, ensure_ascii=False).encode())


async def test_a_bad_record_is_still_skipped_and_the_old_version_dropped() -> None:
    async with MemoryBus() as bus:
        store = SubscriptionStore(bus, index=SubscriptionIndex())
        good = make_subscription(sub_id="s1", query="actor:NATO")
        store.apply("s1", good.to_bytes())
        assert store.get("s1") == good
        with capture_logs() as logs:
            store.apply(
                "s1",
                b'{"schema_version":1,"id":"s1","subscriber":"u","query":"a","options":{"min_confidence":2}}',
            )
        assert store.get("s1") is None
        assert "s1" not in store.index
        assert [e["event"] for e in logs] == ["invalid subscription skipped"]
        assert "options.min_confidence" in logs[0]["error"]  # pydantic's message, as before
        with capture_logs() as logs:
            store.apply("s1", make_subscription(sub_id="s1", query="actor:(").to_bytes())
        assert [e["event"] for e in logs] == ["invalid subscription skipped"]
        store.apply("s2", make_subscription(sub_id="s2", query="a").to_bytes())
        store.apply("s2", make_subscription(sub_id="s2", query="b", subscriber="other").to_bytes())
        kept = store.get("s2")
        assert kept is not None
        assert (kept.query, kept.subscriber) == ("b", "other")


def test_the_records_the_store_writes_take_the_regex_path() -> None:
    # If Subscription gains a field, to_bytes changes and every record goes through the JSON
    # parser: still right, but slower (the build at 1M). Update _PLAIN_RECORD then.
    for value in RECORDS[:4]:
        assert _PLAIN_RECORD.match(value) is not None, value
