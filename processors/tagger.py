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
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import ahocorasick

from processors.kb import Case, Entity, Kind, KnowledgeBase, Relation, Sense
from processors.text import NormalizedText, normalize, scan_form
from schemas.models import EnrichedStory, Mention, Story, Tag, TextField

FIELDS: tuple[TextField, ...] = ("title", "standfirst", "body")


def _words(text: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string (easier to keep by hand)."""
    return frozenset(text.split())


# --- context word lists (normalized, casefolded) ----------------------------------

# A capitalised word before a place that does not make it part of a person's name.
_NEUTRAL_BEFORE = _words(
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
_PERSON_TITLES = _words(
    "mr mr. mrs mrs. ms ms. dr dr. sir lady lord sen. sen rep. rep gov. gov president senator governor mayor "
    "ambassador "
    "minister chancellor pope saint st. king queen prince princess judge general gen. coach señor señora "
    "monsieur madame herr frau господин госпожа пан пані"
)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_SELF_WORDS = _words("herself himself")
_REPORTING = _words("said says told added argued wrote tweeted insisted explained noted stated")
# Words after a capital or country that make it an acting subject.
_ACTS_AFTER = _words(
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
_EXCHANGE_NOUNS = _words(
    """
    letter letters message messages talks dialogue relations ties negotiations pressure sanctions demands
    response reply proposals note appeal ultimatum warning call calls request offer deal agreement
    carta mensaje diálogo relaciones negociaciones lettre message dialogue relations négociations
    brief botschaft dialog beziehungen verhandlungen письмо послание диалог отношения переговоры лист діалог
    """
)
# Not "à"/"a"/"an"/"в": they are also plain locatives ("le dialogue à Bruxelles").
_EXCHANGE_PREPS = _words("to with from against on con contra avec contre mit gegen с против к з проти до")
_ARTICLES = _words("the la le l' el los las les die der den dem des")
# "the border with Ukraine" is a place, not a party to an exchange.
_BORDER_NOUNS = _words(
    "border borders frontier frontera frontière grenze граница границе границы границу кордон кордоні кордону"
)
_PARTY_PREPS = _words("with against between from by con contra avec contre mit gegen с против з проти")
# Person roles: a demonym next to one gives a nationality, not a place of events.
_PERSON_ROLES = _words(
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
_ROLE_MODIFIERS = _words(
    "former then foreign defence defense deputy top senior acting interior finance economy trade vice "
    "exteriores asuntos affaires étrangères außenminister mr"
)
_UNRESOLVED_CUES = _words(
    "in near outside around en cerca à près dans bei nahe nähe в во под около у біля поблизу"
)
_NAMESAKE_CUES = _UNRESOLVED_CUES | _words("from at to of à de aus von из из з")
_NOT_PLACES = _words(
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
_PRIOR_COUNTRY = 8.0
_PRIOR_SUBDIVISION = 7.0
_CAPITAL_BONUS = 1.0
_CONTEXT_WEIGHT = 3.0
_ADMIN1_BONUS = 2.0
_QUALIFIER_BONUS = 10.0
_DATELINE_WEIGHT = 2.0
# Smaller, non-capital cities need corroboration: another place of their country in the
# story, a qualifier ("Paris, Texas") or the dateline. Without it a "Police" or "David" is
# far likelier a word or a name than the town.
_CORROBORATE_BELOW = 100_000
_FOREIGN_ANCHOR = 3.0
_MAX_TAG_ALIASES = 12


@dataclass(frozen=True, slots=True)
class Tags:
    """Everything the tagger found in one story."""

    countries: tuple[str, ...] = ()
    places: tuple[Tag, ...] = ()
    regions: tuple[Tag, ...] = ()
    actors: tuple[Tag, ...] = ()
    topics: tuple[Tag, ...] = ()
    unresolved: tuple[Mention, ...] = ()


@dataclass(slots=True)
class _Match:
    """A raw automaton match, in original-text coordinates."""

    field: TextField
    start: int
    end: int
    n_start: int  # normalized coordinates, for context words
    n_end: int
    senses: tuple[Sense, ...]
    layer: int
    text: str  # the original field text

    @property
    def length(self) -> int:
        return self.n_end - self.n_start

    @property
    def span(self) -> Span:
        return (self.field, self.start, self.end)

    @property
    def surface(self) -> str:
        return self.text[self.start : self.end]


Span = tuple[TextField, int, int]
ByCase = tuple[tuple[Sense, ...], tuple[Sense, ...], tuple[Sense, ...]]


@dataclass(frozen=True, slots=True)
class _Key:
    """What the scan needs of one automaton key, sorted out once at build time."""

    length: int
    closed: bool  # ends in punctuation: its right boundary is built in
    punct: frozenset[str] | None  # the exact normalized keys when punctuation must match
    whole: ByCase  # senses for a whole-word match, by case rule (any, capital, upper)
    partial: ByCase  # stem senses, for a match that ends inside a word
    single_layer: bool

    @classmethod
    def build(cls, form: str, senses: list[Sense], punct: frozenset[str] | None) -> _Key:
        def by_case(group: list[Sense]) -> ByCase:
            return (
                tuple(s for s in group if s.case is Case.ANY),
                tuple(s for s in group if s.case is Case.CAPITAL),
                tuple(s for s in group if s.case is Case.UPPER),
            )

        return cls(
            length=len(form),
            closed=form.endswith(" "),
            punct=punct,
            whole=by_case(senses),
            partial=by_case([s for s in senses if s.prefix]),
            single_layer=len({s.layer for s in senses}) == 1,
        )


@dataclass(slots=True)
class _Collector:
    """Mention spans, evidence and best score gathered per entity id, then turned into Tags."""

    spans: dict[str, dict[Span, None]] = field(default_factory=dict)  # an ordered set per entity
    evidence: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    score: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, entity_id: str, span: Span | None, score: float, evidence: str | None = None) -> None:
        bucket = self.spans.setdefault(entity_id, {})
        if span is not None:
            bucket[span] = None
        if evidence and evidence not in self.evidence[entity_id]:
            self.evidence[entity_id].append(evidence)
        self.score[entity_id] = max(self.score[entity_id], score)


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
        self._automaton = ahocorasick.Automaton()
        exact: dict[str, set[str]] = defaultdict(set)
        for key in kb.senses:
            exact[scan_form(key)].add(key)
        self._keys: list[_Key] = []
        for form, senses in merged.items():
            self._automaton.add_word(form, len(self._keys))
            # Keys with punctuation ("u.s.", "la.") must match it exactly, not just any
            # non-word character; keys ending in it ("u.s.") have their right boundary built in.
            punct = frozenset(exact[form]) if any(k != form[1:] for k in exact[form]) else None
            self._keys.append(_Key.build(form, senses, punct))
        self._automaton.make_automaton()
        self._regions = [e for e in kb.entities.values() if e.kind is Kind.REGION and e.members]
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
        """Every key of the automaton, in scan form (for benchmarks and debugging)."""
        return [str(k) for k in self._automaton]

    # --- matching -------------------------------------------------------------

    def _scan(self, fld: TextField, norm: NormalizedText) -> list[_Match]:
        scan = scan_form(norm.text)
        ntext = norm.text
        orig = norm.original
        span = norm.span
        n = len(scan)
        found: list[_Match] = []
        keys = self._keys
        for end_idx, value in self._automaton.iter(scan):
            key = keys[value]
            end = end_idx + 1  # exclusive, in scan coordinates
            if key.closed or end >= n or scan[end] == " ":
                word_end = end
                by_case = key.whole
            else:
                if not key.partial[0] and not key.partial[1] and not key.partial[2]:
                    continue
                word_end = scan.find(" ", end)
                if word_end < 0:
                    word_end = n
                by_case = key.partial
            # Scan index i is normalized index i - 1; the key's leading space sits on the
            # character before the word, so the word starts at normalized index end - klen + 1.
            start = end - key.length
            if key.punct is not None and ntext[start : end - 1] not in key.punct:
                continue
            m_end = word_end - 1
            if key.closed:
                m_end = _rstrip(ntext, start, m_end)
            o_start, o_end = span(start, m_end)
            kept = by_case[0]
            if (by_case[1] or by_case[2]) and orig[o_start].isupper():
                kept += by_case[1]
                if by_case[2] and not any(c.islower() for c in orig[o_start:o_end]):
                    kept += by_case[2]
            if not kept:
                continue
            if key.single_layer:
                found.append(_Match(fld, o_start, o_end, start, m_end, kept, kept[0].layer, orig))
                continue
            for layer in {s.layer for s in kept}:
                layer_senses = tuple(s for s in kept if s.layer == layer)
                found.append(_Match(fld, o_start, o_end, start, m_end, layer_senses, layer, orig))
        return _longest(found)

    # --- tagging --------------------------------------------------------------

    def tag(self, story: Story) -> Tags:
        """Tag one story (pure: the same story always gives the same tags)."""
        norms: dict[TextField, NormalizedText] = {}
        matches: list[_Match] = []
        for fld in FIELDS:
            value = getattr(story, fld) or ""
            if value:
                norms[fld] = norm = normalize(value)
                matches.extend(self._scan(fld, norm))

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
            unresolved=_unresolved(norms, matches, namesakes),
        )

    def _geo_matches(
        self, matches: list[_Match], norms: dict[TextField, NormalizedText]
    ) -> tuple[list[tuple[_Match, list[Entity]]], list[tuple[_Match, str]]]:
        """Place-name matches with their candidate readings, and demonym matches."""
        kb = self._kb
        # A name that is also a whole region phrase or actor name ("Asia", "White House")
        # is that, not a town of the same name; demonyms stay ("Russian" in "Russian troops").
        claimed = {m.span for m in matches if m.layer in (1, 2)}
        claimed_cov = {fld: bytearray(len(norm.original)) for fld, norm in norms.items()}
        for m in matches:
            if m.layer in (1, 2):
                claimed_cov[m.field][m.start : m.end] = b"\x01" * (m.end - m.start)

        # Person names that contain a place name ("Michael Jordan"): drop everywhere in the story.
        person_surfaces: set[str] = set()
        place_matches: list[tuple[_Match, list[Entity]]] = []
        demonym_matches: list[tuple[_Match, str]] = []
        for m in matches:
            if m.layer != 0:
                continue
            norm = norms[m.field]
            cands = [kb.entities[s.entity] for s in m.senses if s.relation is Relation.NAME]
            if cands and (
                m.span in claimed
                or (all(c.type != "country" for c in cands) and all(claimed_cov[m.field][m.start : m.end]))
            ):
                cands = []
            demonyms = [s.entity for s in m.senses if s.relation is Relation.DEMONYM]
            if cands:
                before = _word_before(norm, m.n_start)
                after = _word_after(norm, m.n_end)
                if _looks_like_person(norm, m, before, after, cands):
                    person_surfaces.add(norm.text[m.n_start : m.n_end])
                    continue
                place_matches.append((m, cands))
            elif demonyms:
                demonym_matches.append((m, demonyms[0]))
        place_matches = [
            (m, c)
            for m, c in place_matches
            if norms[m.field].text[m.n_start : m.n_end] not in person_surfaces
        ]
        return place_matches, demonym_matches

    def _places(
        self,
        story: Story,
        norms: dict[TextField, NormalizedText],
        *,
        place_matches: list[tuple[_Match, list[Entity]]],
        demonym_matches: list[tuple[_Match, str]],
        places: _Collector,
        actors: _Collector,
    ) -> list[_Match]:
        """Resolve place names in context; collect places and metonymic actors; return namesakes."""
        kb = self._kb
        # Context: countries and subdivisions of unambiguous places, plus the dateline.
        context = _Context()
        for _m, cands in place_matches:
            if len({c.country for c in cands}) == 1:
                context.add(cands[0])
        for _m, code in demonym_matches:
            context.countries[code] += 0.5
        dateline_place = self._dateline(story, context)

        quals = _qualifiers(place_matches, norms)
        # One sense per story: "London, Ky." once makes every "London" of the story Kentucky's.
        surface_of = {id(m): norms[m.field].text[m.n_start : m.n_end] for m, _c in place_matches}
        by_surface: dict[str, set[str]] = defaultdict(set)
        for m, _c in place_matches:
            by_surface[surface_of[id(m)]] |= quals.get(id(m), set())
        quals = {id(m): by_surface[surface_of[id(m)]] for m, _c in place_matches}
        # A qualifier none of the readings fits ("Glasgow, Mont."): a namesake we do not know.
        namesakes = [
            m
            for m, cands in place_matches
            if quals[id(m)] and not any(_qualifies(c, quals[id(m)]) for c in cands)
        ]
        unknown = {id(m) for m in namesakes}
        place_matches = [(m, c) for m, c in place_matches if id(m) not in unknown]

        # Two passes, each resolving every distinct name once (one sense per story): the
        # first with the unambiguous names as context, the second with every first reading.
        memo: dict[str, tuple[Entity, float, bool | None]] = {}
        for m, cands in place_matches:
            if surface_of[id(m)] not in memo:
                memo[surface_of[id(m)]] = _resolve(cands, context, quals[id(m)], self._prior)
        context2 = _Context()
        for m, _c in place_matches:
            ent, _conf, ok = memo[surface_of[id(m)]]
            if ok:
                context2.add(ent)
        for code, w in context.countries.items():
            context2.countries[code] += 0 if code in context2.countries else w
        if dateline_place is not None:
            context2.add(dateline_place)
        memo = {}
        for m, cands in place_matches:
            if surface_of[id(m)] not in memo:
                memo[surface_of[id(m)]] = _resolve(
                    cands, context2, quals[id(m)], self._prior, exclude_self=True
                )

        for m, cands in place_matches:
            ent, confidence, corroborated = memo[surface_of[id(m)]]
            norm = norms[m.field]
            if corroborated is None and _word_before(norm, m.n_start)[0] in _NAMESAKE_CUES:
                namesakes.append(m)  # "a man from Edmonton": a place, just not one we can tell
            if not corroborated:
                continue
            # Any capital reading that acts wins: the state of Washington does not "say" things.
            metonym_of = next((self._metonyms[c.id] for c in [ent, *cands] if c.id in self._metonyms), None)
            acts = _acts(norm, m)
            if metonym_of is not None and acts:
                actors.add(metonym_of, m.span, 0.85, f"metonym: {m.surface}")
                continue
            places.add(ent.id, m.span, confidence)
            if ent.type == "country" and acts and ent.country in kb.state_of:
                actors.add(kb.state_of[ent.country], m.span, 0.75)

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
        kb = self._kb
        for m in matches:
            if m.layer == 1:
                for s in m.senses:
                    ent = kb.entities[s.entity]
                    if s.relation is Relation.METONYM:
                        actors.add(ent.id, m.span, 0.85, f"metonym: {m.surface}")
                    else:
                        full = " " in m.surface.strip() or ent.type != "person"
                        actors.add(ent.id, m.span, 0.95 if full else 0.8)
            elif m.layer == 2:
                for s in m.senses:
                    regions.add(s.entity, m.span, 0.9)
            elif m.layer == 3:
                for s in m.senses:
                    topics.add(s.entity, m.span, 0.0)

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
        for eid, spans in places.spans.items():
            ent = self._kb.entities[eid]
            score = places.score[eid]
            if spans and "demonym" in places.evidence[eid] and score > 0.5:
                places.evidence[eid].remove("demonym")  # named as well: the demonyms only add support
            boost = 0.05 * max(0, len(spans) - 1)
            tags.append(_tag(ent, _mentions(spans, texts), min(1.0, score + boost), places.evidence[eid]))
        return tuple(sorted(tags, key=_order))

    def _tags(self, col: _Collector, texts: dict[TextField, str], on: str | None = None) -> tuple[Tag, ...]:
        tags = [
            _tag(
                self._kb.entities[eid],
                _mentions(spans, texts),
                min(1.0, col.score[eid] + 0.02 * max(0, len(spans) - 1)),
                [*col.evidence[eid], *_roles(self._kb.entities[eid], on)],
                aliases=self._kb.entities[eid].aliases[:_MAX_TAG_ALIASES],
            )
            for eid, spans in col.spans.items()
        ]
        return tuple(sorted(tags, key=_order))

    def _topic_tags(self, col: _Collector, texts: dict[TextField, str]) -> tuple[Tag, ...]:
        tags = []
        for eid, spans in col.spans.items():
            ms = _mentions(spans, texts)
            # Each distinct trigger word adds evidence; one word alone is weak.
            distinct = len({m.text.casefold() for m in ms})
            confidence = round(1.0 - 0.5 ** (distinct + 0.5 * (len(ms) - distinct)), 3)
            tags.append(_tag(self._kb.entities[eid], ms, confidence, ()))
        return tuple(sorted(tags, key=_order))

    def _regions_by_members(self, place_tags: tuple[Tag, ...], regions: _Collector) -> None:
        present = {t.id for t in place_tags} | {
            t.country for t in place_tags if t.country and t.type != "country"
        }
        named = {t.id for t in place_tags}
        for ent in self._regions:
            hit = [mid for mid in ent.members if mid in named or (len(mid) == 2 and mid in present)]
            if len(hit) >= ent.min_members:
                names = [self._kb.entities[h].name for h in hit if h in self._kb.entities]
                regions.add(ent.id, None, min(0.9, 0.5 + 0.1 * len(hit)), "members: " + ", ".join(names))


# --- helpers ----------------------------------------------------------------------


def _rstrip(text: str, start: int, end: int) -> int:
    """Drop trailing spaces a key's punctuation may have covered ("u.s. " -> "u.s.")."""
    while end > start and text[end - 1] == " ":
        end -= 1
    return end


def _order(tag: Tag) -> tuple[float, str]:
    return (-tag.confidence, tag.id)


def _mentions(spans: dict[Span, None], texts: dict[TextField, str]) -> list[Mention]:
    return [
        Mention(field=f, start=s, end=e, text=texts[f][s:e])
        for f, s, e in sorted(spans, key=lambda sp: (FIELDS.index(sp[0]), sp[1]))
    ]


def _roles(ent: Entity, on: str | None) -> list[str]:
    """A person's roles, as evidence: those held on the story's date when it has one."""
    return [
        f"{r.role} ({r.start or '?'}–{r.end or 'now'})"
        for r in ent.roles
        if on is None or ((r.start or "") <= on and (r.end is None or on < r.end))
    ]


def _tag(
    ent: Entity,
    mentions: list[Mention],
    confidence: float,
    evidence: Iterable[str],
    aliases: tuple[str, ...] = (),
) -> Tag:
    ordered = mentions
    return Tag.model_construct(
        id=ent.id,
        name=ent.name,
        type=ent.type,
        aliases=aliases,
        country=ent.country,
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        mentions=tuple(ordered),
        evidence=tuple(evidence),
    )


def _longest(found: list[_Match]) -> list[_Match]:
    """Per layer, keep the longest matches that do not overlap (ties: leftmost)."""
    out: list[_Match] = []
    by_layer: dict[tuple[str, int], list[_Match]] = defaultdict(list)
    for m in found:
        by_layer[m.field, m.layer].append(m)
    for group in by_layer.values():
        starts: list[int] = []
        ends: list[int] = []
        for m in sorted(group, key=lambda m: (-m.length, m.n_start)):
            i = bisect_left(starts, m.n_start)
            if i > 0 and ends[i - 1] > m.n_start:
                continue
            if i < len(starts) and starts[i] < m.n_end:
                continue
            starts.insert(i, m.n_start)
            ends.insert(i, m.n_end)
            out.append(m)
    out.sort(key=lambda m: (FIELDS.index(m.field), m.start))
    return out


_LAST_BREAK = re.compile(r".*[^\w'.-]", re.DOTALL)  # greedy: ends just after the last non-word char
_AFTER = re.compile(r"[ \t]*([\w'-]*)")
_WINDOW = 48  # words are short: look this far back for one


def _word_before(norm: NormalizedText, pos: int, skip: int = 0) -> tuple[str, int]:
    """The word ending before ``pos`` (normalized) and its start; skips ``skip`` more words."""
    text = norm.text
    word = ""
    i = pos
    for _ in range(skip + 1):
        lo = max(0, i - _WINDOW)
        seg = text[lo:i].rstrip(" \t")
        brk = _LAST_BREAK.match(seg)
        start = brk.end() if brk else 0
        word, i = seg[start:], lo + start
        if not word:
            break
    return word, i


def _word_after(norm: NormalizedText, pos: int) -> tuple[str, int]:
    found = _AFTER.match(norm.text, pos)
    if found is None:
        return "", pos
    return found.group(1), found.start(1)


def _orig_char(norm: NormalizedText, npos: int) -> str:
    o, _ = norm.span(npos, npos + 1)
    return norm.original[o : o + 1]


def _sentence_start(norm: NormalizedText, npos: int) -> bool:
    """True when only spaces, quotes or sentence punctuation come before ``npos``."""
    i = npos
    while i > 0 and norm.text[i - 1] in " \t\"'«»“”":
        i -= 1
    return i == 0 or norm.text[i - 1] in ".!?\n:;—-("


def _looks_like_person(
    norm: NormalizedText, m: _Match, before: tuple[str, int], after: tuple[str, int], cands: list[Entity]
) -> bool:
    word, pos = before
    if word in _PERSON_TITLES or word.rstrip(".") in _PERSON_TITLES:
        return True
    # "Michael Jordan": a capitalised word right before, not a function word, not sentence-initial.
    gap = norm.text[pos + len(word) : m.n_start]
    if (
        word
        and gap.strip() == ""
        and "\n" not in gap
        and word not in _NEUTRAL_BEFORE
        and _orig_char(norm, pos).isupper()
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
    if any(c.type == "country" for c in cands):
        return False
    # "Clinton said": a small city that speaks is a person.
    return (
        after[0] in _REPORTING and all(not c.capital for c in cands) and all(c.type == "city" for c in cands)
    )


def _acts(norm: NormalizedText, m: _Match) -> bool:
    """True when the name at ``m`` is the subject of a verb or a party to an exchange."""
    text = norm.text
    after, apos = _word_after(norm, m.n_end)
    if after.endswith(("'s", "'")) or text[m.n_end : m.n_end + 2] == "'s":
        return False  # "Moscow's Red Square": possessive, ambiguous; leave it a place
    if after in _ACTS_AFTER and text[m.n_end : apos].strip() == "":
        return True
    prev, ppos = _word_before(norm, m.n_start)
    if prev in _ARTICLES:
        prev, ppos = _word_before(norm, ppos)
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
    pos = m.n_start
    for skip in range(2):
        word, _ = _word_before(norm, pos, skip=skip)
        if word in _PERSON_ROLES:
            return True
    return False


@dataclass(slots=True)
class _Context:
    """Where the story's unambiguous places are: weights per country and subdivision."""

    countries: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    admin1: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    ids: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, ent: Entity, weight: float = 1.0) -> None:
        if not ent.country:
            return
        # A sub-national place says more about its country than the country's own name.
        self.countries[ent.country] += weight * (0.5 if ent.type == "country" else 1.0)
        if ent.type == "subdivision":
            self.admin1[ent.country, ent.id] += weight
        self.ids[ent.id] += 1

    def support(self, ent: Entity, *, exclude_self: bool = False) -> float:
        if not ent.country:
            return 0.0
        own = 0.0
        if exclude_self and self.ids.get(ent.id):
            own = self.ids[ent.id] * (0.5 if ent.type == "country" else 1.0)
        return max(0.0, self.countries.get(ent.country, 0.0) - own)


def _qualifiers(
    place_matches: list[tuple[_Match, list[Entity]]], norms: dict[TextField, NormalizedText]
) -> dict[int, set[str]]:
    """'Paris, Texas' / 'London (Ontario)': countries that the next name gives to a name."""
    out: dict[int, set[str]] = {}
    for (m, _), (nxt, ncands) in pairwise(place_matches):
        if nxt.field != m.field:
            continue
        gap = norms[m.field].text[m.n_end : nxt.n_start]
        if gap.strip() in {",", "("} and len(gap) <= 3:
            subs = [c for c in ncands if c.country and c.type == "subdivision"]
            out[id(m)] = {c.country for c in subs if c.country} | {c.id for c in subs}
    return out


def _qualifies(ent: Entity, qualifiers: set[str]) -> bool:
    """Does 'X, <qualifier>' fit this reading of X.

    The country must match; where GeoNames' admin1 code is the ISO one (US states:
    "Glasgow, Mont." is not Glasgow, Ky.), so must the state.
    """
    if ent.type == "country" or ent.country not in qualifiers:
        return False
    subs = {q for q in qualifiers if q.startswith(f"{ent.country}-")}
    return ent.type != "city" or not subs or ent.country != "US" or f"US-{ent.admin1}" in subs


def _resolve(
    cands: list[Entity],
    context: _Context,
    qualifiers: set[str],
    prior: Callable[[Entity], float],
    *,
    exclude_self: bool = False,
) -> tuple[Entity, float, bool | None]:
    """The likeliest reading of a place name, its confidence, and whether it is corroborated.

    Corroborated is None for a likely namesake we do not know (kept in ``unresolved``).
    """
    scored = []
    for c in cands:
        support = context.support(c, exclude_self=exclude_self)
        s = prior(c) + _CONTEXT_WEIGHT * math.log10(1 + support)
        if _qualifies(c, qualifiers):
            s += _QUALIFIER_BONUS
        if c.type == "city" and context.admin1.get((c.country or "", f"{c.country}-{c.admin1}")):
            s += _ADMIN1_BONUS
        scored.append((s, support, c))
    scored.sort(key=lambda x: (-x[0], x[2].id))
    best_score, support, best = scored[0]
    corroborated = (
        best.type != "city"
        or best.capital
        or best.population >= _CORROBORATE_BELOW
        or support > 0
        or _qualifies(best, qualifiers)
    )
    # A foreign town in a story anchored elsewhere ("Edmonton" in a Queensland story) is
    # likelier a namesake we do not know than the far-away city: leave it unresolved.
    if best.type == "city" and not best.capital and support == 0 and not _qualifies(best, qualifiers):
        anchor = max(context.countries.values(), default=0.0)
        if anchor >= _FOREIGN_ANCHOR:
            return best, 0.0, None
    runner = next((s for s, _, c in scored[1:] if c.country != best.country), None)
    if runner is None:
        return best, 0.9, corroborated
    margin = best_score - runner
    return best, round(0.55 + 0.4 * (1 - math.exp(-margin / 2.0)), 3), corroborated


_NAME_AFTER = re.compile(r"[ \t]+([^\W\d_][\w'’.-]*(?:[ ][^\W\d_][\w'’.-]*)*)")


def _unresolved(
    norms: dict[TextField, NormalizedText], matches: list[_Match], namesakes: list[_Match]
) -> tuple[Mention, ...]:
    """Capitalised names after "in"/"near"/"под"... that no match covers, and the namesakes."""
    covered = {fld: bytearray(len(norm.original)) for fld, norm in norms.items()}
    for m in matches:
        if m.layer < 3:
            covered[m.field][m.start : m.end] = b"\x01" * (m.end - m.start)
    out: list[Mention] = [Mention(field=m.field, start=m.start, end=m.end, text=m.surface) for m in namesakes]
    for fld, norm in norms.items():
        orig = norm.original
        cov = covered[fld]
        # str.find per cue word is far cheaper than one regex alternation tried at every position.
        scan = scan_form(norm.text) + " "
        for cue in _UNRESOLVED_CUES:
            needle = f" {cue} "
            i = scan.find(needle)
            while i >= 0:
                _, cue_end = norm.span(i, i + len(cue))
                i = scan.find(needle, i + 1)
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
                if text and not any(cov[start:end]):
                    out.append(Mention(field=fld, start=start, end=end, text=text))
    return tuple(sorted(set(out), key=lambda x: (FIELDS.index(x.field), x.start)))


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
