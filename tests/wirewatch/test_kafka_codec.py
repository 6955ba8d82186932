"""The Kafka producer's compression level and key partitioner (wirewatch.bus.kafka_codec), without a broker."""

from __future__ import annotations

import importlib
import random

import cramjam
import pytest
from aiokafka import codec
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.record import default_records, legacy_records
from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords

from wirewatch.bus.kafka_codec import LZ4_LEVEL, KeyPartitioner, Lz4Encoder, builder_modules, use_lz4_level

# A story-like payload: text that repeats across records, as enriched stories do (aliases, tags).
_PAYLOADS = [
    (
        f'{{"id":"sha256:{i:032x}","title":"NATO says Russia has not withdrawn troops ({i})",'
        f'"body":"{"The alliance said on Tuesday that troops remained near the border. " * 40}",'
        f'"topics":[{{"id":"medtop:11000000","aliases":["Politique","Politik","political","polityka"]}}]}}'
    ).encode()
    for i in range(20)
]
_HEADERS = [("wirewatch-type", b"EnrichedStory"), ("wirewatch-trace-id", b"0" * 32)]


def _batch() -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=DefaultRecordBatch.CODEC_LZ4,
        is_transactional=0,
        producer_id=1,
        producer_epoch=0,
        base_sequence=0,
        batch_size=1024 * 1024,
    )
    for offset, value in enumerate(_PAYLOADS):
        builder.append(offset, timestamp=None, key=b"c-0123456789abcdef", value=value, headers=_HEADERS)
    return bytes(builder.build())


def _values(batch: bytes) -> list[bytes | None]:
    records = MemoryRecords(batch)
    out: list[bytes | None] = []
    while records.has_next():
        got = records.next_batch()
        assert got is not None
        out += [r.value for r in got]
    return out


@pytest.fixture
def restore_lz4() -> object:
    """Put aiokafka's own lz4_encode back after the test (the level is process-wide)."""
    c_builds = [
        importlib.import_module(f"aiokafka.record._crecords.{n}")
        for n in ("default_records", "legacy_records")
    ]
    modules = [default_records, legacy_records, *c_builds]
    saved = [(m, m.lz4_encode) for m in modules]
    yield modules
    for module, encode in saved:
        module.lz4_encode = encode


def test_batches_are_built_at_our_level_and_read_back(restore_lz4: list[object]) -> None:
    # aiokafka's own encoder first: an earlier test of the session may have opened a bus (the level
    # is process-wide), and the fixture puts back whatever was there.
    for module in restore_lz4:
        module.lz4_encode = codec.lz4_encode  # type: ignore[attr-defined]
    aiokafka_default = _batch()  # level 9, aiokafka's: what other producers may still write
    assert {id(m) for m in builder_modules()} == {id(m) for m in restore_lz4}  # the C builds too
    use_lz4_level()
    ours = _batch()
    for module in restore_lz4:
        encoder = module.lz4_encode  # type: ignore[attr-defined]
        assert isinstance(encoder, Lz4Encoder)
        assert encoder.level == LZ4_LEVEL
    # Both decode to the same records (the frame format is the same); ours is the fast compressor's.
    assert _values(ours) == _values(aiokafka_default) == _PAYLOADS
    assert ours != aiokafka_default
    joined = b"".join(_PAYLOADS)
    assert bytes(cramjam.lz4.decompress(Lz4Encoder(LZ4_LEVEL)(joined))) == joined
    assert len(Lz4Encoder(LZ4_LEVEL)(joined)) >= len(codec.lz4_encode(joined))  # HC packs tighter


def test_use_lz4_level_is_idempotent_and_can_change_level(restore_lz4: list[object]) -> None:
    use_lz4_level()
    first = [m.lz4_encode for m in restore_lz4]  # type: ignore[attr-defined]
    use_lz4_level()
    assert [m.lz4_encode for m in restore_lz4] == first  # type: ignore[attr-defined]
    use_lz4_level(9)
    assert all(m.lz4_encode.level == 9 for m in restore_lz4)  # type: ignore[attr-defined]
    assert _values(_batch()) == _PAYLOADS


def test_the_encoder_ignores_the_level_the_builders_would_ask_for() -> None:
    payload = b"wirewatch " * 500
    encoder = Lz4Encoder(1)
    assert encoder(payload, 9) == encoder(payload) == codec.lz4_encode(payload, level=1)


@pytest.mark.parametrize("partitions", [1, 2, 3, 12])
def test_key_partitioner_places_keys_as_aiokafka_does(partitions: int) -> None:
    rng = random.Random(19)
    keys = [f"c-{rng.getrandbits(64):016x}".encode() for _ in range(300)]
    keys += [f"sub-{i}".encode() for i in range(300)] + [b"", b"x", "Kyjiw–Київ".encode()]
    ours, theirs = KeyPartitioner(), DefaultPartitioner()
    every = list(range(partitions))
    for key in [*keys, *keys]:  # the second pass answers from the remembered hashes
        assert ours(key, every, every) == theirs(key, every, every)


def test_key_partitioner_stays_bounded_and_right_after_clearing() -> None:
    ours, theirs = KeyPartitioner(size=4), DefaultPartitioner()
    every = [0, 1, 2]
    for i in range(50):
        key = f"k{i % 7}".encode()
        assert ours(key, every, every) == theirs(key, every, every)
    assert len(ours._hashes) <= 4  # the bound is the point


def test_key_partitioner_spreads_unkeyed_messages_over_available_partitions() -> None:
    ours = KeyPartitioner()
    assert {ours(None, [0, 1, 2], [1]) for _ in range(20)} == {1}
    assert {ours(None, [0, 1, 2], []) for _ in range(200)} == {0, 1, 2}
