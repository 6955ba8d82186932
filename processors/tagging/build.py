"""Step 4 of tagging: the tags, built from what the steps before collected.

Tags and mentions are built without validation (what ``model_construct`` does for a model
given every field), the fastest way that builds what pydantic builds: checked at import
(``construct``). Tags are sorted with C-level keys; confidences are rounded through a small
bounded memo (``round3``).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter, itemgetter
from typing import Any, Final, Protocol, TypeVar

from pydantic import BaseModel

from processors.kb import OFFICE, Entity, Kind, KnowledgeBase, Relation
from processors.tagging.scan import FIELDS, Match, Span
from schemas.models import Geo, Mention, Tag, TextField

MAX_TAG_ALIASES: Final = 12


class Collector:
    """Mention spans, evidence and best score gathered per entity id, then turned into Tags."""

    __slots__ = ("evidence", "score", "spans")

    def __init__(self) -> None:
        # Not a dataclass: see Match (four of these per story).
        self.spans: dict[str, dict[Span, None]] = {}  # an ordered set per entity
        self.evidence: dict[str, list[str]] = {}
        self.score: dict[str, float] = {}  # absent: 0.0

    def add(self, entity_id: str, span: Span | None, score: float, evidence: str | None = None) -> None:
        """One mention of ``entity_id`` (``span`` None: no mention, evidence only)."""
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


# A title after one of these names someone who held the office before ("former NATO chief").
_BEFORE_TITLE: Final = frozenset(
    {
        "former",
        "ex",
        "then",
        "late",
        "outgoing",
        "ancien",
        "ancienne",
        "ex-",
        "ehemalige",
        "ehemaliger",
        "ehemaligen",
        "frühere",
        "früherer",
        "früheren",
        "damalige",
        "damaliger",
        "damaligen",
        "antiguo",
        "antigua",
        "entonces",
        "antigo",
        "antiga",
        "então",
        "allora",
        "l'allora",
        "były",
        "byłego",
        "byłym",
        "była",
        "ówczesny",
        "ówczesnego",
        "бывший",
        "бывшего",
        "бывшим",
        "экс",
        "тогдашний",
        "колишній",
        "колишнього",
        "колишнім",
    }
)


_NOBODY: Final[frozenset[str]] = frozenset()


class Offices:
    """Who held each office when, from every actor's roles: a title names its holder on a date."""

    __slots__ = ("_ever", "_holders")

    def __init__(self, kb: KnowledgeBase) -> None:
        by_name = {e.name: e.id for e in kb.entities.values() if e.kind is Kind.ACTOR and e.type == OFFICE}
        holders: dict[str, list[tuple[str, str, str]]] = {}
        for ent in kb.entities.values():
            if ent.kind is Kind.ACTOR and ent.type != OFFICE:
                for role in ent.roles:
                    oid = by_name.get(role.role)
                    if oid is not None:
                        holders.setdefault(oid, []).append((role.start or "", role.end or "9999", ent.id))
        self._holders = holders
        # Per office, everyone who held it: asked for each title a story names.
        self._ever = {office: frozenset(actor for _, _, actor in held) for office, held in holders.items()}

    def ever_held(self, office: str) -> frozenset[str]:
        """Every actor known to have held ``office``, at any time."""
        return self._ever.get(office, _NOBODY)

    def holder(self, office: str, on: str) -> str | None:
        """The actor who held ``office`` on the ISO date ``on`` (the latest to start, if several)."""
        best: str | None = None
        best_start = ""
        for start, end, actor in self._holders.get(office, ()):
            if start <= on < end and (best is None or start > best_start):
                best, best_start = actor, start
        return best


def title_stands_alone(m: Match) -> bool:
    """Whether a title names the office's holder: not a former one, and no name right after it."""
    text = m.text
    i = m.end
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    if i < n and text[i].isupper():
        return False  # "NATO chief Jens Stoltenberg": the name says who, and is tagged as such
    j = m.start
    while j > 0 and text[j - 1] == " ":
        j -= 1
    k = j
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in "-'"):
        k -= 1
    return text[k:j].casefold() not in _BEFORE_TITLE


def collect_others(  # noqa: PLR0917 - one call site, the tagger's
    matches: list[Match],
    entities: dict[str, Entity],
    actors: Collector,
    regions: Collector,
    topics: Collector,
    offices: Offices | None = None,
    on: str | None = None,
) -> None:
    """Actors, region phrases and topic triggers: their matches are their mentions.

    A title ("the NATO chief") is a mention of its office's organisation and, on the story's
    date ``on``, of the office's holder.
    """
    topic_spans = topics.spans
    titles: list[tuple[Match, Entity, Span]] = []
    for m in matches:
        layer = m.layer
        if not layer:
            continue  # places: see places.Places
        span = (m.rank, m.start, m.end)
        if layer == 3:
            # topics.add(s.entity, span, 0.0): a topic's score is never used.
            for s in m.reading.senses:
                bucket = topic_spans.get(s.entity)
                if bucket is None:
                    bucket = topic_spans[s.entity] = {}
                bucket[span] = None
        elif layer == 1:
            _actor(m, span, entities, actors, titles)
        else:
            for s in m.reading.senses:
                regions.add(s.entity, span, 0.9)
    # Titles last: whom a title names depends on the people the story names (see _title).
    for m, office, span in titles:
        _title(m, office, span, actors, offices, on)


def _actor(
    m: Match,
    span: Span,
    entities: dict[str, Entity],
    actors: Collector,
    titles: list[tuple[Match, Entity, Span]],
) -> None:
    """An actor name's senses: the actor, a metonym's state, or a title (kept for the end)."""
    for s in m.reading.senses:
        ent = entities[s.entity]
        if s.relation is Relation.TITLE:
            titles.append((m, ent, span))
        elif s.relation is Relation.METONYM:
            actors.add(ent.id, span, 0.85, f"metonym: {m.surface}")
        else:
            full = " " in m.surface.strip() or ent.type != "person"
            actors.add(ent.id, span, 0.95 if full else 0.8)


def _title(  # noqa: PLR0917 - collect_others' step, its state passed on
    m: Match, office: Entity, span: Span, actors: Collector, offices: Offices | None, on: str | None
) -> None:
    """A title: a mention of its office's organisation, and of the holder on the story's date.

    When the story names someone who held the office at some time ("The Secretary General of
    NATO, Jens Stoltenberg, …"), the title is theirs: the story's date may be only the day it was
    ingested, and an article that names its office-holder is about that person, not the one who
    holds the office today.
    """
    for org in office.members:
        actors.add(org, span, 0.8)
    if offices is None or not title_stands_alone(m):
        return
    holder = offices.holder(office.id, on) if on is not None else None
    named = sorted(offices.ever_held(office.id).intersection(actors.spans))
    if named and holder not in named:
        # Several named holders and none holds it on the date: each may be meant.
        for person in named:
            actors.add(person, span, 0.75, f"title: {m.surface} ({office.name}, named in the story)")
        return
    if holder is not None:
        actors.add(holder, span, 0.75, f"title: {m.surface} ({office.name} on {on})")


def tag_places(
    places: Collector, texts: dict[TextField, str], entities: dict[str, Entity]
) -> tuple[Tag, ...]:
    """The place tags: a demonym's evidence only where the place is not named as well."""
    tags = []
    scores = places.score
    evidence_of = places.evidence
    for eid, spans in places.spans.items():
        score = scores.get(eid, 0.0)
        evidence = evidence_of.get(eid, [])
        if spans and "demonym" in evidence and score > 0.5:
            evidence.remove("demonym")  # named as well: the demonyms only add support
        boost = 0.05 * max(0, len(spans) - 1)
        tags.append(make_tag(entities[eid], mentions_of(spans, texts), min(1.0, score + boost), evidence))
    return sorted_tags(tags)


def tag_entities(
    col: Collector, texts: dict[TextField, str], entities: dict[str, Entity], on: str | None = None
) -> tuple[Tag, ...]:
    """Region or actor tags (people with their roles on the story's date ``on``)."""
    tags = []
    scores = col.score
    evidence_of = col.evidence
    for eid, spans in col.spans.items():
        ent = entities[eid]
        evidence = evidence_of.get(eid, [])
        if ent.roles:
            evidence = [*evidence, *roles_on(ent, on)]
        tags.append(
            make_tag(
                ent,
                mentions_of(spans, texts),
                min(1.0, scores.get(eid, 0.0) + 0.02 * max(0, len(spans) - 1)),
                evidence,
                aliases=ent.aliases[:MAX_TAG_ALIASES],
            )
        )
    return sorted_tags(tags)


def tag_topics(col: Collector, texts: dict[TextField, str], entities: dict[str, Entity]) -> tuple[Tag, ...]:
    """Topic tags, with every alias: each distinct trigger word adds evidence; one word alone is weak."""
    tags = []
    for eid, spans in col.spans.items():
        ms = mentions_of(spans, texts)
        # The mentions' texts, read from the fields (a model's attribute is a slower read).
        distinct = len({texts[FIELDS[r]][s:e].casefold() for r, s, e in spans})
        confidence = round3(1.0 - 0.5 ** (distinct + 0.5 * (len(ms) - distinct)))
        ent = entities[eid]
        # Every alias: a ``topic:`` clause matches a tag's id, name or aliases (alerts.query).
        tags.append(make_tag(ent, ms, confidence, (), aliases=ent.aliases))
    return sorted_tags(tags)


class RegionMembers:
    """The regions that have members, and which regions each member id belongs to.

    A story names a few places: ``regions_by_members`` looks only at the regions of those, not
    at every region and its members (the Russia-Ukraine border zone lists 440 places).
    """

    __slots__ = ("always", "by_country", "by_member", "positions", "regions")

    def __init__(self, regions: list[Entity]) -> None:
        self.regions = regions
        # Per member id, the regions (their indices) it is a member of; per two-letter id, those
        # it is a member country of; per region, where each member first comes in its list.
        self.by_member: dict[str, list[int]] = {}
        self.by_country: dict[str, list[int]] = {}
        self.positions: list[dict[str, int] | None] = []
        for i, ent in enumerate(regions):
            for mid in dict.fromkeys(ent.members):
                self.by_member.setdefault(mid, []).append(i)
                if len(mid) == 2:
                    self.by_country.setdefault(mid, []).append(i)
            pos: dict[str, int] = {}
            for k, mid in enumerate(ent.members):
                pos.setdefault(mid, k)
            # A member listed twice counts twice: such a region keeps the plain walk (None).
            self.positions.append(pos if len(pos) == len(ent.members) else None)
        # Regions that need no member at all (none so far): looked at in every story.
        self.always = [i for i, ent in enumerate(regions) if ent.min_members <= 0]

    def found(self, named: set[str], present: set[str]) -> dict[int, set[str]]:
        """The regions (indices) with a member ``named`` or a member country ``present``, and those."""
        found: dict[int, set[str]] = {}
        for mid in named:
            for i in self.by_member.get(mid, ()):
                hits = found.get(i)
                if hits is None:
                    found[i] = {mid}
                else:
                    hits.add(mid)
        for code in present:
            if len(code) == 2:
                for i in self.by_country.get(code, ()):
                    hits = found.get(i)
                    if hits is None:
                        found[i] = {code}
                    else:
                        hits.add(code)
        return found


def regions_by_members(
    region_members: RegionMembers,
    entities: dict[str, Entity],
    place_tags: tuple[Tag, ...],
    regions: Collector,
) -> None:
    """Regions with enough of their members among the places (or their countries)."""
    named = {t.id for t in place_tags}
    present = named | {t.country for t in place_tags if t.country and t.type != "country"}
    found = region_members.found(named, present)
    all_regions = region_members.regions
    for i in sorted(found.keys() | region_members.always) if region_members.always else sorted(found):
        ent = all_regions[i]
        got = found.get(i)
        pos = region_members.positions[i]
        if got is None:
            hit: list[str] = []
        elif pos is None:
            hit = [mid for mid in ent.members if mid in named or (len(mid) == 2 and mid in present)]
        else:
            # In the order of the region's members, as the walk over them gives.
            hit = sorted(got, key=pos.__getitem__)
        if len(hit) >= ent.min_members:
            names = [entities[h].name for h in hit if h in entities]
            regions.add(ent.id, None, min(0.9, 0.5 + 0.1 * len(hit)), "members: " + ", ".join(names))


# --- tags and mentions ---------------------------------------------------------------


def sorted_tags(tags: list[Tag]) -> tuple[Tag, ...]:
    """By confidence, highest first, then id: two stable sorts with C-level keys."""
    tags.sort(key=_tag_id)
    tags.sort(key=_tag_confidence, reverse=True)
    return tuple(tags)


_tag_id: Final = attrgetter("id")
_ROUNDED: Final[dict[float, float]] = {}


def round3(x: float) -> float:
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


def mentions_of(spans: dict[Span, None], texts: dict[TextField, str]) -> tuple[Mention, ...]:
    """Mentions in story order (spans that start together: in the order they were found)."""
    ordered: Iterable[Span] = spans
    if len(spans) > 1:
        # Spans mostly come in story order already: then the stable sort would keep them as
        # they are, and a look at each costs less than sorting with a key per span.
        last_r = last_s = -1
        for r, s, _e in spans:
            if r < last_r or (r == last_r and s < last_s):
                ordered = sorted(spans, key=_span_order)
                break
            last_r, last_s = r, s
    out = []
    for r, s, e in ordered:
        f = FIELDS[r]
        out.append(make_mention(f, s, e, texts[f][s:e]))
    return tuple(out)


_span_order: Final = itemgetter(0, 1)


def roles_on(ent: Entity, on: str | None) -> list[str]:
    """A person's roles, as evidence: those held on the story's date when it has one."""
    return [
        f"{r.role} ({r.start or '?'}–{r.end or 'now'})"
        for r in ent.roles
        if on is None or ((r.start or "") <= on and (r.end is None or on < r.end))
    ]


def make_tag(
    ent: Entity,
    mentions: tuple[Mention, ...],
    confidence: float,
    evidence: Iterable[str],
    aliases: tuple[str, ...] = (),
) -> Tag:
    """The tag of ``ent`` (valid by construction: no validation)."""
    clamped = min(1.0, confidence)
    values = {
        "id": ent.id,
        "name": ent.name,
        "type": ent.type,
        "aliases": aliases,
        "country": ent.country,
        "confidence": round3(clamped) if clamped > 0.0 else 0.0,  # round(max(0.0, clamped), 3)
        "mentions": mentions,
        "evidence": tuple(evidence),
        "geo": geo_of(ent) if ent.kind is Kind.PLACE else None,
    }
    return slot_construct(Tag, values, TAG_FIELDS) if _SLOTS else construct(Tag, values, TAG_FIELDS)


# One Geo per place, built once: a place's point and path never change while the KB is loaded.
_GEO: Final[dict[str, Geo]] = {}
_FEATURE: Final = {"city": "P"}


def geo_of(ent: Entity) -> Geo:
    """A place's coordinates, feature class, population, admin path and GeoNames id."""
    geo = _GEO.get(ent.id)
    if geo is None or geo.lat != ent.lat or geo.lon != ent.lon:  # another KB's place of that id
        path: tuple[str, ...] = ()
        if ent.type != "country" and ent.country:
            path = (ent.country, ent.parent) if ent.parent else (ent.country,)
        values = {
            "lat": ent.lat,
            "lon": ent.lon,
            "feature": _FEATURE.get(ent.type, "A"),
            "population": ent.population,
            "path": path,
            "geonames_id": ent.geonames_id or None,
        }
        geo = construct(Geo, values, GEO_FIELDS)
        _GEO[ent.id] = geo
    return geo


def make_mention(fld: TextField, start: int, end: int, text: str) -> Mention:
    """A Mention of a span the tagger found (valid by construction: no validation)."""
    values = {"field": fld, "start": start, "end": end, "text": text}
    # The fast builder called natively (``construct`` is an object: a generic call each time).
    return (
        slot_construct(Mention, values, MENTION_FIELDS)
        if _SLOTS
        else construct(Mention, values, MENTION_FIELDS)
    )


_ModelT = TypeVar("_ModelT", bound=BaseModel)


class _Construct(Protocol):
    def __call__(self, cls: type[_ModelT], values: dict[str, Any], fields: set[str], /) -> _ModelT: ...


# Every field, as the fields set of every Mention and Tag the tagger builds: one set shared by
# all of them. Pydantic changes a fields set in place only to add a field just assigned, which
# a frozen model refuses and which is in the set already; copies (model_copy) get their own.
MENTION_FIELDS: Final = set(Mention.model_fields)
TAG_FIELDS: Final = set(Tag.model_fields)
GEO_FIELDS: Final = set(Geo.model_fields)


def slot_construct(cls: type[_ModelT], values: dict[str, Any], fields: set[str], /) -> _ModelT:
    """``cls.model_construct(**values)`` for ``values`` naming every field, at a quarter of the cost.

    Tags and mentions are built from knowledge-base entries and spans that are valid by
    construction, dozens per story; pydantic's ``model_construct`` spends most of its time
    on defaults and aliases that never apply here. This does what it does for such a model:
    a new instance, its ``__dict__`` (``values``, not copied), and BaseModel's three slots
    (``fields``, not copied: see ``MENTION_FIELDS``). Checked against pydantic at import
    (see ``_choose_construct``). A C builder without a Python call per slot spent ~9% fewer
    instructions per story; it was dropped as not worth its upkeep (processors/README.md).
    """
    obj = _object_new(cls)
    _set_dict(obj, values)
    _set_fields(obj, fields)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def model_construct(cls: type[_ModelT], values: dict[str, Any], fields: set[str], /) -> _ModelT:
    """``cls.model_construct(**values)``: pydantic's own way, the last resort."""
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
        for cls in (Tag, Mention, Geo)
    ):
        return False
    values: dict[str, Any] = {"field": "body", "start": 0, "end": 1, "text": "x"}
    mention_ref = Mention(**values)
    geo_values: dict[str, Any] = {
        "lat": 1.5,
        "lon": -2.5,
        "feature": "P",
        "population": 3,
        "path": ("FR", "FR-IDF"),
        "geonames_id": 4,
    }
    geo_ref = Geo(**geo_values)
    tag_values: dict[str, Any] = {
        "id": "x",
        "name": "X",
        "type": "city",
        "aliases": ("y",),
        "country": "FR",
        "confidence": 0.5,
        "mentions": (mention_ref,),
        "evidence": ("z",),
        "geo": geo_ref,
    }
    tag_ref = Tag(**tag_values)
    try:
        built = [
            construct(Mention, dict(values), MENTION_FIELDS),
            construct(Tag, dict(tag_values), TAG_FIELDS),
            construct(Geo, dict(geo_values), GEO_FIELDS),
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
        for got, ref in zip(built, (mention_ref, tag_ref, geo_ref), strict=True)
    )


def _choose_construct() -> _Construct:
    """The fastest way to build models that builds what pydantic would: slots, or pydantic."""
    if _builds_like_pydantic(slot_construct):
        return slot_construct
    return model_construct


construct: Final = _choose_construct()
# Whether ``construct`` is ``slot_construct``: the hot paths then call it natively.
_SLOTS: Final = construct is slot_construct
