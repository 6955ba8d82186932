"""Enrichment: the knowledge base, the pure tagger, clustering, and the stage's pipeline (``Enricher``)."""

from processors._compiled import StaleBuildWarning, choose_build

COMPILED = choose_build()  # before the imports below: they load the build it chose

# ruff: noqa: E402 - the build is chosen before these imports on purpose
from processors.cluster import ClusterDecision, Clusterer, ClusterSignature
from processors.errors import KnowledgeBaseError, ProcessError, SignatureError
from processors.kb import Entity, KnowledgeBase
from processors.pipeline import Enricher
from processors.tagger import Tagger, Tags, enrich

__all__ = [
    "COMPILED",
    "ClusterDecision",
    "ClusterSignature",
    "Clusterer",
    "Enricher",
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
