"""Knowledge of one's own: the actors, aliases, regions and topics operators and analysts add.

Pure, data in and data out. Additions are :class:`schemas.KnowledgeEntry` records, kept in the
compacted ``knowledge`` topic (key: entity id); :class:`Additions` is that topic's store. With the
id of a packaged entity an entry adds aliases (an actor's roles, a topic's triggers); with a new
id it adds an actor, a region or a topic. :func:`overlay` makes the knowledge base the tagger is
built from: the packaged one, left untouched, plus the entries that apply.

:func:`resolve` answers ``wirewatch kb lookup NAME``; :class:`Vocabulary` tells whether a
subscription's ``actor:``/``place:``/``region:``/``topic:``/``country:`` value names anything the
tagger can tag, and suggests close names when it does not (``actor:NATOO`` → NATO).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError
from rapidfuzz import fuzz, process

from processors.errors import KnowledgeBaseError
from processors.kb import OFFICE, Case, Entity, Kind, KnowledgeBase, Relation, Role
from schemas.models import KnowledgeEntry

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "Additions",
    "Resolution",
    "ValueWarning",
    "Vocabulary",
    "check_entry",
    "overlay",
    "resolve",
]

_KINDS: Final = {"actor": Kind.ACTOR, "region": Kind.REGION, "topic": Kind.TOPIC, "place": Kind.PLACE}
_DEFAULT_TYPE: Final = {Kind.ACTOR: "organisation", Kind.REGION: "region", Kind.TOPIC: "subject"}
# Query fields and the kinds of entity whose tags they compare with (``country:`` takes an ISO
# code or a country's name).
_FIELD_KINDS: Final = {
    "actor": Kind.ACTOR,
    "place": Kind.PLACE,
    "region": Kind.REGION,
    "topic": Kind.TOPIC,
    "country": Kind.PLACE,
}
# rapidfuzz's ratio (normalized Indel similarity, 0-100): "natoo" → "nato" scores 89, "diplomcy" →
# "diplomacy" 94. Not WRatio: its partial matching suggests "Vasyl Kremin" for "Kremlin".
_SUGGEST_CUTOFF: Final = 80.0


def check_entry(base: KnowledgeBase, entry: KnowledgeEntry) -> None:
    """Raise :class:`KnowledgeBaseError` (one line, with context) if ``entry`` cannot apply to ``base``."""
    kind = _KINDS[entry.kind]
    existing = base.entities.get(entry.id)
    if existing is not None:
        if existing.kind is not kind:
            raise KnowledgeBaseError(
                f"{entry.id!r} is a {existing.kind.value} ({existing.name}), not a {entry.kind}",
                entry=entry.id,
            )
        return
    if kind is Kind.PLACE:
        raise KnowledgeBaseError(
            "places come from the gazetteer: add aliases to an existing place id "
            "(see `wirewatch kb lookup NAME`)",
            entry=entry.id,
        )
    if entry.name is None:
        raise KnowledgeBaseError(f"a new {entry.kind} needs a name", entry=entry.id)
    if kind is Kind.REGION:
        unknown = [m for m in entry.members if _place(base, m) is None]
        if not entry.members or unknown:
            raise KnowledgeBaseError(
                "a new region needs members that are known places or country codes"
                + (f"; unknown: {', '.join(unknown[:5])}" if unknown else ""),
                entry=entry.id,
            )
        if entry.min_members > len(entry.members):
            raise KnowledgeBaseError("min_members is larger than the number of members", entry=entry.id)
    if kind is Kind.TOPIC and not entry.triggers:
        raise KnowledgeBaseError("a new topic needs triggers (phrases that tag a story)", entry=entry.id)


def _place(base: KnowledgeBase, entity_id: str) -> Entity | None:
    entity = base.entities.get(entity_id)
    return entity if entity is not None and entity.kind is Kind.PLACE else None


def overlay(
    base: KnowledgeBase, entries: Iterable[KnowledgeEntry]
) -> tuple[KnowledgeBase, list[tuple[str, str]]]:
    """``base`` plus the entries that apply (``base`` is not changed), and ``(id, why)`` of the others."""
    kb = base.derive()
    rejected: list[tuple[str, str]] = []
    for entry in sorted(entries, key=lambda e: e.id):  # the same entries give the same base
        try:
            check_entry(base, entry)
        except KnowledgeBaseError as exc:
            rejected.append((entry.id, str(exc)))
            continue
        _apply(kb, entry)
    return kb, rejected


def _apply(kb: KnowledgeBase, entry: KnowledgeEntry) -> None:
    kind = _KINDS[entry.kind]
    roles = tuple(Role(r.role, r.org, r.start, r.end) for r in entry.roles)
    existing = kb.entities.get(entry.id)
    if existing is None:
        assert entry.name is not None  # check_entry refused entries without one
        entity = Entity(
            id=entry.id,
            name=entry.name,
            kind=kind,
            type=entry.type or _DEFAULT_TYPE[kind],
            country=entry.country,
            aliases=_unique(entry.aliases),
            members=tuple(entry.members),
            min_members=entry.min_members if entry.members else 0,
            roles=roles,
        )
        names: tuple[str, ...] = (entity.name, *entity.aliases)
    else:
        new = tuple(a for a in _unique(entry.aliases) if a not in existing.aliases and a != existing.name)
        # Added aliases first: a tag carries only its entity's first aliases (MAX_TAG_ALIASES),
        # and what one added is what one's queries say.
        entity = dataclasses.replace(
            existing, aliases=(*new, *existing.aliases), roles=(*existing.roles, *roles)
        )
        names = new
    kb.add(entity)
    if kind is Kind.TOPIC:
        # A topic's aliases are what a ``topic:`` clause may say (carried on its tags); its
        # triggers are what tags a story.
        for trigger in entry.triggers:
            kb.alias(trigger, entity.id, Relation.TRIGGER, Case.ANY)
        return
    relation = Relation.PHRASE if kind is Kind.REGION else Relation.NAME
    for name in names:
        kb.alias(name, entity.id, relation)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


class Additions:
    """The store of the ``knowledge`` topic: every entry by id (a changelog store that never writes)."""

    def __init__(self) -> None:
        self.entries: dict[str, KnowledgeEntry] = {}
        #: Bumped on every change, so a follower knows when to rebuild its tagger.
        self.version = 0

    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one record of the topic (``None`` deletes); a record that is no entry is refused."""
        if value is None:
            if self.entries.pop(key, None) is not None:
                self.version += 1
            return
        try:
            entry = KnowledgeEntry.from_bytes(value)
        except ValidationError as exc:
            raise KnowledgeBaseError("knowledge record is not a KnowledgeEntry", entry=key) from exc
        if entry.id != key:
            raise KnowledgeBaseError("knowledge record's key is not its entry's id", entry=key)
        if self.entries.get(key) != entry:
            self.entries[key] = entry
            self.version += 1

    def changes(self) -> list[tuple[str, bytes | None]]:
        """Nothing: entries are written by ``wirewatch kb`` and the API, not by processors."""
        return []

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a name resolves to: one entity, and how the name refers to it."""

    id: str
    name: str
    kind: str
    type: str
    relation: str
    country: str | None
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]
    members: tuple[str, ...]
    added: bool  # knowledge of one's own (an entry of the knowledge topic), not packaged


def resolve(kb: KnowledgeBase, name: str, *, added: Iterable[str] = ()) -> list[Resolution]:
    """Every entity ``name`` can mean (as an id, a name or an alias), most populous places first."""
    own = frozenset(added)
    found: dict[str, str] = {}
    if name in kb.entities:
        found[name] = "id"
    for sense in kb.lookup(name):
        found.setdefault(sense.entity, sense.relation.value)
    out = []
    for entity_id, relation in found.items():
        entity = kb.entities.get(entity_id)
        if entity is None:
            continue
        out.append(
            Resolution(
                id=entity.id,
                name=entity.name,
                kind=entity.kind.value,
                type=entity.type,
                relation=relation,
                country=entity.country,
                aliases=entity.aliases,
                roles=entity.roles,
                members=entity.members,
                added=entity.id in own,
            )
        )
    pop = {r.id: kb.entities[r.id].population for r in out}
    return sorted(out, key=lambda r: (r.kind != "actor", -pop[r.id], r.id))


@dataclass(frozen=True, slots=True)
class ValueWarning:
    """A query value that names nothing the knowledge base can tag, with close names."""

    field: str
    value: str
    message: str
    suggestions: tuple[str, ...]


class Vocabulary:
    """Every form the tags of each query field can carry, and the names to suggest from.

    ``norm`` is how queries normalize values (``alerts.text.norm_value``): a value is known when
    it equals the normalized id, name or an alias of an entity of the field's kind.
    """

    def __init__(self, kb: KnowledgeBase, norm: Callable[[str], str]) -> None:
        self._norm = norm
        forms: dict[Kind, set[str]] = defaultdict(set)
        names: dict[Kind, dict[str, str]] = defaultdict(dict)
        countries: set[str] = set()
        country_names: dict[str, str] = {}
        for entity in kb.entities.values():
            if entity.type == OFFICE:
                continue  # never a tag: a title tags the office's holder
            kind_forms = forms[entity.kind]
            for raw in (entity.id, entity.name, *entity.aliases):
                form = norm(raw)
                if form:
                    kind_forms.add(form)
            # Suggest by name (and an actor's, region's or topic's aliases: "the Kremlin").
            shown = (entity.name,) if entity.kind is Kind.PLACE else (entity.name, *entity.aliases)
            for raw in shown:
                names[entity.kind].setdefault(norm(raw), raw)
            if entity.kind is Kind.PLACE and entity.type == "country":
                for raw in (entity.id, entity.name, *entity.aliases):
                    countries.add(norm(raw))
                country_names.setdefault(norm(entity.name), entity.name)
        self._forms = {kind: frozenset(f) for kind, f in forms.items()}
        self._names = {kind: (list(n), list(n.values())) for kind, n in names.items()}
        self._countries = frozenset(countries)
        self._country_names = (list(country_names), list(country_names.values()))

    def known(self, field: str, value: str) -> bool:
        """Whether a tag of ``field`` can carry the (raw or normalized) ``value``."""
        form = self._norm(value)
        if field == "country":
            return form in self._countries
        kind = _FIELD_KINDS.get(field)
        return kind is None or form in self._forms.get(kind, frozenset())

    def suggest(self, field: str, value: str, limit: int = 3) -> tuple[str, ...]:
        """Up to ``limit`` names of the field's kind close to ``value``, best first."""
        if field == "country":
            keys, shown = self._country_names
        else:
            kind = _FIELD_KINDS.get(field)
            if kind is None or kind not in self._names:
                return ()
            keys, shown = self._names[kind]
        hits = process.extract(
            self._norm(value), keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=_SUGGEST_CUTOFF
        )
        return tuple(dict.fromkeys(shown[index] for _, _, index in hits))[:limit]

    def check(self, clauses: Iterable[tuple[str, str]]) -> list[ValueWarning]:
        """A warning for every ``(field, value)`` clause whose value names nothing the tagger knows."""
        out = []
        for field, value in clauses:
            if self.known(field, value):
                continue
            hint = self.suggest(field, value)
            message = f"{field}:{value!r}: no {field} of that name in the knowledge base"
            if field == "actor":
                message += " (it still matches a person or organisation tagged by that exact name)"
            if hint:
                message += "; did you mean " + " or ".join(repr(h) for h in hint) + "?"
            out.append(ValueWarning(field, value, message, hint))
        return out
