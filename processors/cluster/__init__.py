"""Clustering: copies, rewrites and translations of one event get one cluster id.

- :mod:`processors.cluster.minhash` — MinHash/LSH over content words (the text-only clusterer,
  :class:`Clusterer`, kept as the text half and as the baseline of the benchmarks);
- :mod:`processors.cluster.anchors` — language-independent anchors: tag ids, dateline, figures, dates
  (compiled with mypyc, see :mod:`processors.cluster._compiled`);
- :mod:`processors.cluster.event` — :class:`EventClusterer`, both combined, with a window per cluster
  and merges of clusters two workers opened for one event. The Enricher uses it.
"""

from __future__ import annotations

from processors.cluster._compiled import choose_build

COMPILED = choose_build()  # before the imports below: they load the build it chose (mypyc or source)

# ruff: noqa: E402 - the build is chosen before these imports on purpose
from processors.cluster.anchors import TagSource, anchors
from processors.cluster.event import EventClusterer, EventDecision, EventEntry
from processors.cluster.minhash import (
    ClusterDecision,
    Clusterer,
    ClusterSignature,
    SignatureError,
    cluster_id_for,
    decode_entry,
    encode_entry,
    features,
)

__all__ = [
    "COMPILED",
    "ClusterDecision",
    "ClusterSignature",
    "Clusterer",
    "EventClusterer",
    "EventDecision",
    "EventEntry",
    "SignatureError",
    "TagSource",
    "anchors",
    "cluster_id_for",
    "decode_entry",
    "encode_entry",
    "features",
]
