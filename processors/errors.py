"""Errors of the processors package (the whole tree is drawn in :mod:`wirewatch.errors`)."""

from __future__ import annotations

from wirewatch.errors import MessageError, WirewatchError


class ProcessError(WirewatchError):
    """Tagging or enrichment of a story failed."""


class KnowledgeBaseError(ProcessError):
    """A knowledge-base data file is missing or invalid (carries ``path`` and ``entry``)."""


class SignatureError(ProcessError, MessageError):
    """A replicated signature or entry cannot be read or does not fit this Clusterer (one bad message)."""
