"""A status line for the waits of a start (knowledge base, subscriptions): never a silent pause.

On a terminal, rich draws a spinner with the elapsed time and the latest count on stderr; off a
terminal (CI, systemd, pipes) it would draw nothing, so the start and the end of the wait are
log lines instead (the end with its duration), and a long count logs a line every few seconds.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

import structlog
from rich.console import Console

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.status import Status as RichStatus


def _log() -> Any:
    # A fresh proxy per line: loggers are cached on first use (wirewatch.logging), and a cached
    # one would keep writing where the logging was configured first (e.g. past capture_logs).
    return structlog.get_logger("wirewatch")


class Status:
    """One wait: ``update`` says how far it got (drawn on a terminal, logged now and then otherwise)."""

    def __init__(self, what: str, spinner: RichStatus | None, *, log_every_s: float) -> None:
        self._what = what
        self._spinner = spinner
        self._log_every_s = log_every_s
        self._started = self._logged = time.monotonic()

    @property
    def elapsed_s(self) -> float:
        """Seconds since the wait began."""
        return time.monotonic() - self._started

    def update(self, done: int, total: int | None = None) -> None:
        """Report ``done`` (of ``total``) items so far."""
        figure = f"{done}/{total}" if total is not None else str(done)
        if self._spinner is not None:
            self._spinner.update(f"{self._what}… {figure} ({self.elapsed_s:.0f} s)")
            return
        now = time.monotonic()
        if now - self._logged >= self._log_every_s:
            self._logged = now
            _log().info(
                "under way", task=self._what, done=done, total=total, seconds=round(self.elapsed_s, 1)
            )


@contextlib.contextmanager
def status(what: str, *, stream: TextIO | None = None, log_every_s: float = 5.0) -> Iterator[Status]:
    """Show that ``what`` is under way until the block ends; log how long it took."""
    out = stream if stream is not None else sys.stderr
    console = Console(file=out, stderr=stream is None)
    _log().info("under way", task=what)
    if console.is_terminal:
        with console.status(f"{what}…") as spinner:
            current = Status(what, spinner, log_every_s=log_every_s)
            yield current
    else:
        current = Status(what, None, log_every_s=log_every_s)
        yield current
    _log().info("done", task=what, seconds=round(current.elapsed_s, 1))
