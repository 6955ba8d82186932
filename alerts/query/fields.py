"""Query fields and the index keys they map to (shared by both sides of a match).

An index key is ``field:value`` for an exact normalized value, or ``field*:pre`` for the
first :data:`PREFIX_LEN` literal characters of a wildcard. A story carries keys
(:attr:`alerts.query.PreparedStory.keys`); a compiled query lists the keys one of which
every matching story carries (:attr:`alerts.query.CompiledQuery.required_terms`).
"""

from __future__ import annotations

from typing import Final

TAG_FIELDS: Final = {"actor": "actors", "place": "places", "region": "regions", "topic": "topics"}
#: Geo clauses (:mod:`alerts.query.geo`); their index keys are ``geo:<geohash cell>``.
GEO_FIELDS: Final = frozenset({"near", "bbox"})
GEO_KEY_FIELD: Final = "geo"
FIELDS: Final = frozenset({*TAG_FIELDS, *GEO_FIELDS, "country", "source", "lang", "title", "text"})
#: The fields index keys use (``title`` clauses use ``text`` keys: the title is text too).
INDEX_FIELDS: Final = (*TAG_FIELDS, "country", "source", "lang", "text", GEO_KEY_FIELD)
# A wildcard indexes under this many literal leading characters; shorter ones are checked
# against every story (see SubscriptionIndex.always_checked).
PREFIX_LEN: Final = 3

# Rough cost of an index term (how many stories carry it): AND indexes its cheapest child.
_FIELD_COST: Final = {
    "actor": 4,
    "place": 5,
    "region": 5,
    "topic": 20,
    "country": 30,
    "text": 12,
    "source": 200,
    "lang": 1000,
}
_PREFIX_COST: Final = 60
_GEO_COST: Final = (300, 60, 10, 3, 1, 1)


def term_key(field: str, value: str) -> str:
    """The index key for an exact normalized value (``title`` shares ``text``'s keys)."""
    return f"{'text' if field == 'title' else field}:{value}"


def prefix_key(field: str, prefix: str) -> str:
    """The index key for a wildcard's first :data:`PREFIX_LEN` literal characters."""
    return f"{'text' if field == 'title' else field}*:{prefix[:PREFIX_LEN]}"


def is_prefix_key(key: str) -> bool:
    """Whether an index key is a wildcard prefix key (``field*:pre``), not an exact value."""
    return key.partition(":")[0].endswith("*")


def key_cost(key: str) -> int:
    """A static guess of how many stories (per thousand, roughly) carry an index key."""
    field, _, value = key.partition(":")
    if field.endswith("*"):
        return _PREFIX_COST
    if field == GEO_KEY_FIELD:
        # A geohash cell: the shorter, the larger (level 1 is 45 degrees square, level 6 ~1 km).
        return _GEO_COST[min(len(value), len(_GEO_COST)) - 1]
    cost = _FIELD_COST.get(field, 10)
    if field == "text":
        # Longer words tend to be rarer; a crude but useful stand-in for document frequency.
        cost += max(0, 8 - len(value)) * 4
    return cost
