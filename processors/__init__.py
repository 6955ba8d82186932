"""Enrichment: the knowledge base and the pure taggers that read stories against it."""

from processors.errors import KnowledgeBaseError, ProcessError
from processors.kb import Entity, KnowledgeBase
from processors.tagger import Tagger, Tags, enrich

__all__ = ["Entity", "KnowledgeBase", "KnowledgeBaseError", "ProcessError", "Tagger", "Tags", "enrich"]
