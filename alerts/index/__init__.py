"""The subscription index (:mod:`alerts.index.matching`) and its snapshots (:mod:`alerts.index.snapshot`)."""

from alerts.index.matching import (
    DEFAULT_CACHE_SIZE,
    LazyExplanation,
    SubscriptionIndex,
    SubscriptionMatch,
    TermStatistics,
    match_all_plain,
)

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "LazyExplanation",
    "SubscriptionIndex",
    "SubscriptionMatch",
    "TermStatistics",
    "match_all_plain",
]
