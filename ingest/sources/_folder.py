"""Watch a drop folder: ingest every file put there, then move it out of the way.

A file is read once it has kept its size and mtime for ``settle_s`` (the writer is done), then moved
to ``processed/`` (ingested) or ``failed/`` (rejected, and dead-lettered), so that a restart never
reads it twice. Files already there at start are processed first. Hidden files and the usual
temporary names (``.tmp``, ``.part``, ``~``...) are ignored: writers should write under such a name
and rename when done, which is atomic.

Change events are only a wake-up call: each wake-up rescans the folder, and the watcher also wakes
every ``rescan_s`` on its own, so a missed event (or a file dropped while starting) costs a delay,
never a lost file.

One watcher per folder: two would race for the same files (one ingests, the other finds it gone, or
both ingest it). ``run`` takes an exclusive ``flock`` on ``.wirewatch-folder.lock`` in the folder and
holds it until it returns; a second watcher, in this process or another, fails at once with
FolderInUseError naming the holder. The kernel drops the lock when its holder dies, so a crash
leaves nothing to clean up.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from watchfiles import Change, awatch

from ingest import FolderInUseError, InputTooLargeError
from ingest.ingestor import IngestOutcome

if TYPE_CHECKING:
    from ingest.ingestor import Ingestor

__all__ = ["DropFolder", "is_candidate_name"]

log = structlog.get_logger("wirewatch.ingest.folder")

_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock", "~")

_Stat = tuple[int, int]  # size, mtime_ns

LOCK_NAME = ".wirewatch-folder.lock"


def is_candidate_name(name: str) -> bool:
    """False for hidden and temporary file names."""
    lowered = name.lower()
    return bool(name) and not name.startswith((".", "~", "#")) and not lowered.endswith(_TEMP_SUFFIXES)


class DropFolder:
    """Ingests the files dropped into ``path``; ``await run()`` until cancelled."""

    def __init__(
        self,
        *,
        path: Path,
        ingestor: Ingestor,
        settle_s: float = 0.5,
        rescan_s: float = 30.0,
        debounce_ms: int = 200,
        force_polling: bool | None = None,
        source: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.processed_dir = self.path / "processed"
        self.failed_dir = self.path / "failed"
        self._ingestor = ingestor
        self._settle_s = settle_s
        self._rescan_ms = max(1, int(rescan_s * 1000))
        self._debounce_ms = debounce_ms
        self._force_polling = force_polling
        self._source = source or f"folder:{self.path.name}"
        self._stuck: set[Path] = set()

    async def run(self, *, stop_event: asyncio.Event | None = None) -> None:
        """Process the files present, then each new one, until cancelled (or ``stop_event`` is set)."""
        await asyncio.to_thread(self.make_dirs)
        with folder_lock(self.path):
            log.info("drop_folder_started", path=str(self.path))
            await self.scan()
            async for _changes in awatch(
                self.path,
                watch_filter=self._wanted,
                recursive=False,
                debounce=self._debounce_ms,
                rust_timeout=self._rescan_ms,
                yield_on_timeout=True,
                stop_event=stop_event,
                force_polling=self._force_polling,
            ):
                await self.scan()

    async def scan(self) -> int:
        """Process every finished file now in the folder; return how many were processed."""
        before = {
            p: stat for p, stat in (await asyncio.to_thread(self._candidates)).items() if p not in self._stuck
        }
        if not before:
            return 0
        if self._settle_s > 0:
            # Settled means unchanged for settle_s since the last write: the time since the newest
            # file's mtime (the change events' debounce, mostly) counts. A clock ahead of ours
            # (a mtime in the future) waits the whole settle_s.
            newest_s = max(mtime_ns for _size, mtime_ns in before.values()) / 1e9
            await asyncio.sleep(min(self._settle_s, max(0.0, self._settle_s - (time.time() - newest_s))))
            after = await asyncio.to_thread(self._candidates)
            ready = sorted(p for p, stat in before.items() if after.get(p) == stat)
        else:
            ready = sorted(before)
        for path in ready:
            await self.process(path)
        return len(ready)

    async def process(self, path: Path) -> IngestOutcome | None:
        """Ingest one file and move it to ``processed/`` or ``failed/`` (None if it vanished)."""
        origin = str(path)
        limit = self._ingestor.max_bytes
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
            if size > limit:
                head = await asyncio.to_thread(_read_head, path, 64 * 1024)
                error = InputTooLargeError(size=size, limit=limit, origin=origin)
                outcome = IngestOutcome(
                    error=error, letter=await self._ingestor.reject(error, raw=head, origin=origin)
                )
            else:
                data = await asyncio.to_thread(path.read_bytes)
                # The parser detects the format from the path's extension, else the bytes.
                outcome = await self._ingestor.ingest(data, origin=origin, source=self._source)
        except FileNotFoundError:
            return None  # taken away before we got to it
        except OSError as exc:
            outcome = IngestOutcome(
                error=exc, letter=await self._ingestor.reject(exc, raw=b"", origin=origin)
            )
        target = self.failed_dir if outcome.rejected else self.processed_dir
        try:
            await asyncio.to_thread(_move, path, target)
        except OSError:
            # Cannot move it (permissions?): remember it so it is not ingested again on every scan.
            self._stuck.add(path)
            log.exception("drop_folder_move_failed", path=origin, target=str(target))
        return outcome

    def make_dirs(self) -> None:
        """Create the folder and its processed/failed folders (idempotent)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.processed_dir.mkdir(exist_ok=True)
        self.failed_dir.mkdir(exist_ok=True)

    def _candidates(self) -> dict[Path, _Stat]:
        found: dict[Path, _Stat] = {}
        with contextlib.suppress(FileNotFoundError), os.scandir(self.path) as entries:
            for entry in entries:
                if not is_candidate_name(entry.name):
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        stat = entry.stat(follow_symlinks=False)
                        found[Path(entry.path)] = (stat.st_size, stat.st_mtime_ns)
        return found

    def _wanted(self, change: Change, path: str) -> bool:
        return change is not Change.deleted and is_candidate_name(Path(path).name)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's watcher lock (``flock``, exclusive) for the block; FolderInUseError if taken."""
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or None
            raise FolderInUseError(
                f"another watcher already ingests the drop folder {folder}: stop it, or give this "
                "one another folder (two watchers would race for the same files)",
                path=str(folder),
                holder=holder,
            ) from None
        # Who holds it, for the message above (the lock is the flock, not this text).
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _read_head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _move(path: Path, directory: Path) -> Path:
    target = directory / path.name
    if target.exists():
        # Keep both: the same name may be dropped again with new content.
        target = directory / f"{path.stem}.{time.time_ns()}{path.suffix}"
    path.replace(target)
    return target
