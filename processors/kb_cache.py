"""The knowledge base and its automaton, prebuilt: a cold start loads them instead of building them.

Building the tagger's tables from the data files (``KnowledgeBase.load`` and
``ScanTables.build``: ~100k entities, ~220k keys, one automaton) takes seconds; loading them
built takes a fraction of one. :func:`load` returns them from a cache file when it is fresh,
else builds them and writes the file for the next start (``python -m processors.kb_cache``
writes it ahead, as ``make setup`` does).

The file is one pickle (the automaton is pyahocorasick's, which pickles), under a header that
names the fingerprint it was built for, the payload's length and its CRC-32. The fingerprint
covers the data files' contents, the source of the modules that shape the tables, and the
versions of Python and pyahocorasick: an edit to either makes the file stale. A stale, torn or
corrupt file (wrong header, length or checksum; a pickle that does not load) is ignored, and a
fresh one replaces it (written whole, then renamed: readers never see half a file). Only files
this module wrote are loaded (a pickle runs code when loaded): the directory is the user's own.

Entities, senses and roles are frozen dataclasses (compiled with mypyc, which refuses pickle's
way of filling them in): they are pickled as calls of their constructors with every field, which
is also the fastest way to load them; equal senses are pickled once. The knowledge base is kept
as its fields, the automaton's keys as a byte of flags each (``ScanTables.saved``): a key is
made from the knowledge base's senses when a match first needs it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import io
import os
import pickle
import struct
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import structlog

from processors._compiled import source_path
from processors.kb import DATA_DIR, Entity, KnowledgeBase, Role, Sense
from processors.tagging.scan import ScanTables

log = structlog.get_logger("wirewatch.kb_cache")

#: Bump when what the file holds changes shape in a way the fingerprint does not see.
FORMAT: Final = 1
_MAGIC: Final = b"WWKB"
# magic, format, fingerprint (32 bytes), payload length, payload CRC-32
_HEADER: Final = struct.Struct("<4sH32sQI")
# The modules whose code decides what the tables hold (normalization, loading, keys, cues).
_SHAPING: Final = ("text", "kb", "tagging.readings", "tagging.scan", "tagging.words")


@dataclass(frozen=True, slots=True)
class Prebuilt:
    """A knowledge base and its automaton tables, and where they came from."""

    kb: KnowledgeBase
    tables: ScanTables
    source: str  # "cache": loaded from ``path``; "built": built from the data files
    path: Path | None  # the cache file (None: no cache directory could be used)
    seconds: float


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/wirewatch`` (default ``~/.cache/wirewatch``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wirewatch"


def fingerprint(data_dir: Path = DATA_DIR) -> bytes:
    """What the tables depend on: the data files, the shaping code, the library versions."""
    h = hashlib.blake2b(digest_size=32)
    h.update(f"format {FORMAT}; python {sys.version}; pickle {pickle.HIGHEST_PROTOCOL};".encode())
    h.update(f"pyahocorasick {_version('pyahocorasick')};".encode())
    for path in sorted(p for p in data_dir.iterdir() if p.is_file()):
        data = path.read_bytes()
        h.update(f"\0data {path.name} {len(data)}\0".encode())
        h.update(data)
    for name in (*_SHAPING, "kb_cache"):
        source = source_path(name)
        # An installation without sources (a wheel of the compiled modules only): its version.
        code = source.read_bytes() if source.exists() else _version("wirewatch").encode()
        h.update(f"\0code {name} {len(code)}\0".encode())
        h.update(code)
    return h.digest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def load(
    data_dir: Path = DATA_DIR,
    cache_dir: Path | None = None,
    *,
    freeze: bool = True,
    build: Callable[[Path], tuple[KnowledgeBase, ScanTables]] | None = None,
) -> Prebuilt:
    """The tables of ``data_dir``: from the cache when fresh, else built (and the cache written).

    ``cache_dir`` defaults to :func:`default_cache_dir`. A cache directory that cannot be
    written only costs the next start its speed (logged). ``freeze``: the tables live as long
    as the process, so the objects loaded (and all others so far) leave the collector's
    generations (``gc.freeze``, as the process stage does once its state is built); otherwise
    the next collections walk their million objects, about half a second. ``build`` replaces
    the real build (tests).
    """
    started = time.perf_counter()
    directory = default_cache_dir() if cache_dir is None else cache_dir
    key = fingerprint(data_dir)
    path = directory / f"kb-{key.hex()[:16]}.pickle"
    loaded = _read(path, key, freeze=freeze)
    if loaded is not None:
        kb, tables = loaded
        return Prebuilt(kb, tables, "cache", path, time.perf_counter() - started)
    kb, tables = (build or _build)(data_dir)
    written = _write(path, key, kb, tables)
    if written:
        _prune(directory, keep=path)
    return Prebuilt(kb, tables, "built", path if written else None, time.perf_counter() - started)


def _build(data_dir: Path) -> tuple[KnowledgeBase, ScanTables]:
    kb = KnowledgeBase.load(data_dir)
    return kb, ScanTables.build(kb)


# --- the file ------------------------------------------------------------------------


def _read(path: Path, key: bytes, *, freeze: bool) -> tuple[KnowledgeBase, ScanTables] | None:
    """The tables in ``path`` if it holds a whole, uncorrupted file built for ``key``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("knowledge-base cache unreadable; building", path=str(path), error=str(exc))
        return None
    why = _check(data, key)
    if why is None:
        try:
            with _no_gc(freeze=freeze):
                kb_args, saved = pickle.loads(memoryview(data)[_HEADER.size :])  # noqa: S301 - our own file, checked
                kb = KnowledgeBase(*kb_args)
                patterns, flags, sources, automaton, both = saved
                return kb, ScanTables.restore(patterns, flags, sources, automaton, both, kb.senses)
        except Exception as exc:  # any failure to load means: build instead (a pickle raises anything)
            why = f"does not load: {type(exc).__name__}: {exc}"
    log.warning("knowledge-base cache ignored; building", path=str(path), reason=why)
    return None


def _check(data: bytes, key: bytes) -> str | None:
    """Why ``data`` is no valid file for ``key`` (None: it is)."""
    if len(data) < _HEADER.size:
        return "truncated header"
    magic, fmt, found, length, crc = _HEADER.unpack_from(data)
    if magic != _MAGIC or fmt != FORMAT:
        return "not a cache file of this format"
    if found != key:
        return "built for other data or code"
    if len(data) - _HEADER.size != length:
        return f"torn: {len(data) - _HEADER.size} bytes of {length}"
    if zlib.crc32(memoryview(data)[_HEADER.size :]) != crc:
        return "checksum mismatch"
    return None


def _write(path: Path, key: bytes, kb: KnowledgeBase, tables: ScanTables) -> bool:
    """Write the tables to ``path`` whole (a temporary file, renamed); False if it cannot be."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch()
    pickler.dump(_payload(kb, tables))
    payload = buffer.getbuffer()
    header = _HEADER.pack(_MAGIC, FORMAT, key, len(payload), zlib.crc32(payload))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(header)
                fh.write(payload)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("knowledge-base cache not written", path=str(path), error=str(exc))
        return False
    return True


def _prune(directory: Path, keep: Path) -> None:
    """Remove the files of other fingerprints (stale: each is ~100 MB)."""
    for old in directory.glob("kb-*.pickle"):
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()


@contextlib.contextmanager
def _no_gc(*, freeze: bool) -> Iterator[None]:
    """No collections while a million objects are made (none of them is garbage); then freeze them.

    Garbage already there is collected first: frozen, it would never be.
    """
    enabled = gc.isenabled()
    if freeze:
        gc.collect()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()


# --- what the file holds ------------------------------------------------------------


def _payload(kb: KnowledgeBase, tables: ScanTables) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The knowledge base's fields and the tables' saved form, with one object per distinct sense.

    Aliases of one entity mostly have equal senses: ~240k sense objects are ~100k distinct
    ones, and each one loaded is a constructor call.
    """
    canon: dict[Sense, Sense] = {}
    fields: dict[str, Any] = {f.name: getattr(kb, f.name) for f in dataclasses.fields(KnowledgeBase)}
    fields["senses"] = defaultdict(
        list, {k: [canon.setdefault(s, s) for s in v] for k, v in kb.senses.items()}
    )
    return tuple(fields.values()), tables.saved()


def _dispatch() -> dict[type[Any], Callable[[Any], Any]]:
    """Pickle entities, senses and roles as constructor calls, each distinct string once.

    Equal strings read from the data files are distinct objects ("city" 69k times, country
    codes, dates): pickled once each, the others are references, which load faster.
    """
    strings: dict[str, str] = {}

    def same(value: Any) -> Any:
        if isinstance(value, str):
            return strings.setdefault(value, value)
        if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            return tuple(strings.setdefault(v, v) for v in value)
        return value

    def as_call(cls: type[Any]) -> Callable[[Any], tuple[type[Any], tuple[Any, ...]]]:
        names = tuple(f.name for f in dataclasses.fields(cls))

        def reduce(obj: Any) -> tuple[type[Any], tuple[Any, ...]]:
            return cls, tuple(same(getattr(obj, name)) for name in names)

        return reduce

    return {Entity: as_call(Entity), Sense: as_call(Sense), Role: as_call(Role)}


def ensure(data_dir: Path = DATA_DIR, cache_dir: Path | None = None) -> tuple[str, Path | None]:
    """Make sure a fresh cache file is there (checked, not loaded): ``("fresh" | "built", path)``."""
    directory = default_cache_dir() if cache_dir is None else cache_dir
    key = fingerprint(data_dir)
    path = directory / f"kb-{key.hex()[:16]}.pickle"
    try:
        if _check(path.read_bytes(), key) is None:
            return "fresh", path
    except OSError:
        pass  # none yet (or unreadable): build it
    built = load(data_dir, cache_dir, freeze=False)
    return "built", built.path


def main() -> None:
    """Write the cache ahead unless a fresh one is there (``python -m processors.kb_cache [DIR]``)."""
    cache_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    started = time.perf_counter()
    state, path = ensure(cache_dir=cache_dir)
    took = time.perf_counter() - started
    print(f"prebuilt knowledge base: {state} in {took:.1f} s: {path or 'not written'}")  # noqa: T201


if __name__ == "__main__":
    main()
