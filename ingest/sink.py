"""Where sources put what they ingested: a sink protocol and an in-memory sink for tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from schemas import DeadLetter, Story

__all__ = ["Clock", "MemorySink", "StorySink"]

#: The time source passed to every source (``lambda: datetime.now(UTC)`` in production).
Clock = Callable[[], datetime]


@runtime_checkable
class StorySink(Protocol):
    """The output of ingestion; the service wires it to the bus.

    Both methods may raise infrastructure errors (the bus is down): sources let those propagate,
    because only bad *input* is handled per message.
    """

    async def emit(self, story: Story) -> None:
        """Publish a story (to ``stories.raw``, keyed by story id)."""
        ...

    async def reject(self, letter: DeadLetter) -> None:
        """Publish a dead letter (to ``dlq``)."""
        ...


class MemorySink:
    """A StorySink that keeps everything in lists (for tests and dry runs)."""

    def __init__(self) -> None:
        self.stories: list[Story] = []
        self.rejects: list[DeadLetter] = []

    async def emit(self, story: Story) -> None:
        """Append the story to ``stories``."""
        self.stories.append(story)

    async def reject(self, letter: DeadLetter) -> None:
        """Append the dead letter to ``rejects``."""
        self.rejects.append(letter)
