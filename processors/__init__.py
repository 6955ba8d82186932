"""Enrichment: the knowledge base, the pure taggers that read stories against it, and clustering."""

from processors._compiled import StaleBuildWarning, choose_build

COMPILED = choose_build()  # before the imports below: they load the build it chose

# ruff: noqa: E402 - the build is chosen before these imports on purpose
from processors.cluster import ClusterDecision, Clusterer, ClusterSignature, SignatureError
from processors.errors import KnowledgeBaseError, ProcessError
from processors.kb import Entity, KnowledgeBase
from processors.tagger import Tagger, Tags, enrich

__all__ = [
    "COMPILED",
    "ClusterDecision",
    "ClusterSignature",
    "Clusterer",
    "Entity",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "ProcessError",
    "SignatureError",
    "StaleBuildWarning",
    "Tagger",
    "Tags",
    "enrich",
]
