"""``wirewatch kb``: knowledge of one's own — look names up, add actors, aliases, regions and topics.

Entries go to the compacted ``knowledge`` topic (key: entity id); every running processor follows
it and tags with them without a restart (:class:`processors.service.LiveKnowledge`). An entry is
checked against the packaged knowledge base before it is written, so a bad one is refused here
with one line, not skipped later.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic import TypeAdapter, ValidationError

from schemas import KnowledgeEntry, KnowledgeRole
from wirewatch.cli import DataDir, Kafka, _fail, _first_problem, _serve, _settings
from wirewatch.errors import ConfigError, WirewatchError

if TYPE_CHECKING:
    from processors.kb import KnowledgeBase
    from processors.knowledge import Resolution
    from wirewatch.settings import Settings

kb_app: typer.Typer = typer.Typer(
    help="Knowledge of one's own: look names up; add actors, aliases, regions and topics (live).",
    no_args_is_help=True,
)

_ENTRIES = TypeAdapter(list[KnowledgeEntry])
Kind = Literal["actor", "region", "topic", "place"]


def _base() -> KnowledgeBase:
    from processors.kb import KnowledgeBase  # noqa: PLC0415 - seconds to load: only when asked

    return KnowledgeBase.load()


async def read_entries(settings: Settings) -> dict[str, KnowledgeEntry]:
    """Every entry of the knowledge topic, by id."""
    from processors.knowledge import Additions  # noqa: PLC0415
    from wirewatch.bus import open_bus, topic_specs  # noqa: PLC0415
    from wirewatch.state import replay  # noqa: PLC0415

    additions = Additions()
    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=settings.kafka.partitions))
        await replay(bus, settings.topics.knowledge, additions)
    return additions.entries


async def write_entries(settings: Settings, entries: list[KnowledgeEntry], deletes: list[str]) -> None:
    """Publish entries and tombstones, and wait until the bus has them all."""
    from wirewatch.bus import open_bus, topic_specs  # noqa: PLC0415
    from wirewatch.bus.base import deferred_acks  # noqa: PLC0415

    topic = settings.topics.knowledge
    async with open_bus(settings) as bus:
        await bus.ensure_topics(topic_specs(settings.topics, partitions=settings.kafka.partitions))
        async with deferred_acks() as acks:
            for entry in entries:
                await bus.publish(topic, entry.to_bytes(), key=entry.id.encode())
            for entry_id in deletes:
                await bus.publish(topic, None, key=entry_id.encode())
            await acks.flush()


def _entries(s: Settings) -> dict[str, KnowledgeEntry]:
    """The entries, or a one-line failure when the bus cannot be read."""
    try:
        return asyncio.run(read_entries(s))
    except WirewatchError as exc:
        raise _fail(exc) from exc


def check_all(base: KnowledgeBase, entries: list[KnowledgeEntry]) -> None:
    """Refuse the whole set (ConfigError, one line) if any entry cannot apply."""
    from processors.knowledge import check_entry  # noqa: PLC0415

    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ConfigError(f"entry {entry.id!r} is given twice")
        seen.add(entry.id)
        try:
            check_entry(base, entry)
        except WirewatchError as exc:
            raise ConfigError(f"entry {entry.id!r} refused: {exc}") from None


def _stamp(entry: KnowledgeEntry, who: str | None) -> KnowledgeEntry:
    return entry.model_copy(update={"updated_at": datetime.now(UTC), "added_by": entry.added_by or who})


def _role(spec: str) -> KnowledgeRole:
    """``ROLE[@ORG][:START[..END]]``, e.g. ``secretary general@NATO:2024-10-01``."""
    head, _, dates = spec.partition(":")
    role, _, org = head.partition("@")
    start, _, end = dates.partition("..")
    try:
        return KnowledgeRole(role=role.strip(), org=org.strip(), start=start or None, end=end or None)
    except ValidationError as exc:
        raise ConfigError(f"invalid role {spec!r}: {_first_problem(exc)}") from None


@kb_app.command("lookup")
def lookup(
    name: Annotated[str, typer.Argument(help="A name, alias or id, as a story or a query would say it.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per entity.")] = False,
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Show what a name resolves to: id, kind, type, roles, aliases (knowledge of one's own included)."""
    from processors.knowledge import overlay, resolve  # noqa: PLC0415

    entries = _entries(_settings(data_dir=data_dir, kafka=kafka))
    kb, _ = overlay(_base(), entries.values())
    found = resolve(kb, name, added=entries)
    if not found:
        typer.echo(f"wirewatch: {name!r} resolves to nothing in the knowledge base", err=True)
        raise typer.Exit(code=1)
    for r in found:
        typer.echo(json.dumps(_as_dict(r), ensure_ascii=False) if as_json else _as_text(r))


def _as_dict(r: Resolution) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind,
        "type": r.type,
        "by": r.relation,
        "country": r.country,
        "aliases": list(r.aliases),
        "roles": [{"role": x.role, "org": x.org, "start": x.start, "end": x.end} for x in r.roles],
        "members": list(r.members),
        "added": r.added,
    }


def _as_text(r: Resolution) -> str:
    lines = [
        f"{r.id}  {r.name}  ({r.kind}, {r.type}{', ' + r.country if r.country else ''}; by {r.relation})"
    ]
    if r.added:
        lines.append("  knowledge of one's own")
    if r.aliases:
        shown = ", ".join(r.aliases[:12]) + (f" … (+{len(r.aliases) - 12})" if len(r.aliases) > 12 else "")
        lines.append(f"  aliases: {shown}")
    for role in r.roles[-5:]:
        span = f"{role.start or '…'}..{role.end or 'now'}"
        lines.append(f"  role: {role.role}{' @ ' + role.org if role.org else ''}  {span}")
    if r.members:
        lines.append(f"  members: {', '.join(r.members)}")
    return "\n".join(lines)


@kb_app.command("add")
def add(
    entry_id: Annotated[str, typer.Argument(help="A new id (e.g. user:acme-drones), or a packaged one.")],
    kind: Annotated[Kind, typer.Option(help="actor, region, topic, or place (aliases only).")] = "actor",
    name: Annotated[str | None, typer.Option(help="The name (needed for a new entity).")] = None,
    entity_type: Annotated[str, typer.Option("--type", help="person, organisation, company…")] = "",
    alias: Annotated[list[str] | None, typer.Option(help="An alias (repeat for more).")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code.")] = None,
    role: Annotated[list[str] | None, typer.Option(help="ROLE[@ORG][:START[..END]] (repeat).")] = None,
    member: Annotated[list[str] | None, typer.Option(help="A region's place id or country code.")] = None,
    min_members: Annotated[int, typer.Option(help="A region: members a story must name.")] = 1,
    trigger: Annotated[list[str] | None, typer.Option(help="A topic's trigger phrase (repeat).")] = None,
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Add or replace an entry; running processors tag with it within seconds."""
    try:
        entry = KnowledgeEntry(
            id=entry_id,
            kind=kind,
            name=name,
            type=entity_type,
            country=country,
            aliases=tuple(alias or ()),
            roles=tuple(_role(r) for r in role or ()),
            members=tuple(member or ()),
            min_members=min_members,
            triggers=tuple(trigger or ()),
        )
    except ValidationError as exc:
        raise _fail(ConfigError(f"invalid entry: {_first_problem(exc)}")) from None
    except ConfigError as exc:
        raise _fail(exc) from None
    _write(_settings(data_dir=data_dir, kafka=kafka), [entry])
    typer.echo(entry.model_dump_json(exclude_defaults=True))


@kb_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="A JSON array of entries (see `wirewatch kb add`).")],
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Add every entry of a file (all or none: one bad entry refuses the file)."""
    try:
        entries = _ENTRIES.validate_json(path.read_bytes())
    except OSError as exc:
        raise _fail(ConfigError(f"cannot read {path}: {exc}")) from None
    except ValidationError as exc:
        raise _fail(ConfigError(f"invalid entries in {path}: {_first_problem(exc)}")) from None
    _write(_settings(data_dir=data_dir, kafka=kafka), entries)
    typer.echo(f"{len(entries)} entries written")


def _write(s: Settings, entries: list[KnowledgeEntry]) -> None:
    try:
        check_all(_base(), entries)
    except ConfigError as exc:
        raise _fail(exc) from None
    _serve(write_entries(s, [_stamp(e, "cli") for e in entries], []))


@kb_app.command("list")
def list_entries(data_dir: DataDir = None, kafka: Kafka = None) -> None:
    """Print every entry of knowledge of one's own, one JSON per line."""
    entries = _entries(_settings(data_dir=data_dir, kafka=kafka))
    for entry in sorted(entries.values(), key=lambda e: e.id):
        typer.echo(entry.model_dump_json(exclude_defaults=True))


@kb_app.command("remove")
def remove(
    entry_id: Annotated[str, typer.Argument(help="The id of an entry (see `wirewatch kb list`).")],
    data_dir: DataDir = None,
    kafka: Kafka = None,
) -> None:
    """Remove an entry (packaged knowledge stays); running processors drop it within seconds."""
    s = _settings(data_dir=data_dir, kafka=kafka)
    if entry_id not in _entries(s):
        raise _fail(ConfigError(f"no entry {entry_id!r}: nothing removed (see `wirewatch kb list`)"))
    _serve(write_entries(s, [], [entry_id]))


def query_warnings(settings: Settings, query: str) -> list[str]:
    """Why values of ``query`` may never match: names the knowledge base lacks, with close names."""
    from alerts.query import tag_values  # noqa: PLC0415
    from alerts.text import norm_value  # noqa: PLC0415
    from processors.knowledge import Vocabulary, overlay  # noqa: PLC0415

    clauses = tag_values(query)
    if not clauses:
        return []
    entries = asyncio.run(read_entries(settings))
    kb, _ = overlay(_base(), entries.values())
    return [w.message for w in Vocabulary(kb, norm_value).check(clauses)]
