"""Read stories from standard input: JSON lines, or one plain-text story when it is not JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, BinaryIO, Protocol

import structlog

from ingest import InputTooLargeError
from ingest.ingestor import RawInput

if TYPE_CHECKING:
    from ingest.ingestor import Ingestor

__all__ = ["LineReader", "StdinSource", "open_stdin_reader"]

log = structlog.get_logger("wirewatch.ingest.stdin")

_CHUNK = 64 * 1024  # bytes read from the stream at a time
_HEAD = 64 * 1024  # bytes of an oversized input kept in its dead letter (as for files and bodies)


class LineReader(Protocol):
    """The part of ``asyncio.StreamReader`` the source uses (inject any stream in tests).

    Only ``read``: the source splits lines itself (see :class:`StdinSource`).
    """

    async def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes; ``b""`` at EOF."""
        ...


def _is_json_document(line: bytes) -> bool:
    try:
        value = json.loads(line)
    except ValueError:
        return False
    return isinstance(value, dict | list)


class StdinSource:
    """Ingests what a stream carries until EOF.

    The first non-blank line decides: if it is a JSON object or array, every line is one JSON
    input (a bad line is dead-lettered and the next is read); otherwise the whole stream is one
    plain-text story. JSON lines are read ahead and ingested in batches of what has arrived (up
    to ``batch``), with one wait for the bus's acknowledgements per batch, not per line.

    A line longer than ``max_line`` bytes (default: the ingestor's ``max_bytes``) is never held
    whole: its first 64 KiB are kept, the rest is counted and dropped up to its newline, and the
    dead letter tells the line's true size (``raw_size``, ``raw_truncated``), as for files and
    HTTP bodies. The stream is read in chunks and split here rather than with ``readline``:
    past its limit ``StreamReader.readline`` forgets how long the line was, and on a pipe it
    leaves the line's tail to be read as the next line.
    """

    def __init__(
        self,
        *,
        reader: LineReader,
        ingestor: Ingestor,
        origin: str = "stdin",
        batch: int = 256,
        max_line: int | None = None,
    ) -> None:
        self._reader = reader
        self._ingestor = ingestor
        self._origin = origin
        self._lineno = 0
        self._batch = batch
        self._max_line = max_line if max_line is not None else ingestor.max_bytes
        self._buffer = bytearray()
        self._eof = False

    async def run(self) -> int:
        """Read until EOF; return the number of inputs handed to the ingestor."""
        self._lineno = 0
        first = await self._next_line()
        while first is not None and not first.strip():
            first = await self._next_line()
        if first is None:
            return 0
        if _is_json_document(first):
            return await self._json_lines(first)
        await self._text(first)
        return 1

    async def _fill(self) -> bool:
        """Read one more chunk into the buffer; False at EOF."""
        if self._eof:
            return False
        chunk = await self._reader.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    async def _next_line(self) -> bytes | None:
        """The next line (with its newline), None at EOF; an over-long line is dead-lettered and skipped."""
        while True:
            self._lineno += 1
            line = await self._read_line()
            if line is None or isinstance(line, bytes):
                return line
            head, size = line
            origin = f"{self._origin}:{self._lineno}"
            error = InputTooLargeError(size=size, limit=self._max_line, origin=origin)
            await self._ingestor.reject(error, raw=head, origin=origin, size=size)

    async def _read_line(self) -> bytes | tuple[bytes, int] | None:
        """The next line; (its head, its size without newline) when over ``max_line``; None at EOF."""
        scanned = 0
        while True:
            end = self._buffer.find(b"\n", scanned)
            if end >= 0:
                if end > self._max_line:
                    return self._drop_line(end)
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > self._max_line:
                return await self._skip_long_line()
            scanned = len(self._buffer)
            if not await self._fill():
                if not self._buffer:
                    return None
                line = bytes(self._buffer)  # the last line, without its newline
                self._buffer.clear()
                return line

    def _drop_line(self, length: int) -> tuple[bytes, int]:
        """Drop a buffered over-long line of ``length`` bytes (and its newline): its head and size."""
        head = bytes(self._buffer[: min(length, _HEAD)])
        del self._buffer[: length + 1]
        return head, length

    async def _skip_long_line(self) -> tuple[bytes, int]:
        """Keep the head of an over-long line, count the rest up to its newline (or EOF)."""
        head = bytes(self._buffer[:_HEAD])
        size = 0
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                size += end  # the line's size, without its newline
                del self._buffer[: end + 1]
                return head, size
            size += len(self._buffer)
            self._buffer.clear()
            if not await self._fill():
                return head, size

    async def _json_lines(self, first: bytes) -> int:
        """Every line is one input; lines already read are ingested together (see ``batch``)."""
        lines: asyncio.Queue[tuple[bytes, int] | None] = asyncio.Queue(maxsize=4 * self._batch)
        count = 0
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._read_lines(first, lines), name="stdin-reader")
            done = False
            while not done:
                batch, done = await self._take(lines)
                count += len(batch)
                await self._ingestor.ingest_many(batch)
        log.info("stdin_done", inputs=count)
        return count

    async def _read_lines(self, first: bytes, lines: asyncio.Queue[tuple[bytes, int] | None]) -> None:
        line: bytes | None = first
        while line is not None:
            if line.strip():
                await lines.put((line.strip(), self._lineno))
            line = await self._next_line()
        await lines.put(None)

    async def _take(self, lines: asyncio.Queue[tuple[bytes, int] | None]) -> tuple[list[RawInput], bool]:
        """The next line (waiting for it), with every line already read after it, up to ``batch``.

        A trickle goes one line at a time, at once; a flood goes in batches of ``batch`` lines.
        """
        items = [await lines.get()]
        while len(items) < self._batch and not lines.empty() and items[-1] is not None:
            items.append(lines.get_nowait())
        done = items[-1] is None
        batch = [
            RawInput(
                line, origin=f"{self._origin}:{lineno}", media_type="application/json", source=self._origin
            )
            for item in items
            if item is not None
            for line, lineno in (item,)
        ]
        return batch, done

    async def _text(self, first: bytes) -> None:
        limit = self._ingestor.max_bytes
        chunks = [first, bytes(self._buffer)]
        size = len(first) + len(self._buffer)
        self._buffer.clear()
        while size <= limit:
            chunk = await self._reader.read(_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        if size > limit:
            # Read on without keeping it: the dead letter tells the input's true size.
            while chunk := await self._reader.read(_CHUNK):
                size += len(chunk)
            error = InputTooLargeError(size=size, limit=limit, origin=self._origin)
            await self._ingestor.reject(error, raw=data[:_HEAD], origin=self._origin)
            return
        await self._ingestor.ingest(data, origin=self._origin, media_type="text/plain", source=self._origin)


async def open_stdin_reader(
    *, limit: int = 5_000_000, stream: BinaryIO | None = None
) -> asyncio.StreamReader:
    """A StreamReader over stdin (or ``stream``): a pipe or a terminal; a regular file is read whole."""
    source = stream if stream is not None else sys.stdin.buffer
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), source)
    except (ValueError, OSError):
        # A regular file cannot be watched by the event loop: read it in a thread.
        reader.feed_data(await asyncio.to_thread(source.read))
        reader.feed_eof()
    return reader
