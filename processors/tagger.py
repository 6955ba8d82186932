"""The enrichment tagger: places, regions, actors, topics and unresolved places.

``Tagger(kb)`` builds one Aho-Corasick automaton over every normalized alias of
the knowledge base; ``tag(story)`` is pure (no I/O, no clock) and returns
:class:`Tags`. How matches are read, and why:

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
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from math import log10
from operator import attrgetter, itemgetter
from typing import Any, Final, Protocol, TypeVar

import ahocorasick_rs
from pydantic import BaseModel

from processors.kb import Case, Entity, Kind, KnowledgeBase, Relation, Sense
from processors.text import NormalizedText, normalize, scan_form
from schemas.models import EnrichedStory, Mention, Story, Tag, TextField

# Module constants are Final: compiled, they are C statics, not a module-dict lookup per use.
FIELDS: Final[tuple[TextField, ...]] = ("title", "standfirst", "body")
_FIELD_ORDER: Final[dict[str, int]] = {f: i for i, f in enumerate(FIELDS)}


def _words(text: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string (easier to keep by hand)."""
    return frozenset(text.split())


# --- context word lists (normalized, casefolded) ----------------------------------

# A capitalised word before a place that does not make it part of a person's name.
_NEUTRAL_BEFORE: Final = _words(
    """
    the a an in on at of from to for and or but by with near into across over under after before during
    north south east west northern southern eastern western central greater upper lower new old
    north-east north-west south-east south-west northeast northwest southeast southwest downtown
    metro rural urban suburban inner outer mid far
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    when while as if since though although because where this that these those his her its their our
    yesterday today tonight meanwhile however also only even
    said says told reporting reported el la los las le les der die das den dem des en à au aux del de
    в во на из под около у с к по над за перед між біля від до та и і
    """
)
_PERSON_TITLES: Final = _words(
    "mr mr. mrs mrs. ms ms. dr dr. sir lady lord sen. sen rep. rep gov. gov president senator governor mayor "
    "ambassador "
    "minister chancellor pope saint st. king queen prince princess judge general gen. coach señor señora "
    "monsieur madame herr frau господин госпожа пан пані"
)
_CYRILLIC: Final = re.compile("[\u0400-\u04ff]")
_SELF_WORDS: Final = _words("herself himself")
_REPORTING: Final = _words("said says told added argued wrote tweeted insisted explained noted stated")
# Words after a capital or country that make it an acting subject.
_ACTS_AFTER: Final = _words(
    """
    said says say has have had is was will would could should might may must does did do still also now
    claims claimed denied denies responded responds replied demanded demands warned warns accused accuses
    rejected rejects insists insisted wants wanted opts opted refuses refused agreed agrees announced
    announces believes hopes called calls urged urges threatened threatens stated sent sends plans
    intends continues expects considers views sees maintains defends defended fears blamed blames
    ha dijo afirma exige niega asegura considera advirtió anunció rechaza rechazó
    a affirme exige dément assure estime accuse menace annonce
    hat sagt sagte fordert fordern erklärte bestreitet warnt warnte droht
    заявила заявил заявляет считает требует требовала ответила ответил отвергла отвергает предупредила
    обвинила настаивает продолжает готова намерена отказалась
    заявила заявив вважає вимагає відповіла відкинула попередила звинуватила продовжує готова
    """
)
# Nouns of an exchange before "to/with/from": a capital in such a phrase stands for its state.
_EXCHANGE_NOUNS: Final = _words(
    """
    letter letters message messages talks dialogue relations ties negotiations pressure sanctions demands
    response reply proposals note appeal ultimatum warning call calls request offer deal agreement
    carta mensaje diálogo relaciones negociaciones lettre message dialogue relations négociations
    brief botschaft dialog beziehungen verhandlungen письмо послание диалог отношения переговоры лист діалог
    """
)
# Not "à"/"a"/"an"/"в": they are also plain locatives ("le dialogue à Bruxelles").
_EXCHANGE_PREPS: Final = _words(
    "to with from against on con contra avec contre mit gegen с против к з проти до"
)
_ARTICLES: Final = _words("the la le l' el los las les die der den dem des")
# "the border with Ukraine" is a place, not a party to an exchange.
_BORDER_NOUNS: Final = _words(
    "border borders frontier frontera frontière grenze граница границе границы границу кордон кордоні кордону"
)
_PARTY_PREPS: Final = _words("with against between from by con contra avec contre mit gegen с против з проти")
# Person roles: a demonym next to one gives a nationality, not a place of events.
_PERSON_ROLES: Final = _words(
    """
    president prime premier minister chancellor ambassador diplomat envoy leader spokesman spokeswoman
    spokesperson citizen citizens national nationals journalist journalists reporter writer author actor
    actress singer player players athlete athletes businessman billionaire tourist tourists man woman men
    women boy girl king queen prince princess counterpart colleague counterparts dissident blogger activist
    opposition-leader secretary monarch emperor dictator general admiral commander officer pilot
    presidente ministro primer embajador canciller ciudadano periodista
    président ministre ambassadeur chancelier citoyen journaliste
    präsident minister kanzler kanzlerin botschafter bürger journalist
    президент премьер министр посол глава лидер канцлер гражданин журналист прем'єр міністр громадянин
    """
)
_ROLE_MODIFIERS: Final = _words(
    "former then foreign defence defense deputy top senior acting interior finance economy trade vice "
    "exteriores asuntos affaires étrangères außenminister mr"
)
_UNRESOLVED_CUES: Final = _words(
    "in near outside around en cerca à près dans bei nahe nähe в во под около у біля поблизу"
)
_NAMESAKE_CUES: Final = _UNRESOLVED_CUES | _words("from at to of à de aus von из из з")
_NOT_PLACES: Final = _words(
    """
    the a an this that these those monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december i he she it we they his her
    el la los las le les der die das un une ein eine jan feb mar apr jun jul aug sep sept oct nov dec
    one two three four five six seven eight nine ten federal central national university
    минобороны мид минобороны міноборони мзс генштаб ова ода
    """
)


# --- scoring ----------------------------------------------------------------------

# Score = log-prior + CONTEXT_WEIGHT * log10(1 + support): a name's reading is the one
# whose population and whose country's presence in the story make it likeliest.
_PRIOR_COUNTRY: Final = 8.0
_PRIOR_SUBDIVISION: Final = 7.0
_CAPITAL_BONUS: Final = 1.0
_CONTEXT_WEIGHT: Final = 3.0
_ADMIN1_BONUS: Final = 2.0
_QUALIFIER_BONUS: Final = 10.0
_DATELINE_WEIGHT: Final = 2.0
# Smaller, non-capital cities need corroboration: another place of their country in the
# story, a qualifier ("Paris, Texas") or the dateline. Without it a "Police" or "David" is
# far likelier a word or a name than the town.
_CORROBORATE_BELOW: Final = 100_000
_FOREIGN_ANCHOR: Final = 3.0
_MAX_TAG_ALIASES: Final = 12


@dataclass(frozen=True, slots=True)
class Tags:
    """Everything the tagger found in one story."""

    countries: tuple[str, ...] = ()
    places: tuple[Tag, ...] = ()
    regions: tuple[Tag, ...] = ()
    actors: tuple[Tag, ...] = ()
    topics: tuple[Tag, ...] = ()
    unresolved: tuple[Mention, ...] = ()


Span = tuple[int, int, int]  # (the field's place in FIELDS, start, end): sorts in story order
ByCase = tuple[tuple[Sense, ...], tuple[Sense, ...], tuple[Sense, ...]]
Word = tuple[str, int]  # a context word and where it starts (normalized coordinates)
Cue = tuple[int, int]  # a cue word of unresolved places (its index in _CUES) and where it starts in scan form


@dataclass(frozen=True, slots=True)
class _Reading:
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
    # Per reading, for _resolve: (entity, log-prior, its (country, admin1) for cities,
    # its country, the weight of one mention of it in its country's support).
    scoring: tuple[tuple[Entity, float, tuple[str, str] | None, str | None, float], ...] = ()


class _Match:
    """A raw automaton match, in original-text coordinates.

    A plain class with its own ``__init__``, not a dataclass: mypyc compiles this one to C,
    while a dataclass's generated ``__init__`` stays interpreted (a story has ~90 matches).
    """

    __slots__ = (
        "after",
        "before",
        "end",
        "field",
        "layer",
        "n_end",
        "n_start",
        "norm_surface",
        "rank",
        "reading",
        "start",
        "text",
    )

    field: TextField
    rank: int  # the field's place in FIELDS
    start: int
    end: int
    n_start: int  # normalized coordinates, for context words
    n_end: int
    reading: _Reading
    layer: int
    text: str  # the original field text
    norm_surface: str  # the normalized text of the match
    before: Word | None  # the words around it, once looked at
    after: Word | None

    def __init__(  # noqa: PLR0917 - positional on purpose: built once per raw match
        self,
        field: TextField,
        rank: int,
        start: int,
        end: int,
        n_start: int,
        n_end: int,
        reading: _Reading,
        layer: int,
        text: str,
        norm_surface: str,
    ) -> None:
        self.field = field
        self.rank = rank
        self.start = start
        self.end = end
        self.n_start = n_start
        self.n_end = n_end
        self.reading = reading
        self.layer = layer
        self.text = text
        self.norm_surface = norm_surface
        self.before = None
        self.after = None

    @property
    def senses(self) -> tuple[Sense, ...]:
        return self.reading.senses

    @property
    def length(self) -> int:
        return self.n_end - self.n_start

    @property
    def span(self) -> Span:
        return (self.rank, self.start, self.end)

    @property
    def surface(self) -> str:
        return self.text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class _Key:
    """What the scan needs of one automaton key, sorted out once at build time."""

    index: int  # its place in Tagger._keys
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
    readings: list[tuple[_Reading, ...] | None] = field(default_factory=lambda: [None] * 6, compare=False)

    @classmethod
    def build(
        cls, index: int, form: str, senses: list[Sense], punct: frozenset[str] | None, *, spaced: bool
    ) -> _Key:
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
_Value = tuple[bool, int, int, list[tuple[_Reading, ...] | None], _Key]


class _Collector:
    """Mention spans, evidence and best score gathered per entity id, then turned into Tags."""

    __slots__ = ("evidence", "score", "spans")

    def __init__(self) -> None:
        # Not a dataclass: see _Match (four of these per story).
        self.spans: dict[str, dict[Span, None]] = {}  # an ordered set per entity
        self.evidence: dict[str, list[str]] = {}
        self.score: dict[str, float] = {}  # absent: 0.0

    def add(self, entity_id: str, span: Span | None, score: float, evidence: str | None = None) -> None:
        bucket = self.spans.get(entity_id)
        if bucket is None:
            bucket = self.spans[entity_id] = {}
        if span is not None:
            bucket[span] = None
        if evidence:
            known = self.evidence.get(entity_id)
            if known is None:
                self.evidence[entity_id] = [evidence]
            elif evidence not in known:
                known.append(evidence)
        # Scores are never negative: the same as max() with the default 0.0.
        if score > self.score.get(entity_id, 0.0):
            self.score[entity_id] = score


class Tagger:
    """Tags stories against a knowledge base; build once, then call ``tag`` per story."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        merged: dict[str, list[Sense]] = {}
        for key, senses in kb.senses.items():
            form = scan_form(key)
            if form.strip():
                bucket = merged.setdefault(form, [])
                bucket.extend(s for s in senses if s not in bucket)
        exact: dict[str, set[str]] = defaultdict(set)
        for key in kb.senses:
            exact[scan_form(key)].add(key)
        self._keys: list[_Key] = []
        patterns: list[str] = []
        # Per pattern, what the scan's fast path needs, unpacked at once, then the key itself.
        self._values: list[_Value] = []
        for form, senses in merged.items():
            # A key that is no stem only ever counts as a whole word: with a space after it the
            # automaton reports no hit inside longer words (" ru" in " russia"), about half of
            # all hits on news text. Keys ending in punctuation already end in a space; and a
            # form whose spaced copy is another key's form ("u.s" beside "u.s.") stays bare.
            spaced = not form.endswith(" ") and not any(s.prefix for s in senses) and form + " " not in merged
            # Keys with punctuation ("u.s.", "la.") must match it exactly, not just any
            # non-word character; keys ending in it ("u.s.") have their right boundary built in.
            punct = frozenset(exact[form]) if any(k != form[1:] for k in exact[form]) else None
            entry = _Key.build(len(self._keys), form, senses, punct, spaced=spaced)
            self._keys.append(entry)
            self._values.append((entry.plain, entry.length, entry.cased, entry.readings, entry))
            patterns.append(form + " " if spaced else form)
        # ahocorasick-rs (the Rust aho-corasick crate ripgrep uses) returns all the matches of
        # a text in one call, with no Python step per hit (when chosen, its search ran about
        # twice as fast as iterating pyahocorasick's); the matches and their order are the same
        # (overlapping, by end position).
        self._patterns = patterns
        # The cue words of unresolved places ride along (the patterns after the keys): one
        # pass over the text finds both.
        self._n_keys = len(patterns)
        self._automaton = ahocorasick_rs.AhoCorasick(
            [*patterns, *_CUE_PATTERNS], matchkind=ahocorasick_rs.MATCHKIND_STANDARD
        )
        self._regions = [e for e in kb.entities.values() if e.kind is Kind.REGION and e.members]
        # Per region: its members, and those that are countries (two-letter ids).
        self._region_members = [
            (e, frozenset(e.members), frozenset(m for m in e.members if len(m) == 2)) for e in self._regions
        ]
        self._metonyms = {
            e.id: actor
            for e in kb.entities.values()
            if e.kind is Kind.PLACE and (actor := self._metonym(e)) is not None
        }
        self._country_pop = {
            e.id: e.population
            for e in kb.entities.values()
            if e.kind is Kind.PLACE and e.type == "country" and e.population
        }

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base the automaton was built from."""
        return self._kb

    def keys(self) -> Iterable[str]:
        """Every knowledge-base key of the automaton, in scan form (for benchmarks and debugging).

        The automaton also holds the cue words of unresolved places, after these.
        """
        return list(self._patterns)

    # --- matching -------------------------------------------------------------

    def _scan(self, fld: TextField, norm: NormalizedText, scan: str, cues: list[Cue]) -> list[_Match]:
        """Matches in one field; ``scan`` is ``scan_form(norm.text) + " "``.

        The space after the text lets a spaced key match the last word. The cue words of
        unresolved places found on the way go to ``cues``.
        """
        ntext = norm.text
        orig = norm.original
        offsets = norm.offsets
        n = len(scan) - 1  # the scan form's own length
        found: list[_Match] = []
        rank = _FIELD_ORDER[fld]
        values = self._values
        n_keys = self._n_keys
        for index, hit_start, hit_end in self._automaton.find_matches_as_indexes(scan, overlapping=True):
            if index >= n_keys:
                cues.append((index - n_keys, hit_start))
                continue
            end_idx = hit_end - 1  # the last character of the hit
            plain, length, key_cased, cached, key = values[index]
            if plain:
                # The common case, a whole word with nothing more to check: the general
                # path below, less what cannot apply.
                start = end_idx - length
                m_end = end_idx - 1
                stem = 0
                cased = key_cased
                upper = cased == 2
            else:
                if key.spaced:
                    end = word_end = end_idx  # exclusive, in scan coordinates: the space after the word
                    by_case = key.whole
                    stem = 0
                else:
                    if end_idx >= n:
                        continue  # only spaced keys may use the space after the text
                    end = end_idx + 1  # exclusive, in scan coordinates
                    if key.closed or end >= n or scan[end] == " ":
                        word_end = end
                        by_case = key.whole
                        stem = 0
                    else:
                        if not key.stem:
                            continue
                        word_end = scan.find(" ", end)
                        if word_end < 0:
                            word_end = n
                        by_case = key.partial
                        stem = 3
                # Scan index i is normalized index i - 1; the key's leading space sits on the
                # character before the word, so the word starts at normalized index end - klen + 1.
                start = end - key.length
                if key.punct is not None and ntext[start : end - 1] not in key.punct:
                    continue
                m_end = word_end - 1
                if key.closed:
                    m_end = _rstrip(ntext, start, m_end)
                cased = 1 if by_case[1] or by_case[2] else 0
                upper = bool(by_case[2])
            if offsets is None:
                o_start = start
                o_end = m_end
            else:
                o_start, o_end = norm.span(start, m_end)
            # Case level: 1 when the original starts upper-case, 2 when it has no lower-case letter.
            level = 0
            if cased and orig[o_start].isupper():
                level = 1
                if upper and not any(c.islower() for c in orig[o_start:o_end]):
                    level = 2
            readings = cached[stem + level]
            if readings is None:
                readings = self._readings(key.index, stem, level)
            if len(readings) == 1:
                r = readings[0]
                found.append(
                    _Match(fld, rank, o_start, o_end, start, m_end, r, r.layer, orig, ntext[start:m_end])
                )
            elif readings:
                surface = ntext[start:m_end]
                found.extend(
                    _Match(fld, rank, o_start, o_end, start, m_end, r, r.layer, orig, surface)
                    for r in readings
                )
        return _longest(found)

    def _readings(self, value: int, stem: int, level: int) -> tuple[_Reading, ...]:
        """The readings of key ``value`` for a stem (3) or whole-word (0) match at a case level."""
        key = self._keys[value]
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

    def _reading(self, senses: tuple[Sense, ...], layer: int) -> _Reading:
        if layer != 0:
            return _Reading(senses, layer)
        entities = self._kb.entities
        names = tuple(entities[s.entity] for s in senses if s.relation is Relation.NAME)
        demonym = next((s.entity for s in senses if s.relation is Relation.DEMONYM), None)
        subs = [c for c in names if c.country and c.type == "subdivision"]
        return _Reading(
            senses,
            layer,
            names=names,
            demonym=demonym,
            one_country=len({c.country for c in names}) == 1,
            has_country=any(c.type == "country" for c in names),
            small_cities=all(not c.capital for c in names) and all(c.type == "city" for c in names),
            metonym=next((self._metonyms[c.id] for c in names if c.id in self._metonyms), None),
            qualifier=frozenset({c.country for c in subs if c.country} | {c.id for c in subs}),
            scoring=tuple(
                (c, self._prior(c), _admin1_key(c), c.country, 0.5 if c.type == "country" else 1.0)
                for c in names
            ),
        )

    # --- tagging --------------------------------------------------------------

    def tag(self, story: Story) -> Tags:
        """Tag one story (pure: the same story always gives the same tags)."""
        norms: dict[TextField, NormalizedText] = {}
        cues: dict[TextField, list[Cue]] = {}
        matches: list[_Match] = []
        for fld in FIELDS:
            value = getattr(story, fld) or ""
            if value:
                norms[fld] = norm = normalize(value)
                field_cues: list[Cue] = []
                cues[fld] = field_cues
                matches.extend(self._scan(fld, norm, scan_form(norm.text) + " ", field_cues))

        places, actors, regions, topics = _Collector(), _Collector(), _Collector(), _Collector()
        place_matches, demonym_matches = self._geo_matches(matches, norms)
        namesakes = self._places(
            story,
            norms,
            place_matches=place_matches,
            demonym_matches=demonym_matches,
            places=places,
            actors=actors,
        )
        self._others(matches, actors, regions, topics)

        texts = {fld: norm.original for fld, norm in norms.items()}
        place_tags = self._place_tags(places, texts)
        self._regions_by_members(place_tags, regions)
        on = story.published_at.date().isoformat() if story.published_at else None
        return Tags(
            countries=tuple(sorted({t.country for t in place_tags if t.country})),
            places=place_tags,
            regions=self._tags(regions, texts),
            actors=self._tags(actors, texts, on),
            topics=self._topic_tags(topics, texts),
            unresolved=_unresolved(norms, cues, matches, namesakes),
        )

    def _geo_matches(
        self, matches: list[_Match], norms: dict[TextField, NormalizedText]
    ) -> tuple[list[_Match], list[tuple[_Match, str]]]:
        """Place-name matches (their readings in ``m.reading.names``), and demonym matches."""
        # A name that is also a whole region phrase or actor name ("Asia", "White House")
        # is that, not a town of the same name; demonyms stay ("Russian" in "Russian troops").
        claimed: set[Span] = set()
        claimed_spans: dict[TextField, list[tuple[int, int]]] = {}
        geo: list[_Match] = []
        for m in matches:
            layer = m.layer
            if layer == 0:
                geo.append(m)
            elif layer < 3:
                claimed.add((m.rank, m.start, m.end))
                spans = claimed_spans.get(m.field)
                if spans is None:
                    claimed_spans[m.field] = [(m.start, m.end)]
                else:
                    spans.append((m.start, m.end))
        # What they cover, per field: disjoint runs (starts, ends), touching ones joined.
        claimed_cov = {fld: _union(spans) for fld, spans in claimed_spans.items()}

        # Person names that contain a place name ("Michael Jordan"): drop everywhere in the story.
        person_surfaces: set[str] = set()
        place_matches: list[_Match] = []
        demonym_matches: list[tuple[_Match, str]] = []
        for m in geo:
            r = m.reading
            named = bool(r.names)
            if named and claimed:
                cov = claimed_cov.get(m.field)
                if (m.rank, m.start, m.end) in claimed or (
                    not r.has_country and cov is not None and _covers(cov, m.start, m.end)
                ):
                    named = False
            if named:
                norm = norms[m.field]
                m.before = before = _word_before(norm, m.n_start)
                m.after = after = _word_after(norm, m.n_end)
                if _looks_like_person(norm, m, before, after):
                    person_surfaces.add(m.norm_surface)
                    continue
                place_matches.append(m)
            elif r.demonym is not None:
                demonym_matches.append((m, r.demonym))
        if person_surfaces:
            place_matches = [m for m in place_matches if m.norm_surface not in person_surfaces]
        return place_matches, demonym_matches

    def _places(
        self,
        story: Story,
        norms: dict[TextField, NormalizedText],
        *,
        place_matches: list[_Match],
        demonym_matches: list[tuple[_Match, str]],
        places: _Collector,
        actors: _Collector,
    ) -> list[_Match]:
        """Resolve place names in context; collect places and metonymic actors; return namesakes."""
        state_of = self._kb.state_of
        # Context: countries and subdivisions of unambiguous places, plus the dateline. The
        # weights are halves and wholes, so adding a name's occurrences at once is exact.
        unambiguous: dict[int, list[Any]] = {}  # id(reading) -> [reading, occurrences]
        for m in place_matches:
            if m.reading.one_country:
                seen = unambiguous.get(id(m.reading))
                if seen is None:
                    unambiguous[id(m.reading)] = [m.reading, 1]
                else:
                    seen[1] += 1
        context = _Context()
        context.add_many((reading.names[0], n) for reading, n in unambiguous.values())
        for _m, code in demonym_matches:
            context.countries[code] = context.countries.get(code, 0.0) + 0.5
        dateline_place = self._dateline(story, context)

        # One sense per story: "London, Ky." once makes every "London" of the story Kentucky's.
        quals: dict[str, frozenset[str]] = defaultdict(frozenset)
        for m, q in _qualifiers(place_matches, norms):
            quals[m.norm_surface] |= q
        namesakes: list[_Match] = []
        qualified = {surface for surface, q in quals.items() if q}
        if qualified:
            # A qualifier none of the readings fits ("Glasgow, Mont."): a namesake we do not know.
            namesakes = [
                m
                for m in place_matches
                if m.norm_surface in qualified
                and not any(_qualifies(c, quals[m.norm_surface]) for c in m.reading.names)
            ]
            if namesakes:
                unknown = {id(m) for m in namesakes}
                place_matches = [m for m in place_matches if id(m) not in unknown]
        no_quals: frozenset[str] = frozenset()

        # Two passes, each resolving every distinct name once (one sense per story) with the
        # readings of its first occurrence: the first with the unambiguous names as context,
        # the second with every first reading.
        first: dict[str, _Match] = {}
        occurrences: dict[str, int] = {}
        for m in place_matches:
            n = occurrences.get(m.norm_surface)
            if n is None:
                first[m.norm_surface] = m
                occurrences[m.norm_surface] = 1
            else:
                occurrences[m.norm_surface] = n + 1
        memo = {
            surface: _resolve(m.reading, context, quals.get(surface, no_quals), confidence=False)
            for surface, m in first.items()
        }
        context2 = _Context()
        context2.add_many((ent, occurrences[surface]) for surface, (ent, _conf, ok) in memo.items() if ok)
        # Demonyms count in the first pass only. (A copy of their weights into the second,
        # meant once, never took effect: in `countries[code] += 0 if code in countries else w`
        # the defaultdict adds the key before the test. Giving it effect left "Geneva"
        # unresolved in a Belgian story and moved a few confidences on the 871 stories we
        # compare builds on; the behaviour stays the one measured on TR-News.)
        if dateline_place is not None:
            context2.add(dateline_place)
        memo = {
            surface: _resolve(m.reading, context2, quals.get(surface, no_quals), exclude_self=True)
            for surface, m in first.items()
        }

        metonyms = self._metonyms
        place_spans = places.spans
        place_scores = places.score
        for m in place_matches:
            ent, confidence, corroborated = memo[m.norm_surface]
            if corroborated is None and m.before is not None and m.before[0] in _NAMESAKE_CUES:
                namesakes.append(m)  # "a man from Edmonton": a place, just not one we can tell
            if not corroborated:
                continue
            # Any capital reading that acts wins: the state of Washington does not "say" things.
            metonym_of = metonyms.get(ent.id, m.reading.metonym)
            state = state_of.get(ent.country or "") if ent.type == "country" else None
            # Whether it acts matters only for a capital or a country.
            acts = (metonym_of is not None or state is not None) and _acts(norms[m.field], m)
            if metonym_of is not None and acts:
                actors.add(metonym_of, m.span, 0.85, f"metonym: {m.surface}")
                continue
            # places.add(ent.id, m.span, confidence), inline: once per place name.
            bucket = place_spans.get(ent.id)
            if bucket is None:
                bucket = place_spans[ent.id] = {}
            bucket[m.rank, m.start, m.end] = None
            if confidence > place_scores.get(ent.id, 0.0):
                place_scores[ent.id] = confidence
            if state is not None and acts:
                actors.add(state, m.span, 0.75)

        for m, code in demonym_matches:
            if not _nationality(norms[m.field], m):
                places.add(code, m.span, 0.5, "demonym")
        if dateline_place is not None:
            places.add(dateline_place.id, None, 0.6, f"dateline: {story.dateline}")
        return namesakes

    def _others(
        self, matches: list[_Match], actors: _Collector, regions: _Collector, topics: _Collector
    ) -> None:
        """Actors, region phrases and topic triggers: their matches are their mentions."""
        entities = self._kb.entities
        topic_spans = topics.spans
        for m in matches:
            layer = m.layer
            if not layer:
                continue  # places: see _places
            span = (m.rank, m.start, m.end)
            if layer == 3:
                # topics.add(s.entity, span, 0.0): a topic's score is never used.
                for s in m.reading.senses:
                    bucket = topic_spans.get(s.entity)
                    if bucket is None:
                        bucket = topic_spans[s.entity] = {}
                    bucket[span] = None
            elif layer == 1:
                for s in m.reading.senses:
                    ent = entities[s.entity]
                    if s.relation is Relation.METONYM:
                        actors.add(ent.id, span, 0.85, f"metonym: {m.surface}")
                    else:
                        full = " " in m.surface.strip() or ent.type != "person"
                        actors.add(ent.id, span, 0.95 if full else 0.8)
            else:
                for s in m.reading.senses:
                    regions.add(s.entity, span, 0.9)

    def _prior(self, ent: Entity) -> float:
        """Log-prior of a reading: countries, then subdivisions, then cities by population."""
        if ent.type == "country":
            return _PRIOR_COUNTRY
        if ent.type == "subdivision":
            # Subdivisions of populous countries are named in the news far more often
            # (Georgia the US state, not Savannah the Ghanaian region).
            pop = self._country_pop.get(ent.country or "", 0)
            return math.log10(pop) - 1.5 if pop else _PRIOR_SUBDIVISION - 1.0
        return math.log10(max(ent.population, 10)) + (_CAPITAL_BONUS if ent.capital else 0.0)

    def _metonym(self, ent: Entity) -> str | None:
        """The actor a capital stands for when it acts (None for other places)."""
        if ent.id in self._kb.capital_metonyms:
            return self._kb.capital_metonyms[ent.id]
        if ent.capital and ent.country and ent.population >= _CORROBORATE_BELOW:
            return self._kb.state_of.get(ent.country)
        return None

    def _dateline(self, story: Story, context: _Context) -> Entity | None:
        if not story.dateline:
            return None
        cands = [
            self._kb.entities[s.entity]
            for s in self._kb.lookup(story.dateline)
            if s.relation is Relation.NAME and self._kb.entities[s.entity].kind is Kind.PLACE
        ]
        if not cands:
            return None
        best = max(cands, key=lambda e: self._prior(e) + _CONTEXT_WEIGHT * math.log10(1 + context.support(e)))
        context.add(best, weight=_DATELINE_WEIGHT)
        return best

    def _place_tags(self, places: _Collector, texts: dict[TextField, str]) -> tuple[Tag, ...]:
        tags = []
        entities = self._kb.entities
        scores = places.score
        evidence_of = places.evidence
        for eid, spans in places.spans.items():
            score = scores.get(eid, 0.0)
            evidence = evidence_of.get(eid, [])
            if spans and "demonym" in evidence and score > 0.5:
                evidence.remove("demonym")  # named as well: the demonyms only add support
            boost = 0.05 * max(0, len(spans) - 1)
            tags.append(_tag(entities[eid], _mentions(spans, texts), min(1.0, score + boost), evidence))
        return _sorted(tags)

    def _tags(self, col: _Collector, texts: dict[TextField, str], on: str | None = None) -> tuple[Tag, ...]:
        tags = []
        entities = self._kb.entities
        scores = col.score
        evidence_of = col.evidence
        for eid, spans in col.spans.items():
            ent = entities[eid]
            evidence = evidence_of.get(eid, [])
            if ent.roles:
                evidence = [*evidence, *_roles(ent, on)]
            tags.append(
                _tag(
                    ent,
                    _mentions(spans, texts),
                    min(1.0, scores.get(eid, 0.0) + 0.02 * max(0, len(spans) - 1)),
                    evidence,
                    aliases=ent.aliases[:_MAX_TAG_ALIASES],
                )
            )
        return _sorted(tags)

    def _topic_tags(self, col: _Collector, texts: dict[TextField, str]) -> tuple[Tag, ...]:
        tags = []
        entities = self._kb.entities
        for eid, spans in col.spans.items():
            ms = _mentions(spans, texts)
            # Each distinct trigger word adds evidence; one word alone is weak.
            distinct = len({m.text.casefold() for m in ms})
            confidence = _round3(1.0 - 0.5 ** (distinct + 0.5 * (len(ms) - distinct)))
            tags.append(_tag(entities[eid], ms, confidence, ()))
        return _sorted(tags)

    def _regions_by_members(self, place_tags: tuple[Tag, ...], regions: _Collector) -> None:
        present = {t.id for t in place_tags} | {
            t.country for t in place_tags if t.country and t.type != "country"
        }
        named = {t.id for t in place_tags}
        for ent, members, country_members in self._region_members:
            if named.isdisjoint(members) and present.isdisjoint(country_members):
                hit = []  # the common case: no member named at all
            else:
                hit = [mid for mid in ent.members if mid in named or (len(mid) == 2 and mid in present)]
            if len(hit) >= ent.min_members:
                names = [self._kb.entities[h].name for h in hit if h in self._kb.entities]
                regions.add(ent.id, None, min(0.9, 0.5 + 0.1 * len(hit)), "members: " + ", ".join(names))


# --- helpers ----------------------------------------------------------------------


def _union(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The runs that half-open ``spans`` cover (touching ones joined): their starts and ends."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        elif end > start:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _covers(runs: tuple[list[int], list[int]], start: int, end: int) -> bool:
    """Whether the runs of ``_union`` cover every character of ``[start, end)``."""
    if start >= end:
        return True
    starts, ends = runs
    i = bisect_right(starts, start) - 1
    return i >= 0 and ends[i] >= end


def _admin1_key(ent: Entity) -> tuple[str, str] | None:
    """A city's (country, first-level subdivision id), as ``_Context.admin1`` keys them."""
    return (ent.country or "", f"{ent.country}-{ent.admin1}") if ent.type == "city" else None


def _rstrip(text: str, start: int, end: int) -> int:
    """Drop trailing spaces a key's punctuation may have covered ("u.s. " -> "u.s.")."""
    while end > start and text[end - 1] == " ":
        end -= 1
    return end


def _sorted(tags: list[Tag]) -> tuple[Tag, ...]:
    """By confidence, highest first, then id: two stable sorts with C-level keys."""
    tags.sort(key=_tag_id)
    tags.sort(key=_tag_confidence, reverse=True)
    return tuple(tags)


_tag_id: Final = attrgetter("id")
_ROUNDED: Final[dict[float, float]] = {}


def _round3(x: float) -> float:
    """``round(x, 3)``, remembered.

    Rounding a float to digits formats it, and the same few confidences come back all the
    time. Only positive values are kept (0.0 and -0.0 are equal keys that round differently);
    the memo is bounded.
    """
    r = _ROUNDED.get(x)
    if r is None:
        r = round(x, 3)
        if x > 0.0 and len(_ROUNDED) < 4096:
            _ROUNDED[x] = r
    return r


_tag_confidence: Final = attrgetter("confidence")


def _mentions(spans: dict[Span, None], texts: dict[TextField, str]) -> tuple[Mention, ...]:
    """Mentions in story order (spans that start together: in the order they were found)."""
    ordered = sorted(spans, key=_span_order) if len(spans) > 1 else spans
    # Names bound once per tag (module globals are dict lookups): a story has dozens of mentions.
    construct, cls, fields = _construct, Mention, _MENTION_FIELDS
    out = []
    for r, s, e in ordered:
        f = FIELDS[r]
        out.append(construct(cls, {"field": f, "start": s, "end": e, "text": texts[f][s:e]}, fields))
    return tuple(out)


_span_order: Final = itemgetter(0, 1)


def _roles(ent: Entity, on: str | None) -> list[str]:
    """A person's roles, as evidence: those held on the story's date when it has one."""
    return [
        f"{r.role} ({r.start or '?'}–{r.end or 'now'})"
        for r in ent.roles
        if on is None or ((r.start or "") <= on and (r.end is None or on < r.end))
    ]


def _tag(
    ent: Entity,
    mentions: tuple[Mention, ...],
    confidence: float,
    evidence: Iterable[str],
    aliases: tuple[str, ...] = (),
) -> Tag:
    clamped = min(1.0, confidence)
    values = {
        "id": ent.id,
        "name": ent.name,
        "type": ent.type,
        "aliases": aliases,
        "country": ent.country,
        "confidence": _round3(clamped) if clamped > 0.0 else 0.0,  # round(max(0.0, clamped), 3)
        "mentions": mentions,
        "evidence": tuple(evidence),
    }
    return _construct(Tag, values, _TAG_FIELDS)


def _mention(fld: TextField, start: int, end: int, text: str) -> Mention:
    """A Mention of a span the tagger found (valid by construction: no validation)."""
    return _construct(Mention, {"field": fld, "start": start, "end": end, "text": text}, _MENTION_FIELDS)


_ModelT = TypeVar("_ModelT", bound=BaseModel)


class _Construct(Protocol):
    def __call__(self, cls: type[_ModelT], values: dict[str, Any], fields: set[str], /) -> _ModelT: ...


# Every field, as the fields set of every Mention and Tag the tagger builds: one set shared by
# all of them. Pydantic changes a fields set in place only to add a field just assigned, which
# a frozen model refuses and which is in the set already; copies (model_copy) get their own.
_MENTION_FIELDS: Final = set(Mention.model_fields)
_TAG_FIELDS: Final = set(Tag.model_fields)


def _slot_construct(cls: type[_ModelT], values: dict[str, Any], fields: set[str], /) -> _ModelT:
    """``cls.model_construct(**values)`` for ``values`` naming every field, at a quarter of the cost.

    Tags and mentions are built from knowledge-base entries and spans that are valid by
    construction, dozens per story; pydantic's ``model_construct`` spends most of its time
    on defaults and aliases that never apply here. This does what it does for such a model:
    a new instance, its ``__dict__`` (``values``, not copied), and BaseModel's three slots
    (``fields``, not copied: see ``_MENTION_FIELDS``). ``processors._models`` (C, built with
    the tagger) does the same without a Python call per slot; both are checked against
    pydantic at import (see ``_choose_construct``).
    """
    obj = _object_new(cls)
    _set_dict(obj, values)
    _set_fields(obj, fields)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def _model_construct(cls: type[_ModelT], values: dict[str, Any], fields: set[str], /) -> _ModelT:
    del fields  # pydantic works them out
    return cls.model_construct(**values)


_object_new: Final = object.__new__
# The setters of BaseModel's slots, called directly: what object.__setattr__ ends up calling,
# without looking the attribute up through the class first.
_set_dict: Final = BaseModel.__dict__["__dict__"].__set__
_set_fields: Final = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra: Final = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private: Final = BaseModel.__dict__["__pydantic_private__"].__set__


def _builds_like_pydantic(construct: _Construct) -> bool:
    """Whether ``construct`` builds what pydantic builds, for a Mention and a Tag."""
    if not all(
        cls.__pydantic_post_init__ is None
        and not cls.__private_attributes__
        and not cls.__pydantic_root_model__
        for cls in (Tag, Mention)
    ):
        return False
    values: dict[str, Any] = {"field": "body", "start": 0, "end": 1, "text": "x"}
    mention_ref = Mention(**values)
    tag_values: dict[str, Any] = {
        "id": "x",
        "name": "X",
        "type": "city",
        "aliases": ("y",),
        "country": "FR",
        "confidence": 0.5,
        "mentions": (mention_ref,),
        "evidence": ("z",),
    }
    tag_ref = Tag(**tag_values)
    try:
        built = [
            construct(Mention, dict(values), _MENTION_FIELDS),
            construct(Tag, dict(tag_values), _TAG_FIELDS),
        ]
    except (TypeError, AttributeError, RuntimeError):
        return False
    return all(
        type(got) is type(ref)
        and got == ref
        and got.__dict__ == ref.__dict__
        and got.__pydantic_fields_set__ == ref.__pydantic_fields_set__
        and type(got.__pydantic_fields_set__) is set
        and got.__pydantic_extra__ is None
        and got.__pydantic_private__ is None
        and got.model_dump_json() == ref.model_dump_json()
        and hash(got) == hash(ref)
        for got, ref in zip(built, (mention_ref, tag_ref), strict=True)
    )


def _c_construct() -> _Construct | None:
    """``processors._models.construct`` when it is built and knows BaseModel's slots."""
    try:
        from processors import _models  # noqa: PLC0415 - optional: a source-only install lacks it
    except ImportError:
        return None
    try:
        _models.setup(BaseModel)
    except TypeError:
        return None  # BaseModel's slots changed: the Python ways
    return _models.construct


def _choose_construct() -> _Construct:
    """The fastest way to build models that builds what pydantic would: C, slots, or pydantic."""
    fast = _c_construct()
    if fast is not None and _builds_like_pydantic(fast):
        return fast
    if _builds_like_pydantic(_slot_construct):
        return _slot_construct
    return _model_construct


_construct: Final = _choose_construct()


def _longest(found: list[_Match]) -> list[_Match]:
    """Per layer, keep the longest matches that do not overlap (ties: leftmost).

    ``found`` holds the matches of one field; the result is in text order (the order of
    matches of different layers that start at the same place is of no consequence).
    Most matches overlap nothing of their layer; only runs of overlapping ones ("Kharkiv"
    in "Kharkiv Oblast") need choosing between, and each run on its own.
    """
    found.sort(key=_n_start_of)
    # Per layer (0-3): the last match, the current run of overlapping matches (None while the
    # last overlaps nothing: the common case, with no list to build), and where it ends.
    last: list[_Match | None] = [None, None, None, None]
    runs: list[list[_Match] | None] = [None, None, None, None]
    reach = [-1, -1, -1, -1]
    dropped: set[int] = set()
    for m in found:
        layer = m.layer
        if m.n_start < reach[layer]:
            run = runs[layer]
            if run is None:
                runs[layer] = [last[layer], m]  # type: ignore[list-item]  # reach >= 0: a last
            else:
                run.append(m)
            reach[layer] = max(reach[layer], m.n_end)
            continue
        run = runs[layer]
        if run is not None:
            _drop_shorter(run, dropped)
            runs[layer] = None
        last[layer] = m
        reach[layer] = m.n_end
    for run in runs:
        if run is not None:
            _drop_shorter(run, dropped)
    return [m for m in found if id(m) not in dropped] if dropped else found


def _drop_shorter(run: list[_Match], dropped: set[int]) -> None:
    """Longest first (ties: leftmost), drop each match that overlaps one already kept."""
    starts: list[int] = []
    ends: list[int] = []
    for m in sorted(run, key=_longest_first):
        i = bisect_left(starts, m.n_start)
        if (i > 0 and ends[i - 1] > m.n_start) or (i < len(starts) and starts[i] < m.n_end):
            dropped.add(id(m))
            continue
        starts.insert(i, m.n_start)
        ends.insert(i, m.n_end)


_n_start_of: Final = attrgetter("n_start")


def _longest_first(m: _Match) -> int:
    # (-length, n_start) as one int: texts are far shorter than 2**32 characters.
    return ((m.n_start - m.n_end) << 32) + m.n_start


_WINDOW: Final = 48  # words are short: look this far back for one


# The context words are found by walking characters, not by regexes: compiled, a walk over a
# few characters costs less than one regex call (there are several per place name). A word
# character is what ``\w`` matches (``isalnum()`` or "_"); the tests check both against the
# regexes ``[\w'.-]*`` (before) and ``[ \t]*([\w'-]*)`` (after).
def _word_before(norm: NormalizedText, pos: int) -> Word:
    """The word ending before ``pos`` (normalized, spaces and tabs skipped) and its start.

    A word here is a run of word characters, apostrophes, dots and hyphens ("u.s.", "o'neill")
    within the ``_WINDOW`` characters before ``pos``.
    """
    text = norm.text
    lo = pos - _WINDOW if pos > _WINDOW else 0
    end = pos
    while end > lo and text[end - 1] in " \t":
        end -= 1
    start = end
    while start > lo:
        ch = text[start - 1]
        if ch.isalnum() or ch in "_'.-":
            start -= 1
        else:
            break
    return text[start:end], start


def _word_after(norm: NormalizedText, pos: int) -> tuple[str, int]:
    """The word starting after ``pos`` (normalized, spaces and tabs skipped) and its start.

    A word here is a run of word characters, apostrophes and hyphens (no dots: "Moscow." is
    followed by no word).
    """
    text = norm.text
    n = len(text)
    start = pos
    while start < n and text[start] in " \t":
        start += 1
    end = start
    while end < n:
        ch = text[end]
        if ch.isalnum() or ch in "_'-":
            end += 1
        else:
            break
    return text[start:end], start


def _orig_char(norm: NormalizedText, npos: int) -> str:
    o, _ = norm.span(npos, npos + 1)
    return norm.original[o : o + 1]


def _sentence_start(norm: NormalizedText, npos: int) -> bool:
    """True when only spaces, quotes or sentence punctuation come before ``npos``."""
    i = npos
    while i > 0 and norm.text[i - 1] in " \t\"'«»“”":
        i -= 1
    return i == 0 or norm.text[i - 1] in ".!?\n:;—-("


def _looks_like_person(norm: NormalizedText, m: _Match, before: Word, after: Word) -> bool:
    word, pos = before
    if word in _PERSON_TITLES or (word.endswith(".") and word.rstrip(".") in _PERSON_TITLES):
        return True
    # "Michael Jordan": a capitalised word right before, not a function word, not sentence-initial.
    # (The same tests as ever, the cheap and decisive ones first.)
    if (
        word
        and word not in _NEUTRAL_BEFORE
        and _orig_char(norm, pos).isupper()
        and (gap := norm.text[pos + len(word) : m.n_start]).strip() == ""
        and "\n" not in gap
        and not word.endswith(".")
        # Russian and Ukrainian put a place in the genitive after a noun ("Губернатор Курска"):
        # a capitalised word there is a sentence start far more often than a first name.
        and not _CYRILLIC.search(word)
    ):
        return True
    # '"...," said Georgia.' / 'Georgia herself': people, not places.
    if after[0] in _SELF_WORDS:
        return True
    if word in _REPORTING and norm.text[m.n_end : m.n_end + 1] in {".", ",", ""}:
        return True
    if m.reading.has_country:
        return False
    # "Clinton said": a small city that speaks is a person.
    return after[0] in _REPORTING and m.reading.small_cities


def _acts(norm: NormalizedText, m: _Match) -> bool:
    """True when the name at ``m`` is the subject of a verb or a party to an exchange."""
    text = norm.text
    after, apos = m.after if m.after is not None else _word_after(norm, m.n_end)
    if after.endswith(("'s", "'")) or text[m.n_end : m.n_end + 2] == "'s":
        return False  # "Moscow's Red Square": possessive, ambiguous; leave it a place
    if after in _ACTS_AFTER and text[m.n_end : apos].strip() == "":
        return True
    prev, ppos = m.before if m.before is not None else _word_before(norm, m.n_start)
    if prev in _ARTICLES:
        prev, ppos = _word_before(norm, ppos)
    if prev not in _EXCHANGE_PREPS and prev not in _PARTY_PREPS:
        return False  # the word before that does not matter then
    prev2, _ = _word_before(norm, ppos)
    if prev in _EXCHANGE_PREPS and prev2 in _EXCHANGE_NOUNS:
        return True
    return (
        prev in _PARTY_PREPS
        and prev2 not in _BORDER_NOUNS
        and m.senses[0].relation is Relation.NAME
        and _is_country_sense(m)
    )


def _is_country_sense(m: _Match) -> bool:
    return len(m.senses[0].entity) == 2  # ISO alpha-2 ids are countries


def _nationality(norm: NormalizedText, m: _Match) -> bool:
    """True when the demonym at ``m`` gives a person's nationality."""
    pos = m.n_end
    for _ in range(3):
        word, start = _word_after(norm, pos)
        if not word:
            break
        if word in _PERSON_ROLES:
            return True
        if word not in _ROLE_MODIFIERS:
            break
        pos = start + len(word)
    # Romance word order: "el primer ministro noruego", "le président russe".
    word, start = _word_before(norm, m.n_start)
    if word in _PERSON_ROLES:
        return True
    return bool(word) and _word_before(norm, start)[0] in _PERSON_ROLES


class _Context:
    """Where the story's unambiguous places are: weights per country and subdivision."""

    __slots__ = ("admin1", "countries", "ids")

    def __init__(self) -> None:
        # Not a dataclass: see _Match. Plain dicts, not defaultdicts: mypyc reads and writes
        # an exact dict natively, a defaultdict through generic (and, when missing, Python) calls.
        self.countries: dict[str, float] = {}
        self.admin1: dict[tuple[str, str], float] = {}
        self.ids: dict[str, int] = {}

    def add(self, ent: Entity, weight: float = 1.0, count: int = 1) -> None:
        """Add ``count`` mentions of ``ent`` (weights are halves and wholes: sums are exact)."""
        if not ent.country:
            return
        # A sub-national place says more about its country than the country's own name.
        countries, admin1, ids = self.countries, self.admin1, self.ids
        country = ent.country
        countries[country] = (
            countries.get(country, 0.0) + weight * (0.5 if ent.type == "country" else 1.0) * count
        )
        if ent.type == "subdivision":
            key = (country, ent.id)
            admin1[key] = admin1.get(key, 0.0) + weight * count
        ids[ent.id] = ids.get(ent.id, 0) + count

    def add_many(self, items: Iterable[tuple[Entity, int]]) -> None:
        """``add(ent, count=n)`` for each (ent, n), in one loop."""
        countries, admin1, ids = self.countries, self.admin1, self.ids
        for ent, count in items:
            country = ent.country
            if not country:
                continue
            kind = ent.type
            countries[country] = countries.get(country, 0.0) + (0.5 if kind == "country" else 1.0) * count
            if kind == "subdivision":
                key = (country, ent.id)
                admin1[key] = admin1.get(key, 0.0) + 1.0 * count
            ids[ent.id] = ids.get(ent.id, 0) + count

    def support(self, ent: Entity, *, exclude_self: bool = False) -> float:
        if not ent.country:
            return 0.0
        own = 0.0
        if exclude_self and self.ids.get(ent.id):
            own = self.ids[ent.id] * (0.5 if ent.type == "country" else 1.0)
        return max(0.0, self.countries.get(ent.country, 0.0) - own)


def _qualifiers(
    place_matches: list[_Match], norms: dict[TextField, NormalizedText]
) -> Iterable[tuple[_Match, frozenset[str]]]:
    """'Paris, Texas' / 'London (Ontario)': countries that the next name gives to a name."""
    for m, nxt in pairwise(place_matches):
        if nxt.field != m.field or nxt.n_start - m.n_end > 3:
            continue
        gap = norms[m.field].text[m.n_end : nxt.n_start]
        if gap.strip() in {",", "("} and len(gap) <= 3:
            yield m, nxt.reading.qualifier


def _qualifies(ent: Entity, qualifiers: frozenset[str]) -> bool:
    """Does 'X, <qualifier>' fit this reading of X.

    The country must match; where GeoNames' admin1 code is the ISO one (US states:
    "Glasgow, Mont." is not Glasgow, Ky.), so must the state.
    """
    if ent.type == "country" or ent.country not in qualifiers:
        return False
    subs = {q for q in qualifiers if q.startswith(f"{ent.country}-")}
    return ent.type != "city" or not subs or ent.country != "US" or f"US-{ent.admin1}" in subs


def _resolve(
    reading: _Reading,
    context: _Context,
    qualifiers: frozenset[str],
    *,
    exclude_self: bool = False,
    confidence: bool = True,
) -> tuple[Entity, float, bool | None]:
    """The likeliest reading of a place name, its confidence, and whether it is corroborated.

    Corroborated is None for a likely namesake we do not know (kept in ``unresolved``).
    With ``confidence=False`` (the first pass, which needs only the reading and whether it
    is corroborated) no runner-up is looked for and the confidence returned is 0.0.
    """
    countries = context.countries
    ids = context.ids
    if len(reading.names) == 1:
        # One reading: nothing to score, and no runner-up from another country.
        best = reading.names[0]
        # context.support(best, exclude_self=exclude_self), inline (as below).
        support = 0.0
        if best.country:
            support = countries.get(best.country, 0.0)
            if exclude_self and (n := ids.get(best.id)):
                support -= n * (0.5 if best.type == "country" else 1.0)
            if not support > 0.0:  # max(0.0, support)
                support = 0.0
        best_score = 0.0
        runner: float | None = None
    else:
        admin1 = context.admin1 or None
        scored = []
        # The best: highest score, then lowest id (found on the way); the runner-up: the best
        # score of another country.
        best = reading.names[0]
        best_score = -math.inf
        best_support = 0.0
        for c, prior, c_admin1, country, own_weight in reading.scoring:
            # context.support(c, exclude_self=exclude_self), inline: this is the hot loop.
            support = countries.get(country, 0.0) if country else 0.0
            if exclude_self and (n := ids.get(c.id)):
                support -= n * own_weight
            if support > 0.0:
                s = prior + _CONTEXT_WEIGHT * log10(1 + support)
            else:
                support = 0.0  # max(0.0, support)
                s = prior
            if qualifiers and _qualifies(c, qualifiers):
                s += _QUALIFIER_BONUS
            if admin1 is not None and c_admin1 is not None and admin1.get(c_admin1):
                s += _ADMIN1_BONUS
            scored.append((s, c))
            if s > best_score or (s == best_score and c.id < best.id):
                best_score, best_support, best = s, support, c
        support = best_support
        runner = None
        if confidence:
            for s, c in scored:
                if c.country != best.country and (runner is None or s > runner):
                    runner = s
    qualified = bool(qualifiers) and _qualifies(best, qualifiers)
    corroborated = (
        best.type != "city"
        or best.capital
        or best.population >= _CORROBORATE_BELOW
        or support > 0
        or qualified
    )
    # A foreign town in a story anchored elsewhere ("Edmonton" in a Queensland story) is
    # likelier a namesake we do not know than the far-away city: leave it unresolved.
    if best.type == "city" and not best.capital and support == 0 and not qualified:
        anchor = max(context.countries.values(), default=0.0)
        if anchor >= _FOREIGN_ANCHOR:
            return best, 0.0, None
    if not confidence:
        return best, 0.0, corroborated
    if runner is None:
        return best, 0.9, corroborated
    margin = best_score - runner
    return best, _round3(0.55 + 0.4 * (1 - math.exp(-margin / 2.0))), corroborated


_CUES: Final = sorted(_UNRESOLVED_CUES)
# In scan form, with a space either side: whole words only (in the tagger's automaton).
_CUE_PATTERNS: Final = [f" {cue} " for cue in _CUES]
_CUE_LENGTHS: Final = [len(cue) for cue in _CUES]

_NAME_AFTER: Final = re.compile(r"[ \t]+([^\W\d_][\w'’.-]*(?:[ ][^\W\d_][\w'’.-]*)*)")


def _unresolved(
    norms: dict[TextField, NormalizedText],
    cues: dict[TextField, list[Cue]],
    matches: list[_Match],
    namesakes: list[_Match],
) -> tuple[Mention, ...]:
    """Capitalised names after "in"/"near"/"под"... that no match covers, and the namesakes."""
    out: list[Mention] = [_mention(m.field, m.start, m.end, m.surface) for m in namesakes]
    for fld, norm in norms.items():
        orig = norm.original
        n_orig = len(orig)
        # What the places, actors and regions cover, once a name needs it: their starts
        # (the matches are in text order) and the furthest end reached up to each.
        cov_starts: list[int] | None = None
        cov_reach: list[int] = []
        for cue, cue_start in cues[fld]:
            # The cue's leading space in scan is at the cue's start in the text.
            cue_len = _CUE_LENGTHS[cue]
            i = cue_start
            _, cue_end = norm.span(i, i + cue_len)
            # A name starts with a capital after spaces: most cues ("in the") stop here.
            j = cue_end
            while j < n_orig and orig[j] in " \t":
                j += 1
            if j in {cue_end, n_orig} or not orig[j].isupper():
                continue
            if cov_starts is None:
                cov_starts = []
                reach = -1
                for m in matches:
                    if m.layer < 3 and m.field == fld:
                        cov_starts.append(m.start)
                        reach = max(reach, m.end)
                        cov_reach.append(reach)
            # A name would start at j: most are places we matched ("in Geneva"), covered there.
            k = bisect_right(cov_starts, j)
            if k and cov_reach[k - 1] > j:
                continue
            found = _NAME_AFTER.match(orig, cue_end)
            if found is None:
                continue
            name: list[str] = []
            for w in found.group(1).split(" "):
                if not w[:1].isupper():
                    break
                name.append(w)
            first = name[0].rstrip(".").casefold() if name else ""
            if not name or first in _NOT_PLACES or first in _PERSON_TITLES:
                continue
            start = found.start(1)
            text = " ".join(name).rstrip(".,;:'’")
            end = start + len(text)
            if not text:
                continue
            # Covered when a match that starts before the name's end reaches past its start.
            i = bisect_left(cov_starts, end)
            if i == 0 or cov_reach[i - 1] <= start:
                out.append(_mention(fld, start, end, text))
    return tuple(sorted(set(out), key=lambda x: (_FIELD_ORDER[x.field], x.start)))


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
