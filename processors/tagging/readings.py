"""What a key of the automaton can mean: its senses by case rule, and their readings.

A *reading* is what one match keeps of its key's senses in one layer (geo names, actors,
region phrases, topic triggers), with what tagging needs of them worked out beforehand
(place readings and their log-priors, demonym, metonym, qualifier codes...). Readings are
built the first time a key is met, per case level, and cached on the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

from processors.kb import Case, Entity, Kind, KnowledgeBase, Relation, Sense

# --- scoring ----------------------------------------------------------------------

# Score = log-prior + CONTEXT_WEIGHT * log10(1 + support): a name's reading is the one
# whose population and whose country's presence in the story make it likeliest.
PRIOR_COUNTRY: Final = 8.0
PRIOR_SUBDIVISION: Final = 7.0
CAPITAL_BONUS: Final = 1.0
CONTEXT_WEIGHT: Final = 3.0
ADMIN1_BONUS: Final = 2.0
QUALIFIER_BONUS: Final = 10.0
DATELINE_WEIGHT: Final = 2.0
# Smaller, non-capital cities need corroboration: another place of their country in the
# story, a qualifier ("Paris, Texas") or the dateline. Without it a "Police" or "David" is
# far likelier a word or a name than the town.
CORROBORATE_BELOW: Final = 100_000
FOREIGN_ANCHOR: Final = 3.0

ByCase = tuple[tuple[Sense, ...], tuple[Sense, ...], tuple[Sense, ...]]


@dataclass(frozen=True, slots=True)
class Reading:
    """The senses of one layer that a match keeps, with what tagging needs of them.

    Worked out once per (key, whole or stem, case) and cached by the tagger, so that the
    per-match work is a lookup rather than entity look-ups and scans of the senses.
    """

    senses: tuple[Sense, ...]
    layer: int
    names: tuple[Entity, ...] = ()  # the place readings (NAME senses), geo layer only
    demonym: str | None = None  # the country of the first demonym sense
    one_country: bool = False  # every reading in the same country: context for the others
    has_country: bool = False  # one reading is a country
    small_cities: bool = False  # every reading a city, none a capital
    metonym: str | None = None  # the actor of the first reading that is a metonym
    qualifier: frozenset[str] = frozenset()  # what this name says after "Paris, ..."
    # Per reading, for places.resolve: (entity, log-prior, its (country, admin1) for cities,
    # its country, the weight of one mention of it in its country's support).
    scoring: tuple[tuple[Entity, float, tuple[str, str] | None, str | None, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Key:
    """What the scan needs of one automaton key, sorted out once at build time."""

    index: int  # its place among the scanner's keys
    length: int
    closed: bool  # ends in punctuation: its right boundary is built in
    punct: frozenset[str] | None  # the exact normalized keys when punctuation must match
    whole: ByCase  # senses for a whole-word match, by case rule (any, capital, upper)
    partial: ByCase  # stem senses, for a match that ends inside a word
    stem: bool  # has stem senses at all
    spaced: bool  # added to the automaton with a space after it: it matches whole words only
    plain: bool  # spaced, and no punctuation to check: the scan's fast path
    cased: int  # whole-word senses that need a capital: 0 none, 1 capitalised names, 2 also acronyms
    # Its readings per (3 if a stem match) + case level, filled by the tagger as they are met.
    readings: list[tuple[Reading, ...] | None] = field(default_factory=lambda: [None] * 6, compare=False)

    @classmethod
    def build(
        cls, index: int, form: str, senses: list[Sense], punct: frozenset[str] | None, *, spaced: bool
    ) -> Key:
        """The key of scan form ``form`` with its merged ``senses``."""

        def by_case(group: list[Sense]) -> ByCase:
            return (
                tuple(s for s in group if s.case is Case.ANY),
                tuple(s for s in group if s.case is Case.CAPITAL),
                tuple(s for s in group if s.case is Case.UPPER),
            )

        whole = by_case(senses)
        return cls(
            index=index,
            length=len(form),
            closed=form.endswith(" "),
            punct=punct,
            whole=whole,
            partial=by_case([s for s in senses if s.prefix]),
            stem=any(s.prefix for s in senses),
            spaced=spaced,
            plain=spaced and punct is None,
            cased=2 if whole[2] else 1 if whole[1] else 0,
        )


# An automaton value: what the scan's fast path needs (plain, length, case rule, the cache of
# readings), then the key itself.
Value = tuple[bool, int, int, list[tuple[Reading, ...] | None], Key]


def country_populations(kb: KnowledgeBase) -> dict[str, int]:
    """The population of each country that has one (for the priors of subdivisions)."""
    return {
        e.id: e.population
        for e in kb.entities.values()
        if e.kind is Kind.PLACE and e.type == "country" and e.population
    }


def metonyms_of(kb: KnowledgeBase) -> dict[str, str]:
    """Per place that stands for an actor when it acts (capitals, Brussels): that actor."""
    return {
        e.id: actor
        for e in kb.entities.values()
        if e.kind is Kind.PLACE and (actor := metonym(kb, e)) is not None
    }


def prior(ent: Entity, country_pop: dict[str, int]) -> float:
    """Log-prior of a reading: countries, then subdivisions, then cities by population."""
    if ent.type == "country":
        return PRIOR_COUNTRY
    if ent.type == "subdivision":
        # Subdivisions of populous countries are named in the news far more often
        # (Georgia the US state, not Savannah the Ghanaian region).
        pop = country_pop.get(ent.country or "", 0)
        return math.log10(pop) - 1.5 if pop else PRIOR_SUBDIVISION - 1.0
    return math.log10(max(ent.population, 10)) + (CAPITAL_BONUS if ent.capital else 0.0)


def metonym(kb: KnowledgeBase, ent: Entity) -> str | None:
    """The actor a capital stands for when it acts (None for other places)."""
    if ent.id in kb.capital_metonyms:
        return kb.capital_metonyms[ent.id]
    if ent.capital and ent.country and ent.population >= CORROBORATE_BELOW:
        return kb.state_of.get(ent.country)
    return None


def admin1_key(ent: Entity) -> tuple[str, str] | None:
    """A city's (country, first-level subdivision id), as ``Context.admin1`` keys them."""
    return (ent.country or "", f"{ent.country}-{ent.admin1}") if ent.type == "city" else None


class Readings:
    """Works out the readings of a key the first time it is met, and caches them on the key."""

    __slots__ = ("_country_pop", "_entities", "_metonyms")

    def __init__(self, kb: KnowledgeBase, metonyms: dict[str, str], country_pop: dict[str, int]) -> None:
        self._entities = kb.entities
        self._metonyms = metonyms
        self._country_pop = country_pop

    def of(self, key: Key, stem: int, level: int) -> tuple[Reading, ...]:
        """The readings of ``key`` for a stem (3) or whole-word (0) match at a case level."""
        by_case = key.partial if stem else key.whole
        kept = by_case[0]
        if level >= 1:
            kept += by_case[1]
        if level >= 2:
            kept += by_case[2]
        out = tuple(
            self._reading(tuple(s for s in kept if s.layer == layer), layer)
            for layer in {s.layer for s in kept}
        )
        key.readings[stem + level] = out
        return out

    def _reading(self, senses: tuple[Sense, ...], layer: int) -> Reading:
        if layer != 0:
            return Reading(senses, layer)
        entities = self._entities
        metonyms = self._metonyms
        names = tuple(entities[s.entity] for s in senses if s.relation is Relation.NAME)
        demonym = next((s.entity for s in senses if s.relation is Relation.DEMONYM), None)
        subs = [c for c in names if c.country and c.type == "subdivision"]
        return Reading(
            senses,
            layer,
            names=names,
            demonym=demonym,
            one_country=len({c.country for c in names}) == 1,
            has_country=any(c.type == "country" for c in names),
            small_cities=all(not c.capital for c in names) and all(c.type == "city" for c in names),
            metonym=next((metonyms[c.id] for c in names if c.id in metonyms), None),
            qualifier=frozenset({c.country for c in subs if c.country} | {c.id for c in subs}),
            scoring=tuple(
                (
                    c,
                    prior(c, self._country_pop),
                    admin1_key(c),
                    c.country,
                    0.5 if c.type == "country" else 1.0,
                )
                for c in names
            ),
        )
