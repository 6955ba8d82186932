"""Errors of the processors package.

::

    WirewatchError
    └── processors.ProcessError          tagging or enrichment failed
        └── KnowledgeBaseError           a knowledge-base data file is missing or invalid
"""

from __future__ import annotations

from wirewatch.errors import WirewatchError


class ProcessError(WirewatchError):
    """Tagging or enrichment of a story failed."""


class KnowledgeBaseError(ProcessError):
    """A knowledge-base data file is missing or invalid (carries ``path`` and ``entry``)."""
