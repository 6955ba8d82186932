"""The dead-letter queue as the Operations page shows it, and which letters may be redriven (pure).

Each letter is named by where it sits in the DLQ topic (``<partition>-<offset>``). A redrive
republishes the letter's raw bytes, under its original key, to the topic it came from; it is
refused when there is nothing faithful to send back: a letter from a file or feed (the ingest
stage: no source topic; fix the input and drop it in the inbox again), one whose bytes were
truncated when it was dead-lettered, or one whose topic is not one of this deployment's.
The ledger of redriven letters makes a second redrive of the same letter a no-op (double
clicks, two operators at once); it lives as long as the console's process.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

    from schemas.models import DeadLetter

#: Characters of a letter's raw bytes the page shows.
PREVIEW_CHARS = 400

# Our errors end their message with their context, "(channel=webhook key=…)"; keys and ids are long hex.
_CONTEXT = re.compile(r"\s*\((?:[a-z_]+=[^()]*)\)\s*$")
_HEX = re.compile(r"\b(?:sha256:)?[0-9a-f]{16,}\b")


def reason_class(reason: str) -> str:
    """The reason without what differs from letter to letter (its context, keys): letters are grouped by it.

    ``webhook rejected the alert with HTTP 400 (channel=webhook key=4f3a…)`` → ``webhook rejected the
    alert with HTTP 400``.
    """
    while (stripped := _CONTEXT.sub("", reason)) != reason:
        reason = stripped
    return _HEX.sub("…", reason).strip()


def preview(raw: bytes, *, limit: int = PREVIEW_CHARS) -> str:
    """A safe, short text view of raw bytes: UTF-8 (bad bytes as U+FFFD), controls as ``·``, truncated.

    The page still inserts it as text, never as HTML: this only keeps it readable and short.
    """
    text = raw[: limit * 4].decode("utf-8", errors="replace")
    shown = "".join(ch if ch.isprintable() or ch in "\n\t" else "·" for ch in text[:limit])
    return shown + ("…" if len(text) > limit or len(raw) > limit * 4 else "")


@dataclass(frozen=True, slots=True)
class Kept:
    """A letter as read from the DLQ topic, with its position there."""

    id: str
    letter: DeadLetter
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class Redriven:
    """A letter sent back, when and by whom."""

    at: datetime
    by: str


class LetterBook:
    """The latest ``limit`` dead letters, by id, and the ledger of those redriven."""

    def __init__(self, *, limit: int = 5000) -> None:
        self.limit = limit
        self._letters: OrderedDict[str, Kept] = OrderedDict()
        self.redriven: dict[str, Redriven] = {}
        self.forgotten = 0

    def add(self, partition: int, offset: int, letter: DeadLetter, *, trace_id: str | None = None) -> None:
        """Keep a letter read from the DLQ (the oldest is forgotten past ``limit``)."""
        kept = Kept(f"{partition}-{offset}", letter, trace_id)
        self._letters[kept.id] = kept
        while len(self._letters) > self.limit:
            self._letters.popitem(last=False)
            self.forgotten += 1

    def __len__(self) -> int:
        return len(self._letters)

    def get(self, letter_id: str) -> Kept | None:
        """The kept letter with this id."""
        return self._letters.get(letter_id)

    def select(self, *, reason: str | None = None, stage: str | None = None) -> list[Kept]:
        """The kept letters, newest first, of this reason (as :func:`reason_class` gives it) and/or stage."""
        return [
            k
            for k in reversed(self._letters.values())
            if (reason is None or reason_class(k.letter.reason) == reason)
            and (stage is None or k.letter.stage == stage)
        ]

    def reasons(self) -> list[dict[str, Any]]:
        """Letters counted by (stage, error type, reason), most first."""
        counts: dict[tuple[str, str, str], int] = {}
        for kept in self._letters.values():
            key = (kept.letter.stage, kept.letter.error_type, reason_class(kept.letter.reason))
            counts[key] = counts.get(key, 0) + 1
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [{"stage": s, "error_type": e, "reason": r, "count": n} for (s, e, r), n in ordered]

    def mark_redriven(self, letter_id: str, *, at: datetime, by: str) -> None:
        """Record that a letter was sent back (a later redrive of it is skipped)."""
        self.redriven[letter_id] = Redriven(at, by)

    def why_not(self, kept: Kept, topics: Collection[str]) -> str | None:
        """Why this letter cannot be redriven, or None if it can."""
        letter = kept.letter
        if kept.id in self.redriven:
            return "already redriven"
        if not letter.topic:
            return "came from a file or feed, not a topic: fix the input and drop it in the inbox again"
        if letter.topic not in topics:
            return f"topic {letter.topic} is not one of this deployment's"
        if letter.raw_truncated:
            return f"only {len(letter.raw)} of its {letter.raw_size} bytes were kept"
        if not letter.raw_base64:
            return "no bytes were kept"
        return None

    def describe(self, kept: Kept, topics: Collection[str]) -> dict[str, Any]:
        """A letter as the page shows it (the preview is text, escaped by the page)."""
        letter = kept.letter
        done = self.redriven.get(kept.id)
        return {
            "id": kept.id,
            "stage": letter.stage,
            "reason": letter.reason,
            "error_type": letter.error_type,
            "source": letter.source,
            "topic": letter.topic,
            "partition": letter.partition,
            "offset": letter.offset,
            "key": letter.key,
            "failed_at": letter.failed_at.isoformat(),
            "raw_size": letter.raw_size,
            "raw_truncated": letter.raw_truncated,
            "preview": preview(letter.raw),
            "redriven_at": done.at.isoformat() if done else None,
            "redriven_by": done.by if done else None,
            "not_redrivable": self.why_not(kept, topics),
        }

    def plan(
        self, chosen: Iterable[Kept], topics: Collection[str]
    ) -> tuple[list[Kept], list[dict[str, str]]]:
        """Split the chosen letters into those to send back and those skipped, with why."""
        send: list[Kept] = []
        skipped: list[dict[str, str]] = []
        for kept in chosen:
            why = self.why_not(kept, topics)
            if why is None:
                send.append(kept)
            else:
                skipped.append({"id": kept.id, "why": why})
        return send, skipped
