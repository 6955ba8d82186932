"""Schema compatibility: what a consumer of a released schema may rely on, checked mechanically.

The policy (README, Contracts): within a major version (``schema_version``) the only change allowed
is a new optional field; schemas are published open (no ``additionalProperties: false``), so a
consumer validating against an older snapshot accepts messages with fields it does not know. Any
other change to what a valid message is breaks someone: a removed field or one made optional
breaks consumers that read it; a new required field, or one made required, breaks readers of the
records already in the topics; a changed type, constraint or enum breaks one side or the other.

Why our own checker: the JSON Schema diff tools on the registries report differences, not whether
they break a reader; the rule above is short over the subset of JSON Schema that pydantic emits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from schemas.models import SCHEMA_VERSION

RELEASED = Path(__file__).with_name("released")
#: Keywords that document but do not constrain: changing them breaks nobody.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "$id", "$schema"})
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def open_content(schema: Any) -> Any:
    """``schema`` without ``additionalProperties: false`` anywhere: consumers tolerate new fields."""
    if isinstance(schema, dict):
        return {
            k: open_content(v) for k, v in schema.items() if not (k == "additionalProperties" and v is False)
        }
    if isinstance(schema, list):
        return [open_content(v) for v in schema]
    return schema


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """How ``new`` breaks a consumer of ``old`` (empty: compatible); each entry names the place."""
    out: list[str] = []
    _compare(_Resolver(old), old, _Resolver(new), new, "", out, frozenset())
    return out


class _Resolver:
    """Follows the local ``$ref`` of one document (``#/$defs/X``, ``#/components/schemas/X``)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def __call__(self, schema: Any) -> tuple[Any, str | None]:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            return schema, None
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return ({**node, **rest} if rest else node), ref


def _compare(  # noqa: PLR0917 - the walk's state, passed down
    ro: _Resolver, old: Any, rn: _Resolver, new: Any, where: str, out: list[str], seen: frozenset[str]
) -> None:
    old, old_ref = ro(old)
    new, _ = rn(new)
    if old_ref is not None and old_ref in seen:
        return  # a recursive model: compared once already on this path
    seen = seen | {old_ref} if old_ref is not None else seen
    if not (isinstance(old, dict) and isinstance(new, dict)):
        if old != new:
            out.append(f"{where or '/'}: changed from {old!r} to {new!r}")
        return
    _compare_properties(ro, old, rn, new, where, out, seen)
    for key in sorted((set(old) | set(new)) - _ANNOTATIONS - {"properties", "required", "$defs"}):
        _compare_keyword(ro, rn, key, (old.get(key), new.get(key)), where, out, seen)


def _compare_keyword(  # noqa: PLR0917 - the walk's state, passed down
    ro: _Resolver,
    rn: _Resolver,
    key: str,
    pair: tuple[Any, Any],
    where: str,
    out: list[str],
    seen: frozenset[str],
) -> None:
    a, b = pair
    if isinstance(a, list) and isinstance(b, list) and key in {"anyOf", "oneOf", "allOf", "prefixItems"}:
        if len(a) != len(b):
            out.append(f"{where}/{key}: {len(a)} alternatives became {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(ro, x, rn, y, f"{where}/{key}/{i}", out, seen)
    elif isinstance(a, dict) and isinstance(b, dict):
        _compare(ro, a, rn, b, f"{where}/{key}", out, seen)
    elif key == "enum" and isinstance(a, list) and isinstance(b, list):
        if gone := [v for v in a if v not in b]:
            out.append(f"{where}: enum lost {gone} (records already written carry them)")
        if added := [v for v in b if v not in a]:
            out.append(f"{where}: enum gained {added} (consumers of the released schema refuse them)")
    elif a != b:
        out.append(f"{where}/{key}: {a!r} became {b!r}")


def _compare_properties(  # noqa: PLR0917 - the walk's state, passed down
    ro: _Resolver,
    old: dict[str, Any],
    rn: _Resolver,
    new: dict[str, Any],
    where: str,
    out: list[str],
    seen: frozenset[str],
) -> None:
    props_old, props_new = old.get("properties", {}), new.get("properties", {})
    req_old, req_new = set(old.get("required", ())), set(new.get("required", ()))
    for name, schema in props_old.items():
        if name not in props_new:
            out.append(f"{where}/{name}: removed")
            continue
        if name in req_old and name not in req_new:
            out.append(f"{where}/{name}: was required, now optional")
        if name in req_new and name not in req_old:
            out.append(f"{where}/{name}: was optional, now required")
        _compare(ro, schema, rn, props_new[name], f"{where}/{name}", out, seen)
    out.extend(
        f"{where}/{name}: new required field"
        for name in props_new
        if name not in props_old and name in req_new
    )


def released_versions(directory: Path = RELEASED) -> list[tuple[int, int]]:
    """The released versions (major, minor) kept as snapshots, oldest first."""
    if not directory.is_dir():
        return []
    found = (_VERSION.match(p.name) for p in directory.iterdir() if p.is_dir())
    return sorted((int(m[1]), int(m[2])) for m in found if m)


def load(version: tuple[int, int], directory: Path = RELEASED) -> dict[str, dict[str, Any]]:
    """File name → schema of one released snapshot."""
    folder = directory / f"{version[0]}.{version[1]}"
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def check_released(current: dict[str, str], directory: Path = RELEASED) -> list[str]:
    """What in ``current`` (file name → schema text) breaks the newest snapshot of this major version.

    A new major version has no snapshot yet: nothing to break (its first release takes one).
    """
    same_major = [v for v in released_versions(directory) if v[0] == SCHEMA_VERSION]
    if not same_major:
        return []
    out: list[str] = []
    for name, schema in load(same_major[-1], directory).items():
        if name not in current:
            out.append(f"{name}: the message is no longer published")
            continue
        out.extend(f"{name}{problem}" for problem in breaking_changes(schema, json.loads(current[name])))
    return out


def current_version(directory: Path = RELEASED) -> str:
    """``<major>.<minor>``: the newest snapshot if the schemas equal it, else the next minor."""
    from schemas.generate import render  # noqa: PLC0415 - generate imports this module

    same_major = [v for v in released_versions(directory) if v[0] == SCHEMA_VERSION]
    if not same_major:
        return f"{SCHEMA_VERSION}.0"
    newest = same_major[-1]
    rendered = {n: json.loads(t) for n, t in render().items()}
    return f"{newest[0]}.{newest[1] + (rendered != load(newest, directory))}"


def release(directory: Path = RELEASED) -> Path:
    """Keep the current schemas as a snapshot of the current version (check :func:`check_released` first)."""
    from schemas.generate import render  # noqa: PLC0415 - generate imports this module

    folder = directory / current_version(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (folder / name).write_text(text)
    return folder
