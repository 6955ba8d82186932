"""Index snapshots: the alert worker's subscriptions and index on disk, with the offsets they reflect.

Rebuilding the index of a million subscriptions from the subscriptions topic means reading and
compiling a million queries; a snapshot lets a restarted worker load what it had and read only
the records written since (:class:`wirewatch.state.GlobalTable` starts at the saved offsets).

File layout (all integers big-endian)::

    MAGIC (8 bytes) | header length (u32) | header (JSON) | body (marshal)

The header names the format version, the topic, when it was written, the offset after the last
record applied per partition, and the body's length and SHA-256. A file is written to a temporary name next to
the target, flushed and fsynced, then renamed over it (and the directory fsynced): a crash
leaves the old snapshot or the new one, never half of one. A file that is torn anyway (a
foreign copy, a full disk), of another version or topic, or whose checksum differs, is
ignored with a warning: the worker then rebuilds from the topic, as without a snapshot. So is
one older than :data:`MAX_AGE_S`: compaction drops a tombstone ``delete.retention.ms`` (24 h)
after it was written, and a subscription deleted after an older snapshot would come back.

The body is :mod:`marshal` data (plain dicts, lists, tuples, strings, numbers and bytes: no
code, no classes). marshal is not safe against crafted input, so the checksum is verified
before it is read, and the file is only ever one this worker wrote (a local path of its own).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import structlog

from alerts.errors import AlertError
from schemas.topics import TOMBSTONE_RETENTION_MS

if TYPE_CHECKING:
    from pathlib import Path

log = structlog.get_logger(__name__)

MAGIC: Final = b"WWIDXSNP"
#: Bumped whenever the body's layout changes: an older file is then ignored and rebuilt.
FORMAT_VERSION: Final = 1
_LENGTH: Final = struct.Struct(">I")
_MAX_HEADER: Final = 1 << 20
#: A snapshot older than this is ignored: half the subscriptions topic's tombstone retention.
MAX_AGE_S: Final = TOMBSTONE_RETENTION_MS / 1000 / 2


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A loaded snapshot: the offsets it reflects (partition -> next offset) and its state."""

    topic: str
    offsets: dict[int, int]
    state: dict[str, Any]
    created_at: float = 0.0


def encode(topic: str, offsets: dict[int, int], state: dict[str, Any], *, created_at: float = 0.0) -> bytes:
    """The bytes of a snapshot file (``created_at``: seconds since the epoch)."""
    return frame(topic, offsets, marshal.dumps(state), created_at=created_at)


def frame(topic: str, offsets: dict[int, int], body: bytes, *, created_at: float = 0.0) -> bytes:
    """A snapshot file around an already marshalled ``body`` (hashing it may run in a thread)."""
    header = json.dumps(
        {
            "version": FORMAT_VERSION,
            "topic": topic,
            "created_at": created_at,
            "offsets": {str(p): o for p, o in sorted(offsets.items())},
            "body_length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        },
        sort_keys=True,
    ).encode()
    return b"".join((MAGIC, _LENGTH.pack(len(header)), header, body))


def decode(data: bytes, *, topic: str, now: float | None = None, max_age_s: float = MAX_AGE_S) -> Snapshot:
    """Check and read a snapshot file's bytes; :class:`~alerts.errors.AlertError` says why it is unusable."""
    if not data.startswith(MAGIC):
        raise AlertError("not a snapshot file (bad magic)")
    start = len(MAGIC) + _LENGTH.size
    if len(data) < start:
        raise AlertError("snapshot is torn (no header)")
    (header_length,) = _LENGTH.unpack_from(data, len(MAGIC))
    if header_length > _MAX_HEADER or len(data) < start + header_length:
        raise AlertError("snapshot is torn (header)", header_length=header_length)
    try:
        header = json.loads(data[start : start + header_length])
        version, body_length, digest = header["version"], header["body_length"], header["sha256"]
        offsets = {int(p): int(o) for p, o in header["offsets"].items()}
        written_for = header["topic"]
        created_at = float(header["created_at"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AlertError("snapshot header is unreadable", error=str(exc)) from exc
    if version != FORMAT_VERSION:
        raise AlertError("snapshot of another format version", version=version, expected=FORMAT_VERSION)
    if written_for != topic:
        raise AlertError("snapshot of another topic", snapshot_topic=written_for, topic=topic)
    if now is not None and now - created_at > max_age_s:
        raise AlertError(
            "snapshot is too old (deletions may have been compacted away)", age_s=now - created_at
        )
    body = data[start + header_length :]
    if len(body) != body_length:
        raise AlertError("snapshot is torn (body length)", length=len(body), expected=body_length)
    if hashlib.sha256(body).hexdigest() != digest:
        raise AlertError("snapshot checksum differs")
    try:
        state = marshal.loads(body)  # noqa: S302 - our own file, its checksum verified just above
    except (ValueError, EOFError, TypeError) as exc:
        raise AlertError("snapshot body is unreadable", error=str(exc)) from exc
    if not isinstance(state, dict):
        raise AlertError("snapshot body is not a mapping")
    return Snapshot(topic=topic, offsets=offsets, state=state, created_at=created_at)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    # The rename itself must reach the disk too.
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(path: Path, *, topic: str, offsets: dict[int, int], state: dict[str, Any]) -> int:
    """Write a snapshot atomically, dated now; return its size in bytes."""
    data = encode(topic, offsets, state, created_at=time.time())
    write_atomic(path, data)
    return len(data)


def load(path: Path, *, topic: str, max_age_s: float = MAX_AGE_S) -> Snapshot | None:
    """The snapshot at ``path``, or ``None`` (with a warning) if it is missing, unusable or too old."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("index snapshot unreadable; rebuilding from the topic", path=str(path), error=str(exc))
        return None
    try:
        return decode(data, topic=topic, now=time.time(), max_age_s=max_age_s)
    except AlertError as exc:
        log.warning("index snapshot ignored; rebuilding from the topic", path=str(path), error=str(exc))
        return None
