"""The prebuilt knowledge base (issue 12, cold start): used when fresh, rebuilt when stale or corrupt.

The cache's mechanics are tested on a tiny knowledge base (a build of the full one takes
seconds); that loaded tables tag exactly as freshly built ones, on the packaged one.
"""

from __future__ import annotations

import functools
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors import KnowledgeBase, Tagger, kb_cache
from processors._compiled import source_path
from processors.kb import Entity, Kind, Relation
from processors.tagging.scan import ScanTables
from schemas.models import Story

NOW = datetime(2024, 4, 18, 12, 0, tzinfo=UTC)

# Stories in the nine languages, with titles, datelines and dated offices, known and unknown names.
TEXTS = [
    (
        "en",
        "NATO says Russia has not withdrawn troops",
        (
            "BRUSSELS (Reuters) - The NATO chief said on Wednesday that Russia has not withdrawn troops "
            "from the border with Ukraine. Jens Stoltenberg met Foreign Minister Sergei Lavrov's deputy. "
            "Storms hit Atlanta and Savannah in Georgia, and the U.S. secretary of state flew to Kyiv. "
            "Jane Okonkwo-Baptiste of the Harbour Workers Union said Moscow had not responded."
        ),
    ),
    (
        "es",
        "La OTAN insiste",
        (
            "La OTAN insiste en que Rusia no ha retirado sus tropas de la frontera con Ucrania, "
            "dijo el ministro de Exteriores ruso en Madrid. Pedro Sánchez habló con Bruselas."
        ),
    ),
    (
        "fr",
        "Le président russe",
        (
            "Le président russe a rencontré le chancelier allemand à Paris; l'Union européenne "
            "prépare des sanctions contre la Russie, selon Bruxelles."
        ),
    ),
    (
        "de",
        "Die NATO sieht keinen Rückzug",
        (
            "Die NATO sieht keinen Rückzug russischer Truppen von der Grenze zur Ukraine. "
            "Der Bundeskanzler sprach in Berlin mit Vertretern der Deutschen Bahn."
        ),
    ),
    (
        "it",
        "Sanzioni",
        (
            "Il ministro degli Esteri italiano ha incontrato a Roma il segretario generale della NATO; "
            "l'Unione europea discute nuove sanzioni contro la Russia."
        ),
    ),
    (
        "pt",
        "Sanções",
        (
            "O presidente do Brasil falou em Brasília com o primeiro-ministro de Portugal sobre a guerra "
            "na Ucrânia e as sanções da União Europeia."
        ),
    ),
    (
        "pl",
        "Sankcje UE",
        (
            "Unia Europejska przyjęła nowe sankcje wobec Rosji. Polska i Niemcy poparły decyzję, "
            "powiedział minister spraw zagranicznych w Warszawie."
        ),
    ),
    (
        "ru",
        "Россия и НАТО",
        (
            "Россия не отвела войска от границы с Украиной, заявил генсек НАТО в Брюсселе. "
            "Министр иностранных дел России Сергей Лавров ответил из Москвы."
        ),
    ),
    (
        "uk",
        "Україна",
        "Президент України провів переговори у Києві з прем'єр-міністром Польщі щодо санкцій проти Росії.",
    ),
]


def _stories() -> list[Story]:
    return [
        Story(
            id=f"s{i}-{published.year}",
            title=title,
            body=body,
            language=language,
            source="test",
            content_hash="h",
            ingested_at=NOW,
            published_at=published,
        )
        for i, (language, title, body) in enumerate(TEXTS)
        for published in (datetime(2023, 6, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))
    ]


@functools.cache
def _packaged_tables() -> ScanTables:
    return ScanTables.build(KnowledgeBase.load())


def _packaged(_: Path) -> tuple[KnowledgeBase, ScanTables]:
    """The packaged knowledge base's build (shared with the other tests of the process)."""
    return KnowledgeBase.load(), _packaged_tables()


def test_loaded_tables_tag_as_built_ones(tmp_path: Path) -> None:
    built = kb_cache.load(cache_dir=tmp_path, build=_packaged, freeze=False)
    assert built.source == "built"
    assert built.path is not None
    assert built.path.exists()
    loaded = kb_cache.load(cache_dir=tmp_path, freeze=False)
    assert loaded.source == "cache"
    assert loaded.kb is not KnowledgeBase.load()
    assert loaded.kb.entities == KnowledgeBase.load().entities
    assert dict(loaded.kb.senses) == dict(KnowledgeBase.load().senses)
    fresh = Tagger(KnowledgeBase.load())
    cached = Tagger(loaded.kb, tables=loaded.tables)
    for story in _stories():
        assert cached.tag(story) == fresh.tag(story), story.id
    assert list(cached.keys()) == list(fresh.keys())


def test_keys_made_on_demand_equal_built_ones() -> None:
    kb = KnowledgeBase.load()
    built = _packaged_tables()
    restored = ScanTables.restore(*built.saved(), kb.senses)
    assert all(v[4] is None for v in restored.values)
    sample = [*range(0, len(built.values), 7), *list(built.sources)[::5]]
    for index in sample:
        assert restored.key(index) == built.key(index), built.patterns[index]
    assert [v[:3] for v in restored.values] == [v[:3] for v in built.values]


# --- the cache's mechanics, on a tiny knowledge base --------------------------------------

BUILDS: list[Path] = []


def _tiny(data_dir: Path) -> tuple[KnowledgeBase, ScanTables]:
    BUILDS.append(data_dir)
    kb = KnowledgeBase()
    kb.add(Entity(id="Q1", name="Jane Roe", kind=Kind.ACTOR, type="person", aliases=("J. Roe",)))
    kb.add(Entity(id="Q2", name="United Nations", kind=Kind.ACTOR, type="organization", aliases=("U.N.",)))
    for entity_id, alias in (("Q1", "Jane Roe"), ("Q1", "J. Roe"), ("Q2", "United Nations"), ("Q2", "U.N.")):
        kb.alias(alias, entity_id, Relation.NAME)
    return kb, ScanTables.build(kb)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    (path / "actors.json").write_text('{"actors": []}', encoding="utf-8")
    (path / "places.tsv").write_text("id\tname\n", encoding="utf-8")
    BUILDS.clear()
    return path


def _load(data_dir: Path, cache_dir: Path) -> kb_cache.Prebuilt:
    return kb_cache.load(data_dir, cache_dir, build=_tiny, freeze=False)


def _tags(pre: kb_cache.Prebuilt) -> list[str]:
    story = Story(
        id="t",
        title="",
        body="Jane Roe spoke at the U.N. today.",
        source="t",
        content_hash="h",
        ingested_at=NOW,
    )
    return [t.id for t in Tagger(pre.kb, tables=pre.tables, unknown_names=False).tag(story).actors]


def test_fresh_cache_is_used(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _load(data_dir, cache)
    assert (first.source, len(BUILDS)) == ("built", 1)
    second = _load(data_dir, cache)
    assert (second.source, len(BUILDS)) == ("cache", 1)
    assert second.path == first.path
    assert _tags(second) == _tags(first) == ["Q1", "Q2"]


def test_changed_data_makes_it_stale(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old = _load(data_dir, cache).path
    (data_dir / "actors.json").write_text('{"actors": [1]}', encoding="utf-8")
    again = _load(data_dir, cache)
    assert (again.source, len(BUILDS)) == ("built", 2)
    assert again.path != old
    assert old is not None
    assert not old.exists()  # the stale file is removed
    assert _load(data_dir, cache).source == "cache"


def test_changed_code_makes_it_stale(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "scan.py"
    source.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(
        "processors.kb_cache.source_path",
        lambda name: source if name == "tagging.scan" else source_path(name),
    )
    cache = tmp_path / "cache"
    assert _load(data_dir, cache).source == "built"
    assert _load(data_dir, cache).source == "cache"
    source.write_text("x = 2\n", encoding="utf-8")
    assert _load(data_dir, cache).source == "built"


def _header(data: bytes) -> tuple[bytes, int, bytes, int, int]:
    return struct.unpack_from("<4sH32sQI", data)


@pytest.mark.parametrize("damage", ["truncated", "torn header", "flipped byte", "not ours", "not a pickle"])
def test_corrupt_cache_is_rebuilt(data_dir: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    path = _load(data_dir, cache).path
    assert path is not None
    data = path.read_bytes()
    size = struct.calcsize("<4sH32sQI")
    if damage == "truncated":
        broken = data[: len(data) // 2]
    elif damage == "torn header":
        broken = data[:10]
    elif damage == "flipped byte":
        flipped = bytearray(data)
        flipped[len(data) - 100] ^= 0xFF
        broken = bytes(flipped)
    elif damage == "not ours":
        broken = b"GARBAGE!" + data[8:]
    else:  # a well-formed file whose payload is no pickle of the tables
        magic, fmt, key, _, _ = _header(data)
        payload = b"\x80\x05not a pickle at all"
        broken = struct.pack("<4sH32sQI", magic, fmt, key, len(payload), zlib.crc32(payload)) + payload
    assert len(data) > size
    path.write_bytes(broken)
    rebuilt = _load(data_dir, cache)
    assert (rebuilt.source, len(BUILDS)) == ("built", 2)
    assert _tags(rebuilt) == ["Q1", "Q2"]
    assert path.read_bytes() != broken
    assert _load(data_dir, cache).source == "cache"


def test_unwritable_cache_dir_only_costs_speed(data_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    pre = _load(data_dir, blocker / "cache")
    assert (pre.source, pre.path) == ("built", None)
    assert _tags(pre) == ["Q1", "Q2"]
