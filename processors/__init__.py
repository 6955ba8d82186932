"""Enrichment: the knowledge base, the pure taggers that read stories against it, and clustering."""

from processors.cluster import ClusterDecision, Clusterer, ClusterSignature, SignatureError
from processors.errors import KnowledgeBaseError, ProcessError
from processors.kb import Entity, KnowledgeBase
from processors.tagger import Tagger, Tags, enrich

__all__ = [
    "ClusterDecision",
    "ClusterSignature",
    "Clusterer",
    "Entity",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "ProcessError",
    "SignatureError",
    "Tagger",
    "Tags",
    "enrich",
]
