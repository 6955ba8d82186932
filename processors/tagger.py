"""The enrichment tagger: places, regions, actors, topics and unresolved places.

``Tagger(kb)`` builds one Aho-Corasick automaton over every normalized alias of
the knowledge base (or takes it prebuilt: ``processors.kb_cache``); ``tag(story)``
is pure (no I/O, no clock) and returns :class:`Tags`. How matches are read, and why:

- Matches must sit on word boundaries (Unicode letters and digits) of the
  normalized text; a stem (``withdr*``) needs only the left one and grows to the
  end of its word. Within a layer (geo names, actors, region phrases, topic
  triggers) the longest match wins; layers may overlap ("the border with
  Ukraine" is a region phrase *and* contains the place Ukraine).
- Case matters in the original text: proper names must be capitalised, short
  acronyms upper-case ("US", not "us").
- A place name that is part of a person's name ("Michael Jordan", "Mr Paris")
  is no place, and neither are its other mentions in the story (one sense per
  story). A city followed by a reporting verb ("Clinton said") is a person.
- Ambiguous names (London, Georgia, Paris, Moscow) are resolved by a prior
  (country > subdivision > city by population) plus the story's context:
  a qualifier right after the name ("Paris, Texas"), the other places of the
  story (their countries and first-level subdivisions), and the dateline.
  Small towns (< 100k) need corroboration from the story; a foreign town in a
  story anchored in another country, or a name whose qualifier none of our
  readings fits ("Glasgow, Mont."), is a namesake we do not know: unresolved.
- A capital that acts ("Moscow has not responded", "a letter to Moscow") is a
  metonym for its state (Brussels for the EU): an actor, not a place of events.
  A country named as subject or party of an exchange is also its state actor.
- A demonym counts for its country unless it gives a person's nationality
  ("the former Norwegian prime minister"): then it is neither place nor actor.
  A country known only from demonyms is a place with lower confidence.
- ``countries`` is the sorted set of countries of the places of events.
- Capitalised words after "in"/"near"/... that nothing resolves are kept in
  ``unresolved``.

Where each step lives (``processors/tagging/``, compiled with this module as one group):

1. ``scan``: the automaton, raw matches and the longest match per layer;
2. ``context``: the words around a match (person names, acting capitals, nationalities);
3. ``places``: which matches are place names, and which place each one is;
4. ``build``: the tags from what was collected (and how models are built fast);
5. ``unresolved``: place-like names nothing resolved;
6. ``names``: people and organisations the knowledge base lacks (``name:<slug>`` actors).

``readings`` holds what a key can mean (and the scores' priors); ``words`` the word lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from processors.kb import Kind, KnowledgeBase
from processors.tagging.build import (
    Collector,
    Offices,
    RegionMembers,
    collect_others,
    regions_by_members,
    tag_entities,
    tag_places,
    tag_topics,
)
from processors.tagging.names import UnknownNames
from processors.tagging.org_spans import revise as revise_orgs
from processors.tagging.parties import with_party_words
from processors.tagging.places import Places, geo_matches
from processors.tagging.readings import Readings, country_populations, metonyms_of
from processors.tagging.scan import FIELDS, Cue, Match, Scanner, ScanTables
from processors.tagging.unresolved import unresolved
from processors.text import NormalizedText, normalize_scan
from schemas.models import EnrichedStory, Mention, Story, Tag, TextField


@dataclass(frozen=True, slots=True)
class Tags:
    """Everything the tagger found in one story."""

    countries: tuple[str, ...] = ()
    places: tuple[Tag, ...] = ()
    regions: tuple[Tag, ...] = ()
    actors: tuple[Tag, ...] = ()
    topics: tuple[Tag, ...] = ()
    unresolved: tuple[Mention, ...] = ()


class Tagger:
    """Tags stories against a knowledge base; build once, then call ``tag`` per story."""

    def __init__(
        self, kb: KnowledgeBase, *, unknown_names: bool = True, tables: ScanTables | None = None
    ) -> None:
        """A tagger over ``kb``; ``tables``: its automaton, prebuilt (``processors.kb_cache``), else built."""
        self._kb = kb
        # Issue 12: also tag the people and organisations the knowledge base lacks (names.py).
        self._names = UnknownNames(kb) if unknown_names else None
        metonyms = metonyms_of(kb)
        country_pop = country_populations(kb)
        self._scanner = Scanner(kb, Readings(kb, metonyms, country_pop), tables)
        self._places = Places(kb, metonyms, country_pop)
        self._offices = Offices(kb)
        regions = [e for e in kb.entities.values() if e.kind is Kind.REGION and e.members]
        # The regions and, per member, the regions it belongs to.
        self._region_members = RegionMembers(regions)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base the automaton was built from."""
        return self._kb

    def keys(self) -> Iterable[str]:
        """Every knowledge-base key of the automaton, in scan form (for benchmarks and debugging).

        The automaton also holds the cue words of unresolved places, after these.
        """
        return list(self._scanner.patterns)

    def tag(self, story: Story) -> Tags:
        """Tag one story (pure: the same story always gives the same tags)."""
        norms: dict[TextField, NormalizedText] = {}
        cues: dict[TextField, list[Cue]] = {}
        matches: list[Match] = []
        scanner = self._scanner
        for fld in FIELDS:
            value = getattr(story, fld) or ""
            if value:
                norm, scan = normalize_scan(value)
                norms[fld] = norm
                field_cues: list[Cue] = []
                cues[fld] = field_cues
                matches.extend(scanner.scan(fld, norm, scan + " ", field_cues))

        places, actors, regions, topics = Collector(), Collector(), Collector(), Collector()
        place_matches, demonym_matches = geo_matches(matches, norms, self._places.given)
        namesakes = self._places.resolve(
            story,
            norms,
            place_matches=place_matches,
            demonym_matches=demonym_matches,
            places=places,
            actors=actors,
        )
        entities = self._kb.entities
        # Titles ("the NATO chief") name the holder on the story's date, or else when we got it.
        dated = (story.published_at or story.ingested_at).date().isoformat()
        collect_others(matches, entities, actors, regions, topics, self._offices, dated)

        texts = {fld: norm.original for fld, norm in norms.items()}
        place_tags = tag_places(places, texts, entities)
        countries = tuple(sorted({t.country for t in place_tags if t.country}))
        regions_by_members(self._region_members, entities, place_tags, regions)
        on = story.published_at.date().isoformat() if story.published_at else None
        region_tags = tag_entities(regions, texts, entities)
        actor_tags = tag_entities(actors, texts, entities, on)
        unresolved_mentions = unresolved(norms, cues, matches, namesakes)
        if self._names is not None:
            # Step 6 (issue 12): names the knowledge base lacks, as ``name:<slug>`` actors; the
            # places, regions, known actors, demonyms and place-like names keep their spans.
            actor_tags = self._names.with_names(
                actor_tags,
                texts,
                matches,
                (place_tags, region_tags),
                unresolved_mentions,
                language=story.language,
                on=dated,
            )
            # Unknown organisations revised by the words around them (``tagging/org_spans.py``).
            actor_tags = revise_orgs(actor_tags, texts, place_tags, story.language)
        # Parties named by their members' word in their country's news (``tagging/parties.py``).
        actor_tags = with_party_words(actor_tags, texts, countries, entities, story.language)
        return Tags(
            countries=countries,
            places=place_tags,
            regions=region_tags,
            actors=actor_tags,
            topics=tag_topics(topics, texts, entities),
            unresolved=unresolved_mentions,
        )


def enrich(story: Story, tags: Tags, *, cluster_id: str) -> EnrichedStory:
    """The story with its tags and cluster, ready for ``stories.enriched``."""
    data = story.model_dump()
    data.update(
        countries=tags.countries,
        places=tags.places,
        regions=tags.regions,
        actors=tags.actors,
        topics=tags.topics,
        unresolved=tags.unresolved,
        cluster_id=cluster_id,
    )
    return EnrichedStory.model_validate(data)
